#!/usr/bin/env python3
"""How fast kiln-opt loads a model's weights from MLIR text vs MLIR bytecode.

Writes a one-op model whose weight is a dense resource of SIZE_MB megabytes,
converts it to bytecode with kiln-opt, then times kiln-opt parsing and
verifying each (best of REPEATS runs, output discarded) and prints the ratio.
Both are measured in this run, on this machine.

usage: weights_text_vs_bytecode.py [--kiln-opt PATH] [--size-mb N] [--repeats N]
"""
import argparse
import os
import pathlib
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def best_time(command, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiln-opt", default=str(ROOT / "build/bin/kiln-opt"))
    parser.add_argument("--size-mb", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    elements = args.size_mb * (1 << 20) // 4
    with tempfile.TemporaryDirectory() as tmp:
        text = pathlib.Path(tmp) / "model.mlir"
        bytecode = pathlib.Path(tmp) / "model.mlirbc"
        blob = os.urandom(elements * 4).hex()
        text.write_text(
            f"func.func @main(%x: tensor<{elements}xf32>) -> tensor<{elements}xf32> {{\n"
            f"  %w = graph.constant dense_resource<weight> : tensor<{elements}xf32>\n"
            f"  %y = graph.mul %x, %w : (tensor<{elements}xf32>, tensor<{elements}xf32>)"
            f" -> tensor<{elements}xf32>\n"
            f"  return %y : tensor<{elements}xf32>\n}}\n"
            f'{{-#\n  dialect_resources: {{\n    builtin: {{\n'
            f'      weight: "0x04000000{blob}"\n    }}\n  }}\n#-}}\n')
        subprocess.run([args.kiln_opt, str(text), "--emit-bytecode", "-o",
                        str(bytecode)], check=True)
        text_s = best_time([args.kiln_opt, str(text), "-o", os.devnull],
                           args.repeats)
        bytecode_s = best_time([args.kiln_opt, str(bytecode), "--emit-bytecode",
                                "-o", os.devnull], args.repeats)
        print(f"weight {args.size_mb} MB: text file "
              f"{text.stat().st_size / 2**20:.0f} MB loads+prints in "
              f"{text_s:.3f} s; bytecode file "
              f"{bytecode.stat().st_size / 2**20:.0f} MB in {bytecode_s:.3f} s; "
              f"bytecode is {text_s / bytecode_s:.1f}x faster")


if __name__ == "__main__":
    main()
