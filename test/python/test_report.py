"""The compile report (kiln-compile --report, CompiledModule.report()): each
dispatch's ops, flops and bytes, checked against counts done by hand."""

import json

import numpy as np
import pytest

import kiln
from kiln_testing import BIN, conv_graph, run_cli

RNG = np.random.default_rng(5)


def test_report_counts(tmp_path):
    report = kiln.compile(conv_graph(RNG), fusion=False).report()
    assert set(report) == {"dispatches", "totals", "memory", "collectives",
                           "placement"}
    conv, relu, pool = report["dispatches"]
    assert [d["ops"] for d in report["dispatches"]] == [
        ["graph.conv2d"], ["graph.relu"], ["graph.max_pool2d"]]
    assert all(d["target"] == "cpu" for d in report["dispatches"])
    out = 1 * 4 * 6 * 6
    # 2 x (C x KH x KW) per output element; one max per window tap.
    assert conv["flops"] == 2 * out * (2 * 3 * 3)
    assert relu["flops"] == out
    assert pool["flops"] == (out // 4) * 4
    # Bytes: the input and the weights in, the f32 result out.
    assert conv["bytes_read"] == 4 * (2 * 6 * 6 + 4 * 2 * 3 * 3)
    assert conv["bytes_written"] == 4 * out
    assert relu["bytes_read"] == relu["bytes_written"] == 4 * out
    assert pool["bytes_written"] == 4 * out // 4
    totals = report["totals"]
    assert totals["dispatches"] == 3
    assert totals["flops"] == sum(d["flops"] for d in report["dispatches"])


def test_fused_report_counts():
    unfused = kiln.compile(conv_graph(RNG), fusion=False).report()
    report = kiln.compile(conv_graph(RNG)).report()
    # ReLU and pooling ride on the convolution; its padding runs once,
    # before it (fusion rule 4).
    assert [d["ops"] for d in report["dispatches"]] == [
        ["graph.pad"], ["graph.conv2d", "graph.relu", "graph.max_pool2d"]]
    pad, conv = report["dispatches"]
    out = 1 * 4 * 6 * 6
    padded = 1 * 2 * 8 * 8
    assert pad["flops"] == 0
    assert pad["bytes_read"] == 4 * 2 * 6 * 6
    assert pad["bytes_written"] == 4 * padded
    assert conv["flops"] == 2 * out * (2 * 3 * 3) + out + (out // 4) * 4
    # Same arithmetic; the conv result is neither written nor read again.
    assert report["totals"]["flops"] == unfused["totals"]["flops"]
    assert conv["bytes_read"] == 4 * (padded + 4 * 2 * 3 * 3)
    assert conv["bytes_written"] == 4 * out // 4
    assert report["totals"]["dispatches"] == 2


def test_cli_writes_the_same_report(tmp_path):
    model = tmp_path / "conv.mlir"
    graph = conv_graph(RNG)
    compiled = kiln.compile(graph)
    # The CLI reads MLIR with the weights inline: print them into the file.
    model.write_text(kiln.run_pipeline(graph, "builtin.module()"))
    run_cli(BIN / "kiln-compile", model, "-o", tmp_path / "m.kiln",
            "--report", tmp_path / "report.json")
    assert json.loads((tmp_path / "report.json").read_text()) == \
        compiled.report()
    # --no-fusion and fusion=False are the same compile.
    run_cli(BIN / "kiln-compile", model, "-o", tmp_path / "m.kiln",
            "--no-fusion", "--report", tmp_path / "unfused.json")
    assert json.loads((tmp_path / "unfused.json").read_text()) == \
        kiln.compile(graph, fusion=False).report()


def test_loaded_module_has_no_report(tmp_path):
    compiled = kiln.compile(conv_graph(RNG))
    compiled.save(tmp_path / "m.kiln")
    with pytest.raises(ValueError, match="a loaded artifact does not keep"):
        kiln.load(tmp_path / "m.kiln").report()


def test_unwritable_report_path(tmp_path):
    model = tmp_path / "conv.mlir"
    model.write_text(kiln.run_pipeline(conv_graph(RNG), "builtin.module()"))
    result = run_cli(BIN / "kiln-compile", model, "-o", tmp_path / "m.kiln",
                     "--report", tmp_path / "missing" / "r.json",
                     check=False)
    assert result.returncode == 1
    assert "cannot write" in result.stderr and "r.json" in result.stderr


@pytest.mark.parametrize("fusion", [True, False], ids=["fused", "unfused"])
def test_fused_graph_with_folded_weights_and_reshaped_outputs(fusion):
    """Fusion's graph rewrites, end to end against numpy: a batch norm folded
    into its convolution (and a transposed weight folded), a reshape sunk
    below the elementwise ops after a matmul, and a result returned both
    through a reshape (written into a view of its output) and directly."""
    g = kiln.Graph()
    x = g.input("x", (1, 2, 6, 6))
    w = RNG.standard_normal((4, 2, 3, 3)).astype(np.float32)
    scale, shift, mean = (RNG.standard_normal(4).astype(np.float32)
                          for _ in range(3))
    var = RNG.uniform(0.5, 2.0, 4).astype(np.float32)
    fc = RNG.standard_normal((3, 4 * 36)).astype(np.float32)
    conv = g.conv2d(x, g.constant(w), padding=(1, 1, 1, 1))
    norm = g.relu(g.batch_norm(conv, g.constant(scale), g.constant(shift),
                               g.constant(mean), g.constant(var)))
    flat = g.reshape(norm, (1, 4 * 36))
    logits = g.matmul(flat, g.transpose(g.constant(fc), (1, 0)))
    viewed = g.reshape(logits, (1, 3, 1))
    g.output(g.tanh(viewed), g.reshape(norm, (4, 36)), norm)
    compiled = kiln.compile(g, fusion=fusion)
    ops = [d["ops"] for d in compiled.report()["dispatches"]]
    assert ("graph.batch_norm" in sum(ops, [])) == (not fusion)
    assert "graph.transpose" not in sum(ops, [])  # folded either way

    data = RNG.standard_normal((1, 2, 6, 6)).astype(np.float32)
    padded = np.pad(data, ((0, 0), (0, 0), (1, 1), (1, 1)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3),
                                                       axis=(2, 3))
    expected_conv = np.einsum("nchwij,ocij->nohw", windows, w)
    expected_norm = np.maximum(
        (expected_conv - mean[:, None, None]) / np.sqrt(var[:, None, None] +
                                                        1e-5)
        * scale[:, None, None] + shift[:, None, None], 0)
    expected_logits = expected_norm.reshape(1, -1) @ fc.T
    out, view, same = compiled(data)
    np.testing.assert_allclose(out, np.tanh(expected_logits).reshape(1, 3, 1),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(view, expected_norm.reshape(4, 36), rtol=1e-4,
                               atol=1e-5)
    np.testing.assert_array_equal(view.reshape(1, 4, 6, 6), same)


def test_report_shows_each_launch():
    # The CPU: a 1-D grid of one-thread workgroups. OpenCL: the conv's
    # work items (one per output element here, 1x4x6x6) in workgroups of
    # 64, the last one partial.
    cpu = kiln.compile(conv_graph(RNG), fusion=False).report()
    for dispatch in cpu["dispatches"]:
        assert dispatch["workgroup_size"] == [1, 1, 1]
        assert dispatch["grid"][0] >= 1 and dispatch["grid"][1:] == [1, 1]
    opencl = kiln.compile(conv_graph(RNG), target="opencl",
                          fusion=False).report()
    assert all(d["target"] == "opencl" for d in opencl["dispatches"])
    conv = opencl["dispatches"][0]
    assert conv["ops"] == ["graph.conv2d"]
    items = conv["grid"][0] * conv["workgroup_size"][0]
    assert conv["grid"][1:] == conv["workgroup_size"][1:] == [1, 1]
    assert 144 <= items < 144 + conv["workgroup_size"][0]
    assert conv["shared_bytes"] == 0


def test_profile_times_each_dispatch():
    """CompiledModule.profile: one row per dispatch of the report, longest
    first, with its share of the kernels' time and its GFLOP/s from the
    report's flops; the module still computes the same afterwards."""
    compiled = kiln.compile(conv_graph(RNG), fusion=False)
    x = RNG.standard_normal((1, 2, 6, 6)).astype(np.float32)
    expected = compiled(x)
    rows = compiled.profile(x, runs=3)
    report = {d["kernel"]: d for d in compiled.report()["dispatches"]}
    assert sorted(row["kernel"] for row in rows) == sorted(report)
    assert [row["ms"] for row in rows] == sorted(
        (row["ms"] for row in rows), reverse=True)
    assert sum(row["share"] for row in rows) == pytest.approx(1.0)
    for row in rows:
        assert row["target"] == "cpu" and row["ms"] > 0
        dispatch = report[row["kernel"]]
        assert row["name"] == dispatch["name"]
        assert row["ops"] == dispatch["ops"]
        assert row["flops"] == dispatch["flops"]
        assert row["gflops"] == pytest.approx(
            row["flops"] / (row["ms"] * 1e-3) / 1e9)
    np.testing.assert_array_equal(compiled(x), expected)
    with pytest.raises(ValueError, match="runs must be at least 1"):
        compiled.profile(x, runs=0)


def test_profile_of_a_loaded_module_has_times_only(tmp_path):
    compiled = kiln.compile(conv_graph(RNG))
    compiled.save(tmp_path / "m.kiln")
    x = RNG.standard_normal((1, 2, 6, 6)).astype(np.float32)
    rows = kiln.load(tmp_path / "m.kiln").profile(x, runs=2)
    assert sorted(row["kernel"] for row in rows) == sorted(
        d["kernel"] for d in compiled.report()["dispatches"])
    assert all("flops" not in row and row["ms"] > 0 for row in rows)


def test_cli_profile(tmp_path):
    """kiln-run --profile lists every dispatch of the report by time, by its
    kernel symbol."""
    model = tmp_path / "conv.mlir"
    model.write_text(kiln.run_pipeline(conv_graph(RNG), "builtin.module()"))
    run_cli(BIN / "kiln-compile", model, "-o", tmp_path / "m.kiln",
            "--no-fusion", "--report", tmp_path / "report.json")
    x = tmp_path / "x.npy"
    np.save(x, RNG.standard_normal((1, 2, 6, 6)).astype(np.float32))
    result = run_cli(BIN / "kiln-run", tmp_path / "m.kiln", "--input", x,
                     "--benchmark", "3", "--profile")
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines)
                 if line.startswith("profile: 3 dispatches"))
    rows = [line.split() for line in lines[start + 2:start + 5]]
    names = json.loads((tmp_path / "report.json").read_text())["dispatches"]
    assert sorted(row[-1] for row in rows) == sorted(d["kernel"] for d in names)
    times = [float(row[0]) for row in rows]
    assert times == sorted(times, reverse=True) and sum(times) > 0
    result = run_cli(BIN / "kiln-run", tmp_path / "m.kiln", "--input", x,
                     "--profile", check=False)
    assert result.returncode == 2
    assert "--profile times the runs of --benchmark N" in result.stderr
