"""Kiln: an ML graph compiler for heterogeneous accelerators, on MLIR.

The package is a thin layer over Kiln's C++ compiler: the pipelines are the
ones kiln-opt runs, and errors carry the compiler's own diagnostics.
"""

import os

from . import _kiln

__all__ = ["CompileError", "run_pipeline"]


class CompileError(Exception):
    """A compile failed. ``diagnostics`` (also ``str()``) is the compiler's
    report: ``name:line:col: error: message`` and the offending source line."""

    def __init__(self, diagnostics):
        super().__init__(diagnostics)
        self.diagnostics = diagnostics


def run_pipeline(source, pipeline="graph-canonicalize"):
    """Runs a Kiln pass pipeline on MLIR and returns the resulting IR as text.

    source: MLIR text (``str``) or the path of a ``.mlir`` file
        (``os.PathLike``, e.g. ``pathlib.Path``).
    pipeline: a registered pipeline or pass, with options
        (``"graph-canonicalize{cse=false}"``), a comma-separated list of them,
        or a full textual pipeline (``"builtin.module(...)"``), exactly as
        ``kiln-opt --pass-pipeline`` takes it.

    Raises CompileError when the source does not parse or verify, the
    pipeline is unknown, or a pass fails.
    """
    if isinstance(source, os.PathLike):
        name = os.fspath(source)
        with open(name, encoding="utf-8") as f:
            text = f.read()
    elif isinstance(source, str):
        text, name = source, "<string>"
    else:
        raise TypeError(
            "source must be MLIR text (str) or a file path (os.PathLike), "
            f"got {type(source).__name__}")
    if not isinstance(pipeline, str):
        raise TypeError(f"pipeline must be a str, got {type(pipeline).__name__}")
    result = _kiln.run_pipeline(text, pipeline, name)
    if not result.succeeded:
        raise CompileError(result.diagnostics.rstrip())
    return result.output
