#!/usr/bin/env python3
"""Placement across targets, measured: each model of benchmarks/peers.py
compiled for the cpu alone, for opencl alone, and for both (graph-place
choosing, with the backends' figures and with opencl's device-kind=cpu
figures), then run in one process, alternating, several rounds. Prints per
configuration: the dispatches on each target, the transfers (count and
bytes, from the compile report's placement section), the placement's
estimate, and the measured median latency. Outputs are checked against
eager first.

usage: PYTHONPATH=build/python .venv/bin/python benchmarks/placement.py \\
           [--models mlp resnet18 ...] [--rounds 2] [--runs 5]
"""
import argparse
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from peers import build  # noqa: E402

CONFIGS = {
    "cpu": dict(target="cpu"),
    "opencl": dict(target="opencl"),
    "placed": dict(targets=("cpu", "opencl")),
    "placed, opencl figures of a CPU": dict(
        targets=("cpu", "opencl"),
        target_options={"opencl.device-kind": "cpu"}),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+",
                        default=["mlp", "resnet18", "mobilenet_v2",
                                 "encoder_layer"])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    import numpy as np
    import torch
    import kiln
    missing = kiln.devices_unavailable("opencl")
    if missing:
        raise SystemExit(f"opencl cannot run here: {missing}")
    print(f"{'model':>14} {'configuration':>32} {'cpu':>4} {'opencl':>6} "
          f"{'transfers':>9} {'MB':>6} {'est. ms':>8} {'ms':>9}")
    for name in args.models:
        model, inputs = build(name)
        with torch.no_grad():
            expected = model(*inputs).numpy()
        compiled = {}
        for config, options in CONFIGS.items():
            module = kiln.compile(model, inputs, **options)
            got = np.asarray(module(*inputs))
            error = np.abs(got - expected).max() / np.abs(expected).max()
            if error > 1e-4:
                raise SystemExit(f"{name} {config}: relative error {error}")
            compiled[config] = module
        times = {config: [] for config in CONFIGS}
        for _ in range(args.rounds):
            for config, module in compiled.items():
                module(*inputs)
                runs = []
                for _ in range(args.runs):
                    start = time.perf_counter()
                    module(*inputs)
                    runs.append(time.perf_counter() - start)
                times[config].append(statistics.median(runs))
        for config, module in compiled.items():
            report = module.report()
            placement = report["placement"]
            counts = {t: w["dispatches"]
                      for t, w in placement["targets"].items()}
            print(f"{name:>14} {config:>32} {counts.get('cpu', 0):>4} "
                  f"{counts.get('opencl', 0):>6} "
                  f"{placement['transfer_count']:>9} "
                  f"{placement['transfer_bytes'] / 1e6:>6.2f} "
                  f"{placement['estimated_us'] / 1e3:>8.3f} "
                  f"{statistics.median(times[config]) * 1e3:>9.3f}")


if __name__ == "__main__":
    main()
