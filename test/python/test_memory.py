"""Memory planning end to end: the report's memory section (checked against
counts done by hand), the memory plot, and the device memory limit, from
Python and kiln-compile."""

import json
import re

import numpy as np
import pytest

import kiln
from kiln_testing import BIN, ROOT, conv_graph, run_cli

RNG = np.random.default_rng(11)


def chain_graph():
    """Five elementwise/matmul steps over 8x64 f32 (2 KiB) buffers."""
    g = kiln.Graph()
    x = g.input("x", (8, 64))
    w = g.constant(RNG.standard_normal((64, 64)).astype(np.float32), name="w")
    a = g.matmul(x, w)
    b = g.tanh(a)
    c = g.matmul(b, w)
    d = g.add(c, a)
    g.output(g.matmul(d, w))
    return g


def memory(report):
    # The CPU's kernels work on host memory: one arena, the host's.
    (arena,) = report["memory"]
    assert arena == "host"
    return report["memory"]["host"]


def test_fused_conv_plan_by_hand():
    plan = memory(kiln.compile(conv_graph(RNG)).report())
    # Conv, relu and pooling are one kernel (fusion rule 4): the one
    # transient is the padded input (1x2x8x8 f32) the pad writes for it.
    assert plan["buffers"] == 1
    assert plan["arena_bytes"] == plan["lower_bound_bytes"] == \
        plan["naive_bytes"] == 512
    assert plan["in_place"] == 0
    assert plan["steps"] == 2
    (buffer,) = plan["largest"]
    assert buffer == {"bytes": 512, "type": "f32[1,2,8,8]", "offset": 0,
                      "live": [0, 1], "producer": "dispatch_0 (graph.pad)"}


def test_unfused_relu_runs_in_place():
    plan = memory(kiln.compile(conv_graph(RNG), fusion=False).report())
    # conv -> t (576 B); relu overwrites t, which dies there; pool reads it.
    assert plan["buffers"] == 2
    assert plan["in_place"] == 1
    assert plan["naive_bytes"] == 2 * 576
    assert plan["arena_bytes"] == plan["lower_bound_bytes"] == 576
    assert plan["largest"][0]["live"] == [0, 2]


def test_chain_plan_by_hand():
    plan = memory(kiln.compile(chain_graph(), fusion=False).report())
    kib2 = 8 * 64 * 4
    # a [0,3] (read again by the add), b (tanh of a: a is still live, so
    # not in place) [1,2], c [2,3], d = add(c, a) overwrites c [3,4].
    assert plan["buffers"] == 4
    assert plan["in_place"] == 1
    assert plan["naive_bytes"] == 4 * kib2
    assert plan["lower_bound_bytes"] == 3 * kib2  # a, b, c at step 2
    assert plan["arena_bytes"] == 3 * kib2
    # Buffers live at the same time never share bytes.
    spans = [(b["offset"], b["offset"] + b["bytes"], *b["live"])
             for b in plan["largest"]]
    for i, (lo, hi, first, last) in enumerate(spans):
        for lo2, hi2, first2, last2 in spans[i + 1:]:
            if first <= last2 and first2 <= last:
                assert hi <= lo2 or hi2 <= lo


@pytest.mark.parametrize("name", ["mlp_classifier", "resnet_basic_block",
                                  "transformer_encoder_layer"])
@pytest.mark.parametrize("fusion", [True, False])
def test_example_plans_are_near_the_lower_bound(name, fusion):
    plan = memory(kiln.compile(ROOT / "examples" / f"{name}.mlir",
                               fusion=fusion).report())
    assert plan["lower_bound_bytes"] <= plan["arena_bytes"] <= \
        1.05 * plan["lower_bound_bytes"]
    assert plan["arena_bytes"] <= plan["naive_bytes"]
    assert plan["arena_bytes"] % plan["alignment"] == 0


def test_memory_plot_svg_and_html(tmp_path):
    svg = tmp_path / "plan.svg"
    compiled = kiln.compile(chain_graph(), fusion=False, memory_plot=svg)
    text = svg.read_text()
    assert text.startswith("<svg")
    plan = memory(compiled.report())
    # One rectangle per buffer left after in-place reuse, each with a title.
    titles = re.findall(r"<title>([^<]*)</title>", text)
    assert len(titles) == plan["buffers"] - plan["in_place"]
    assert any("f32[8,64]" in title and "written by dispatch_0" in title
               for title in titles)
    assert "peak" in text and "lower bound" in text
    html = tmp_path / "plan.html"
    kiln.compile(chain_graph(), fusion=False, memory_plot=html)
    page = html.read_text()
    assert page.startswith("<!doctype html>") and "<table>" in page
    assert page.count("<tr>") == 1 + plan["buffers"] - plan["in_place"]
    with pytest.raises(ValueError, match="must end in .svg or .html"):
        kiln.compile(chain_graph(), memory_plot=tmp_path / "plan.png")


def test_device_memory_limit():
    # Weights 16 KiB, input 2 KiB, output 2 KiB, arena 6 KiB.
    kiln.compile(chain_graph(), fusion=False,
                 device_memory_limit=26 * 1024)
    with pytest.raises(kiln.CompileError) as error:
        kiln.compile(chain_graph(), fusion=False,
                     device_memory_limit=26 * 1024 - 1)
    message = str(error.value)
    assert "the memory plan of @main needs 26.00 KiB (26624 bytes) in " \
        "memory 'host', over the limit of" in message
    assert "arena 6.00 KiB (6144 bytes), weights 16.00 KiB (16384 bytes), " \
        "inputs 2.00 KiB (2048 bytes), outputs 2.00 KiB (2048 bytes)" \
        in message
    assert "the arena peaks at step 2 of 5" in message
    assert "1. 2.00 KiB (2048 bytes) f32[8,64] written by dispatch_0 " \
        "(graph.panel_matmul), live from step 0 to 3" in message
    with pytest.raises(ValueError, match="positive number of bytes"):
        kiln.compile(chain_graph(), device_memory_limit=0)


def test_cli_memory_flags(tmp_path):
    model = tmp_path / "chain.mlir"
    model.write_text(kiln.run_pipeline(chain_graph(), "builtin.module()"))
    artifact = tmp_path / "m.kiln"
    run_cli(BIN / "kiln-compile", model, "-o", artifact, "--no-fusion",
            "--memory-plot", tmp_path / "plan.svg", "--report",
            tmp_path / "report.json", "--device-memory-limit", "1MiB")
    assert (tmp_path / "plan.svg").read_text().startswith("<svg")
    assert memory(json.loads((tmp_path / "report.json").read_text())) == \
        memory(kiln.compile(chain_graph(), fusion=False).report())

    over = run_cli(BIN / "kiln-compile", model, "-o", tmp_path / "o.kiln",
                   "--no-fusion", "--device-memory-limit", "20KiB",
                   check=False)
    assert over.returncode == 1, over.stderr
    assert "over the limit of 20.00 KiB (20480 bytes)" in over.stderr
    assert "the arena peaks at step 2 of 5" in over.stderr
    assert not (tmp_path / "o.kiln").exists()

    for flags, fragment in [
            (["--device-memory-limit", "12XB"], "is not a size"),
            (["--device-memory-limit", "-5"], "is not a size"),
            (["--memory-plot", tmp_path / "plan.png"],
             "must end in .svg or .html")]:
        bad = run_cli(BIN / "kiln-compile", model, "-o", artifact, *flags,
                      check=False)
        assert bad.returncode == 2, bad.stderr
        assert fragment in bad.stderr
