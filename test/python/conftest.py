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


def _opencl_platform():
    """Why the opencl target cannot run here, or None when it can."""
    try:
        import subprocess
        listing = subprocess.run(["clinfo", "-l"], capture_output=True,
                                 text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"no clinfo to look for an OpenCL platform ({error})"
    if "Device" not in listing.stdout:
        return "no OpenCL platform with a device (clinfo -l lists none)"
    return None


_OPENCL_MISSING = _opencl_platform()


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
