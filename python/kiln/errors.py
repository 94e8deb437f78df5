"""Kiln's exceptions."""

__all__ = ["CompileError", "UnsupportedOperatorError"]


class CompileError(Exception):
    """A compile failed. ``diagnostics`` (also ``str()``) is the compiler's
    report: ``name:line:col: error: message`` and the offending source line."""

    def __init__(self, diagnostics):
        super().__init__(diagnostics)
        self.diagnostics = diagnostics


class UnsupportedOperatorError(CompileError):
    """A frontend met an operator Kiln cannot compile. ``op``, ``node`` and
    ``module_path`` name it when known."""

    def __init__(self, message, op=None, node=None, module_path=None):
        super().__init__(message)
        self.op, self.node, self.module_path = op, node, module_path
