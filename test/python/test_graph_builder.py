"""kiln.Graph: a graph written by hand in Python with numpy constants,
compiled with kiln.compile and checked against numpy; its errors."""

import math

import numpy as np
import pytest

import kiln
from kiln import _kiln

RNG = np.random.default_rng(7)


def test_builder_graph_matches_numpy():
    w = RNG.standard_normal((8, 5)).astype(np.float32)
    b = RNG.standard_normal(5).astype(np.float32)
    g = kiln.Graph()
    x = g.input("x", (3, 8), np.float32)
    h = g.add(g.matmul(x, g.constant(w, name="fc.weight")),
              g.constant(b, name="fc.bias"))
    h = g.gelu(h, approximate="tanh")
    h = g.softmax(g.clamp(h, min=-1.0, max=2.0), axis=-1)
    total = g.reduce("sum", h, axes=[0], keepdims=True)
    mask = g.compare("gt", h, g.scalar(0.2, "f32"))
    picked = g.select(mask, h, g.scalar(0.0, "f32"))
    g.output(picked, total)

    compiled = kiln.compile(g)
    xv = RNG.standard_normal((3, 8)).astype(np.float32)
    got_picked, got_total = compiled(xv)

    z = xv @ w + b
    z = 0.5 * z * (1 + np.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3)))
    z = np.clip(z, -1.0, 2.0)
    z = np.exp(z - z.max(-1, keepdims=True))
    z /= z.sum(-1, keepdims=True)
    np.testing.assert_allclose(got_picked, np.where(z > 0.2, z, 0), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(got_total, z.sum(0, keepdims=True), rtol=1e-5)


def test_conv_pool_and_shape_ops_match_numpy():
    g = kiln.Graph()
    x = g.input("x", (1, 2, 6, 6))
    w = np.ones((4, 2, 3, 3), np.float32)
    y = g.relu(g.conv2d(x, g.constant(w, name="w"), padding=(1, 1, 1, 1)))
    y = g.max_pool2d(y, (2, 2))                       # 1x4x3x3
    y = g.transpose(g.reshape(y, (4, 9)), (1, 0))     # 9x4
    y = g.concat([y, g.slice(y, (0, 0), (9, 4), (2, 1))], axis=0)  # 14x4
    y = g.pad(y, (1, 0), (0, 2), value=-1.0)          # 15x6
    idx = g.constant(np.array([0, 5, 14], np.int64), name="idx")
    g.output(g.gather(y, idx, axis=0))
    xv = RNG.standard_normal((1, 2, 6, 6)).astype(np.float32)
    got = kiln.compile(g)(xv)

    padded = np.pad(xv, ((0, 0), (0, 0), (1, 1), (1, 1)))
    conv = np.zeros((1, 4, 6, 6), np.float32)
    for i in range(6):
        for j in range(6):
            conv[0, :, i, j] = padded[0, :, i:i + 3, j:j + 3].sum()
    ref = np.maximum(conv, 0).reshape(1, 4, 3, 2, 3, 2).max((3, 5))
    ref = ref.reshape(4, 9).T
    ref = np.concatenate([ref, ref[0:9:2]], 0)
    ref = np.pad(ref, ((1, 0), (0, 2)), constant_values=-1.0)
    np.testing.assert_allclose(got, ref[[0, 5, 14]], rtol=1e-5)


def test_weights_travel_as_bytes_not_text():
    g = kiln.Graph()
    x = g.input("x", (2, 1000))
    big = RNG.standard_normal(1000).astype(np.float32)
    g.output(g.mul(x, g.constant(big, name="scale")))
    text = g.to_mlir()
    assert "dense_resource<scale>" in text and len(text) < 1000
    xv = np.ones((2, 1000), np.float32)
    np.testing.assert_array_equal(kiln.compile(g)(xv), xv * big)


def test_splat_constants_are_inline():
    g = kiln.Graph()
    x = g.input("x", (4,), "i64")
    g.output(g.add(x, g.constant(np.full(4, 3, np.int64))))
    assert "dense<3> : tensor<4xi64>" in g.to_mlir()
    assert not g.weights()
    np.testing.assert_array_equal(kiln.compile(g)(np.arange(4)), np.arange(4)
                                  + 3)


@pytest.mark.parametrize("build,error,message", [
    (lambda g, x: g.matmul(x, x), ValueError,
     r"matmul contraction sizes differ: \[2, 3\] x \[2, 3\]"),
    (lambda g, x: g.add(x, g.input("y", (4,))), ValueError,
     r"shapes do not broadcast: \[2, 3\], \[4\]"),
    (lambda g, x: g.add(x, g.input("y", (3,), "i32")), TypeError,
     "element types differ: f32 and i32"),
    (lambda g, x: g.reshape(x, (4, 2)), ValueError,
     r"cannot reshape \[2, 3\] to \[4, 2\]"),
    (lambda g, x: g.softmax(x, axis=2), ValueError,
     "axis 2 is out of range for rank 2"),
    (lambda g, x: g.transpose(x, (0, 0)), ValueError,
     "not a permutation"),
    (lambda g, x: g.relu(kiln.Graph().input("z", (1,))), TypeError,
     "is not a value of graph"),
    (lambda g, x: g.input("u", (1,), np.uint16), TypeError,
     "Kiln has no element type for"),
])
def test_builder_errors(build, error, message):
    g = kiln.Graph()
    x = g.input("x", (2, 3))
    with pytest.raises(error, match=message):
        build(g, x)


def test_graph_without_outputs():
    g = kiln.Graph("empty")
    g.input("x", (1,))
    with pytest.raises(ValueError, match="graph 'empty' has no outputs"):
        kiln.compile(g)


def test_verifier_errors_surface_with_the_op_location():
    # The builder checks shapes; the compiler's verifier still has the last
    # word, and its diagnostic names the location the builder gave.
    g = kiln.Graph()
    x = g.input("x", (2, 3))
    g.output(g.clamp(x, min=2.0, max=1.0, loc="head.clamp"))
    with pytest.raises(kiln.CompileError, match="head.clamp"):
        kiln.compile(g)


def test_unknown_weight_name_is_an_error():
    text = ("func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {\n"
            "  return %x : tensor<2xf32>\n}\n")
    result = _kiln.run_pipeline(text, "graph-canonicalize", "t",
                                {"ghost": b"\0" * 8}, False)
    assert not result.succeeded
    assert "weight 'ghost' is given but no dense_resource names it" in \
        result.diagnostics


def test_weight_of_the_wrong_size_is_an_error():
    text = ("func.func @main() -> tensor<4xf32> {\n"
            "  %w = graph.constant dense_resource<w> : tensor<4xf32>\n"
            "  return %w : tensor<4xf32>\n}\n")
    result = _kiln.run_pipeline(text, "graph-canonicalize", "t",
                                {"w": np.zeros(3, np.float32)}, False)
    assert not result.succeeded
    assert ("dense_resource<w> holds 12 bytes, but 'tensor<4xf32>' needs 16"
            in result.diagnostics)
