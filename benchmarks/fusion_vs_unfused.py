#!/usr/bin/env python3
"""Fusion on vs off (kiln.compile(..., fusion=False), kiln-compile --no-fusion)
on the fusion issue's models: dispatch count and bytes moved from the compile
report, and the median latency of each, measured alternately in the same run
on the same inputs, with PyTorch eager (timed separately) as a third column. Outputs are checked
to agree with eager first.

usage: PYTHONPATH=build/python .venv/bin/python \
           benchmarks/fusion_vs_unfused.py [--runs N] [--threads N]
           [--models resnet18 mobilenet_v2 encoder_layer] [--blocks]

--blocks measures the models' fused blocks (a convolution with its batch
norm and activation, a linear layer with its epilogue, attention) one at a
time: a fused kernel must not be slower than the unfused chain.
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


def conv_block(cin, cout, kernel, stride, groups, activation):
    layers = [torch.nn.Conv2d(cin, cout, kernel, stride, kernel // 2,
                              groups=groups, bias=False),
              torch.nn.BatchNorm2d(cout)]
    return torch.nn.Sequential(*layers, *([activation()] if activation else []))


class LinearRelu(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(512, 2048)

    def forward(self, x):
        return torch.relu(self.linear(x))


class LinearResidualNorm(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2048, 512)
        self.norm = torch.nn.LayerNorm(512)

    def forward(self, x, residual):
        return self.norm(residual + self.linear(x))


class Attention(torch.nn.Module):
    def forward(self, q, k, v):
        return torch.nn.functional.scaled_dot_product_attention(q, k, v)


# The fused kernels of the models above, one at a time (--blocks): each
# fused dispatch next to the unfused chain it replaces.
BLOCKS = {
    "conv3x3 64ch 56x56 + bn + relu": lambda: (
        conv_block(64, 64, 3, 1, 1, torch.nn.ReLU),
        (torch.randn(1, 64, 56, 56),)),
    "conv3x3 512ch 7x7 + bn + relu": lambda: (
        conv_block(512, 512, 3, 1, 1, torch.nn.ReLU),
        (torch.randn(1, 512, 7, 7),)),
    "stem conv7x7/2 + bn + relu": lambda: (
        conv_block(3, 64, 7, 2, 1, torch.nn.ReLU),
        (torch.randn(1, 3, 224, 224),)),
    "depthwise 144ch 56x56 + bn + relu6": lambda: (
        conv_block(144, 144, 3, 1, 144, torch.nn.ReLU6),
        (torch.randn(1, 144, 56, 56),)),
    "pointwise 32->192 56x56 + bn + relu6": lambda: (
        conv_block(32, 192, 1, 1, 1, torch.nn.ReLU6),
        (torch.randn(1, 32, 56, 56),)),
    "linear 512->2048 + relu": lambda: (
        LinearRelu(), (torch.randn(2, 16, 512),)),
    "linear 2048->512 + residual + layer_norm": lambda: (
        LinearResidualNorm(),
        (torch.randn(2, 16, 2048), torch.randn(2, 16, 512))),
    "attention 2x8x16x64": lambda: (
        Attention(), tuple(torch.randn(2, 8, 16, 64) for _ in range(3))),
}


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
    parser.add_argument("--blocks", action="store_true",
                        help="measure the models' fused blocks one at a "
                        "time instead")
    args = parser.parse_args()
    table = BLOCKS if args.blocks else {name: MODELS[name]
                                        for name in args.models}
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"kiln threads {args.threads or 'all'}")
    print("| model | dispatches fused / unfused | MiB moved fused / unfused "
          "| fused ms | unfused ms | fused / unfused | eager ms |")
    print("|---|---|---|---|---|---|---|")
    for name, make in table.items():
        model, inputs = make()
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
            # Eager is timed on its own, after: PyTorch's OpenMP threads keep
            # spinning after each call and slow whatever runs next (measured:
            # a Kiln module timed right after eager ran 1.4x slower).
            fused_ms, unfused_ms = alternating_medians_ms(
                [lambda: fused(*inputs), lambda: unfused(*inputs)], args.runs)
            (eager_ms,) = alternating_medians_ms([lambda: model(*inputs)],
                                                 args.runs)
        report, baseline = fused.report(), unfused.report()
        print(f"| {name} | {report['totals']['dispatches']} / "
              f"{baseline['totals']['dispatches']} | {mib(report):.1f} / "
              f"{mib(baseline):.1f} | {fused_ms:.2f} | {unfused_ms:.2f} | "
              f"{fused_ms / unfused_ms:.2f} | {eager_ms:.2f} |", flush=True)


if __name__ == "__main__":
    main()
