"""Helpers for end-to-end tests: write a graph, compile it with kiln-compile,
run it with kiln-run, read the outputs back with numpy."""

import os
import pathlib
import subprocess

import numpy as np

from kiln import graph as _graph

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("KILN_BIN_DIR", ROOT / "build" / "bin"))


def tensor_type(shape, dtype):
    """tensor<2x3xf32> for shape (2, 3) and float32."""
    return _graph.tensor_type(shape, _graph.element_type(dtype))


def type_of(array):
    return tensor_type(array.shape, array.dtype)


def graph_module(inputs, body, results):
    """A module with @main taking `inputs` (arrays) as %arg0, %arg1, ...;
    `body` is MLIR text, `results` a list of (value name, array-like type
    source: an array or a (shape, dtype) pair)."""
    args = ", ".join(f"%arg{i}: {type_of(a)}" for i, a in enumerate(inputs))
    types = [type_of(r) if isinstance(r, np.ndarray) else tensor_type(*r)
             for _, r in results]
    names = ", ".join(name for name, _ in results)
    return (f"func.func @main({args}) -> ({', '.join(types)}) {{\n{body}\n"
            f"  return {names} : {', '.join(types)}\n}}\n")


def softmax_graph(rng, rows, width):
    """A softmax over rows (a row reduction kernel): its graph module, an
    input and numpy's result."""
    x = rng.standard_normal((rows, width)).astype(np.float32) * 4
    source = graph_module(
        [x], f"  %r = graph.softmax %arg0 axis = 1 : {type_of(x)}",
        [("%r", x)])
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return source, x, e / e.sum(axis=1, keepdims=True)


def matmul_graph(rng, m, k, n):
    """A linear layer's matmul with its epilogue (bias, relu), fused: its
    graph module, inputs and numpy's result (in f64, rounded)."""
    x = rng.standard_normal((m, k)).astype(np.float32)
    w = rng.standard_normal((k, n)).astype(np.float32)
    b = rng.standard_normal((n,)).astype(np.float32)
    want = (x.astype(np.float64) @ w + b).clip(min=0).astype(np.float32)
    source = graph_module(
        [x, w, b],
        f"  %p = graph.matmul %arg0, %arg1 : ({type_of(x)}, {type_of(w)}) "
        f"-> {type_of(want)}\n"
        f"  %s = graph.add %p, %arg2 : ({type_of(want)}, {type_of(b)}) "
        f"-> {type_of(want)}\n"
        f"  %r = graph.relu %s : {type_of(want)}", [("%r", want)])
    return source, (x, w, b), want


# Flags every kiln-compile a test runs gets (the `fusion` fixture in
# conftest.py sets ("--no-fusion",) to rerun a suite without fusion).
KILN_COMPILE_FLAGS = ()


def run_cli(*args, check=True):
    args = [str(a) for a in args]
    if pathlib.Path(args[0]).name == "kiln-compile":
        args += KILN_COMPILE_FLAGS
    result = subprocess.run(args, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, args))} exited {result.returncode}:\n"
            f"{result.stderr}")
    return result


def compile_and_run(tmp_path, source, inputs, threads=None):
    """Compiles MLIR `source`, runs it on `inputs`, returns the outputs."""
    model = tmp_path / "model.mlir"
    model.write_text(source)
    artifact = tmp_path / "model.kiln"
    run_cli(BIN / "kiln-compile", model, "-o", artifact)
    args = [BIN / "kiln-run", artifact]
    for i, array in enumerate(inputs):
        path = tmp_path / f"input_{i}.npy"
        np.save(path, array)
        args += ["--input", path]
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    args += ["--output-dir", out]
    if threads:
        args += ["--threads", str(threads)]
    run_cli(*args)
    outputs = []
    while (out / f"output_{len(outputs)}.npy").exists():
        outputs.append(np.load(out / f"output_{len(outputs)}.npy"))
    return outputs


def conv_graph(rng):
    """conv 3x3 (padding 1) + relu, 1x4x6x6 f32, then 2x2 max pooling, with
    weights drawn from `rng`: the hand-counted example of the report and
    memory-plan tests."""
    g = _graph.Graph()
    x = g.input("x", (1, 2, 6, 6))
    w = g.constant(rng.standard_normal((4, 2, 3, 3)).astype(np.float32),
                   name="w")
    y = g.relu(g.conv2d(x, w, padding=(1, 1, 1, 1)))
    g.output(g.max_pool2d(y, (2, 2)))
    return g
