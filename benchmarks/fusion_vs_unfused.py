#!/usr/bin/env python3
"""Fusion on vs off (kiln.compile(..., fusion=False), kiln-compile --no-fusion)
on the fusion issue's models: dispatch count and bytes moved from the compile
report, and the median latency of each, measured alternately in the same run
on the same inputs, with PyTorch eager as a third column. Outputs are checked
to agree with eager first.

usage: PYTHONPATH=build/python .venv/bin/python \
           benchmarks/fusion_vs_unfused.py [--runs N] [--threads N]
           [--models resnet18 mobilenet_v2 encoder_layer]
"""
import argparse
import pathlib
import sys
import time

import torch

import kiln

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from torch_models_vs_eager import MODELS  # noqa: E402

FUSION_MODELS = ["resnet18", "mobilenet_v2", "encoder_layer"]


def alternating_medians_ms(fns, runs):
    """Median milliseconds of each function, timed in turn per round so load
    changes on the machine hit every function alike."""
    for fn in fns:
        fn()  # warm-up
    times = [[] for _ in fns]
    for _ in range(runs):
        for fn, samples in zip(fns, times):
            start = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - start) * 1e3)
    return [sorted(samples)[len(samples) // 2] for samples in times]


def mib(report):
    totals = report["totals"]
    return (totals["bytes_read"] + totals["bytes_written"]) / 2**20


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=0,
                        help="Kiln's worker threads (0: all cores)")
    parser.add_argument("--models", nargs="*", default=FUSION_MODELS,
                        choices=list(MODELS))
    args = parser.parse_args()
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"kiln threads {args.threads or 'all'}")
    print("| model | dispatches fused / unfused | MiB moved fused / unfused "
          "| fused ms | unfused ms | fused / unfused | eager ms |")
    print("|---|---|---|---|---|---|---|")
    for name in args.models:
        model, inputs = MODELS[name]()
        model.eval()
        fused = kiln.compile(model, inputs, threads=args.threads)
        unfused = kiln.compile(model, inputs, threads=args.threads,
                               fusion=False)
        with torch.no_grad():
            expected = model(*inputs)
            for label, compiled in (("fused", fused), ("unfused", unfused)):
                error = ((compiled(*inputs) - expected).abs().max() /
                         expected.abs().max()).item()
                if error > 1e-4:
                    sys.exit(f"{name} {label}: outputs differ from eager "
                             f"(relative error {error})")
            fused_ms, unfused_ms, eager_ms = alternating_medians_ms(
                [lambda: fused(*inputs), lambda: unfused(*inputs),
                 lambda: model(*inputs)], args.runs)
        report, baseline = fused.report(), unfused.report()
        print(f"| {name} | {report['totals']['dispatches']} / "
              f"{baseline['totals']['dispatches']} | {mib(report):.1f} / "
              f"{mib(baseline):.1f} | {fused_ms:.2f} | {unfused_ms:.2f} | "
              f"{fused_ms / unfused_ms:.2f} | {eager_ms:.2f} |", flush=True)


if __name__ == "__main__":
    main()
