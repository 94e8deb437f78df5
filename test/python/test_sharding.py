"""Sharding end to end: a mesh and a few shardings in, the per-device
programs run on in-process devices, numerically equal to the unsharded run
(relative error <= 1e-5); the collectives the report lists; bad shardings
named; the command-line flags. Under MPI: test_mpi.py. The tests marked
with the `target` fixture run on device targets too (OpenCL on PoCL here):
their collectives then work on device buffers."""

import json
import os
import shutil
import subprocess

import numpy as np
import pytest
import torch

import kiln
from kiln_testing import BIN, run_cli

pytestmark = pytest.mark.usefixtures("fusion")

MEGATRON = {"fc1.weight": ("tp", None), "fc1.bias": ("tp",),
            "fc2.weight": (None, "tp")}


class MLP(torch.nn.Module):
    """One transformer MLP block: fc1 (column-parallel under Megatron),
    gelu, fc2 (row-parallel)."""

    def __init__(self, width=32, hidden=128):
        super().__init__()
        self.fc1 = torch.nn.Linear(width, hidden)
        self.fc2 = torch.nn.Linear(hidden, width)

    def forward(self, x):
        return self.fc2(torch.nn.functional.gelu(self.fc1(x)))


class TwoBlocks(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.block0, self.block1 = MLP(), MLP()

    def forward(self, x):
        return self.block1(self.block0(x) + x)


def relative_error(actual, expected):
    return float(np.abs(actual - expected).max() / np.abs(expected).max())


def check(model, x, mesh, shardings):
    """Compiles `model` sharded, checks it against torch, returns the
    report's collectives."""
    expected = model(x).detach().numpy()
    compiled = kiln.compile(model, (x,), mesh=mesh, shardings=shardings)
    assert relative_error(compiled(x).numpy(), expected) <= 1e-5
    return compiled.report()["collectives"]


def all_reduces(collectives):
    return [step for step in collectives["steps"]
            if step["kind"] == "all_reduce"]


@pytest.mark.parametrize("tp", [2, 4])
@pytest.mark.usefixtures("target")
def test_megatron_mlp_has_one_all_reduce_of_the_activation(tp):
    torch.manual_seed(0)
    x = torch.randn(8, 32)
    collectives = check(MLP().eval(), x, {"tp": tp}, MEGATRON)
    # The analytic minimum: one all_reduce of the [8, 32] f32 activation.
    assert collectives["mesh"] == {"tp": tp}
    assert collectives["count"] == 1
    [step] = all_reduces(collectives)
    assert step["axes"] == ["tp"] and step["group"] == tp
    assert step["bytes"] == step["result_bytes"] == 8 * 32 * 4
    assert step["type"] == "f32[8,32]"
    assert "graph.matmul" in step["producer"]
    assert collectives["bytes"] == 8 * 32 * 4


def test_two_megatron_blocks_all_reduce_once_each():
    torch.manual_seed(1)
    shardings = {f"block{b}.{name}": spec for b in (0, 1)
                 for name, spec in MEGATRON.items()}
    collectives = check(TwoBlocks().eval(), torch.randn(4, 32), {"tp": 2},
                        shardings)
    assert [s["kind"] for s in collectives["steps"]] == ["all_reduce"] * 2


def test_data_parallel_needs_no_collective():
    torch.manual_seed(2)
    collectives = check(MLP().eval(), torch.randn(8, 32), {"dp": 2},
                        {0: ("dp", None)})
    assert collectives["steps"] == [] and collectives["bytes"] == 0


def test_megatron_on_a_data_parallel_mesh():
    torch.manual_seed(3)
    shardings = dict(MEGATRON)
    shardings["x"] = ("dp", None)  # by input name this time
    collectives = check(MLP().eval(), torch.randn(8, 32), {"dp": 2, "tp": 2},
                        shardings)
    [step] = all_reduces(collectives)
    # Each dp half of the batch is summed over its own tp pair.
    assert step["axes"] == ["tp"] and step["bytes"] == 4 * 32 * 4


@pytest.mark.usefixtures("target")
def test_transformer_encoder_layer_on_two_by_two():
    torch.manual_seed(4)
    layer = torch.nn.TransformerEncoderLayer(
        d_model=32, nhead=4, dim_feedforward=64, batch_first=True).eval()
    shardings = {0: ("dp", None, None), "linear1.weight": ("tp", None),
                 "linear1.bias": ("tp",), "linear2.weight": (None, "tp")}
    collectives = check(layer, torch.randn(4, 6, 32), {"dp": 2, "tp": 2},
                        shardings)
    # The feed-forward block's one all_reduce over tp.
    [step] = all_reduces(collectives)
    assert step["axes"] == ["tp"]


def test_data_parallel_cnn():
    # Convolutions, batch norm (kept unfused), pooling and the classifier
    # all split the batch: no collective.
    torch.manual_seed(8)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8),
        torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
        torch.nn.Linear(16, 10)).eval()
    collectives = check(model, torch.randn(4, 3, 16, 16), {"dp": 2},
                        {0: ("dp", None, None, None)})
    assert collectives["steps"] == []


class Embedder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(50, 16)
        self.proj = torch.nn.Linear(16, 8)

    def forward(self, ids):
        return self.proj(self.embed(ids))


@pytest.mark.parametrize("mesh,shardings", [
    ({"dp": 2}, {0: ("dp", None)}),
    ({"tp": 2}, {"embed.weight": (None, "tp"), "proj.weight": (None, "tp")}),
])
@pytest.mark.usefixtures("target")
def test_embedding_lookups(mesh, shardings):
    # Split ids: local lookups. A table split by embedding dim, followed by
    # a row-parallel projection: one all_reduce.
    torch.manual_seed(9)
    ids = torch.randint(0, 50, (4, 6))
    collectives = check(Embedder().eval(), ids, mesh, shardings)
    kinds = [step["kind"] for step in collectives["steps"]]
    assert kinds == ([] if "dp" in mesh else ["all_reduce"])


@pytest.mark.usefixtures("target")
def test_softmax_over_a_split_dim_gathers_it_first():
    # x split along the softmax axis: the rows are gathered, the result is
    # still exact.
    graph = kiln.Graph()
    x = graph.input("x", (4, 8), "f32")
    graph.output(graph.softmax(graph.add(x, x), axis=1))
    data = np.random.default_rng(5).standard_normal((4, 8)).astype(np.float32)
    compiled = kiln.compile(graph, mesh={"dp": 2}, shardings={"x": "_,dp"})
    expected = np.exp(2 * data) / np.exp(2 * data).sum(1, keepdims=True)
    assert relative_error(compiled(data), expected) <= 1e-5
    kinds = [s["kind"] for s in compiled.report()["collectives"]["steps"]]
    assert kinds == ["all_gather"]


def test_sharded_module_saves_and_loads(tmp_path):
    torch.manual_seed(6)
    model, x = MLP().eval(), torch.randn(8, 32)
    compiled = kiln.compile(model, (x,), mesh={"tp": 2}, shardings=MEGATRON)
    compiled.save(tmp_path / "mlp.kiln")
    loaded = kiln.load(tmp_path / "mlp.kiln")
    np.testing.assert_array_equal(loaded(x.numpy()), compiled(x).numpy())


@pytest.mark.parametrize("shardings,message", [
    ({"fc3.weight": ("tp", None)},
     "no input or weight named 'fc3.weight' to shard (inputs: x; weights: "
     "fc1.weight, fc1.bias, fc2.weight, fc2.bias)"),
    ({"fc1.weight": ("pp", None)},
     "the sharding of 'fc1.weight' names axis 'pp', which the mesh (tp=3) "
     "does not have"),
    ({"fc1.weight": ("tp", None)},
     "cannot split dim 0 of 'fc1.weight' (size 128) across axis 'tp' (3 "
     "devices): 128 is not a multiple of 3"),
    ({"fc1.weight": ("tp",)},
     "the sharding of 'fc1.weight' has 1 entry ('tp'); the tensor "
     "'tensor<128x32xf32>' has 2 dims"),
])
def test_bad_shardings_name_the_tensor_and_axis(shardings, message):
    with pytest.raises(kiln.CompileError) as error:
        kiln.compile(MLP().eval(), (torch.randn(2, 32),), mesh={"tp": 3},
                     shardings=shardings)
    assert message in str(error.value)


def test_bad_mesh_arguments():
    model, x = MLP().eval(), (torch.randn(2, 32),)
    with pytest.raises(ValueError, match="shardings need a mesh"):
        kiln.compile(model, x, shardings=MEGATRON)
    with pytest.raises(ValueError, match="mesh maps axis names to device "
                                         "counts"):
        kiln.compile(model, x, mesh={"tp": 0})


def test_command_line(tmp_path):
    torch.manual_seed(7)
    model, x = MLP().eval(), torch.randn(8, 32)
    onnx_path = tmp_path / "mlp.onnx"
    torch.onnx.export(model, (x,), onnx_path, input_names=["x"],
                      dynamo=False)
    artifact, report = tmp_path / "mlp.kiln", tmp_path / "report.json"
    run_cli(BIN / "kiln-compile", onnx_path, "-o", artifact, "--mesh", "tp=2",
            "--shard", "fc1.weight=tp,_", "--shard", "fc1.bias=tp",
            "--shard", "fc2.weight=_,tp", "--report", report)
    assert json.loads(report.read_text())["collectives"]["count"] == 1
    np.save(tmp_path / "x.npy", x.numpy())
    expected = model(x).detach().numpy()
    for i, devices in enumerate(
            ([], ["--devices", "2"], ["--devices", "cpu:0,cpu:1"])):
        out = tmp_path / f"out{i}"
        out.mkdir()
        run_cli(BIN / "kiln-run", artifact, "--input", tmp_path / "x.npy",
                "--output-dir", out, *devices)
        assert relative_error(np.load(out / "output_0.npy"), expected) <= 1e-5
    wrong = run_cli(BIN / "kiln-run", artifact, "--input", tmp_path / "x.npy",
                    "--devices", "4", check=False)
    assert wrong.returncode == 1
    assert ("is sharded over the mesh tp=2: it runs on 2 devices, not 4"
            in wrong.stderr)
    bad = run_cli(BIN / "kiln-run", artifact, "--devices", "gpu:0",
                  check=False)
    assert bad.returncode == 2 and "lists devices cpu:0,cpu:1" in bad.stderr
    unknown = run_cli(BIN / "kiln-compile", onnx_path, "-o", artifact,
                      "--mesh", "tp=2", "--shard", "fc9.weight=tp,_",
                      check=False)
    assert unknown.returncode == 1
    assert "no input or weight named 'fc9.weight'" in unknown.stderr
    semicolon = run_cli(BIN / "kiln-compile", onnx_path, "-o", artifact,
                        "--mesh", "tp=2", "--shard", "fc1.weight=tp,_;x=_,_",
                        check=False)
    assert semicolon.returncode == 1
    assert ("bad sharding 'fc1.weight=tp,_;x=_,_': one tensor per sharding "
            "(no ';')" in semicolon.stderr)
    usage = run_cli(BIN / "kiln-run", artifact, "--communicator", "gpu",
                    check=False)
    assert usage.returncode == 2
    assert "--communicator is in-process or nccl, got 'gpu'" in usage.stderr


def test_reductions_the_runtime_cannot_sum_are_errors():
    # A split sum of i8 would need an all_reduce of i8, which no
    # communicator has: the compile says so (i32 compiles and runs).
    for dtype, ok in (("i32", True), ("i8", False)):
        graph = kiln.Graph()
        x = graph.input("x", (4, 6), dtype)
        graph.output(graph.reduce("sum", x, axes=[0]))
        if ok:
            compiled = kiln.compile(graph, mesh={"dp": 2},
                                    shardings={"x": "dp,_"})
            data = np.arange(24, dtype=np.int32).reshape(4, 6)
            np.testing.assert_array_equal(compiled(data), data.sum(0))
            continue
        with pytest.raises(kiln.CompileError,
                           match="'exec.all_reduce' op reduces 'i8' "
                                 "elements; collectives reduce f32, f64, "
                                 "i32 and i64"):
            kiln.compile(graph, mesh={"dp": 2}, shardings={"x": "dp,_"})


@pytest.fixture
def tp2_artifact(tmp_path):
    torch.manual_seed(10)
    model, x = MLP().eval(), torch.randn(4, 32)
    kiln.compile(model, (x,), mesh={"tp": 2}, shardings=MEGATRON).save(
        tmp_path / "tp2.kiln")
    np.save(tmp_path / "x.npy", x.numpy())
    return tmp_path / "tp2.kiln", tmp_path / "x.npy"


def test_nccl_without_gpus_says_so(tp2_artifact):
    if torch.cuda.is_available():
        pytest.skip("a GPU is here: NCCL may run (runtime/test/NcclTest.cpp)")
    artifact, x = tp2_artifact
    result = run_cli(BIN / "kiln-run", artifact, "--input", x,
                     "--communicator", "nccl", check=False)
    assert result.returncode == 1
    assert ("kiln-run: error: NCCL" in result.stderr
            and ("is not available" in result.stderr
                 or "cannot be loaded" in result.stderr)), result.stderr


def test_missing_communicator_plugins_are_named(tp2_artifact, tmp_path):
    # kiln-run without its plugins beside it: under mpirun (as its
    # environment says) and with NCCL asked for, the error names the
    # library and where it looked.
    artifact, x = tp2_artifact
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(BIN / "kiln-run", alone / "kiln-run")
    env = dict(os.environ, OMPI_COMM_WORLD_SIZE="2")
    env.pop("KILN_MPI_LIBRARY", None)
    mpi = subprocess.run([alone / "kiln-run", artifact, "--input", x],
                         capture_output=True, text=True, env=env)
    assert mpi.returncode == 1
    assert ("this process runs under mpirun, but needs Kiln's MPI library, "
            "built when MPI is installed (Debian's libopenmpi-dev) "
            "(libkiln-mpi.so), which cannot be loaded:" in mpi.stderr)
    assert str(alone / "libkiln-mpi.so") in mpi.stderr
    env = dict(os.environ)
    env.pop("KILN_NCCL_LIBRARY", None)
    nccl = subprocess.run([alone / "kiln-run", artifact, "--input", x,
                           "--communicator", "nccl"],
                          capture_output=True, text=True, env=env)
    assert nccl.returncode == 1
    assert ("NCCL collectives need Kiln's NCCL library" in nccl.stderr
            and "(libkiln-nccl.so), which cannot be loaded:" in nccl.stderr)

