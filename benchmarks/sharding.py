#!/usr/bin/env python3
"""Sharded vs unsharded runs of a Megatron MLP block on CPU devices in one
process: the same threads in all (`--threads`, split evenly between the
devices), runs alternated in the same process on the same input. Prints, per
layout, the median latency and its ratio to the unsharded run, the weight
bytes each device holds, and the bytes each device sends in collectives
(from the compile report). Outputs are checked against PyTorch first.

usage: PYTHONPATH=build/python .venv/bin/python benchmarks/sharding.py
           [--runs N] [--threads N] [--width W] [--hidden H] [--batch B]
"""
import argparse
import time

import numpy as np
import torch

import kiln


class MLP(torch.nn.Module):
    def __init__(self, width, hidden):
        super().__init__()
        self.fc1 = torch.nn.Linear(width, hidden)
        self.fc2 = torch.nn.Linear(hidden, width)

    def forward(self, x):
        return self.fc2(torch.nn.functional.gelu(self.fc1(x)))


MEGATRON = {"fc1.weight": ("tp", None), "fc1.bias": ("tp",),
            "fc2.weight": (None, "tp")}
LAYOUTS = [
    ("unsharded", None, None),
    ("tp=2 (Megatron)", {"tp": 2}, MEGATRON),
    ("dp=2", {"dp": 2}, {0: ("dp", None)}),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--hidden", type=int, default=4096)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = MLP(args.width, args.hidden).eval()
    x = torch.randn(args.batch, args.width)
    expected = model(x).detach().numpy()
    weights = sum(p.numel() * 4 for p in model.parameters())

    compiled = []
    for name, mesh, shardings in LAYOUTS:
        module = kiln.compile(model, (x,), threads=args.threads, mesh=mesh,
                              shardings=shardings)
        error = (np.abs(module(x).numpy() - expected).max()
                 / np.abs(expected).max())
        assert error <= 1e-5, (name, error)
        collectives = module.report()["collectives"]
        devices = 1
        for size in (mesh or {}).values():
            devices *= size
        split = sum(p.numel() * 4 for n, p in model.named_parameters()
                    if n in (shardings or {}) and isinstance(n, str))
        per_device = weights - split + split // devices
        compiled.append((name, module, per_device, collectives["bytes"]))

    times = {name: [] for name, *_ in compiled}
    for _ in range(args.runs):  # alternate, so noise hits all alike
        for name, module, *_ in compiled:
            start = time.perf_counter()
            module(x)
            times[name].append(time.perf_counter() - start)

    base = np.median(times["unsharded"])
    print(f"MLP {args.width}->{args.hidden}->{args.width}, batch "
          f"{args.batch}, {args.threads} threads in all, median of "
          f"{args.runs}")
    print(f"{'layout':18} {'median ms':>10} {'vs unsharded':>13} "
          f"{'weights/device':>15} {'collective bytes/device':>24}")
    for name, _, per_device, sent in compiled:
        median = np.median(times[name])
        print(f"{name:18} {median * 1e3:10.3f} {median / base:13.2f} "
              f"{per_device / 2**20:12.2f} MiB {sent:24d}")


if __name__ == "__main__":
    main()
