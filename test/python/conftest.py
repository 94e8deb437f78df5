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
