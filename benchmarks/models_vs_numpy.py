#!/usr/bin/env python3
"""Kiln vs numpy on the example models: kiln-run --benchmark's median next to
the median of a float32 numpy implementation of the same network (same
weights), measured in the same run.

usage: models_vs_numpy.py [--runs N] [--threads N]
"""
import argparse
import math
import pathlib
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from matmul_vs_numpy import BIN, numpy_median_ms  # noqa: E402


def weights(path):
    blobs = re.findall(r'^\s*(\w+): "0x([0-9A-Fa-f]+)"', path.read_text(),
                       re.MULTILINE)
    return {name: np.frombuffer(bytes.fromhex(h)[4:], dtype=np.float32)
            for name, h in blobs}


# numpy has no erf; math.erf element by element is what a numpy user has.
erf = np.vectorize(math.erf)


def mlp(w):
    w1, b1 = w["fc1_weight"].reshape(16, 8), w["fc1_bias"]
    w2, b2 = w["fc2_weight"].reshape(4, 16), w["fc2_bias"]

    def run(x):
        h = x.reshape(1, 8) @ w1.T + b1
        h = 0.5 * h * (1 + erf(h / np.float32(math.sqrt(2))))
        h = (h - h.mean(-1, keepdims=True)) / np.sqrt(h.var(-1, keepdims=True) + 1e-5)
        logits = h @ w2.T + b2
        e = np.exp(logits - logits.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)
    return run


def resnet_block(w):
    def conv(x, weight):
        xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        n, c, h, wd = x.shape
        # im2col + one matmul: how a numpy user would write it.
        cols = np.stack([xp[:, :, i:i + h, j:j + wd] for i in range(3)
                         for j in range(3)], axis=2)  # n, c, 9, h, w
        return np.einsum("nckhw,ock->nohw", cols,
                         weight.reshape(8, 8, 9), optimize=True)

    def bn(x, p):
        s = w[f"{p}_bn_scale"] / np.sqrt(w[f"{p}_bn_var"] + 1e-5)
        return x * s.reshape(1, -1, 1, 1) + (w[f"{p}_bn_bias"] - w[f"{p}_bn_mean"] * s).reshape(1, -1, 1, 1)

    def run(x):
        xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
        pooled = np.max(np.stack([xp[:, :, i:i + 31:2, j:j + 31:2]
                                  for i in range(3) for j in range(3)]), axis=0)
        h = np.maximum(bn(conv(pooled, w["conv1_weight"]), "conv1"), 0)
        h = bn(conv(h, w["conv2_weight"]), "conv2")
        return np.maximum(h + pooled, 0).mean(axis=(2, 3), keepdims=True)
    return run


MODELS = {"mlp_classifier": ((1, 1, 8), mlp),
          "resnet_basic_block": ((1, 8, 32, 32), resnet_block)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    print(f"{'model':>20} {'kiln ms':>10} {'numpy ms':>10} {'kiln/numpy':>11}")
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        for name, (shape, make) in MODELS.items():
            path = ROOT / "examples" / f"{name}.mlir"
            x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
            artifact = work / f"{name}.kiln"
            subprocess.run([BIN / "kiln-compile", path, "-o", artifact], check=True)
            np.save(work / "x.npy", x)
            cmd = [BIN / "kiln-run", artifact, "--input", work / "x.npy",
                   "--benchmark", str(args.runs), "--output-dir", work]
            if args.threads:
                cmd += ["--threads", str(args.threads)]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            kiln = float(re.search(r"median ([0-9.]+) ms", out).group(1))
            reference = make(weights(path))
            np.testing.assert_allclose(np.load(work / "output_0.npy"),
                                       reference(x), rtol=1e-4, atol=1e-4)
            ref = numpy_median_ms(lambda: reference(x), args.runs)
            print(f"{name:>20} {kiln:>10.4f} {ref:>10.4f} {kiln / ref:>11.3f}")


if __name__ == "__main__":
    main()
