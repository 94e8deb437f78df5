"""The CPU device's thread pool under load: many runs of kernels of
several workgroup counts back to back, on more threads than this machine has cores
(workers then arrive late, are preempted inside a job, and sleep between
runs), every output checked against numpy. A workgroup claimed twice,
skipped, or run with another job's bindings shows as a wrong value."""

import time

import numpy as np
import pytest

import kiln
from kiln import graph as _graph

RNG = np.random.default_rng(11)


@pytest.mark.parametrize("threads", [2, 5])
def test_many_runs_match_numpy(threads):
    g = _graph.Graph()
    x = g.input("x", (256, 512))
    weights = RNG.standard_normal((512, 64)).astype(np.float32)
    w = g.constant(weights, name="w")
    y = g.relu(g.add(x, x))
    z = g.matmul(y, w)
    s = g.reduce("sum", z, axes=[1], keepdims=False)
    g.output(y, z, s)
    compiled = kiln.compile(g, threads=threads, fusion=False)
    grids = [d["grid"][0] * d["grid"][1] * d["grid"][2]
             for d in compiled.report()["dispatches"]]
    # Jobs of several sizes, so a late worker meets a job of another size.
    assert max(grids) > 1 and len(set(grids)) > 1, grids
    for run in range(300):
        a = RNG.standard_normal((256, 512)).astype(np.float32)
        y_, z_, s_ = compiled(a)
        ry = np.maximum(a + a, 0)
        rz = ry @ weights
        np.testing.assert_array_equal(y_, ry, err_msg=f"run {run}")
        np.testing.assert_allclose(z_, rz, rtol=1e-4, atol=1e-3,
                                   err_msg=f"run {run}")
        np.testing.assert_allclose(s_, rz.sum(axis=1), rtol=1e-4, atol=1e-2,
                                   err_msg=f"run {run}")
        if run % 50 == 0:
            time.sleep(0.001)  # past the workers' spin: they sleep, then wake
