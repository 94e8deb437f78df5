"""A builder for Kiln model graphs: write a graph by hand in Python, with
numpy constants, and compile it with ``kiln.compile`` like any model.

    g = kiln.Graph()
    x = g.input("x", (4, 8), "f32")
    w = g.constant(np.ones((8, 16), np.float32), name="fc.weight")
    g.output(g.relu(g.matmul(x, w)))
    m = kiln.compile(g)

Every method adds one ``graph`` dialect op and returns its result as a
``Value`` (shape and element type known); frontends (the PyTorch importer)
build through the same methods. The graph becomes MLIR text whose weights are
``dense_resource``s; their bytes travel beside the text (``weights()``), never
through it.
"""

import math
import re

import numpy as np

__all__ = ["Graph", "Value"]

# Kiln's element types (as MLIR names them) and numpy's.
_NUMPY_TO_MLIR = {
    np.dtype(np.float16): "f16",
    np.dtype(np.float32): "f32",
    np.dtype(np.float64): "f64",
    np.dtype(np.bool_): "i1",
    np.dtype(np.int8): "i8",
    np.dtype(np.int16): "i16",
    np.dtype(np.int32): "i32",
    np.dtype(np.int64): "i64",
}
_FLOATS = ("f16", "bf16", "f32", "f64")
_INTEGERS = ("i8", "i16", "i32", "i64")


def element_type(dtype):
    """The MLIR element type name for a numpy dtype or a name ("f32")."""
    if isinstance(dtype, str) and dtype in _FLOATS + _INTEGERS + ("i1",):
        return dtype
    try:
        return _NUMPY_TO_MLIR[np.dtype(dtype)]
    except (KeyError, TypeError):
        raise TypeError(f"Kiln has no element type for {dtype!r} (supported: "
                        f"{', '.join(str(d) for d in _NUMPY_TO_MLIR)})")


def tensor_type(shape, dtype):
    dims = "".join(f"{d}x" for d in shape)
    return f"tensor<{dims}{dtype}>"


def _float_literal(value):
    """An f64 attribute literal MLIR parses (always with a '.' or exponent)."""
    value = float(value)
    if math.isnan(value):
        return "0x7FF8000000000000"
    if math.isinf(value):
        return "0x7FF0000000000000" if value > 0 else "0xFFF0000000000000"
    text = repr(value)  # shortest round-trip form
    if "." not in text:
        text = text.replace("e", ".0e") if "e" in text else text + ".0"
    return text


def _array(values):
    return "[" + ", ".join(str(int(v)) for v in values) + "]"


def broadcast_shapes(*shapes):
    """numpy's broadcasting rule; raises ValueError naming the shapes."""
    try:
        return tuple(np.broadcast_shapes(*[tuple(s) for s in shapes]))
    except ValueError:
        raise ValueError("shapes do not broadcast: " +
                         ", ".join(str(list(s)) for s in shapes)) from None


class Value:
    """A tensor in a graph under construction: an SSA name, a shape and an
    element type ("f32", "i64", "i1", ...)."""

    def __init__(self, graph, name, shape, dtype):
        self.graph, self.name = graph, name
        self.shape, self.dtype = tuple(int(d) for d in shape), dtype

    @property
    def type(self):
        return tensor_type(self.shape, self.dtype)

    @property
    def rank(self):
        return len(self.shape)

    def __repr__(self):
        return f"Value({self.name}: {self.type})"


class Graph:
    """A model graph under construction: inputs, ops, outputs."""

    def __init__(self, name="main"):
        self.name = name
        self._inputs, self._outputs, self._lines = [], [], []
        self._weights, self._weight_names = {}, set()
        self._count = 0

    # -- structure ----------------------------------------------------------

    def input(self, name, shape, dtype="f32"):
        """A graph input; ``dtype`` is a numpy dtype or an MLIR name."""
        value = Value(self, f"%arg{len(self._inputs)}", shape,
                      element_type(dtype))
        self._inputs.append((name, value))
        return value

    def output(self, *values):
        """Marks ``values`` as the graph's results, in order."""
        for value in values:
            self._check(value)
        self._outputs.extend(values)

    @property
    def inputs(self):
        return [value for _, value in self._inputs]

    @property
    def input_names(self):
        return [name for name, _ in self._inputs]

    @property
    def outputs(self):
        return list(self._outputs)

    def weights(self):
        """Resource name -> contiguous numpy array: the bytes the text
        names."""
        return dict(self._weights)

    def to_mlir(self):
        """The graph as MLIR text (weights as dense_resource names)."""
        if not self._outputs:
            raise ValueError(f"graph '{self.name}' has no outputs: call "
                             "output(...)")
        # exec.name: the artifact's inputs keep their names.
        args = ", ".join(f'{v.name}: {v.type} {{exec.name = "{_escape(n)}"}}'
                         for n, v in self._inputs)
        results = ", ".join(v.type for v in self._outputs)
        lines = [f"func.func @{self.name}({args}) -> ({results}) {{"]
        lines += ["  " + line for line in self._lines]
        lines.append("  return " + ", ".join(v.name for v in self._outputs) +
                     " : " + results)
        lines.append("}")
        return "\n".join(lines) + "\n"

    # -- helpers ------------------------------------------------------------

    def _check(self, value):
        if not isinstance(value, Value) or value.graph is not self:
            raise TypeError(f"{value!r} is not a value of graph '{self.name}'")

    def _emit(self, text, shape, dtype, loc=None):
        name = f"%{self._count}"
        self._count += 1
        location = f' loc("{_escape(loc)}")' if loc else ""
        self._lines.append(f"{name} = {text}{location}")
        return Value(self, name, shape, dtype)

    def _operands(self, *values):
        for value in values:
            self._check(value)
        return ", ".join(v.name for v in values)

    # -- constants ----------------------------------------------------------

    def constant(self, array, name=None, dtype=None, loc=None):
        """A constant tensor. Splats are written inline; anything else becomes
        a weight (dense_resource named after ``name``) whose bytes are not
        copied into text. numpy has no bfloat16: ``dtype="bf16"`` takes the
        values' bits (uint16), or floats, rounded to nearest even."""
        if dtype == "bf16":
            array = np.asarray(array)
            if array.dtype != np.uint16:
                array = bfloat16_bits(array)
            mlir_type = "bf16"
        else:
            array = np.asarray(array, dtype=dtype)
            mlir_type = element_type(array.dtype)
        ttype = tensor_type(array.shape, mlir_type)
        # exec.name: the weight's own name, which shardings refer to.
        named = f' {{exec.name = "{_escape(name)}"}}' if name else ""
        flat = array.reshape(-1)
        if flat.size and (flat == flat[0]).all() or flat.size == 0:
            literal = _scalar_literal(flat[0] if flat.size else 0, mlir_type)
            return self._emit(
                f"graph.constant{named} dense<{literal}> : {ttype}",
                array.shape, mlir_type, loc)
        key = self._resource_name(name or "weight")
        self._weights[key] = np.ascontiguousarray(array)
        return self._emit(
            f"graph.constant{named} dense_resource<{key}> : {ttype}",
            array.shape, mlir_type, loc)

    def scalar(self, value, dtype, loc=None):
        """A rank-0 constant of element type ``dtype``."""
        return self.filled((), value, dtype, loc=loc)

    def filled(self, shape, value, dtype, loc=None):
        """A constant of ``shape`` whose elements are all ``value``, of
        element type ``dtype`` (an MLIR name, bf16 included)."""
        dtype = element_type(dtype)
        if dtype == "bf16":
            return self.constant(np.full(shape, value, np.float32),
                                 dtype="bf16", loc=loc)
        return self.constant(np.full(shape, value, numpy_dtype(dtype)),
                             loc=loc)

    def _resource_name(self, name):
        base = re.sub(r"[^A-Za-z0-9_]", "_", name)
        if not base or not (base[0].isalpha() or base[0] == "_"):
            base = "w_" + base
        key, i = base, 1
        while key in self._weight_names:
            key, i = f"{base}_{i}", i + 1
        self._weight_names.add(key)
        return key

    def arange(self, start, step, length, dtype, loc=None):
        dtype = element_type(dtype)
        return self._emit(
            f"graph.arange start = {_float_literal(start)} step = "
            f"{_float_literal(step)} : {tensor_type((length,), dtype)}",
            (length,), dtype, loc)

    # -- elementwise --------------------------------------------------------

    def _unary(self, op, x, attrs="", loc=None):
        return self._emit(f"graph.{op} {self._operands(x)}{attrs} : {x.type}",
                          x.shape, x.dtype, loc)

    def neg(self, x, loc=None): return self._unary("neg", x, loc=loc)
    def abs(self, x, loc=None): return self._unary("abs", x, loc=loc)
    def relu(self, x, loc=None): return self._unary("relu", x, loc=loc)
    def exp(self, x, loc=None): return self._unary("exp", x, loc=loc)
    def log(self, x, loc=None): return self._unary("log", x, loc=loc)
    def sqrt(self, x, loc=None): return self._unary("sqrt", x, loc=loc)
    def rsqrt(self, x, loc=None): return self._unary("rsqrt", x, loc=loc)
    def tanh(self, x, loc=None): return self._unary("tanh", x, loc=loc)
    def sigmoid(self, x, loc=None): return self._unary("sigmoid", x, loc=loc)
    def silu(self, x, loc=None): return self._unary("silu", x, loc=loc)
    def erf(self, x, loc=None): return self._unary("erf", x, loc=loc)

    def gelu(self, x, approximate="none", loc=None):
        if approximate not in ("none", "tanh"):
            raise ValueError(f"gelu approximate must be 'none' or 'tanh', "
                             f"got {approximate!r}")
        attrs = "" if approximate == "none" else " approximate = tanh"
        return self._unary("gelu", x, attrs, loc)

    def clamp(self, x, min=None, max=None, loc=None):
        attrs = ""
        if min is not None:
            attrs += f" min = {_float_literal(min)}"
        if max is not None:
            attrs += f" max = {_float_literal(max)}"
        return self._unary("clamp", x, attrs, loc)

    def softmax(self, x, axis, loc=None):
        return self._unary("softmax", x, f" axis = {_axis(axis, x.rank)}",
                           loc)

    def log_softmax(self, x, axis, loc=None):
        return self._unary("log_softmax", x,
                           f" axis = {_axis(axis, x.rank)}", loc)

    def _binary(self, op, a, b, loc=None):
        operands = self._operands(a, b)
        if a.dtype != b.dtype:
            raise TypeError(f"graph.{op}: element types differ: {a.dtype} "
                            f"and {b.dtype}")
        shape = broadcast_shapes(a.shape, b.shape)
        return self._emit(
            f"graph.{op} {operands} : ({a.type}, {b.type}) -> "
            f"{tensor_type(shape, a.dtype)}", shape, a.dtype, loc)

    def add(self, a, b, loc=None): return self._binary("add", a, b, loc)
    def sub(self, a, b, loc=None): return self._binary("sub", a, b, loc)
    def mul(self, a, b, loc=None): return self._binary("mul", a, b, loc)
    def div(self, a, b, loc=None): return self._binary("div", a, b, loc)
    def pow(self, a, b, loc=None): return self._binary("pow", a, b, loc)
    def max(self, a, b, loc=None): return self._binary("max", a, b, loc)
    def min(self, a, b, loc=None): return self._binary("min", a, b, loc)

    def compare(self, predicate, a, b, loc=None):
        if predicate not in ("eq", "ne", "lt", "le", "gt", "ge"):
            raise ValueError(f"unknown comparison {predicate!r}")
        operands = self._operands(a, b)
        shape = broadcast_shapes(a.shape, b.shape)
        return self._emit(
            f"graph.compare {predicate}, {operands} : ({a.type}, {b.type}) "
            f"-> {tensor_type(shape, 'i1')}", shape, "i1", loc)

    def select(self, condition, on_true, on_false, loc=None):
        operands = self._operands(condition, on_true, on_false)
        shape = broadcast_shapes(condition.shape, on_true.shape,
                                 on_false.shape)
        return self._emit(
            f"graph.select {operands} : ({condition.type}, {on_true.type}, "
            f"{on_false.type}) -> {tensor_type(shape, on_true.dtype)}",
            shape, on_true.dtype, loc)

    def cast(self, x, dtype, loc=None):
        dtype = element_type(dtype)
        if dtype == x.dtype:
            return x
        return self._emit(f"graph.cast {self._operands(x)} : {x.type} -> "
                          f"{tensor_type(x.shape, dtype)}", x.shape, dtype,
                          loc)

    # -- contractions and windows ------------------------------------------

    def matmul(self, a, b, loc=None):
        operands = self._operands(a, b)
        if a.rank < 2 or b.rank < 2:
            raise ValueError(f"matmul needs rank >= 2 operands, got "
                             f"{list(a.shape)} and {list(b.shape)}")
        if a.shape[-1] != b.shape[-2]:
            raise ValueError(f"matmul contraction sizes differ: "
                             f"{list(a.shape)} x {list(b.shape)}")
        batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
        shape = batch + (a.shape[-2], b.shape[-1])
        return self._emit(
            f"graph.matmul {operands} : ({a.type}, {b.type}) -> "
            f"{tensor_type(shape, a.dtype)}", shape, a.dtype, loc)

    def conv2d(self, x, w, bias=None, strides=(1, 1), padding=(0, 0, 0, 0),
               dilations=(1, 1), groups=1, loc=None):
        """NCHW input, OIHW filter; padding is [top, left, bottom, right]."""
        values = (x, w) if bias is None else (x, w, bias)
        operands = self._operands(*values)
        n, _, h, wd = x.shape
        o, _, kh, kw = w.shape
        oh = _window_count(h, kh, strides[0], dilations[0], padding[0],
                           padding[2], False)
        ow = _window_count(wd, kw, strides[1], dilations[1], padding[1],
                           padding[3], False)
        shape = (n, o, oh, ow)
        types = ", ".join(v.type for v in values)
        return self._emit(
            f"graph.conv2d {operands} strides = {_array(strides)} padding = "
            f"{_array(padding)} dilations = {_array(dilations)} groups = "
            f"{int(groups)} : ({types}) -> {tensor_type(shape, x.dtype)}",
            shape, x.dtype, loc)

    def _pool(self, op, x, kernel, strides, padding, ceil_mode, extra, loc,
              dilations=(1, 1), trailing=""):
        n, c, h, w = x.shape
        oh = _window_count(h, kernel[0], strides[0], dilations[0], padding[0],
                           padding[2], ceil_mode)
        ow = _window_count(w, kernel[1], strides[1], dilations[1], padding[1],
                           padding[3], ceil_mode)
        shape = (n, c, oh, ow)
        attrs = (f" kernel = {_array(kernel)} strides = {_array(strides)} "
                 f"padding = {_array(padding)}{extra}"
                 f"{' ceil_mode' if ceil_mode else ''}{trailing}")
        return self._emit(f"graph.{op} {self._operands(x)}{attrs} : {x.type} "
                          f"-> {tensor_type(shape, x.dtype)}", shape, x.dtype,
                          loc)

    def max_pool2d(self, x, kernel, strides=None, padding=(0, 0, 0, 0),
                   dilations=(1, 1), ceil_mode=False, loc=None):
        strides = strides or kernel
        return self._pool("max_pool2d", x, kernel, strides, padding,
                          ceil_mode, f" dilations = {_array(dilations)}", loc,
                          dilations)

    def avg_pool2d(self, x, kernel, strides=None, padding=(0, 0, 0, 0),
                   ceil_mode=False, count_include_pad=False, loc=None):
        strides = strides or kernel
        return self._pool("avg_pool2d", x, kernel, strides, padding,
                          ceil_mode, "", loc, trailing=" count_include_pad"
                          if count_include_pad else "")

    # -- reductions and normalizations -------------------------------------

    def reduce(self, kind, x, axes, keepdims=False, loc=None):
        if kind not in ("sum", "mean", "max", "min", "prod"):
            raise ValueError(f"unknown reduction {kind!r}")
        axes = sorted({_axis(a, x.rank) for a in axes})
        shape = tuple(1 if i in axes else d for i, d in enumerate(x.shape)
                      if keepdims or i not in axes)
        return self._emit(
            f"graph.reduce {kind} {self._operands(x)} axes = {_array(axes)}"
            f"{' keepdims' if keepdims else ''} : {x.type} -> "
            f"{tensor_type(shape, x.dtype)}", shape, x.dtype, loc)

    def layer_norm(self, x, scale, bias, axis, epsilon=1e-5, loc=None):
        operands = self._operands(x, scale, bias)
        return self._emit(
            f"graph.layer_norm {operands} axis = {_axis(axis, x.rank)} "
            f"epsilon = {_float_literal(epsilon)} : {x.type}, {scale.type}",
            x.shape, x.dtype, loc)

    def batch_norm(self, x, scale, bias, mean, variance, epsilon=1e-5,
                   loc=None):
        operands = self._operands(x, scale, bias, mean, variance)
        return self._emit(
            f"graph.batch_norm {operands} epsilon = {_float_literal(epsilon)}"
            f" : {x.type}, {scale.type}", x.shape, x.dtype, loc)

    # -- shapes and data movement ------------------------------------------

    def reshape(self, x, shape, loc=None):
        shape = tuple(int(d) for d in shape)
        if shape == x.shape:
            return x
        if math.prod(shape) != math.prod(x.shape):
            raise ValueError(f"cannot reshape {list(x.shape)} to "
                             f"{list(shape)}: element counts differ")
        return self._emit(f"graph.reshape {self._operands(x)} : {x.type} -> "
                          f"{tensor_type(shape, x.dtype)}", shape, x.dtype,
                          loc)

    def transpose(self, x, perm, loc=None):
        perm = [_axis(p, x.rank) for p in perm]
        if sorted(perm) != list(range(x.rank)):
            raise ValueError(f"{perm} is not a permutation of "
                             f"{x.rank} dims")
        shape = tuple(x.shape[p] for p in perm)
        return self._emit(
            f"graph.transpose {self._operands(x)} perm = {_array(perm)} : "
            f"{x.type} -> {tensor_type(shape, x.dtype)}", shape, x.dtype,
            loc)

    def broadcast_to(self, x, shape, loc=None):
        shape = tuple(int(d) for d in shape)
        if shape == x.shape:
            return x
        if broadcast_shapes(x.shape, shape) != shape:
            raise ValueError(f"cannot broadcast {list(x.shape)} to "
                             f"{list(shape)}")
        return self._emit(f"graph.broadcast_to {self._operands(x)} : "
                          f"{x.type} -> {tensor_type(shape, x.dtype)}",
                          shape, x.dtype, loc)

    def concat(self, values, axis, loc=None):
        values = list(values)
        if len(values) == 1:
            return values[0]
        axis = _axis(axis, values[0].rank)
        shape = list(values[0].shape)
        shape[axis] = sum(v.shape[axis] for v in values)
        shape = tuple(shape)
        types = ", ".join(v.type for v in values)
        return self._emit(
            f"graph.concat {self._operands(*values)} axis = {axis} : "
            f"({types}) -> {tensor_type(shape, values[0].dtype)}", shape,
            values[0].dtype, loc)

    def slice(self, x, start, limit, step, loc=None):
        """One normalized [start, limit) and step per dim (see GraphOps.td)."""
        shape = tuple(max(0, -(-(lim - s) // st)) if st > 0
                      else max(0, -(-(s - lim) // -st))
                      for s, lim, st in zip(start, limit, step))
        if (tuple(start) == (0,) * x.rank and tuple(limit) == x.shape
                and tuple(step) == (1,) * x.rank):
            return x
        return self._emit(
            f"graph.slice {self._operands(x)} start = {_array(start)} limit "
            f"= {_array(limit)} step = {_array(step)} : {x.type} -> "
            f"{tensor_type(shape, x.dtype)}", shape, x.dtype, loc)

    def gather(self, data, indices, axis, loc=None):
        axis = _axis(axis, data.rank)
        shape = data.shape[:axis] + indices.shape + data.shape[axis + 1:]
        return self._emit(
            f"graph.gather {self._operands(data, indices)} axis = {axis} : "
            f"({data.type}, {indices.type}) -> "
            f"{tensor_type(shape, data.dtype)}", shape, data.dtype, loc)

    def pad(self, x, low, high, mode="constant", value=0.0, loc=None):
        if mode not in ("constant", "reflect", "edge"):
            raise ValueError(f"unknown pad mode {mode!r}")
        shape = tuple(d + lo + hi for d, lo, hi in zip(x.shape, low, high))
        attrs = f" low = {_array(low)} high = {_array(high)}"
        if mode != "constant":
            attrs += f" mode = {mode}"
        if value:
            attrs += f" value = {_float_literal(value)}"
        return self._emit(f"graph.pad {self._operands(x)}{attrs} : {x.type} "
                          f"-> {tensor_type(shape, x.dtype)}", shape, x.dtype,
                          loc)


def _axis(axis, rank):
    axis = int(axis)
    if not -max(rank, 1) <= axis < max(rank, 1):
        raise ValueError(f"axis {axis} is out of range for rank {rank}")
    return axis % max(rank, 1)


def _window_count(size, kernel, stride, dilation, pad_lo, pad_hi, ceil_mode):
    """Output positions of a pooling/convolution window (PyTorch's rule)."""
    room = size + pad_lo + pad_hi - dilation * (kernel - 1) - 1
    count = (-(-room // stride) if ceil_mode else room // stride) + 1
    if ceil_mode and (count - 1) * stride >= size + pad_lo:
        count -= 1
    return count


def numpy_dtype(dtype):
    """The numpy dtype of an MLIR element type name ("f32" -> float32)."""
    for numpy, mlir in _NUMPY_TO_MLIR.items():
        if mlir == element_type(dtype):
            return numpy
    raise TypeError(f"no numpy type for {dtype!r}")


def bfloat16_bits(values):
    """The bits (uint16) of ``values`` rounded to bfloat16, to nearest even
    (NaN stays a quiet NaN)."""
    floats = np.asarray(values, np.float32)
    wide = floats.view(np.uint32).astype(np.uint64)
    rounded = (wide + 0x7FFF + ((wide >> 16) & 1)) >> 16
    return np.where(np.isnan(floats), 0x7FC0, rounded).astype(np.uint16)


def _scalar_literal(value, mlir_type):
    if mlir_type == "bf16":  # given as bits: bf16 is f32's top half
        value = np.array(int(value) << 16, np.uint32).view(np.float32)
        if not math.isfinite(value):
            return hex(int(value.view(np.uint32)) >> 16).upper().replace(
                "0X", "0x")
    if mlir_type == "i1":
        return "true" if value else "false"
    if mlir_type in _INTEGERS:
        return str(int(value))
    value = float(value)
    if math.isfinite(value):
        return _float_literal(value)
    # Non-finite splats as the bit pattern of their own width.
    bits = np.array(value, dtype=numpy_dtype(mlir_type)).view(
        {"f16": np.uint16, "f32": np.uint32, "f64": np.uint64}[mlir_type])
    return hex(int(bits)).upper().replace("0X", "0x")


def _escape(text):
    return str(text).replace("\\", "\\\\").replace('"', '\\"')
