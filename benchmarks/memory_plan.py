"""The memory plan of real models: arena bytes against the lower bound (the
most bytes live at any step) and the naive plan (one allocation per
transient buffer), fused and unfused. Compile-time figures, so exact: no
timing noise.

    PYTHONPATH=build/python .venv/bin/python benchmarks/memory_plan.py
           [--models resnet18 mobilenet_v2 encoder_layer] [--plots DIR]
"""

import argparse
import pathlib
import sys

import torch

import kiln

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from torch_models_vs_eager import MODELS  # noqa: E402

MEMORY_MODELS = ["resnet18", "mobilenet_v2", "encoder_layer"]


def mib(n):
    return f"{n / 2**20:.2f}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", nargs="*", default=MEMORY_MODELS)
    parser.add_argument("--plots", type=pathlib.Path,
                        help="write <model>[-unfused].svg memory plots here")
    args = parser.parse_args()
    torch.manual_seed(0)
    print(f"{'model':>14} {'fusion':>6} {'buffers':>7} {'in place':>8} "
          f"{'arena MiB':>9} {'bound MiB':>9} {'naive MiB':>9} "
          f"{'arena/bound':>11} {'naive/arena':>11}")
    for name in args.models:
        model, inputs = MODELS[name]()
        model.eval()
        for fusion in (True, False):
            plot = None
            if args.plots:
                args.plots.mkdir(parents=True, exist_ok=True)
                plot = args.plots / f"{name}{'' if fusion else '-unfused'}.svg"
            report = kiln.compile(model, inputs, fusion=fusion,
                                  memory_plot=plot).report()
            plan = report["memory"]["cpu"]
            arena, bound = plan["arena_bytes"], plan["lower_bound_bytes"]
            naive = plan["naive_bytes"]
            print(f"{name:>14} {'yes' if fusion else 'no':>6} "
                  f"{plan['buffers']:>7} {plan['in_place']:>8} "
                  f"{mib(arena):>9} {mib(bound):>9} {mib(naive):>9} "
                  f"{arena / bound:>11.3f} {naive / arena:>11.2f}")


if __name__ == "__main__":
    main()
