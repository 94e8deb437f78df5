"""The PyTorch frontend: a torch.nn.Module and example inputs -> a Kiln graph.

The module is captured with ``torch.export`` at the ATen level and decomposed
to PyTorch's core ATen op set, so shape-dependent Python (``x.size()``
unpacking) and the fused fast paths of attention layers come out as plain
ops. Each ATen op maps to ``graph`` ops through ``kiln.Graph``; parameters,
buffers and lifted constants become weights (their bytes are handed to the
compiler, not printed). Every op carries its fx node and module path as its
location, so compiler diagnostics name them.
"""

import math
import operator

import numpy as np
import torch

from .errors import UnsupportedOperatorError
from .graph import Graph

__all__ = ["import_module", "supported_ops"]

_DTYPES = {
    torch.float16: "f16",
    torch.bfloat16: "bf16",
    torch.float32: "f32",
    torch.float64: "f64",
    torch.bool: "i1",
    torch.int8: "i8",
    torch.int16: "i16",
    torch.int32: "i32",
    torch.int64: "i64",
}

_REPORT = ("Please report it on Kiln's issue tracker with the op name and, if "
           "you can, a small module that uses it.")


def mlir_dtype(dtype, what):
    try:
        return _DTYPES[dtype]
    except KeyError:
        raise UnsupportedOperatorError(
            f"{what} has element type {dtype}, which Kiln does not support "
            f"(supported: {', '.join(str(d) for d in _DTYPES)})") from None


def import_module(module, example_inputs):
    """Captures ``module`` with ``example_inputs`` and returns
    ``(graph, input_names, out_spec)``: the kiln.Graph, the user inputs'
    names, and the pytree spec that rebuilds forward's output structure."""
    if not isinstance(example_inputs, (tuple, list)):
        example_inputs = (example_inputs,)
    example_inputs = tuple(example_inputs)
    for i, value in enumerate(example_inputs):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"example input {i} is a {type(value).__name__}; "
                            "kiln.compile takes tensors (torch.Tensor or "
                            "numpy arrays) as example inputs")
    try:
        exported = torch.export.export(module, example_inputs)
        exported = exported.run_decompositions(_decompositions())
    except Exception as error:  # the tracer's many error types
        raise RuntimeError(
            f"torch.export could not capture {type(module).__name__}: "
            f"{type(error).__name__}: {error}\n"
            "Kiln compiles what torch.export captures. Data-dependent Python "
            "control flow (an `if` on a tensor's value) cannot be traced: "
            "rewrite it with torch.where or torch.cond, or compile the "
            "traceable part of the model.") from error
    return _Importer(exported, module.training).run()


def _decompositions():
    """PyTorch's core ATen decompositions, except for the ops Kiln maps
    directly: silu stays one graph.silu rather than x * sigmoid(x)."""
    table = torch.export.default_decompositions()
    for op in list(table):
        if _op_name(op) in _HANDLERS:
            del table[op]
    return table


class _Importer:
    def __init__(self, exported, training):
        self.exported, self.training = exported, training
        self.graph = Graph("main")
        self.values = {}  # fx node name -> Value (or tuple of Values)
        self.input_names = []

    def run(self):
        signature = self.exported.graph_signature
        specs = {spec.arg.name: spec for spec in signature.input_specs}
        for node in self.exported.graph.nodes:
            if node.op == "placeholder":
                self._placeholder(node, specs[node.name])
            elif node.op == "call_function":
                self._call(node)
            elif node.op == "output":
                if not all(isinstance(arg, torch.fx.Node)
                           for arg in node.args[0]):
                    raise UnsupportedOperatorError(
                        "forward returns values that are not tensors "
                        f"({node.args[0]}); Kiln compiles tensor outputs")
                outputs = [self.values[arg.name] for arg in node.args[0]]
                kinds = [spec.kind.name for spec in signature.output_specs]
                if any(kind != "USER_OUTPUT" for kind in kinds):
                    raise UnsupportedOperatorError(
                        "the module mutates its buffers in forward (outputs: "
                        f"{kinds}); is it in training mode? Call "
                        "module.eval() before kiln.compile.")
                self.graph.output(*outputs)
        return self.graph, self.input_names, self.exported.call_spec.out_spec

    def _placeholder(self, node, spec):
        kind = spec.kind.name
        if kind == "USER_INPUT":
            value = node.meta["val"]
            self.input_names.append(node.name)
            self.values[node.name] = self.graph.input(
                node.name, tuple(value.shape),
                mlir_dtype(value.dtype, f"input '{node.name}'"))
            return
        if kind in ("PARAMETER", "BUFFER"):
            tensor = self.exported.state_dict.get(spec.target)
            if tensor is None:  # non-persistent buffers
                tensor = self.exported.constants[spec.target]
        elif kind in ("CONSTANT_TENSOR", "CUSTOM_OBJ"):
            tensor = self.exported.constants[spec.target]
        else:
            raise UnsupportedOperatorError(
                f"input '{node.name}' of kind {kind} is not supported. "
                + _REPORT)
        self.values[node.name] = self._weight(tensor, spec.target)

    def _weight(self, tensor, name):
        tensor = tensor.detach()
        mlir_dtype(tensor.dtype, f"weight '{name}'")
        if tensor.dtype == torch.bfloat16:  # numpy has no bfloat16: bits
            bits = tensor.contiguous().cpu().view(torch.int16).numpy()
            return self.graph.constant(bits.view(np.uint16), name=name,
                                       dtype="bf16")
        array = tensor.contiguous().cpu().numpy()
        return self.graph.constant(array, name=name)

    # -- ops ------------------------------------------------------------

    def _call(self, node):
        if node.target is operator.getitem:
            value = self.values[node.args[0].name][node.args[1]]
            if value is None:  # e.g. max_pool2d's indices, norms' statistics
                raise UnsupportedOperatorError(
                    f"output {node.args[1]} of fx node '{node.args[0].name}' "
                    f"({_op_name(node.args[0].target)}, module "
                    f"'{_module_path(node)}') is used, but Kiln computes only "
                    "its first output. " + _REPORT)
            self.values[node.name] = value
            return
        name = _op_name(node.target)
        handler = _HANDLERS.get(name)
        if handler is None:
            if not node.users and "assert" in name:
                return  # runtime checks torch.export inserts
            advice = _REPORT
            if self.training:
                advice = ("The module is in training mode, where layers "
                          "such as batch norm and dropout compute "
                          "differently: call module.eval() before "
                          "kiln.compile.")
            raise UnsupportedOperatorError(
                f"ATen op '{name}' is not supported by Kiln (fx node "
                f"'{node.name}', module '{_module_path(node)}'). " + advice,
                op=name, node=node.name, module_path=_module_path(node))
        args = [self._arg(a) for a in node.args]
        kwargs = {k: self._arg(v) for k, v in node.kwargs.items()}
        self.loc = f"{_module_path(node) or '<top>'}:{node.name}"
        self.node = node
        result = handler(self, *args, **kwargs)
        self._check_result(node, result)
        self.values[node.name] = result

    def _arg(self, arg):
        if isinstance(arg, torch.fx.Node):
            return self.values[arg.name]
        if isinstance(arg, (list, tuple)):
            return type(arg)(self._arg(a) for a in arg)
        return arg

    def _check_result(self, node, result):
        """The result's shape and type must be what PyTorch computed; a
        mismatch is a bug in this importer, reported as such."""
        expected = node.meta.get("val")
        values = result if isinstance(result, tuple) else (result,)
        expected = expected if isinstance(expected, (tuple, list)) \
            else (expected,)
        for value, fake in zip(values, expected):
            if value is None or not isinstance(fake, torch.Tensor):
                continue
            if (value.shape != tuple(fake.shape) or
                    value.dtype != _DTYPES.get(fake.dtype)):
                raise AssertionError(
                    f"Kiln's importer mapped fx node '{node.name}' "
                    f"({_op_name(node.target)}) to {value.type}, but PyTorch "
                    f"computes {list(fake.shape)} {fake.dtype}. " + _REPORT)

    # Helpers used by the handlers.
    @property
    def out_dtype(self):
        val = self.node.meta["val"]
        val = val[0] if isinstance(val, (tuple, list)) else val
        return _DTYPES[val.dtype]

    def tensor(self, x, dtype):
        """x as a graph value of element type ``dtype`` (Python scalars
        become rank-0 constants)."""
        g = self.graph
        if isinstance(x, (bool, int, float)):
            return g.scalar(x, dtype, loc=self.loc)
        return g.cast(x, dtype, loc=self.loc)


def _op_name(target):
    name = getattr(target, "__name__", str(target))
    if isinstance(target, torch._ops.OpOverload):
        return f"{target._schema.name.split('::')[-1]}.{target._overloadname}"
    return name


def _module_path(node):
    stack = node.meta.get("nn_module_stack")
    if not stack:
        return ""
    return list(stack.values())[-1][0]


# -- handlers -------------------------------------------------------------
# One function per ATen overload (core ATen after decompositions). Each gets
# the importer and the node's arguments, graph Values in place of tensors.

_HANDLERS = {}


def handles(*names):
    def register(function):
        for name in names:
            _HANDLERS[name] = function
        return function
    return register


def supported_ops():
    """The ATen overloads the importer maps, sorted."""
    return sorted(_HANDLERS)


def _unary(op):
    return lambda self, x: getattr(self.graph, op)(x, loc=self.loc)


for _name, _op in [("neg", "neg"), ("abs", "abs"), ("exp", "exp"),
                   ("log", "log"), ("sqrt", "sqrt"), ("rsqrt", "rsqrt"),
                   ("tanh", "tanh"), ("sigmoid", "sigmoid"), ("relu", "relu"),
                   ("erf", "erf"), ("silu", "silu")]:
    _HANDLERS[f"{_name}.default"] = _unary(_op)


@handles("gelu.default")
def _gelu(self, x, approximate="none"):
    return self.graph.gelu(x, approximate, loc=self.loc)


@handles("hardtanh.default", "clamp.default")
def _clamp(self, x, min=None, max=None):
    return self.graph.clamp(x, min, max, loc=self.loc)


def _hard_gate(self, x):
    """clamp(x + 3, 0, 6), the ramp hardswish and hardsigmoid share."""
    g = self.graph
    return g.clamp(g.add(x, g.scalar(3.0, x.dtype), loc=self.loc), 0.0, 6.0,
                   loc=self.loc)


@handles("hardswish.default")
def _hardswish(self, x):
    g = self.graph
    return g.div(g.mul(x, _hard_gate(self, x), loc=self.loc),
                 g.scalar(6.0, x.dtype), loc=self.loc)


@handles("hardsigmoid.default")
def _hardsigmoid(self, x):
    return self.graph.div(_hard_gate(self, x), self.graph.scalar(6.0, x.dtype),
                          loc=self.loc)


def _arithmetic(op):
    def handler(self, a, b, alpha=1, rounding_mode=None):
        dtype = self.out_dtype
        if op == "div" and dtype not in ("f16", "bf16", "f32", "f64"):
            raise UnsupportedOperatorError(
                f"integer division is not supported (fx node "
                f"'{self.node.name}'). " + _REPORT)
        a, b = self.tensor(a, dtype), self.tensor(b, dtype)
        if alpha != 1:
            b = self.graph.mul(b, self.graph.scalar(alpha, dtype),
                               loc=self.loc)
        result = getattr(self.graph, op)(a, b, loc=self.loc)
        if rounding_mode is not None:
            raise UnsupportedOperatorError(
                f"div with rounding_mode={rounding_mode!r} is not supported "
                f"(fx node '{self.node.name}'). " + _REPORT)
        return result
    return handler


for _name in ("add", "sub", "mul", "div"):
    for _overload in ("Tensor", "Scalar"):
        _HANDLERS[f"{_name}.{_overload}"] = _arithmetic(_name)
_HANDLERS["div.Tensor_mode"] = _arithmetic("div")
_HANDLERS["maximum.default"] = _arithmetic("max")
_HANDLERS["minimum.default"] = _arithmetic("min")
for _overload in ("Tensor_Tensor", "Tensor_Scalar", "Scalar"):
    _HANDLERS[f"pow.{_overload}"] = _arithmetic("pow")


@handles("fmod.Scalar", "fmod.Tensor")
def _fmod(self, a, b):
    """a - trunc(a / b) * b; integers only (graph.div truncates them)."""
    dtype = self.out_dtype
    if dtype not in ("i8", "i16", "i32", "i64"):
        raise UnsupportedOperatorError(
            f"fmod of {dtype} (fx node '{self.node.name}'): only integer "
            "fmod is supported. " + _REPORT)
    g = self.graph
    a, b = self.tensor(a, dtype), self.tensor(b, dtype)
    quotient = g.div(a, b, loc=self.loc)
    return g.sub(a, g.mul(quotient, b, loc=self.loc), loc=self.loc)


@handles("rsub.Scalar", "rsub.Tensor")
def _rsub(self, a, b, alpha=1):
    return _arithmetic("sub")(self, b, a) if alpha == 1 else \
        _arithmetic("sub")(self, b, _arithmetic("mul")(self, a, alpha))


def _comparison(predicate):
    def handler(self, a, b):
        dtypes = [getattr(v, "dtype", None) for v in (a, b)]
        tensor_dtype = next(d for d in dtypes if d is not None)
        # torch promotes a Python float against an integer tensor.
        if tensor_dtype not in ("f16", "bf16", "f32", "f64") and any(
                isinstance(v, float) for v in (a, b)):
            tensor_dtype = "f32"
        a, b = self.tensor(a, tensor_dtype), self.tensor(b, tensor_dtype)
        return self.graph.compare(predicate, a, b, loc=self.loc)
    return handler


for _name in ("eq", "ne", "lt", "le", "gt", "ge"):
    _HANDLERS[f"{_name}.Tensor"] = _comparison(_name)
    _HANDLERS[f"{_name}.Scalar"] = _comparison(_name)


@handles("logical_not.default", "bitwise_not.default")
def _logical_not(self, x):
    g = self.graph
    if x.dtype != "i1" and _op_name(self.node.target).startswith("bitwise"):
        raise UnsupportedOperatorError(
            f"bitwise_not of {x.dtype} (fx node '{self.node.name}'): only "
            "booleans are supported. " + _REPORT)
    if x.dtype != "i1":
        return g.compare("eq", x, g.scalar(0, x.dtype), loc=self.loc)
    return g.select(x, g.scalar(False, "i1"), g.scalar(True, "i1"),
                    loc=self.loc)


@handles("any.dim", "any.dims")
def _any(self, x, dim=None, keepdim=False):
    g = self.graph
    dims = [dim] if isinstance(dim, int) else (dim or range(x.rank))
    as_int = g.cast(x, "i8", loc=self.loc)
    reduced = g.reduce("max", as_int, dims, keepdim, loc=self.loc)
    return g.compare("ne", reduced, g.scalar(0, "i8"), loc=self.loc)


@handles("where.self")
def _where(self, condition, a, b):
    dtype = self.out_dtype
    return self.graph.select(self.tensor(condition, "i1"),
                             self.tensor(a, dtype), self.tensor(b, dtype),
                             loc=self.loc)


@handles("masked_fill.Scalar", "masked_fill.Tensor")
def _masked_fill(self, x, mask, value):
    return self.graph.select(mask, self.tensor(value, x.dtype), x,
                             loc=self.loc)


@handles("_to_copy.default")
def _to_copy(self, x, dtype=None, **_):
    return self.graph.cast(x, self.out_dtype, loc=self.loc)


@handles("clone.default", "alias.default", "contiguous.default",
         "lift_fresh_copy.default", "detach.default")
def _identity(self, x, **_):
    return x


@handles("dropout.default")
def _dropout(self, x, p, train):
    if train:
        raise UnsupportedOperatorError(
            f"dropout in training mode (fx node '{self.node.name}', module "
            f"'{_module_path(self.node)}'): call module.eval() before "
            "kiln.compile")
    return x


@handles("full.default")
def _full(self, size, value, **_):
    return self.graph.filled(size, value, self.out_dtype, loc=self.loc)


@handles("full_like.default", "zeros_like.default", "ones_like.default")
def _full_like(self, x, value=None, **_):
    fill = {"zeros_like.default": 0, "ones_like.default": 1}.get(
        _op_name(self.node.target), value)
    return self.graph.filled(x.shape, fill, self.out_dtype, loc=self.loc)


@handles("scalar_tensor.default")
def _scalar_tensor(self, value, **_):
    return self.graph.scalar(value, self.out_dtype, loc=self.loc)


@handles("arange.start_step", "arange.start", "arange.default")
def _arange(self, *args, **_):
    start, step = (0, 1)
    if len(args) == 1:
        (end,) = args
    elif len(args) == 2:
        start, end = args
    else:
        start, end, step = args[:3]
    length = max(0, math.ceil((end - start) / step))
    return self.graph.arange(start, step, length, self.out_dtype,
                             loc=self.loc)


# -- contractions -----------------------------------------------------------

@handles("mm.default", "bmm.default", "matmul.default")
def _matmul(self, a, b):
    return self.graph.matmul(a, b, loc=self.loc)


@handles("addmm.default")
def _addmm(self, bias, a, b, beta=1, alpha=1):
    g = self.graph
    product = g.matmul(a, b, loc=self.loc)
    if alpha != 1:
        product = g.mul(product, g.scalar(alpha, product.dtype), loc=self.loc)
    if beta == 0:
        return product
    if beta != 1:
        bias = g.mul(bias, g.scalar(beta, bias.dtype), loc=self.loc)
    return g.add(product, bias, loc=self.loc)


@handles("convolution.default")
def _convolution(self, x, w, bias, stride, padding, dilation, transposed,
                 output_padding, groups):
    if transposed:
        raise UnsupportedOperatorError(
            f"transposed convolution (fx node '{self.node.name}', module "
            f"'{_module_path(self.node)}') is not supported yet. " + _REPORT)
    if x.rank != 4:
        raise UnsupportedOperatorError(
            f"only 2-D convolutions are supported; fx node "
            f"'{self.node.name}' convolves a rank-{x.rank} input. " + _REPORT)
    ph, pw = padding
    return self.graph.conv2d(x, w, bias, strides=stride,
                             padding=(ph, pw, ph, pw), dilations=dilation,
                             groups=groups, loc=self.loc)


# -- windows and reductions -------------------------------------------------

def _pair(value):
    return tuple(value) * (2 // len(value)) if len(value) in (1, 2) else value


@handles("max_pool2d_with_indices.default", "max_pool2d.default")
def _max_pool2d(self, x, kernel, stride=(), padding=(0, 0), dilation=(1, 1),
                ceil_mode=False):
    kernel = _pair(kernel)
    stride = _pair(stride) if stride else kernel
    ph, pw = _pair(padding)
    result = self.graph.max_pool2d(x, kernel, stride, (ph, pw, ph, pw),
                                   _pair(dilation), ceil_mode, loc=self.loc)
    if _op_name(self.node.target).startswith("max_pool2d_with_indices"):
        return (result, None)  # the indices are not computed
    return result


@handles("avg_pool2d.default")
def _avg_pool2d(self, x, kernel, stride=(), padding=(0, 0), ceil_mode=False,
                count_include_pad=True, divisor_override=None):
    if divisor_override:
        raise UnsupportedOperatorError(
            f"avg_pool2d with divisor_override (fx node '{self.node.name}') "
            "is not supported. " + _REPORT)
    kernel = _pair(kernel)
    stride = _pair(stride) if stride else kernel
    ph, pw = _pair(padding)
    return self.graph.avg_pool2d(x, kernel, stride, (ph, pw, ph, pw),
                                 ceil_mode, count_include_pad, loc=self.loc)


@handles("_adaptive_avg_pool2d.default", "adaptive_avg_pool2d.default")
def _adaptive_avg_pool2d(self, x, output_size):
    h, w = x.shape[-2:]
    oh, ow = _pair(output_size)
    if (oh, ow) == (1, 1):
        return self.graph.reduce("mean", x, [-2, -1], keepdims=True,
                                 loc=self.loc)
    if h % oh or w % ow:
        raise UnsupportedOperatorError(
            f"adaptive_avg_pool2d from {h}x{w} to {oh}x{ow} (fx node "
            f"'{self.node.name}'): only output sizes that divide the input "
            "are supported. " + _REPORT)
    kernel = (h // oh, w // ow)
    return self.graph.avg_pool2d(x, kernel, kernel, loc=self.loc)


def _reduction(kind):
    def handler(self, x, dim=None, keepdim=False, dtype=None):
        dims = [dim] if isinstance(dim, int) else (dim or range(x.rank))
        if dtype is not None:
            x = self.graph.cast(x, self.out_dtype, loc=self.loc)
        return self.graph.reduce(kind, x, dims, keepdim, loc=self.loc)
    return handler


_HANDLERS["mean.dim"] = _reduction("mean")
_HANDLERS["mean.default"] = _reduction("mean")
_HANDLERS["sum.dim_IntList"] = _reduction("sum")
_HANDLERS["sum.default"] = _reduction("sum")
_HANDLERS["amax.default"] = _reduction("max")
_HANDLERS["amin.default"] = _reduction("min")
_HANDLERS["prod.dim_int"] = _reduction("prod")


@handles("_softmax.default", "softmax.int")
def _softmax(self, x, dim, half_to_float=False):
    return self.graph.softmax(x, dim, loc=self.loc)


@handles("_log_softmax.default", "log_softmax.int")
def _log_softmax(self, x, dim, half_to_float=False):
    return self.graph.log_softmax(x, dim, loc=self.loc)


def _default_affine(self, x, shape, weight, bias):
    """A normalization's scale and shift, splats of 1 and 0 when absent."""
    if weight is None:
        weight = self.graph.filled(shape, 1, x.dtype, loc=self.loc)
    if bias is None:
        bias = self.graph.filled(shape, 0, x.dtype, loc=self.loc)
    return weight, bias


@handles("native_layer_norm.default")
def _layer_norm(self, x, normalized_shape, weight, bias, eps):
    g = self.graph
    shape = tuple(normalized_shape)
    weight, bias = _default_affine(self, x, shape, weight, bias)
    result = g.layer_norm(x, weight, bias, x.rank - len(shape), eps,
                          loc=self.loc)
    return (result, None, None)  # mean and rstd are not computed


@handles("_native_batch_norm_legit_no_training.default")
def _batch_norm(self, x, weight, bias, mean, variance, momentum, eps):
    g = self.graph
    weight, bias = _default_affine(self, x, (x.shape[1],), weight, bias)
    return (g.batch_norm(x, weight, bias, mean, variance, eps, loc=self.loc),
            None, None)


# -- shapes -----------------------------------------------------------------

@handles("view.default", "_unsafe_view.default", "reshape.default")
def _view(self, x, shape):
    shape = list(shape)
    if -1 in shape:
        known = math.prod(d for d in shape if d != -1)
        shape[shape.index(-1)] = math.prod(x.shape) // known if known else 0
    return self.graph.reshape(x, shape, loc=self.loc)


@handles("permute.default")
def _permute(self, x, dims):
    return self.graph.transpose(x, dims, loc=self.loc)


@handles("t.default")
def _t(self, x):
    return self.graph.transpose(x, [1, 0], loc=self.loc) if x.rank == 2 else x


@handles("transpose.int")
def _transpose(self, x, a, b):
    perm = list(range(x.rank))
    perm[a], perm[b] = perm[b], perm[a]
    return self.graph.transpose(x, perm, loc=self.loc)


@handles("expand.default")
def _expand(self, x, shape, implicit=False):
    shape = list(shape)
    offset = len(shape) - x.rank
    for i, d in enumerate(shape):
        if d == -1:
            shape[i] = x.shape[i - offset]
    return self.graph.broadcast_to(x, shape, loc=self.loc)


@handles("unsqueeze.default")
def _unsqueeze(self, x, dim):
    dim = dim % (x.rank + 1)
    return self.graph.reshape(x, x.shape[:dim] + (1,) + x.shape[dim:],
                              loc=self.loc)


@handles("squeeze.dims", "squeeze.dim", "squeeze.default")
def _squeeze(self, x, dims=None):
    if dims is None:
        dims = range(x.rank)
    elif isinstance(dims, int):
        dims = [dims]
    dims = {d % max(x.rank, 1) for d in dims}
    shape = [d for i, d in enumerate(x.shape) if not (i in dims and d == 1)]
    return self.graph.reshape(x, shape, loc=self.loc)


@handles("cat.default")
def _cat(self, tensors, dim=0):
    dtype = self.out_dtype
    tensors = [self.tensor(t, dtype) for t in tensors
               if t.shape != (0,)]  # torch.cat skips empty 1-D tensors
    return self.graph.concat(tensors, dim, loc=self.loc)


@handles("slice.Tensor")
def _slice(self, x, dim=0, start=None, end=None, step=1):
    dim %= x.rank
    size = x.shape[dim]
    start = 0 if start is None else start
    end = size if end is None else end
    start = min(max(start + size if start < 0 else start, 0), size)
    end = min(max(end + size if end < 0 else end, start), size)
    starts, limits, steps = [0] * x.rank, list(x.shape), [1] * x.rank
    starts[dim], limits[dim], steps[dim] = start, end, step
    return self.graph.slice(x, starts, limits, steps, loc=self.loc)


@handles("select.int")
def _select(self, x, dim, index):
    dim %= x.rank
    index %= x.shape[dim]
    sliced = _slice(self, x, dim, index, index + 1)
    return self.graph.reshape(sliced, x.shape[:dim] + x.shape[dim + 1:],
                              loc=self.loc)


@handles("split_with_sizes.default", "split.Tensor")
def _split(self, x, sizes, dim=0):
    dim %= x.rank
    if isinstance(sizes, int):
        sizes = [min(sizes, x.shape[dim] - s)
                 for s in range(0, x.shape[dim], sizes)]
    pieces, start = [], 0
    for size in sizes:
        pieces.append(_slice(self, x, dim, start, start + size))
        start += size
    return tuple(pieces)


@handles("slice_scatter.default")
def _slice_scatter(self, x, src, dim=0, start=None, end=None, step=1):
    """x with x[start:end] along dim replaced by src (step 1)."""
    dim %= x.rank
    size = x.shape[dim]
    start = 0 if start is None else min(start + size if start < 0 else start,
                                        size)
    end = size if end is None else min(end + size if end < 0 else end, size)
    if step != 1:
        raise UnsupportedOperatorError(
            f"slice_scatter with step {step} (fx node '{self.node.name}'): "
            "only step 1 is supported. " + _REPORT)
    pieces = [_slice(self, x, dim, 0, start), self.tensor(src, x.dtype),
              _slice(self, x, dim, end, size)]
    return self.graph.concat([p for p in pieces if p.shape[dim]], dim,
                             loc=self.loc)


@handles("constant_pad_nd.default")
def _constant_pad_nd(self, x, pad, value=0):
    low, high = [0] * x.rank, [0] * x.rank
    # pad lists (low, high) pairs from the last dim backwards.
    for i in range(len(pad) // 2):
        low[x.rank - 1 - i], high[x.rank - 1 - i] = pad[2 * i], pad[2 * i + 1]
    if any(p < 0 for p in low + high):
        raise UnsupportedOperatorError(
            f"negative padding (fx node '{self.node.name}') is not "
            "supported. " + _REPORT)
    return self.graph.pad(x, low, high, "constant", value, loc=self.loc)


@handles("embedding.default")
def _embedding(self, weight, indices, padding_idx=-1, *_):
    return self.graph.gather(weight, indices, 0, loc=self.loc)


@handles("index_select.default")
def _index_select(self, x, dim, index):
    return self.graph.gather(x, index, dim, loc=self.loc)


@handles("index.Tensor")
def _index(self, x, indices):
    """x[..., idx, ...] with one index tensor: a gather along its dim."""
    used = [i for i, index in enumerate(indices) if index is not None]
    if len(used) != 1 or indices[used[0]].dtype == "i1":
        raise UnsupportedOperatorError(
            f"indexing with {len(used)} index tensors (fx node "
            f"'{self.node.name}', module '{_module_path(self.node)}'): only "
            "one integer index tensor is supported. " + _REPORT)
    return self.graph.gather(x, indices[used[0]], used[0], loc=self.loc)


@handles("tril.default", "triu.default")
def _triangle(self, x, diagonal=0):
    # Keep x[..., i, j] where j - i <= diagonal (tril) or >= (triu).
    g = self.graph
    rows, cols = x.shape[-2:]
    i = g.reshape(g.arange(0, 1, rows, "i64", loc=self.loc), (rows, 1),
                  loc=self.loc)
    j = g.arange(0, 1, cols, "i64", loc=self.loc)
    offset = g.sub(j, i, loc=self.loc)
    lower = _op_name(self.node.target).startswith("tril")
    keep = g.compare("le" if lower else "ge", offset,
                     g.scalar(diagonal, "i64"), loc=self.loc)
    zero = g.scalar(0, x.dtype, loc=self.loc)
    return g.select(keep, x, zero, loc=self.loc)
