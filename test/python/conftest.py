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


# Why the cuda target cannot run here (no driver, no GPU), or None.
_CUDA_MISSING = kiln.devices_unavailable("cuda")


@pytest.fixture(params=["cpu", "opencl", "cuda"])
def target(request, monkeypatch):
    """Runs a test once per target: the CPU; OpenCL (PoCL in CI), where
    kernels run as work items and buffers live in the device's memory; and
    CUDA on an NVIDIA GPU. A device target's run skips, saying why, on a
    machine without its device. A module opts in with
    ``pytest.mark.usefixtures("target")``."""
    missing = {"opencl": _OPENCL_MISSING, "cuda": _CUDA_MISSING}
    if request.param != "cpu":
        if missing[request.param]:
            pytest.skip(missing[request.param])
        monkeypatch.setattr(kiln, "compile",
                            functools.partial(kiln.compile,
                                              target=request.param))
        monkeypatch.setattr(kiln_testing, "KILN_COMPILE_FLAGS",
                            kiln_testing.KILN_COMPILE_FLAGS +
                            ("--target", request.param))
    return request.param
