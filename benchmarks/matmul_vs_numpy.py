#!/usr/bin/env python3
"""Kiln vs numpy on f32 matmuls: median latency of kiln-run --benchmark next
to numpy's `a @ b`, measured in the same run on the same machine.

usage: matmul_vs_numpy.py [--sizes 256 512 1024 2048] [--runs N] [--threads N]
"""
import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = pathlib.Path(os.environ.get("KILN_BIN_DIR", ROOT / "build" / "bin"))


def kiln_median_ms(source, inputs, runs, threads, work):
    model = work / "model.mlir"
    model.write_text(source)
    artifact = work / "model.kiln"
    subprocess.run([BIN / "kiln-compile", model, "-o", artifact], check=True)
    args = [BIN / "kiln-run", artifact, "--benchmark", str(runs)]
    if threads:
        args += ["--threads", str(threads)]
    for i, array in enumerate(inputs):
        path = work / f"input_{i}.npy"
        np.save(path, array)
        args += ["--input", path]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return float(re.search(r"median ([0-9.]+) ms", out).group(1))


def numpy_median_ms(fn, runs):
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return sorted(times)[len(times) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+",
                        default=[256, 512, 1024, 2048])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=0,
                        help="kiln-run threads (default: all)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'n':>6} {'kiln ms':>10} {'numpy ms':>10} {'kiln/numpy':>11} "
          f"{'kiln GFLOP/s':>13}")
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        for n in args.sizes:
            a = rng.standard_normal((n, n)).astype(np.float32)
            b = rng.standard_normal((n, n)).astype(np.float32)
            t = f"tensor<{n}x{n}xf32>"
            source = (f"func.func @main(%a: {t}, %b: {t}) -> {t} {{\n"
                      f"  %0 = graph.matmul %a, %b : ({t}, {t}) -> {t}\n"
                      f"  return %0 : {t}\n}}\n")
            kiln = kiln_median_ms(source, [a, b], args.runs, args.threads, work)
            ref = numpy_median_ms(lambda: a @ b, args.runs)
            print(f"{n:>6} {kiln:>10.3f} {ref:>10.3f} {kiln / ref:>11.2f} "
                  f"{2 * n**3 / kiln / 1e6:>13.1f}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
