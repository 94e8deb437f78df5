#!/usr/bin/env python3
"""Kiln and PyTorch eager in one process, called in turn: each call's median
latency alone and interleaved with the other's (both orders: Kiln right
after torch, torch right after Kiln). Kiln's CPU workers spin briefly after
a kernel before sleeping, and PyTorch's OpenMP threads spin after a
parallel region; this shows what each costs the other. Ratios are
interleaved / alone from the same run.

usage: PYTHONPATH=build/python .venv/bin/python \\
           benchmarks/interleaved_with_torch.py [--models mlp resnet18] [--runs 20]
"""
import argparse
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from peers import build  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["mlp", "resnet18"])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    import numpy as np
    import torch
    import kiln
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"median of {args.runs} calls")
    print(f"{'model':>10} {'kiln alone':>11} {'after torch':>12} {'ratio':>6} "
          f"{'torch alone':>12} {'after kiln':>11} {'ratio':>6}")
    for name in args.models:
        model, inputs = build(name)
        compiled = kiln.compile(model, inputs)
        arrays = [x.numpy() for x in inputs]
        np.testing.assert_allclose(
            compiled(*arrays), model(*inputs).detach().numpy(), rtol=1e-3,
            atol=1e-4)

        def kiln_call():
            compiled(*arrays)

        def torch_call():
            with torch.no_grad():
                model(*inputs)

        def timed(call):
            start = time.perf_counter()
            call()
            return (time.perf_counter() - start) * 1e3

        times = {key: [] for key in ("kiln", "torch", "kiln_after",
                                     "torch_after")}
        for call in (kiln_call, torch_call):
            call()  # warm-up
        for _ in range(args.runs):
            times["kiln"].append(timed(kiln_call))
        for _ in range(args.runs):
            times["torch"].append(timed(torch_call))
        for _ in range(args.runs):
            times["torch_after"].append(timed(torch_call))
            times["kiln_after"].append(timed(kiln_call))
        m = {key: statistics.median(value) for key, value in times.items()}
        print(f"{name:>10} {m['kiln']:9.3f}ms {m['kiln_after']:10.3f}ms "
              f"{m['kiln_after'] / m['kiln']:6.2f} {m['torch']:10.3f}ms "
              f"{m['torch_after']:9.3f}ms {m['torch_after'] / m['torch']:6.2f}")


if __name__ == "__main__":
    main()
