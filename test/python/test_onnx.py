"""The ONNX importer: real models exported with torch.onnx.export, compiled
with kiln-compile and run with kiln-run against PyTorch; small single-op
models against onnxruntime; and every kind of bad input with its message."""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import kiln  # noqa: E402
from kiln_testing import BIN, run_cli  # noqa: E402

# Every case runs fused and unfused (conftest.py).
pytestmark = pytest.mark.usefixtures("fusion", "target")

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")


# -- real models, from the command line ---------------------------------------

@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v2",
                                  "encoder_layer"])
def test_exported_model_matches_torch(name, tmp_path):
    torch.manual_seed(0)
    if name == "encoder_layer":
        model = torch.nn.TransformerEncoderLayer(512, 8, 2048,
                                                 batch_first=True)
        x = torch.randn(2, 16, 512)
    else:
        model = getattr(torchvision.models, name)()
        x = torch.randn(1, 3, 224, 224)
    model.eval()
    path = tmp_path / f"{name}.onnx"
    torch.onnx.export(model, (x,), str(path))  # weights in path.data
    artifact = tmp_path / f"{name}.kiln"
    run_cli(BIN / "kiln-compile", path, "-o", artifact)
    np.save(tmp_path / "x.npy", x.numpy())
    run_cli(BIN / "kiln-run", artifact, "--input", tmp_path / "x.npy",
            "--output-dir", tmp_path)
    actual = np.load(tmp_path / "output_0.npy")
    with torch.no_grad():
        expected = model(x).numpy()
    assert np.abs(actual - expected).max() / np.abs(expected).max() <= 1e-4
    # The Python entry points read the same model through the same importer.
    compiled = kiln.compile(path)
    assert np.array_equal(compiled(x.numpy()), actual)
    assert compiled.inputs[0]["name"] == onnx.load(str(path)).graph.input[0].name


# -- single ops against onnxruntime --------------------------------------------

def model(nodes, inputs, outputs, initializers=(), opset=17):
    """A ModelProto from nodes, (name, shape, elem_type) inputs/outputs and
    numpy initializers {name: array}."""
    graph = helper.make_graph(
        nodes, "test",
        [helper.make_tensor_value_info(n, t, s) for n, s, t in inputs],
        [helper.make_tensor_value_info(n, t, s) for n, s, t in outputs],
        [numpy_helper.from_array(a, n) for n, a in dict(initializers).items()])
    proto = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset)])
    proto.ir_version = 8
    return proto


F = TensorProto.FLOAT
RNG = np.random.default_rng(3)


def r(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def i64(*values):
    return np.array(values, np.int64)


# (id, nodes, inputs, output shape, initializers, opset, feeds)
CASES = [
    ("gemm_trans_alpha_beta",
     [helper.make_node("Gemm", ["a", "b", "c"], ["y"], transA=1, transB=1,
                       alpha=0.5, beta=2.0)],
     [("a", [4, 3], F)], [2, 4], {"b": r(4, 4), "c": r(4)}, 17),
    ("matmul_1d", [helper.make_node("MatMul", ["a", "b"], ["y"])],
     [("a", [3], F)], [2, 5], {"b": r(2, 3, 5)}, 17),
    ("conv_same_upper_group",
     [helper.make_node("Conv", ["x", "w", "b"], ["y"], auto_pad="SAME_UPPER",
                       strides=[2, 2], group=2)],
     [("x", [1, 4, 7, 7], F)], [1, 6, 4, 4], {"w": r(6, 2, 3, 3),
                                               "b": r(6)}, 17),
    ("maxpool_ceil_pads",
     [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[3, 3],
                       strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)],
     [("x", [1, 2, 8, 8], F)], [1, 2, 5, 5], {}, 17),
    ("avgpool_count_include_pad",
     [helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3],
                       pads=[1, 1, 1, 1], count_include_pad=1)],
     [("x", [1, 2, 5, 5], F)], [1, 2, 5, 5], {}, 17),
    ("global_average_pool", [helper.make_node("GlobalAveragePool", ["x"],
                                              ["y"])],
     [("x", [2, 3, 4, 5], F)], [2, 3, 1, 1], {}, 17),
    ("batchnorm", [helper.make_node("BatchNormalization",
                                    ["x", "s", "b", "m", "v"], ["y"],
                                    epsilon=1e-3)],
     [("x", [2, 3, 4, 4], F)], [2, 3, 4, 4],
     {"s": r(3), "b": r(3), "m": r(3), "v": np.abs(r(3)) + 0.5}, 17),
    ("layernorm", [helper.make_node("LayerNormalization", ["x", "s", "b"],
                                    ["y"], axis=-1)],
     [("x", [2, 3, 8], F)], [2, 3, 8], {"s": r(8), "b": r(8)}, 17),
    ("softmax_opset11_flattens",
     [helper.make_node("Softmax", ["x"], ["y"], axis=1)],
     [("x", [2, 3, 4], F)], [2, 3, 4], {}, 11),
    ("logsoftmax", [helper.make_node("LogSoftmax", ["x"], ["y"], axis=0)],
     [("x", [2, 3, 4], F)], [2, 3, 4], {}, 17),
    ("reducemean_axes_attr",
     [helper.make_node("ReduceMean", ["x"], ["y"], axes=[1], keepdims=0)],
     [("x", [2, 3, 4], F)], [2, 4], {}, 13),
    ("reducesum_axes_input",
     [helper.make_node("ReduceSum", ["x", "axes"], ["y"])],
     [("x", [2, 3, 4], F)], [1, 3, 1], {"axes": i64(0, -1)}, 13),
    ("reducemax_opset18", [helper.make_node("ReduceMax", ["x", "axes"], ["y"],
                                            keepdims=0)],
     [("x", [2, 3, 4], F)], [3], {"axes": i64(0, 2)}, 18),
    ("reshape_zero_and_minus_one",
     [helper.make_node("Reshape", ["x", "s"], ["y"])],
     [("x", [2, 3, 4], F)], [2, 12], {"s": i64(0, -1)}, 17),
    ("flatten", [helper.make_node("Flatten", ["x"], ["y"], axis=2)],
     [("x", [2, 3, 4, 5], F)], [6, 20], {}, 17),
    ("shape_arithmetic_reshape",
     [helper.make_node("Shape", ["x"], ["s"]),
      helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
      helper.make_node("Unsqueeze", ["n", "zero_axis"], ["n1"]),
      helper.make_node("Concat", ["n1", "minus_one"], ["shape"], axis=0),
      helper.make_node("Reshape", ["x", "shape"], ["y"])],
     [("x", [2, 3, 4], F)], [2, 12],
     {"zero": np.array(0, np.int64), "zero_axis": i64(0),
      "minus_one": i64(-1)}, 17),
    ("slice_negative_step",
     [helper.make_node("Slice", ["x", "st", "en", "ax", "sp"], ["y"])],
     [("x", [4, 6], F)], [4, 3], {"st": i64(-1), "en": i64(-2**63),
                                  "ax": i64(1), "sp": i64(-2)}, 17),
    ("slice_clamped_end", [helper.make_node("Slice", ["x", "st", "en"],
                                            ["y"])],
     [("x", [4, 6], F)], [3, 5], {"st": i64(1, 1), "en": i64(99, 2**62)}, 17),
    ("squeeze_unsqueeze",
     [helper.make_node("Squeeze", ["x", "a"], ["s"]),
      helper.make_node("Unsqueeze", ["s", "b"], ["y"])],
     [("x", [2, 1, 3], F)], [1, 2, 3, 1], {"a": i64(1), "b": i64(0, -1)},
     17),
    ("transpose_default_perm", [helper.make_node("Transpose", ["x"], ["y"])],
     [("x", [2, 3, 4], F)], [4, 3, 2], {}, 17),
    ("expand", [helper.make_node("Expand", ["x", "s"], ["y"])],
     [("x", [3, 1], F)], [2, 3, 4], {"s": i64(2, 1, 4)}, 17),
    ("concat_gather", [helper.make_node("Concat", ["x", "c"], ["t"], axis=1),
                       helper.make_node("Gather", ["t", "i"], ["y"], axis=1)],
     [("x", [2, 3], F)], [2, 2, 2], {"c": r(2, 2), "i": i64(4, -1, 0,
                                                             2).reshape(2,
                                                                        2)},
     17),
    ("where_compare", [helper.make_node("Less", ["x", "c"], ["m"]),
                       helper.make_node("Where", ["m", "x", "c"], ["y"])],
     [("x", [2, 3], F)], [2, 3], {"c": r(3)}, 17),
    ("clip_inputs", [helper.make_node("Clip", ["x", "lo", "hi"], ["y"])],
     [("x", [2, 3], F)], [2, 3], {"lo": np.array(-0.5, np.float32),
                                  "hi": np.array(0.5, np.float32)}, 17),
    ("clip_attrs_opset6", [helper.make_node("Clip", ["x"], ["y"], min=-0.5,
                                            max=0.25)],
     [("x", [2, 3], F)], [2, 3], {}, 6),
    ("activations",
     [helper.make_node("LeakyRelu", ["x"], ["a"], alpha=0.2),
      helper.make_node("HardSigmoid", ["a"], ["b"]),
      helper.make_node("HardSwish", ["b"], ["c"]),
      helper.make_node("Erf", ["c"], ["d"]),
      helper.make_node("Sigmoid", ["d"], ["y"])],
     [("x", [3, 4], F)], [3, 4], {}, 17),
    ("gelu_tanh", [helper.make_node("Gelu", ["x"], ["y"],
                                    approximate="tanh")],
     [("x", [3, 4], F)], [3, 4], {}, 20),
    ("math", [helper.make_node("Abs", ["x"], ["a"]),
              helper.make_node("Sqrt", ["a"], ["b"]),
              helper.make_node("Reciprocal", ["b"], ["c"]),
              helper.make_node("Pow", ["c", "p"], ["d"]),
              helper.make_node("Max", ["d", "x", "c"], ["e"]),
              helper.make_node("Sum", ["e", "x"], ["y"])],
     [("x", [3, 4], F)], [3, 4], {"p": np.array(1.5, np.float32)}, 17),
    ("pad_reflect", [helper.make_node("Pad", ["x", "p"], ["y"],
                                      mode="reflect")],
     [("x", [1, 3, 4], F)], [1, 5, 7], {"p": i64(0, 1, 2, 0, 1, 1)}, 17),
    ("pad_constant_value", [helper.make_node("Pad", ["x", "p", "v"], ["y"])],
     [("x", [2, 3], F)], [3, 6], {"p": i64(1, 0, 0, 3),
                                  "v": np.array(7.0, np.float32)}, 17),
    ("split_even", [helper.make_node("Split", ["x"], ["a", "b"], axis=1,
                                     num_outputs=2),
                    helper.make_node("Sub", ["a", "b"], ["y"])],
     [("x", [2, 6], F)], [2, 3], {}, 18),
    ("range_cast_constant_of_shape",
     [helper.make_node("Range", ["start", "limit", "delta"], ["r"]),
      helper.make_node("Cast", ["r"], ["rf"], to=F),
      helper.make_node("ConstantOfShape", ["shape"], ["c"],
                       value=numpy_helper.from_array(
                           np.array([2.0], np.float32))),
      helper.make_node("Mul", ["rf", "c"], ["m"]),
      helper.make_node("Add", ["x", "m"], ["y"])],
     [("x", [4], F)], [4], {"start": np.array(1, np.int64),
                            "limit": np.array(9, np.int64),
                            "delta": np.array(2, np.int64),
                            "shape": i64(4)}, 17),
    ("constant_identity_dropout",
     [helper.make_node("Constant", [], ["c"],
                       value=numpy_helper.from_array(r(3))),
      helper.make_node("Identity", ["x"], ["i"]),
      helper.make_node("Dropout", ["i"], ["d"]),
      helper.make_node("Div", ["d", "c"], ["y"])],
     [("x", [2, 3], F)], [2, 3], {}, 17),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_op_matches_onnxruntime(case):
    _, nodes, inputs, out_shape, inits, opset = case
    proto = model(nodes, inputs, [("y", out_shape, F)], inits, opset)
    onnx.checker.check_model(proto)
    feeds = {name: r(*shape) for name, shape, _ in inputs}
    expected = ort.InferenceSession(
        proto.SerializeToString(),
        providers=["CPUExecutionProvider"]).run(None, feeds)[0]
    actual = kiln.compile(proto)(*feeds.values())
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)


# -- bad input -------------------------------------------------------------------

def compile_error(tmp_path, data, *flags, name="bad.onnx"):
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    result = run_cli(BIN / "kiln-compile", path, "-o", tmp_path / "m.kiln",
                     *flags, check=False)
    assert result.returncode == 1, result.stderr
    assert not (tmp_path / "m.kiln").exists()
    assert "Traceback" not in result.stderr and result.stderr.count(
        "error") >= 1
    return result.stderr


def relu_model(**kwargs):
    return model([helper.make_node("Relu", ["x"], ["y"], **kwargs)],
                 [("x", [2, 3], F)], [("y", [2, 3], F)])


def test_missing_file(tmp_path):
    assert "cannot read" in compile_error(tmp_path, None)


def test_truncated_model(tmp_path):
    data = relu_model().SerializeToString()
    message = compile_error(tmp_path, data[: len(data) // 2])
    assert "bad.onnx" in message and "not a valid ONNX model" in message


def test_garbage_bytes(tmp_path):
    message = compile_error(tmp_path, bytes(range(256)) * 4)
    assert "not a valid ONNX model" in message


def test_protobuf_that_is_not_a_model(tmp_path):
    tensor = numpy_helper.from_array(r(3), "t").SerializeToString()
    message = compile_error(tmp_path, tensor)
    assert "bad.onnx" in message
    assert "no graph" in message or "not a valid ONNX model" in message


def test_unknown_opset_domain(tmp_path):
    proto = relu_model()
    proto.opset_import.append(helper.make_opsetid("com.example", 1))
    message = compile_error(tmp_path, proto.SerializeToString())
    assert "UnsupportedOperator" in message and "com.example" in message


def test_unsupported_op_names_node_and_op(tmp_path):
    proto = model([helper.make_node("Relu", ["x"], ["r"], name="first"),
                   helper.make_node("Det", ["r"], ["y"], name="the_det")],
                  [("x", [3, 3], F)], [("y", [], F)])
    message = compile_error(tmp_path, proto.SerializeToString())
    assert "bad.onnx" in message and "'the_det'" in message
    assert "UnsupportedOperator: ONNX op 'Det'" in message


def test_symbolic_dim_needs_input_shape(tmp_path):
    proto = model([helper.make_node("Relu", ["x"], ["y"])],
                  [("x", ["batch", 3], F)], [("y", ["batch", 3], F)])
    data = proto.SerializeToString()
    message = compile_error(tmp_path, data)
    assert "input 'x' dim 0 is symbolic ('batch')" in message
    assert "--input-shape x=" in message
    path = tmp_path / "dyn.onnx"
    path.write_bytes(data)
    run_cli(BIN / "kiln-compile", path, "-o", tmp_path / "ok.kiln",
            "--input-shape", "x=5x3")
    compiled = kiln.load(tmp_path / "ok.kiln")
    assert compiled.inputs[0]["shape"] == (5, 3)
    # Python takes the same option.
    assert kiln.compile(path, input_shape={"x": (4, 3)}).inputs[0][
        "shape"] == (4, 3)


@pytest.mark.parametrize("flag,message", [
    ("x=2x4", "sets dim 1 to 4, but the model fixes it to 3"),
    ("x=2", "has rank 1, but the model's input has 2 dims"),
    ("z=2x3", "'z', which is not an input of the model"),
])
def test_bad_input_shape(tmp_path, flag, message):
    assert message in compile_error(tmp_path,
                                    relu_model().SerializeToString(),
                                    "--input-shape", flag)


def test_malformed_input_shape_flag(tmp_path):
    path = tmp_path / "m.onnx"
    path.write_bytes(relu_model().SerializeToString())
    result = run_cli(BIN / "kiln-compile", path, "-o", tmp_path / "m.kiln",
                     "--input-shape", "x=2xthree", check=False)
    assert result.returncode == 2 and "NAME=D0xD1" in result.stderr


def test_missing_external_data(tmp_path):
    proto = model([helper.make_node("Add", ["x", "w"], ["y"])],
                  [("x", [100], F)], [("y", [100], F)], {"w": r(100)})
    onnx.save(proto, str(tmp_path / "ext.onnx"), save_as_external_data=True,
              all_tensors_to_one_file=True, location="ext.onnx.data",
              size_threshold=0)
    (tmp_path / "ext.onnx.data").unlink()
    result = run_cli(BIN / "kiln-compile", tmp_path / "ext.onnx", "-o",
                     tmp_path / "m.kiln", check=False)
    assert result.returncode == 1
    assert "tensor 'w': cannot read its external data" in result.stderr


def test_bad_operands_are_diagnosed_at_the_node(tmp_path):
    proto = model([helper.make_node("MatMul", ["x", "w"], ["y"],
                                    name="proj")],
                  [("x", [2, 3], F)], [("y", [2, 5], F)], {"w": r(4, 5)})
    message = compile_error(tmp_path, proto.SerializeToString())
    assert "at 'proj': 'graph.matmul' op contraction sizes differ" in message


def test_shape_input_that_is_not_constant(tmp_path):
    proto = model([helper.make_node("Reshape", ["x", "s"], ["y"],
                                    name="view")],
                  [("x", [2, 3], F), ("s", [2], TensorProto.INT64)],
                  [("y", [3, 2], F)])
    message = compile_error(tmp_path, proto.SerializeToString())
    assert "at 'view': Reshape:" in message
    assert "must be known when the model is compiled" in message


def test_axis_out_of_range(tmp_path):
    proto = model([helper.make_node("Pad", ["x", "p", "", "a"], ["y"],
                                    name="pad")],
                  [("x", [2, 3], F)], [("y", [2, 5], F)],
                  {"p": i64(1, 1), "a": i64(5)}, opset=18)
    message = compile_error(tmp_path, proto.SerializeToString())
    assert "at 'pad': Pad: axis 5 is out of range for rank 2" in message


def test_integer_base_float_exponent():
    """4 ** 0.5 is 2: an integer base is raised in float, then truncated."""
    proto = model([helper.make_node("Pow", ["b", "e"], ["y"])],
                  [("e", [3], F)], [("y", [3], TensorProto.INT64)],
                  {"b": i64(4, 9, 17)})
    e = np.array([0.5, 0.5, 1.5], np.float32)
    expected = ort.InferenceSession(
        proto.SerializeToString(),
        providers=["CPUExecutionProvider"]).run(None, {"e": e})[0]
    actual = kiln.compile(proto)(e)
    np.testing.assert_array_equal(actual, expected)
    np.testing.assert_array_equal(actual, [2, 3, 70])


@pytest.mark.parametrize("node,message", [
    (helper.make_node("Conv", ["x", "w"], ["y"], strides=[0, 1],
                      auto_pad="SAME_UPPER"),
     "kernel dims, strides and dilations must be positive"),
    (helper.make_node("Split", ["x"], ["y"], axis=1, num_outputs=0),
     "needs at least one output, got 0"),
])
def test_degenerate_attributes_are_diagnosed(tmp_path, node, message):
    """Inputs the fuzzer found: they once divided by zero in the importer."""
    proto = model([node], [("x", [1, 2, 4, 4], F)], [("y", [1, 2, 4, 4], F)],
                  {"w": r(2, 2, 3, 3)}, opset=18)
    assert message in compile_error(tmp_path, proto.SerializeToString())
