"""ResNet-18's convolution layers (each conv + relu) through kiln.compile
against PyTorch eager, one layer at a time: median latency of each, the
ratio from the same run, and Kiln's GFLOP/s. Outputs are checked against
eager first.

    PYTHONPATH=build/python .venv/bin/python benchmarks/conv_layers_vs_eager.py
"""
import argparse
import pathlib
import sys

import numpy as np
import torch

import kiln

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from matmul_vs_numpy import numpy_median_ms as median_ms  # noqa: E402

# (input channels, output channels, input size, kernel, stride)
LAYERS = [
    (3, 64, 224, 7, 2), (64, 64, 56, 3, 1), (64, 128, 56, 3, 2),
    (64, 128, 56, 1, 2), (128, 128, 28, 3, 1), (128, 256, 28, 3, 2),
    (256, 256, 14, 3, 1), (256, 512, 14, 3, 2), (512, 512, 7, 3, 1),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--threads", type=int, default=0,
                        help="torch and Kiln threads (default: all cores)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(" C->F        H  k s   kiln ms  GFLOP/s  eager ms  kiln/eager")
    for c, f, h, k, s in LAYERS:
        model = torch.nn.Sequential(torch.nn.Conv2d(c, f, k, s, k // 2),
                                    torch.nn.ReLU()).eval()
        x = torch.randn(1, c, h, h)
        compiled = kiln.compile(model, (x,), threads=args.threads)
        with torch.no_grad():
            expected = model(x).numpy()
            got = np.asarray(compiled(x))
            scale = np.abs(expected).max()
            if np.abs(got - expected).max() > 1e-4 * scale:
                raise SystemExit(f"conv {c}->{f} k{k} s{s}: output differs")
            eager = median_ms(lambda: model(x), args.runs)
            ours = median_ms(lambda: compiled(x), args.runs)
        flops = 2 * c * f * k * k * (h // s) ** 2
        print(f"{c:3}->{f:<4} {h:4} {k} {s} {ours:9.3f} {flops / ours / 1e6:8.1f}"
              f" {eager:9.3f} {ours / eager:11.2f}", flush=True)


if __name__ == "__main__":
    main()
