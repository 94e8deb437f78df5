"""kiln.compile / kiln.load / CompiledModule: inputs and outputs in numpy and
torch, options, IR stages, saving, and every bad-input path with its error."""

import pathlib

import numpy as np
import pytest

import kiln
from kiln_testing import BIN, ROOT, run_cli

torch = pytest.importorskip("torch")


class TwoOutputs(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 3)

    def forward(self, x, y):
        h = self.fc(x)
        return h.relu(), (h * y).sum(-1)


@pytest.fixture(scope="module")
def two_outputs():
    torch.manual_seed(0)
    model = TwoOutputs().eval()
    inputs = (torch.randn(2, 4), torch.randn(2, 3))
    return model, inputs, kiln.compile(model, inputs)


def test_torch_in_torch_out_keeps_structure(two_outputs):
    model, inputs, compiled = two_outputs
    actual = compiled(*inputs)
    expected = model(*inputs)
    assert type(actual) is tuple and len(actual) == 2
    for a, e in zip(actual, expected):
        assert isinstance(a, torch.Tensor)
        torch.testing.assert_close(a, e.detach(), rtol=1e-5, atol=1e-6)


def test_numpy_in_numpy_out(two_outputs):
    model, inputs, compiled = two_outputs
    actual = compiled(*[x.numpy() for x in inputs])
    assert all(isinstance(a, np.ndarray) for a in actual)
    np.testing.assert_allclose(actual[0], model(*inputs)[0].detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_inputs_describe_the_signature(two_outputs):
    _, _, compiled = two_outputs
    assert [(i["name"], i["dtype"], i["shape"]) for i in compiled.inputs] == \
        [("x", "f32", (2, 4)), ("y", "f32", (2, 3))]


@pytest.mark.parametrize("args,message", [
    (lambda x, y: (x,), r"expected 2 inputs \(x, y\), got 1"),
    (lambda x, y: (x, y, y), r"expected 2 inputs \(x, y\), got 3"),
    (lambda x, y: (x, y[:1]),
     r"input 1 \(y\): expected shape \[2, 3\], got \[1, 3\]"),
    (lambda x, y: (x.double(), y),
     r"input 0 \(x\): expected dtype float32, got float64"),
])
def test_wrong_inputs_raise_value_error(two_outputs, args, message):
    _, inputs, compiled = two_outputs
    with pytest.raises(ValueError, match=message):
        compiled(*args(*inputs))


def test_save_load_and_kiln_run_agree(two_outputs, tmp_path):
    _, inputs, compiled = two_outputs
    arrays = [x.numpy() for x in inputs]
    path = tmp_path / "two.kiln"
    compiled.save(path)
    loaded = kiln.load(path)
    for a, b in zip(loaded(*arrays), compiled(*arrays)):
        assert np.array_equal(a, b)
    paths = []
    for i, array in enumerate(arrays):
        np.save(tmp_path / f"in{i}.npy", array)
        paths += ["--input", tmp_path / f"in{i}.npy"]
    run_cli(BIN / "kiln-run", path, *paths, "--output-dir", tmp_path)
    for i, expected in enumerate(compiled(*arrays)):
        assert np.array_equal(np.load(tmp_path / f"output_{i}.npy"), expected)
    # A loaded module has no compiler input to show.
    with pytest.raises(ValueError, match="loaded artifact"):
        loaded.ir("graph")


def test_load_rejects_a_corrupt_artifact(two_outputs, tmp_path):
    _, _, compiled = two_outputs
    path = tmp_path / "two.kiln"
    compiled.save(path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(kiln.RuntimeError, match="checksum"):
        kiln.load(path)


def test_ir_at_every_stage(two_outputs):
    _, _, compiled = two_outputs
    assert "graph.matmul" in compiled.ir("input")
    graph = compiled.ir("graph")
    assert "graph.relu" in graph and "graph.dispatch" not in graph
    assert 'loc("fc:' not in graph  # locations are not printed by default
    assert "graph.dispatch" in compiled.ir("dispatch")
    assert "exec.dispatch" in compiled.ir("schedule")
    kernels = compiled.ir("kernels")
    assert "llvm.func @kiln_" in kernels and "exec.library" not in kernels
    # The last stage holds the binary the artifact stores.
    assert 'exec.library = "\\7FELF' in compiled.ir("binary")
    # Weights are elided, not printed as hex. The linear layer's transposed
    # weight was computed at compile time (graph-fold-constants).
    assert "dense_resource<fc_weight_folded>" in graph
    assert "graph.transpose" not in graph
    assert "0x" not in graph.split("{-#")[-1]
    with pytest.raises(ValueError, match="unknown stage 'llvm'"):
        compiled.ir("llvm")


def test_options_reach_the_compiler(tmp_path, capsys):
    model = torch.nn.Linear(3, 2).eval()
    x = torch.randn(1, 3)
    dump = tmp_path / "dump"
    compiled = kiln.compile(model, x, target="cpu", cpu="x86-64",
                            dump_ir_after_all=dump, timing=True, threads=1)
    torch.testing.assert_close(compiled(x), model(x).detach())
    assert any(dump.rglob("*.mlir"))
    assert "Execution time report" in capsys.readouterr().out
    with pytest.raises(kiln.CompileError, match="unknown target 'tpu'"):
        kiln.compile(model, x, target="tpu")
    with pytest.raises(kiln.CompileError, match="cpu"):
        kiln.compile(model, x, cpu="no-such-cpu")


def test_compile_an_mlir_file():
    compiled = kiln.compile(ROOT / "examples" / "mlp_classifier.mlir")
    (spec,) = compiled.inputs
    out = compiled(np.ones(spec["shape"], np.float32))
    assert out.shape == (1, 4)
    np.testing.assert_allclose(out.sum(), 1.0, rtol=1e-5)


def test_compile_needs_example_inputs():
    with pytest.raises(TypeError, match="example inputs are required"):
        kiln.compile(torch.nn.ReLU())


def test_unsupported_op_names_op_node_and_module():
    class Block(torch.nn.Module):
        def forward(self, x):
            return torch.fft.fft(x).abs()

    model = torch.nn.Sequential(torch.nn.Linear(4, 4), Block()).eval()
    with pytest.raises(kiln.UnsupportedOperatorError) as error:
        kiln.compile(model, torch.randn(2, 4))
    message = str(error.value)
    assert "not supported by Kiln" in message
    assert "module '1'" in message and "fx node" in message
    assert "report it" in message
    assert error.value.op and error.value.module_path == "1"


def test_data_dependent_control_flow_is_explained():
    class Branchy(torch.nn.Module):
        def forward(self, x):
            if x.sum() > 0:
                return x * 2
            return x

    with pytest.raises(RuntimeError, match="torch.where or torch.cond"):
        kiln.compile(Branchy(), torch.randn(3))


def test_training_mode_is_refused():
    model = torch.nn.Sequential(torch.nn.BatchNorm1d(3))  # training mode
    with pytest.raises(kiln.CompileError, match=r"module.eval\(\)"):
        kiln.compile(model, torch.randn(4, 3))


def test_shape_dependent_python_is_traced():
    """x.size() unpacking, as shufflenet's channel shuffle does."""
    class Shuffle(torch.nn.Module):
        def forward(self, x):
            n, c, h, w = x.size()
            x = x.view(n, 2, c // 2, h, w).transpose(1, 2).contiguous()
            return x.view(n, c, h, w)

    x = torch.randn(1, 4, 3, 3)
    compiled = kiln.compile(Shuffle(), x)
    assert torch.equal(compiled(x), Shuffle()(x))


def test_bfloat16_in_and_out():
    # numpy has no bfloat16: torch.bfloat16 tensors in, torch.bfloat16 out;
    # anything else for a bf16 input is refused by name.
    model = torch.nn.Linear(8, 4).eval().to(torch.bfloat16)
    x = torch.randn(3, 8).to(torch.bfloat16)
    compiled = kiln.compile(model, (x,))
    assert compiled.inputs[0]["dtype"] == "bf16"
    got = compiled(x)
    assert got.dtype == torch.bfloat16
    with torch.no_grad():
        want = torch.nn.functional.linear(x.float(), model.weight.float(),
                                          model.bias.float())
    torch.testing.assert_close(got.float(), want, rtol=1e-2, atol=1e-2)
    with pytest.raises(ValueError, match=r"input 0 \(input\): expected a "
                       r"torch.bfloat16 tensor \(numpy has no bfloat16\), "
                       r"got float32"):
        compiled(x.float().numpy())
    with pytest.raises(ValueError, match=r"expected shape \[3, 8\], got "
                       r"\[2, 8\]"):
        compiled(x[:2])


def test_bfloat16_output_to_numpy():
    # A bf16 output of numpy inputs comes back as float32 holding the bf16
    # values exactly (numpy has no bfloat16).
    class Round(torch.nn.Module):
        def forward(self, x):
            return (x * 3).to(torch.bfloat16)

    x = torch.randn(4, 5)
    compiled = kiln.compile(Round(), (x,))
    assert compiled.outputs[0]["dtype"] == "bf16"
    got = compiled(x.numpy())
    assert isinstance(got, np.ndarray) and got.dtype == np.float32
    np.testing.assert_array_equal(got, Round()(x).float().numpy())
    assert compiled(x).dtype == torch.bfloat16


def test_unsupported_dtype_is_named():
    with pytest.raises(kiln.CompileError, match="uint8"):
        kiln.compile(torch.nn.Identity(), torch.zeros(2, dtype=torch.uint8))


def test_module_with_package_path():
    # A path as str works like a pathlib.Path.
    compiled = kiln.compile(str(pathlib.Path(ROOT, "examples",
                                             "mlp_classifier.mlir")))
    assert compiled.outputs[0]["shape"] == (1, 4)


def test_many_models_in_one_process():
    """Each compiled module runs its own kernels, whether the modules before
    it are alive or gone (kernel libraries loaded from memory must never be
    mistaken for one another)."""
    x = torch.randn(2, 6)
    models = [torch.nn.Linear(6, 6), torch.nn.Sequential(torch.nn.ReLU()),
              torch.nn.Linear(6, 6), torch.nn.Tanh()]
    alive = []
    for i, model in enumerate(models):
        compiled = kiln.compile(model.eval(), x)
        torch.testing.assert_close(compiled(x), model(x).detach())
        if i % 2:
            alive.append(compiled)  # the others are dropped after one call
    for compiled, model in zip(alive, models[1::2]):
        torch.testing.assert_close(compiled(x), model(x).detach())


def test_bytecode_model_file(tmp_path):
    source = ROOT / "examples" / "mlp_classifier.mlir"
    bytecode = tmp_path / "mlp.mlirbc"
    run_cli(BIN / "kiln-opt", source, "--emit-bytecode", "-o", bytecode)
    x = np.ones((1, 1, 8), np.float32)
    np.testing.assert_array_equal(kiln.compile(bytecode)(x),
                                  kiln.compile(source)(x))


def test_unsupported_secondary_outputs_are_named():
    pool = torch.nn.MaxPool2d(2, return_indices=True)
    with pytest.raises(kiln.UnsupportedOperatorError,
                       match="max_pool2d_with_indices.*first output"):
        kiln.compile(pool.eval(), torch.randn(1, 1, 4, 4))


def test_non_tensor_outputs_are_refused():
    class WithShape(torch.nn.Module):
        def forward(self, x):
            return x + 1, x.shape[0]

    with pytest.raises(kiln.UnsupportedOperatorError,
                       match="not tensors"):
        kiln.compile(WithShape(), torch.randn(3))


def test_non_contiguous_weights_are_refused():
    text = ("func.func @main() -> tensor<2x2xf32> {\n"
            "  %w = graph.constant dense_resource<w> : tensor<2x2xf32>\n"
            "  return %w : tensor<2x2xf32>\n}\n")
    weight = np.arange(4, dtype=np.float32).reshape(2, 2).T
    with pytest.raises(ValueError, match="not a contiguous row-major"):
        kiln._kiln.run_pipeline(text, "graph-canonicalize", "t", {"w": weight},
                                False)


def test_devices_are_listed():
    devices = kiln.devices()
    assert len(devices["cpu"]) == 1 and "host CPU" in devices["cpu"][0]
    assert kiln.devices_unavailable("cpu") is None
    assert "opencl" in devices
    assert (kiln.devices_unavailable("tpu") ==
            "this runtime has no device for target 'tpu'")


def test_entry_picks_one_function_of_several():
    # A module of two functions compiles either one by name (every graph
    # pass sees both; the schedule is the entry's).
    source = (
        "func.func @main(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {\n"
        "  %0 = graph.relu %x : tensor<4x8xf32>\n"
        "  return %0 : tensor<4x8xf32>\n}\n"
        "func.func @other(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {\n"
        "  %0 = graph.exp %x : tensor<4x8xf32>\n"
        "  return %0 : tensor<4x8xf32>\n}\n")
    x = np.linspace(-2, 2, 32, dtype=np.float32).reshape(4, 8)
    np.testing.assert_allclose(
        np.asarray(kiln.compile(source, entry="main")(x)), np.maximum(x, 0))
    np.testing.assert_allclose(
        np.asarray(kiln.compile(source, entry="other")(x)), np.exp(x),
        rtol=1e-6)
    with pytest.raises(kiln.CompileError, match="expected one function"):
        kiln.compile(source)
