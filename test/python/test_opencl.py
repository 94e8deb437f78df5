"""The opencl target beyond the shared suites: its kernels' launches and
strategies, and that PoCL really executes the GPU programming model: a
reduction tree without its barriers gives wrong results there."""

import numpy as np
import pytest

import kiln
from conftest import _OPENCL_MISSING
from kiln_testing import matmul_graph, softmax_graph

pytestmark = pytest.mark.skipif(_OPENCL_MISSING is not None,
                                reason=str(_OPENCL_MISSING))

RNG = np.random.default_rng(14)


def test_rows_reduce_in_a_workgroup():
    # A workgroup per row, its work items striding over the row and meeting
    # in a tree in workgroup memory.
    source, x, expected = softmax_graph(RNG, 6, 1000)
    compiled = kiln.compile(source, target="opencl")
    (dispatch,) = compiled.report()["dispatches"]
    assert dispatch["grid"] == [6, 1, 1]
    assert dispatch["workgroup_size"] == [64, 1, 1]
    assert dispatch["shared_bytes"] == 64 * 4
    np.testing.assert_allclose(compiled(x), expected, rtol=1e-5, atol=1e-7)
    # Narrower workgroups, the same numbers.
    narrow = kiln.compile(source, target="opencl",
                          target_options={"workgroup-size": 8})
    assert narrow.report()["dispatches"][0]["workgroup_size"] == [8, 1, 1]
    np.testing.assert_allclose(narrow(x), expected, rtol=1e-5, atol=1e-7)


def test_a_missing_barrier_is_caught():
    # Without the barriers between the tree's levels, work items read
    # partials the others have not written yet: PoCL runs the work items of
    # a workgroup as such, so the sums come out wrong, which is what makes
    # the suite's opencl runs a check of the GPU kernels' synchronization.
    source, x, expected = softmax_graph(RNG, 6, 1000)
    broken = kiln.compile(source, target="opencl",
                          target_options={"barriers": 0})
    actual = broken(x)
    assert not np.allclose(actual, expected, rtol=1e-3, atol=1e-5)
    assert np.allclose(kiln.compile(source, target="opencl")(x), expected,
                       rtol=1e-5, atol=1e-7)


def test_the_device_is_chosen_by_name(tmp_path):
    source, x, expected = softmax_graph(RNG, 3, 50)
    path = tmp_path / "softmax.kiln"
    kiln.compile(source, target="opencl").save(path)
    np.testing.assert_allclose(kiln.load(path, device="opencl:0")(x),
                               expected, rtol=1e-5, atol=1e-7)
    with pytest.raises(RuntimeError, match="there is no device opencl:9; "
                       "this machine has"):
        kiln.load(path, device="opencl:9")
    with pytest.raises(RuntimeError, match="has kernels for opencl, not for "
                       "cpu, so it cannot run on device cpu:0"):
        kiln.load(path, device="cpu")


@pytest.mark.parametrize("m, k, n, grid, workgroup, shared", [
    # 262144 outputs: 4x4 register tiles leave 16384 work items.
    (512, 64, 512, 256, 64, 0),
    # 65536 outputs: 1x4 tiles; the 37-wide k loop runs outermost.
    (32, 37, 2048, 256, 64, 0),
    # 4096 outputs are too few work items to fill a GPU: a workgroup per
    # output, its k loop split over the work items and summed in a tree.
    (8, 256, 512, 4096, 64, 256),
    # Dims no tile divides (odd): a work item per output, 16899 of them.
    (129, 33, 131, 265, 64, 0),
])
def test_contractions_fill_the_device(m, k, n, grid, workgroup, shared):
    source, inputs, want = matmul_graph(RNG, m, k, n)
    compiled = kiln.compile(source, target="opencl")
    (dispatch,) = compiled.report()["dispatches"]
    assert dispatch["grid"] == [grid, 1, 1]
    assert dispatch["workgroup_size"] == [workgroup, 1, 1]
    assert dispatch["shared_bytes"] == shared
    np.testing.assert_allclose(compiled(*inputs), want, rtol=1e-5,
                               atol=2e-6 * k ** 0.5)


def test_cpu_shaped_kernels_for_cpu_devices():
    # device-kind=cpu: the CPU backend's tile shapes, one per work item (a
    # matmul row by a 64-byte line of its columns, the inner loop along the
    # line, which a CPU OpenCL device such as PoCL vectorizes: 32 rows x
    # 128 lines = 64 workgroups of 64); same numbers.
    source, inputs, want = matmul_graph(RNG, 32, 37, 2048)
    compiled = kiln.compile(source, target="opencl",
                            target_options={"device-kind": "cpu"})
    (dispatch,) = compiled.report()["dispatches"]
    assert dispatch["grid"] == [64, 1, 1]
    assert dispatch["workgroup_size"] == [64, 1, 1]
    np.testing.assert_allclose(compiled(*inputs), want, rtol=1e-5,
                               atol=2e-6 * 37 ** 0.5)
    source, x, expected = softmax_graph(RNG, 6, 1000)
    np.testing.assert_allclose(
        kiln.compile(source, target="opencl",
                     target_options={"device-kind": "cpu"})(x),
        expected, rtol=1e-5, atol=1e-7)
    with pytest.raises(kiln.CompileError,
                       match="device-kind must be gpu or cpu, got 'dsp'"):
        kiln.compile(source, target="opencl",
                     target_options={"device-kind": "dsp"})
