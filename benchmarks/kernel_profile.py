#!/usr/bin/env python3
"""Where Kiln's time goes, kernel by kernel: compiles a model of
benchmarks/peers.py, times each dispatch (CompiledModule.profile: every
launch waited for, so the total is more than a call's latency) and prints
them longest first with their graph ops, flops and GFLOP/s, the figure per
micro-kernel that shows a regression.

usage: PYTHONPATH=build/python .venv/bin/python benchmarks/kernel_profile.py \\
           [--models resnet18 ...] [--runs 20] [--top 15] [--threads N]
"""
import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from peers import MODELS, build  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=MODELS,
                        choices=MODELS, metavar="MODEL")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--top", type=int, default=15,
                        help="dispatches shown per model (0: all)")
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    import kiln
    for name in args.models:
        model, inputs = build(name)
        compiled = kiln.compile(model, inputs, threads=args.threads)
        rows = compiled.profile(*inputs, runs=args.runs)
        total_ms = sum(row["ms"] for row in rows)
        flops = sum(row["flops"] for row in rows)
        print(f"{name}: {len(rows)} dispatches, {total_ms:.3f} ms in "
              f"kernels, {flops / total_ms / 1e6:.1f} GFLOP/s overall")
        print(f"  {'ms':>8} {'share':>6} {'GFLOP/s':>8}  dispatch: ops")
        for row in rows[:args.top or len(rows)]:
            ops = ", ".join(op.removeprefix("graph.") for op in row["ops"])
            print(f"  {row['ms']:8.3f} {100 * row['share']:5.1f}% "
                  f"{row['gflops']:8.1f}  {row['name']}: {ops}")


if __name__ == "__main__":
    main()
