"""Sharded models under MPI: `mpirun -np N kiln-run`, one rank per device,
rank 0 writing the outputs; and the faults: a mesh that does not match the
ranks, a rank that fails, dies or hangs. Every run has a deadline far above
what it needs, so a hang fails the test instead of stalling the suite."""

import os
import shutil
import subprocess
import time

import numpy as np
import pytest
import torch

import kiln
from kiln_testing import BIN

MPIRUN = shutil.which("mpirun")
pytestmark = pytest.mark.skipif(
    MPIRUN is None or not (BIN / "libkiln-mpi.so").exists(),
    reason="needs mpirun and libkiln-mpi.so (Debian's openmpi-bin, "
           "libopenmpi-dev)")

# As root (CI), on 2 cores; shared-memory transport without ptrace (
# containers forbid the single-copy mechanism).
ENV = dict(os.environ, OMPI_MCA_btl_vader_single_copy_mechanism="none")
MEGATRON = {"fc1.weight": ("tp", None), "fc1.bias": ("tp",),
            "fc2.weight": (None, "tp")}


def mpirun(ranks, *command, timeout=60):
    """Runs `command` on `ranks` ranks; returns (result, seconds)."""
    start = time.monotonic()
    result = subprocess.run(
        [MPIRUN, "-np", str(ranks), "--allow-run-as-root", "--oversubscribe",
         *map(str, command)],
        capture_output=True, text=True, timeout=timeout, env=ENV)
    return result, time.monotonic() - start


def per_rank(rank, faulty, healthy):
    """A shell command running `faulty` on rank `rank`, `healthy` elsewhere."""
    return ["sh", "-c", f'if [ "$OMPI_COMM_WORLD_RANK" = {rank} ]; then '
            f"{faulty}; else exec {healthy}; fi"]


@pytest.fixture(scope="module")
def mlp(tmp_path_factory):
    """A Megatron MLP compiled for tp=2 and for dp=2 x tp=2, its input, and
    torch's output."""
    torch.manual_seed(0)
    directory = tmp_path_factory.mktemp("mpi")
    model = torch.nn.Sequential(torch.nn.Linear(16, 64), torch.nn.GELU(),
                                torch.nn.Linear(64, 16)).eval()
    x = torch.randn(8, 16)
    names = {"0.weight": ("tp", None), "0.bias": ("tp",),
             "2.weight": (None, "tp")}
    kiln.compile(model, (x,), mesh={"tp": 2}, shardings=names).save(
        directory / "tp2.kiln")
    kiln.compile(model, (x,), mesh={"dp": 2, "tp": 2},
                 shardings={**names, 0: ("dp", None)}).save(
        directory / "dp2tp2.kiln")
    np.save(directory / "x.npy", x.numpy())
    np.save(directory / "bad.npy", np.zeros((3, 16), np.float32))
    return directory, model(x).detach().numpy()


def test_megatron_under_mpirun_matches_torch(mlp, tmp_path):
    directory, expected = mlp
    result, _ = mpirun(2, BIN / "kiln-run", directory / "tp2.kiln", "--input",
                       directory / "x.npy", "--output-dir", tmp_path,
                       "--threads", "1")
    assert result.returncode == 0, result.stderr
    actual = np.load(tmp_path / "output_0.npy")
    assert np.abs(actual - expected).max() / np.abs(expected).max() <= 1e-5


def test_four_ranks_on_a_two_by_two_mesh(mlp, tmp_path):
    directory, expected = mlp
    result, _ = mpirun(4, BIN / "kiln-run", directory / "dp2tp2.kiln",
                       "--input", directory / "x.npy", "--output-dir",
                       tmp_path, "--threads", "1", "--print")
    assert result.returncode == 0, result.stderr
    # Only rank 0 prints and writes.
    assert result.stdout.count("output_0: f32 [8, 16]") == 1
    actual = np.load(tmp_path / "output_0.npy")
    assert np.abs(actual - expected).max() / np.abs(expected).max() <= 1e-5


def test_a_mesh_that_does_not_match_the_ranks_fails_first(mlp):
    directory, _ = mlp
    result, seconds = mpirun(2, BIN / "kiln-run", directory / "dp2tp2.kiln",
                             "--input", directory / "x.npy")
    assert result.returncode != 0
    assert ("'dp2tp2.kiln' is sharded over the mesh dp=2, tp=2 (4 devices), "
            "but it was given 2 ranks" in result.stderr.replace(
                str(directory) + "/", ""))
    assert seconds < 30


def test_a_failing_rank_stops_the_others(mlp):
    directory, _ = mlp
    run = f"{BIN / 'kiln-run'} {directory / 'tp2.kiln'} --threads 1"
    result, seconds = mpirun(2, *per_rank(
        1, f"exec {run} --input {directory / 'bad.npy'}",
        f"{run} --input {directory / 'x.npy'} --benchmark 100000000"))
    assert result.returncode != 0
    assert "kiln: error: rank 1: input '" in result.stderr, result.stderr
    assert ("expected f32 [8, 16], got f32 [3, 16] (stopping every rank)"
            in result.stderr)
    assert seconds < 30


def test_a_killed_rank_stops_the_others(mlp):
    directory, _ = mlp
    run = (f"{BIN / 'kiln-run'} {directory / 'tp2.kiln'} --threads 1 "
           f"--input {directory / 'x.npy'} --benchmark 100000000")
    result, seconds = mpirun(2, *per_rank(1, f"exec timeout -s KILL 1 {run}",
                                          run))
    assert result.returncode != 0
    assert "exited on signal 9" in result.stderr
    assert seconds < 30


def test_a_hung_rank_times_out_with_an_error(mlp):
    directory, _ = mlp
    run = (f"{BIN / 'kiln-run'} {directory / 'tp2.kiln'} --threads 1 "
           f"--input {directory / 'x.npy'} --benchmark 100000000 "
           "--collective-timeout 2000")
    # Rank 1 is stopped (SIGSTOP) mid-run: alive, never arriving.
    result, seconds = mpirun(2, *per_rank(
        1, f"{run} & p=$!; sleep 1; kill -STOP $p; wait $p", run))
    assert result.returncode != 0
    assert "kiln: error: rank 0: waited 2000 ms in" in result.stderr
    assert "for the other ranks, which did not arrive" in result.stderr
    assert seconds < 30


def test_devices_flag_is_not_for_mpirun(mlp):
    directory, _ = mlp
    result, _ = mpirun(2, BIN / "kiln-run", directory / "tp2.kiln",
                       "--devices", "2")
    assert result.returncode != 0
    assert "under mpirun each rank is a device" in result.stderr


@pytest.mark.skipif(bool(kiln.devices_unavailable("opencl")),
                    reason=str(kiln.devices_unavailable("opencl")))
@pytest.mark.parametrize("placement", [{"0": "opencl"}, {"2": "opencl"}])
def test_placed_across_targets_under_mpirun(mlp, tmp_path, placement):
    # Each rank runs its program across the cpu and opencl
    # (docs/placement.md); with fc2 (layer 2) on opencl the all-reduce of
    # its partial sums starts from opencl memory.
    directory, expected = mlp
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(16, 64), torch.nn.GELU(),
                                torch.nn.Linear(64, 16)).eval()
    x = torch.from_numpy(np.load(directory / "x.npy"))
    names = {"0.weight": ("tp", None), "0.bias": ("tp",),
             "2.weight": (None, "tp")}
    compiled = kiln.compile(model, (x,), mesh={"tp": 2}, shardings=names,
                            targets=("cpu", "opencl"), placement=placement)
    assert {d["target"] for d in compiled.report()["dispatches"]} == {
        "cpu", "opencl"}
    compiled.save(tmp_path / "placed.kiln")
    out = tmp_path / "out"
    out.mkdir()
    result, _ = mpirun(2, BIN / "kiln-run", tmp_path / "placed.kiln",
                       "--input", directory / "x.npy", "--output-dir", out,
                       "--threads", "1")
    assert result.returncode == 0, result.stderr
    actual = np.load(out / "output_0.npy")
    assert np.abs(actual - expected).max() / np.abs(expected).max() <= 1e-5
