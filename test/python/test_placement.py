"""One model across the cpu and opencl (PoCL here): graph-place chooses
each op's target, or the user places ops by name, and the schedule moves
values between memories where they cross. Every placement must give
PyTorch's outputs, including one from a cost model that is wrong on
purpose (slower, never wrong). Tolerance: max |kiln - torch| / max |torch|
<= 1e-4. docs/placement.md."""

import subprocess

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")

import kiln  # noqa: E402
from kiln_testing import BIN  # noqa: E402

_OPENCL_MISSING = kiln.devices_unavailable("opencl")
needs_opencl = pytest.mark.skipif(bool(_OPENCL_MISSING),
                                  reason=str(_OPENCL_MISSING))


def relative_error(actual, expected):
    actual = torch.as_tensor(np.asarray(actual))
    return ((actual - expected).abs().max() / expected.abs().max()).item()


def targets_of(compiled):
    """Each dispatch's target, with its ops."""
    return [(d["target"], d["ops"]) for d in compiled.report()["dispatches"]]


def check(model, inputs, **options):
    torch.manual_seed(0)
    model = model.eval()
    with torch.no_grad():
        expected = model(*inputs)
    compiled = kiln.compile(model, inputs, **options)
    assert relative_error(compiled(*inputs), expected) <= 1e-4
    return compiled


@needs_opencl
def test_resnet18_head_on_cpu():
    # The default figures think opencl a GPU: the convolutions go there;
    # the classifier (fc) is placed on the cpu by name.
    torch.manual_seed(0)
    compiled = check(torchvision.models.resnet18(),
                     (torch.randn(1, 3, 224, 224),),
                     targets=("opencl", "cpu"), placement={"fc": "cpu"})
    placed = targets_of(compiled)
    assert {t for t, _ in placed} == {"opencl", "cpu"}, placed
    head = [t for t, ops in placed if "graph.matmul" in ops
            or "graph.panel_matmul" in ops]
    assert head == ["cpu"], placed
    assert all(t == "opencl" for t, ops in placed
               if any("conv2d" in op for op in ops)), placed


@needs_opencl
def test_report_and_profile_per_target():
    # The report's placement section: work and estimated time per target,
    # the transfers between memories; profile() measures the same.
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 32))
    x = torch.randn(8, 64)
    compiled = check(model, (x,), targets=("cpu", "opencl"),
                     placement={"0": "opencl", "2": "cpu"})
    placement = compiled.report()["placement"]
    assert set(placement["targets"]) == {"cpu", "opencl"}
    for work in placement["targets"].values():
        assert work["dispatches"] >= 1 and work["estimated_us"] > 0
    directions = {t["direction"]: t for t in placement["transfers"]}
    # x goes in; the first layer's result comes out to the cpu's layer.
    assert set(directions) == {"host->opencl", "opencl->host"}
    assert directions["host->opencl"]["bytes"] == 8 * 64 * 4
    assert placement["transfer_count"] == 2
    rows = compiled.profile(x, runs=3)
    assert {row["target"] for row in rows} == {"cpu", "opencl", "transfer"}
    moved = [row["kernel"] for row in rows if row["target"] == "transfer"]
    assert sorted(moved) == [f"transfer host->opencl ({8 * 64 * 4} bytes)",
                             f"transfer opencl->host ({8 * 128 * 4} bytes)"]


@needs_opencl
def test_encoder_layer_attention_and_mlp_apart():
    # Attention on opencl, the feed-forward MLP on the cpu.
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(64, 4, 128, batch_first=True)
    compiled = check(layer, (torch.randn(2, 16, 64),),
                     targets=("cpu", "opencl"),
                     placement={"self_attn": "opencl", "linear1": "cpu",
                                "linear2": "cpu"})
    assert {t for t, _ in targets_of(compiled)} == {"opencl", "cpu"}


@needs_opencl
@pytest.mark.parametrize("costs", [
    # The device a thousand times slower than it is: all on the cpu.
    {"opencl.gflops": 1, "opencl.memory-gbps": 0.1},
    # Transfers free, the device all arithmetic and no bandwidth, the cpu
    # the reverse: the convolution on the device, the rest on the cpu.
    {"opencl.gflops": 1e6, "opencl.memory-gbps": 0.5, "cpu.gflops": 1,
     "cpu.memory-gbps": 1000, "opencl.transfer-us": 0.001,
     "opencl.transfer-gbps": 1e6, "opencl.launch-us": 0.001,
     "cpu.launch-us": 0.001},
])
@pytest.mark.parametrize("fusion", [True, False])
def test_wrong_cost_model_is_slower_not_wrong(costs, fusion):
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8),
        torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
        torch.nn.Linear(8 * 8 * 8, 32), torch.nn.GELU(),
        torch.nn.Linear(32, 10), torch.nn.Softmax(-1))
    compiled = check(model, (torch.randn(2, 3, 16, 16),),
                     targets=("cpu", "opencl"), placement_costs=costs,
                     fusion=fusion)
    used = {t for t, _ in targets_of(compiled)}
    assert used == ({"cpu"} if "cpu.gflops" not in costs
                    else {"cpu", "opencl"}), targets_of(compiled)


@needs_opencl
def test_ping_pong_by_hand():
    # Every layer on the other target than the one before: a transfer at
    # every edge, still torch's result.
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 32),
        torch.nn.Tanh(), torch.nn.Linear(32, 8), torch.nn.Softmax(-1))
    compiled = check(model, (torch.randn(4, 16),), targets=("cpu", "opencl"),
                     placement={str(i): ("opencl", "cpu")[i % 2]
                                for i in range(6)})
    placed = [t for t, _ in targets_of(compiled)]
    assert placed == ["opencl", "cpu"] * 3, targets_of(compiled)


@needs_opencl
def test_bf16_ops_go_where_they_can_run():
    # opencl has no bf16 arithmetic: with the cpu beside it, the bf16 ops
    # run there; alone, the compile says why it cannot.
    torch.manual_seed(0)
    model = torch.nn.Linear(16, 8).eval().to(torch.bfloat16)
    x = torch.randn(4, 16).to(torch.bfloat16)
    with torch.no_grad():
        expected = model(x).float()
    compiled = kiln.compile(model, (x,), targets=("opencl", "cpu"))
    got = torch.as_tensor(compiled(x)).float()
    assert (got - expected).abs().max().item() <= 0.05
    assert {t for t, _ in targets_of(compiled)} == {"cpu"}
    with pytest.raises(kiln.CompileError,
                       match="cannot run on target 'opencl': the opencl "
                             "backend has no bf16 arithmetic"):
        kiln.compile(model, (x,), target="opencl")


class MegatronMlp(torch.nn.Module):
    """fc1 column-parallel, fc2 row-parallel under MEGATRON: one
    all-reduce of fc2's partial sums. With `rounded`, the hidden
    activation goes through bf16 and back (two casts opencl cannot run)."""

    def __init__(self, rounded=False):
        super().__init__()
        self.rounded = rounded
        self.fc1 = torch.nn.Linear(32, 128)
        self.fc2 = torch.nn.Linear(128, 32)

    def forward(self, x):
        hidden = torch.nn.functional.gelu(self.fc1(x))
        if self.rounded:
            hidden = hidden.to(torch.bfloat16).to(torch.float32)
        return self.fc2(hidden)


MEGATRON = {"fc1.weight": ("tp", None), "fc1.bias": ("tp",),
            "fc2.weight": (None, "tp")}


@needs_opencl
@pytest.mark.parametrize("placement, reduced_on", [
    ({"fc1": "opencl"}, "host"),     # fc2's partial sums on the cpu
    ({"fc2": "opencl"}, "opencl"),   # ... on the device: reduced there
])
def test_sharded_and_placed(placement, reduced_on):
    # A mesh of two devices, each rank's ops across cpu and opencl: the
    # all-reduce works in the memory its partial sums are in.
    torch.manual_seed(0)
    compiled = check(MegatronMlp(), (torch.randn(4, 32),), mesh={"tp": 2},
                     shardings=MEGATRON, targets=("cpu", "opencl"),
                     placement=placement)
    report = compiled.report()
    assert {t for t, _ in targets_of(compiled)} == {"cpu", "opencl"}
    assert [step["memory"] for step in report["collectives"]["steps"]] == \
        [reduced_on]


@needs_opencl
def test_sharded_model_falls_back_to_the_host():
    # The device (made cheap against a slow cpu) takes every op it can;
    # the bf16 rounding it cannot run falls back to the cpu, in every rank.
    torch.manual_seed(0)
    compiled = check(MegatronMlp(rounded=True), (torch.randn(4, 32),),
                     mesh={"tp": 2}, shardings=MEGATRON,
                     targets=("opencl", "cpu"),
                     placement_costs={"cpu.gflops": 0.01})
    placed = targets_of(compiled)
    assert [t for t, ops in placed if "graph.cast" in ops] == ["cpu"], placed
    assert all(t == "opencl" for t, ops in placed
               if "graph.matmul" in ops), placed


def test_bad_placement_requests():
    model = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.ReLU())
    x = torch.randn(2, 8)
    with pytest.raises(kiln.CompileError,
                       match=r"placement '0=tpu' names target 'tpu', which "
                             r"this compile does not target \(targets: cpu, "
                             r"opencl\)"):
        kiln.compile(model, (x,), targets=("cpu", "opencl"),
                     placement={"0": "tpu"})
    with pytest.raises(kiln.CompileError,
                       match="placement 'layer9=cpu': no op is named "
                             "'layer9' or inside it"):
        kiln.compile(model, (x,), targets=("cpu", "opencl"),
                     placement={"layer9": "cpu"})
    with pytest.raises(kiln.CompileError,
                       match=r"unknown target 'tpu' \(available: "):
        kiln.compile(model, (x,), targets=("cpu", "tpu"))
    with pytest.raises(ValueError, match="need several targets"):
        kiln.compile(model, (x,), placement={"0": "cpu"})


def test_cli_placement_errors(tmp_path):
    model = tmp_path / "model.mlir"
    model.write_text(
        "func.func @main(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {\n"
        "  %0 = graph.relu %x : tensor<2x8xf32> loc(\"act\")\n"
        "  return %0 : tensor<2x8xf32>\n}\n")
    def compile_with(*flags):
        return subprocess.run([BIN / "kiln-compile", model, "-o",
                               tmp_path / "m.kiln", *flags],
                              capture_output=True, text=True)
    result = compile_with("--target", "cpu", "--targets", "cpu,opencl")
    assert result.returncode != 0
    assert "give --target (one backend) or --targets (several)" in \
        result.stderr
    result = compile_with("--targets", "cpu,opencl", "--place", "act=gpu")
    assert result.returncode != 0
    assert "placement 'act=gpu' names target 'gpu'" in result.stderr
    result = compile_with("--targets", "cpu,cpu")
    assert result.returncode != 0
    assert "target 'cpu' is named twice" in result.stderr
    result = compile_with("--targets", "cpu,tpu")
    assert result.returncode != 0
    assert "unknown target 'tpu' (available: " in result.stderr
    result = compile_with("--place", "act=cpu")
    assert result.returncode != 0
    assert "placements and placement costs need several targets" in \
        result.stderr
    result = compile_with("--targets", "cpu,opencl",
                          "--target-option", "cuda.arch=sm_80")
    assert result.returncode != 0
    assert ("target option 'cuda.arch' is for target 'cuda', which this "
            "compile does not target") in result.stderr
    assert not (tmp_path / "m.kiln").exists()


@needs_opencl
def test_cli_placed_artifact_runs(tmp_path):
    # kiln-compile --targets --place, then kiln-run: the artifact holds a
    # kernel library per target and runs without a flag naming devices.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 256)).astype(np.float32)
    w = rng.standard_normal((256, 256)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    model = tmp_path / "model.mlir"
    model.write_text(
        "func.func @main(%x: tensor<64x256xf32>) -> tensor<64x256xf32> {\n"
        f"  %w = graph.constant dense<{w.tolist()}> : tensor<256x256xf32>\n"
        "  %0 = graph.matmul %x, %w : (tensor<64x256xf32>, "
        "tensor<256x256xf32>) -> tensor<64x256xf32> loc(\"body.fc\")\n"
        "  %1 = graph.tanh %0 : tensor<64x256xf32> loc(\"head.act\")\n"
        "  return %1 : tensor<64x256xf32>\n}\n")
    artifact = tmp_path / "m.kiln"
    subprocess.run([BIN / "kiln-compile", model, "-o", artifact,
                    "--targets", "cpu,opencl", "--place", "body=opencl",
                    "--place", "head=cpu"], check=True)
    out = tmp_path / "out"
    out.mkdir()
    subprocess.run([BIN / "kiln-run", artifact, "--input", tmp_path / "x.npy",
                    "--output-dir", out], check=True)
    got = np.load(out / "output_0.npy")
    np.testing.assert_allclose(got, np.tanh(x.astype(np.float64) @ w),
                               rtol=1e-4, atol=1e-4)
    # --profile sums each target's kernels and the transfers.
    profile = subprocess.run([BIN / "kiln-run", artifact, "--input",
                              tmp_path / "x.npy", "--benchmark", "3",
                              "--profile"], check=True, capture_output=True,
                             text=True).stdout
    for target in ("cpu", "opencl", "transfer"):
        assert any(line.split()[:2] == [target, f"{1 if target != 'transfer' else 2}"]
                   for line in profile.splitlines()), profile
