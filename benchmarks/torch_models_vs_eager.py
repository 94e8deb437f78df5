#!/usr/bin/env python3
"""Kiln vs PyTorch eager on the Python issue's models: compile time, then the
median latency of the compiled module next to eager PyTorch's (torch.no_grad,
its default threads), measured alternately in the same run on the same
inputs. Outputs are checked to agree first.

usage: PYTHONPATH=build/python .venv/bin/python \
           benchmarks/torch_models_vs_eager.py [--runs N] [--threads N]
           [--models mlp resnet18 ...] [--target cpu|opencl]
           [--target-option NAME=VALUE]...
"""
import argparse
import pathlib
import sys
import time

import torch
import torchvision

import kiln

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from matmul_vs_numpy import numpy_median_ms as median_ms  # noqa: E402

MODELS = {
    "mlp": lambda: (torch.nn.Sequential(
        torch.nn.Linear(256, 512), torch.nn.GELU(), torch.nn.Linear(512, 10)),
        (torch.randn(8, 256),)),
    "resnet18": lambda: (torchvision.models.resnet18(),
                         (torch.randn(1, 3, 224, 224),)),
    "mobilenet_v2": lambda: (torchvision.models.mobilenet_v2(),
                             (torch.randn(1, 3, 224, 224),)),
    "encoder_layer": lambda: (torch.nn.TransformerEncoderLayer(
        512, 8, 2048, batch_first=True), (torch.randn(2, 16, 512),)),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=0,
                        help="Kiln's worker threads (0: all cores)")
    parser.add_argument("--models", nargs="*", default=list(MODELS))
    parser.add_argument("--target", default="cpu",
                        help="Kiln's backend (cpu, opencl)")
    parser.add_argument("--target-option", action="append", default=[],
                        metavar="NAME=VALUE",
                        help="a backend option, e.g. device-kind=cpu")
    args = parser.parse_args()
    options = dict(option.split("=", 1) for option in args.target_option)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"kiln threads {args.threads or 'all'}, target {args.target} "
          f"{options or ''}")
    print(f"{'model':>14} {'compile s':>10} {'kiln ms':>10} {'eager ms':>10}"
          f" {'kiln/eager':>11}")
    for name in args.models:
        model, inputs = MODELS[name]()
        model.eval()
        start = time.perf_counter()
        compiled = kiln.compile(model, inputs, target=args.target,
                                target_options=options, threads=args.threads)
        compile_s = time.perf_counter() - start
        with torch.no_grad():
            expected = model(*inputs)
            error = ((compiled(*inputs) - expected).abs().max() /
                     expected.abs().max()).item()
            if error > 1e-4:
                sys.exit(f"{name}: outputs differ (relative error {error})")
            kiln_ms = median_ms(lambda: compiled(*inputs), args.runs)
            eager_ms = median_ms(lambda: model(*inputs), args.runs)
        print(f"{name:>14} {compile_s:>10.2f} {kiln_ms:>10.3f} "
              f"{eager_ms:>10.3f} {kiln_ms / eager_ms:>11.2f}", flush=True)


if __name__ == "__main__":
    main()
