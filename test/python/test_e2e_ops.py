"""Every graph op, compiled with kiln-compile and run with kiln-run, against
numpy. Shapes are odd (they do not divide tile sizes), broadcast, and have
size-1 dims; big enough ones are split over several workgroups.

Tolerances: exact for integer ops, data movement and comparisons; 1e-6
relative for float arithmetic; 2e-6 relative (+1e-6 absolute) for the
polynomial approximations of exp, log, tanh and erf used on the CPU, and
reductions (summation order differs from numpy's pairwise sums).
"""

import math

import numpy as np
import pytest

from kiln_testing import compile_and_run, graph_module, tensor_type, type_of

# Every case runs fused and unfused (conftest.py).
pytestmark = pytest.mark.usefixtures("fusion", "target")

RNG = np.random.default_rng(20261125)
EXACT = dict(rtol=0, atol=0)
ARITH = dict(rtol=1e-6, atol=1e-7)
APPROX = dict(rtol=2e-6, atol=1e-6)


def rand(*shape, dtype=np.float32, low=-3.0, high=3.0):
    if np.dtype(dtype).kind in "iu":
        return RNG.integers(int(low), int(high), size=shape).astype(dtype)
    return RNG.uniform(low, high, size=shape).astype(dtype)


_erf = np.vectorize(math.erf)


def check(tmp_path, inputs, body, expected, tolerance):
    """Runs `body` (MLIR using %arg<i>, defining %r<j>) on `inputs` and
    compares output j with expected[j]."""
    expected = [np.asarray(e) for e in expected]
    results = [(f"%r{j}", e) for j, e in enumerate(expected)]
    source = graph_module(inputs, body, results)
    outputs = compile_and_run(tmp_path, source, inputs)
    assert len(outputs) == len(expected)
    for got, want in zip(outputs, expected):
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, **tolerance)


#===--- elementwise unary ---===#

X = rand(67, 131)
POS = rand(67, 131, low=0.1, high=4.0)
UNARY = [
    ("neg", X, "", -X, EXACT),
    ("abs", X, "", np.abs(X), EXACT),
    ("relu", X, "", np.maximum(X, 0), EXACT),
    ("exp", X, "", np.exp(X), APPROX),
    ("log", POS, "", np.log(POS), APPROX),
    ("sqrt", POS, "", np.sqrt(POS), ARITH),
    ("rsqrt", POS, "", 1 / np.sqrt(POS), ARITH),
    ("tanh", X, "", np.tanh(X), APPROX),
    ("sigmoid", X, "", 1 / (1 + np.exp(-X)), APPROX),
    ("silu", X, "", X / (1 + np.exp(-X)), APPROX),
    ("erf", X, "", _erf(X).astype(np.float32), APPROX),
    ("gelu", X, "", (0.5 * X * (1 + _erf(X / math.sqrt(2)))).astype(np.float32),
     APPROX),
    ("gelu", X, "approximate = tanh",
     0.5 * X * (1 + np.tanh(math.sqrt(2 / math.pi) * (X + 0.044715 * X**3))),
     APPROX),
    ("clamp", X, "min = -1.0 max = 2.0", np.clip(X, -1, 2), EXACT),
]


@pytest.mark.parametrize("op,x,attrs,expected,tolerance", UNARY,
                         ids=[f"{u[0]}-{i}" for i, u in enumerate(UNARY)])
def test_unary_float(tmp_path, op, x, attrs, expected, tolerance):
    t = type_of(x)
    check(tmp_path, [x], f"  %r0 = graph.{op} %arg0 {attrs} : {t}",
          [expected.astype(np.float32)], tolerance)


I = rand(5, 13, dtype=np.int32, low=-50, high=50)


@pytest.mark.parametrize("op,attrs,reference", [
    ("neg", "", lambda v: -v),
    ("abs", "", np.abs),
    ("relu", "", lambda v: np.maximum(v, 0)),
    ("clamp", "min = -7.5 max = 20.5", lambda v: np.clip(v, -7, 20)),
])
def test_unary_int(tmp_path, op, attrs, reference):
    check(tmp_path, [I], f"  %r0 = graph.{op} %arg0 {attrs} : {type_of(I)}",
          [reference(I).astype(np.int32)], EXACT)


#===--- elementwise binary, broadcasting ---===#

BINARY_SHAPES = [((67, 131), (131,)), ((5, 1, 7), (3, 7)), ((1, 1), (4, 9)),
                 ((4, 1), (1, 6))]
BINARY = {
    "add": (np.add, EXACT),
    "sub": (np.subtract, EXACT),
    "mul": (np.multiply, EXACT),
    "div": (np.divide, ARITH),
    "max": (np.maximum, EXACT),
    "min": (np.minimum, EXACT),
}


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("op", list(BINARY))
def test_binary_float(tmp_path, op, shapes):
    a, b = rand(*shapes[0]), rand(*shapes[1], low=0.5, high=3.0)
    reference, tolerance = BINARY[op]
    want = reference(a, b).astype(np.float32)
    check(tmp_path, [a, b],
          f"  %r0 = graph.{op} %arg0, %arg1 : ({type_of(a)}, {type_of(b)}) -> "
          f"{type_of(want)}", [want], tolerance)


def test_pow(tmp_path):
    a, b = rand(9, 11, low=0.1, high=3.0), rand(11, low=-2.0, high=2.0)
    want = np.power(a, b)
    check(tmp_path, [a, b],
          f"  %r0 = graph.pow %arg0, %arg1 : ({type_of(a)}, {type_of(b)}) -> "
          f"{type_of(want)}", [want], APPROX)


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_binary_int(tmp_path, dtype):
    a = rand(7, 9, dtype=dtype, low=-100, high=100)
    b = rand(9, dtype=dtype, low=-5, high=5)  # includes zeros
    t = f"({type_of(a)}, {type_of(b)}) -> {type_of(a)}"
    body = "\n".join([
        f"  %r0 = graph.add %arg0, %arg1 : {t}",
        f"  %r1 = graph.sub %arg0, %arg1 : {t}",
        f"  %r2 = graph.mul %arg0, %arg1 : {t}",
        f"  %r3 = graph.div %arg0, %arg1 : {t}",
        f"  %r4 = graph.max %arg0, %arg1 : {t}",
        f"  %r5 = graph.min %arg0, %arg1 : {t}",
    ])
    safe = np.where(b == 0, 1, b)
    quotient = np.where(b == 0, 0, np.trunc(a / safe)).astype(dtype)
    check(tmp_path, [a, b], body,
          [a + b, a - b, a * b, quotient, np.maximum(a, b), np.minimum(a, b)],
          EXACT)


def test_compare_and_select(tmp_path):
    a = rand(6, 8)
    b = a.copy()
    b[::2] = rand(3, 8)  # some equal, some not
    ia, ib = rand(6, 8, dtype=np.int64, low=-3, high=3), rand(
        8, dtype=np.int64, low=-3, high=3)
    lines, expected = [], []
    for j, (pred, reference) in enumerate([
            ("eq", np.equal), ("ne", np.not_equal), ("lt", np.less),
            ("le", np.less_equal), ("gt", np.greater),
            ("ge", np.greater_equal)]):
        lines.append(f"  %r{j} = graph.compare {pred}, %arg0, %arg1 : "
                     f"({type_of(a)}, {type_of(b)}) -> {tensor_type(a.shape, bool)}")
        expected.append(reference(a, b))
        lines.append(f"  %r{j + 6} = graph.compare {pred}, %arg2, %arg3 : "
                     f"({type_of(ia)}, {type_of(ib)}) -> {tensor_type(ia.shape, bool)}")
        expected.append(reference(ia, ib))
    expected = expected[0::2] + expected[1::2]
    lines.append(f"  %r12 = graph.select %r2, %arg0, %arg1 : "
                 f"({tensor_type(a.shape, bool)}, {type_of(a)}, {type_of(b)}) -> {type_of(a)}")
    expected.append(np.where(a < b, a, b))
    check(tmp_path, [a, b, ia, ib], "\n".join(lines), expected, EXACT)


def test_select_broadcasts(tmp_path):
    condition = RNG.integers(0, 2, size=(4, 1)).astype(bool)
    a, b = rand(4, 6), rand(6)
    check(tmp_path, [condition, a, b],
          f"  %r0 = graph.select %arg0, %arg1, %arg2 : ({type_of(condition)}, "
          f"{type_of(a)}, {type_of(b)}) -> {type_of(a)}",
          [np.where(condition, a, b)], EXACT)


def test_cast(tmp_path):
    x = rand(5, 7, low=-10, high=10)
    x[0, 0] = 0.0
    flags = RNG.integers(0, 2, size=(5, 7)).astype(bool)
    ints = rand(5, 7, dtype=np.int64, low=-300, high=300)
    body = "\n".join([
        f"  %r0 = graph.cast %arg0 : {type_of(x)} -> {tensor_type(x.shape, np.int32)}",
        f"  %r1 = graph.cast %arg0 : {type_of(x)} -> {tensor_type(x.shape, bool)}",
        f"  %r2 = graph.cast %arg1 : {type_of(flags)} -> {tensor_type(x.shape, np.float32)}",
        f"  %r3 = graph.cast %arg2 : {type_of(ints)} -> {tensor_type(x.shape, np.float64)}",
        f"  %r4 = graph.cast %arg0 : {type_of(x)} -> {tensor_type(x.shape, np.float64)}",
        f"  %r5 = graph.cast %arg2 : {type_of(ints)} -> {tensor_type(x.shape, np.int8)}",
    ])
    check(tmp_path, [x, flags, ints], body, [
        x.astype(np.int32), x != 0, flags.astype(np.float32),
        ints.astype(np.float64), x.astype(np.float64), ints.astype(np.int8)
    ], EXACT)


#===--- contractions and windows ---===#


@pytest.mark.parametrize("lhs,rhs", [((37, 53), (53, 71)), ((1, 8), (8, 16)),
                                     ((2, 1, 5, 7), (3, 7, 4)),
                                     ((130, 64), (64, 130))], ids=str)
def test_matmul(tmp_path, lhs, rhs):
    a, b = rand(*lhs), rand(*rhs)
    want = np.matmul(a.astype(np.float64), b.astype(np.float64)).astype(
        np.float32)
    check(tmp_path, [a, b],
          f"  %r0 = graph.matmul %arg0, %arg1 : ({type_of(a)}, {type_of(b)}) "
          f"-> {type_of(want)}", [want],
          # An f32 sum of k products of N(0, 1) values is rounded at a
          # magnitude near sqrt(k): allow a few ulp of that near zero.
          dict(rtol=1e-5, atol=2e-6 * lhs[-1] ** 0.5))


def test_matmul_int(tmp_path):
    a, b = rand(5, 6, dtype=np.int32, low=-9, high=9), rand(
        6, 3, dtype=np.int32, low=-9, high=9)
    check(tmp_path, [a, b],
          f"  %r0 = graph.matmul %arg0, %arg1 : ({type_of(a)}, {type_of(b)}) "
          f"-> {tensor_type((5, 3), np.int32)}", [a @ b], EXACT)


def conv2d_reference(x, w, bias, strides, padding, dilations, groups):
    """Direct convolution, NCHW / OIHW, padding [top, left, bottom, right]."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x.astype(np.float64),
                ((0, 0), (0, 0), (padding[0], padding[2]),
                 (padding[1], padding[3])))
    oh = (h + padding[0] + padding[2] - dilations[0] * (kh - 1) - 1) // strides[0] + 1
    ow = (wd + padding[1] + padding[3] - dilations[1] * (kw - 1) - 1) // strides[1] + 1
    out = np.zeros((n, o, oh, ow))
    og = o // groups
    for g in range(groups):
        for i in range(kh):
            for j in range(kw):
                patch = xp[:, g * cg:(g + 1) * cg,
                           i * dilations[0]:i * dilations[0] + strides[0] * (oh - 1) + 1:strides[0],
                           j * dilations[1]:j * dilations[1] + strides[1] * (ow - 1) + 1:strides[1]]
                out[:, g * og:(g + 1) * og] += np.einsum(
                    "nchw,oc->nohw", patch, w[g * og:(g + 1) * og, :, i, j])
    if bias is not None:
        out += bias.reshape(1, -1, 1, 1)
    return out.astype(np.float32)


CONVS = [
    # input, filter, bias, strides, padding, dilations, groups
    ((2, 3, 13, 11), (8, 3, 3, 3), True, (1, 1), (0, 0, 0, 0), (1, 1), 1),
    ((1, 3, 17, 15), (5, 3, 3, 2), True, (2, 3), (1, 2, 0, 1), (1, 1), 1),
    ((1, 4, 12, 12), (6, 2, 3, 3), False, (1, 1), (2, 2, 2, 2), (2, 2), 2),
    ((2, 8, 9, 9), (8, 1, 3, 3), True, (2, 2), (1, 1, 1, 1), (1, 1), 8),
    ((1, 16, 14, 14), (32, 16, 1, 1), False, (1, 1), (0, 0, 0, 0), (1, 1), 1),
]


@pytest.mark.parametrize("case", CONVS, ids=[str(i) for i in range(len(CONVS))])
def test_conv2d(tmp_path, case):
    xs, ws, has_bias, strides, padding, dilations, groups = case
    x, w = rand(*xs), rand(*ws)
    inputs = [x, w]
    bias = None
    if has_bias:
        bias = rand(ws[0])
        inputs.append(bias)
    want = conv2d_reference(x, w, bias, strides, padding, dilations, groups)
    operands = ", ".join(f"%arg{i}" for i in range(len(inputs)))
    types = ", ".join(type_of(a) for a in inputs)
    check(tmp_path, inputs,
          f"  %r0 = graph.conv2d {operands} strides = {list(strides)} "
          f"padding = {list(padding)} dilations = {list(dilations)} "
          f"groups = {groups} : ({types}) -> {type_of(want)}", [want],
          dict(rtol=1e-5, atol=1e-5))


def pool_reference(x, kind, kernel, strides, padding, dilations, ceil_mode,
                   count_include_pad):
    """PyTorch's max_pool2d / avg_pool2d semantics, window by window."""
    n, c, h, w = x.shape
    sizes = (h, w)

    def out_size(i):
        room = sizes[i] + padding[i] + padding[i + 2] - dilations[i] * (kernel[i] - 1) - 1
        count = (-(-room // strides[i]) if ceil_mode else room // strides[i]) + 1
        if ceil_mode and (count - 1) * strides[i] >= sizes[i] + padding[i]:
            count -= 1
        return count

    oh, ow = out_size(0), out_size(1)
    out = np.zeros((n, c, oh, ow), dtype=np.float64)
    for a in range(oh):
        for b in range(ow):
            hs, ws = a * strides[0] - padding[0], b * strides[1] - padding[1]
            if kind == "max":
                rows = [hs + i * dilations[0] for i in range(kernel[0])]
                cols = [ws + j * dilations[1] for j in range(kernel[1])]
                rows = [r for r in rows if 0 <= r < h]
                cols = [q for q in cols if 0 <= q < w]
                out[:, :, a, b] = x[:, :, rows][:, :, :, cols].max(axis=(2, 3))
            else:
                he = min(hs + kernel[0], h + padding[2])
                we = min(ws + kernel[1], w + padding[3])
                size = (he - hs) * (we - ws)
                h0, w0, h1, w1 = max(hs, 0), max(ws, 0), min(he, h), min(we, w)
                if not count_include_pad:
                    size = (h1 - h0) * (w1 - w0)
                out[:, :, a, b] = x[:, :, h0:h1, w0:w1].sum(axis=(2, 3)) / size
    return out.astype(np.float32)


POOLS = [
    # kind, input, kernel, strides, padding, dilations, ceil, count_include_pad
    ("max", (2, 3, 17, 13), (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), False, False),
    ("max", (1, 2, 5, 5), (2, 2), (2, 2), (0, 0, 0, 0), (1, 1), True, False),
    ("max", (1, 2, 9, 8), (2, 3), (1, 2), (1, 0, 0, 1), (2, 1), True, False),
    ("avg", (2, 3, 7, 7), (7, 7), (1, 1), (0, 0, 0, 0), (1, 1), False, False),
    ("avg", (1, 2, 5, 5), (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), True, False),
    ("avg", (1, 2, 6, 7), (3, 2), (2, 2), (1, 1, 1, 0), (1, 1), True, True),
]


@pytest.mark.parametrize("case", POOLS, ids=[str(i) for i in range(len(POOLS))])
def test_pool2d(tmp_path, case):
    kind, xs, kernel, strides, padding, dilations, ceil_mode, include = case
    x = rand(*xs)
    want = pool_reference(x, kind, kernel, strides, padding, dilations,
                          ceil_mode, include)
    attrs = f"kernel = {list(kernel)} strides = {list(strides)} padding = {list(padding)}"
    if kind == "max":
        attrs += f" dilations = {list(dilations)}"
    if ceil_mode:
        attrs += " ceil_mode"
    if include:
        attrs += " count_include_pad"
    check(tmp_path, [x],
          f"  %r0 = graph.{kind}_pool2d %arg0 {attrs} : {type_of(x)} -> "
          f"{type_of(want)}", [want], ARITH)


#===--- reductions and normalizations ---===#

REDUCE = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min,
          "prod": np.prod}


@pytest.mark.parametrize("axes,keepdims", [((1,), False), ((0, 2), True),
                                           ((0, 1, 2), False), ((2,), True)],
                         ids=str)
@pytest.mark.parametrize("kind", list(REDUCE))
def test_reduce(tmp_path, kind, axes, keepdims):
    x = rand(7, 33, 5, low=0.5, high=1.5)
    want = REDUCE[kind](x.astype(np.float64), axis=axes,
                        keepdims=keepdims).astype(np.float32)
    keep = " keepdims" if keepdims else ""
    check(tmp_path, [x],
          f"  %r0 = graph.reduce {kind} %arg0 axes = {list(axes)}{keep} : "
          f"{type_of(x)} -> {type_of(want)}", [want],
          dict(rtol=1e-5, atol=1e-6))


def test_reduce_int(tmp_path):
    x = rand(4, 9, dtype=np.int64, low=-100, high=100)
    check(tmp_path, [x],
          f"  %r0 = graph.reduce sum %arg0 axes = [1] : {type_of(x)} -> "
          f"{tensor_type((4,), np.int64)}\n"
          f"  %r1 = graph.reduce max %arg0 axes = [0] : {type_of(x)} -> "
          f"{tensor_type((9,), np.int64)}", [x.sum(1), x.max(0)], EXACT)


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_softmax(tmp_path, axis):
    x = rand(5, 67, 9, low=-5, high=5)
    x64 = x.astype(np.float64)
    check(tmp_path, [x],
          f"  %r0 = graph.softmax %arg0 axis = {axis} : {type_of(x)}\n"
          f"  %r1 = graph.log_softmax %arg0 axis = {axis} : {type_of(x)}",
          [softmax(x64, axis).astype(np.float32),
           np.log(softmax(x64, axis)).astype(np.float32)], APPROX)


@pytest.mark.parametrize("axis", [1, 2])
def test_layer_norm(tmp_path, axis):
    x = rand(3, 17, 24)
    shape = x.shape[axis:]
    g, b = rand(*shape), rand(*shape)
    axes = tuple(range(axis, 3))
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=axes, keepdims=True)
    var = x64.var(axis=axes, keepdims=True)
    want = ((x64 - mean) / np.sqrt(var + 1e-5) * g + b).astype(np.float32)
    check(tmp_path, [x, g, b],
          f"  %r0 = graph.layer_norm %arg0, %arg1, %arg2 axis = {axis} : "
          f"{type_of(x)}, {type_of(g)}", [want], dict(rtol=1e-5, atol=1e-5))


def test_batch_norm(tmp_path):
    x = rand(2, 5, 7, 3)
    scale, bias, mean = rand(5), rand(5), rand(5)
    var = rand(5, low=0.1, high=2)
    want = ((x - mean.reshape(1, 5, 1, 1)) /
            np.sqrt(var.reshape(1, 5, 1, 1) + 1e-3) * scale.reshape(1, 5, 1, 1)
            + bias.reshape(1, 5, 1, 1)).astype(np.float32)
    check(tmp_path, [x, scale, bias, mean, var],
          f"  %r0 = graph.batch_norm %arg0, %arg1, %arg2, %arg3, %arg4 "
          f"epsilon = 1.0e-3 : {type_of(x)}, {type_of(scale)}", [want],
          dict(rtol=1e-5, atol=1e-6))


#===--- shape and data movement ---===#


def test_reshape_transpose_broadcast(tmp_path):
    x = rand(2, 3, 4)
    row = rand(3, 1)
    body = "\n".join([
        f"  %r0 = graph.reshape %arg0 : {type_of(x)} -> {tensor_type((4, 6), np.float32)}",
        f"  %r1 = graph.transpose %arg0 perm = [2, 0, 1] : {type_of(x)} -> {tensor_type((4, 2, 3), np.float32)}",
        f"  %r2 = graph.broadcast_to %arg1 : {type_of(row)} -> {tensor_type((2, 3, 5), np.float32)}",
        # A reshape of a kernel's result is a view; its consumer reads it.
        f"  %n = graph.neg %arg0 : {type_of(x)}",
        f"  %v = graph.reshape %n : {type_of(x)} -> {tensor_type((24,), np.float32)}",
        f"  %r3 = graph.abs %v : {tensor_type((24,), np.float32)}",
    ])
    check(tmp_path, [x, row], body, [
        x.reshape(4, 6), x.transpose(2, 0, 1), np.broadcast_to(row, (2, 3, 5)),
        np.abs(x).reshape(24)
    ], EXACT)


def test_concat(tmp_path):
    a, b, c = rand(2, 3, 4), rand(2, 5, 4), rand(2, 1, 4)
    want = np.concatenate([a, b, c], axis=1)
    check(tmp_path, [a, b, c],
          f"  %r0 = graph.concat %arg0, %arg1, %arg2 axis = 1 : ({type_of(a)}, "
          f"{type_of(b)}, {type_of(c)}) -> {type_of(want)}", [want], EXACT)


def test_slice(tmp_path):
    x = rand(6, 7, 8)
    forward = x[1:5:2, 0:7:3, 2:8]
    backward = x[5::-2, 6:1:-1, 7:2:-3]
    body = "\n".join([
        f"  %r0 = graph.slice %arg0 start = [1, 0, 2] limit = [5, 7, 8] "
        f"step = [2, 3, 1] : {type_of(x)} -> {type_of(forward)}",
        f"  %r1 = graph.slice %arg0 start = [5, 6, 7] limit = [-1, 1, 2] "
        f"step = [-2, -1, -3] : {type_of(x)} -> {type_of(backward)}",
    ])
    check(tmp_path, [x], body, [forward, backward], EXACT)


def test_gather(tmp_path):
    data = rand(5, 9, 3)
    indices = np.array([[0, -1, 4], [8, 2, -9]], dtype=np.int64)
    want = np.take(data, indices, axis=1)
    check(tmp_path, [data, indices],
          f"  %r0 = graph.gather %arg0, %arg1 axis = 1 : ({type_of(data)}, "
          f"{type_of(indices)}) -> {type_of(want)}", [want], EXACT)


def test_pad(tmp_path):
    x = rand(3, 5)
    pads = ((1, 2), (3, 1))
    body = "\n".join(
        f"  %r{j} = graph.pad %arg0 low = [1, 3] high = [2, 1] {attrs} : "
        f"{type_of(x)} -> {tensor_type((6, 9), np.float32)}"
        for j, attrs in enumerate(["value = -2.5", "mode = reflect",
                                   "mode = edge"]))
    check(tmp_path, [x], body, [
        np.pad(x, pads, constant_values=-2.5), np.pad(x, pads, mode="reflect"),
        np.pad(x, pads, mode="edge")
    ], EXACT)


def test_arange_and_constants(tmp_path):
    x = rand(5)
    body = "\n".join([
        f"  %r0 = graph.arange start = 1.0 step = 0.25 : {tensor_type((5,), np.float32)}",
        f"  %r1 = graph.arange start = 10.0 step = -3.0 : {tensor_type((4,), np.int64)}",
        f"  %c = graph.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0]> : {type_of(x)}",
        f"  %r2 = graph.mul %arg0, %c : ({type_of(x)}, {type_of(x)}) -> {type_of(x)}",
    ])
    check(tmp_path, [x], body, [
        np.arange(1.0, 2.25, 0.25, dtype=np.float32),
        np.arange(10, -2, -3, dtype=np.int64),
        x * np.array([1, 2, 3, 4, 5], dtype=np.float32)
    ], EXACT)
