"""Shared fixtures of the Python suite."""

import functools

import pytest

import kiln
import kiln_testing


@pytest.fixture(params=[True, False], ids=["fused", "unfused"])
def fusion(request, monkeypatch):
    """Runs a test twice: as compiled by default, and with fusion off
    (kiln.compile(..., fusion=False) and kiln-compile --no-fusion), so every
    end-to-end numerics suite checks both. A module opts in with
    ``pytestmark = pytest.mark.usefixtures("fusion")``."""
    if not request.param:
        monkeypatch.setattr(kiln, "compile",
                            functools.partial(kiln.compile, fusion=False))
        monkeypatch.setattr(kiln_testing, "KILN_COMPILE_FLAGS",
                            ("--no-fusion",))
    return request.param


# Why the opencl target cannot run here (the runtime's own answer), or None.
_OPENCL_MISSING = kiln.devices_unavailable("opencl")


@pytest.fixture(params=["cpu", "opencl"])
def target(request, monkeypatch):
    """Runs a test once per target: the CPU, and OpenCL (PoCL in CI), where
    kernels run as work items and buffers live in the device's memory. The
    opencl run skips, saying why, on a machine without an OpenCL platform.
    A module opts in with ``pytest.mark.usefixtures("target")``."""
    if request.param == "opencl":
        if _OPENCL_MISSING:
            pytest.skip(_OPENCL_MISSING)
        monkeypatch.setattr(kiln, "compile",
                            functools.partial(kiln.compile, target="opencl"))
        monkeypatch.setattr(kiln_testing, "KILN_COMPILE_FLAGS",
                            kiln_testing.KILN_COMPILE_FLAGS +
                            ("--target", "opencl"))
    return request.param
