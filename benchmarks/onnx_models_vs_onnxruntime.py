#!/usr/bin/env python3
"""Kiln vs onnxruntime on models exported with torch.onnx.export: the same
.onnx file compiled by kiln.compile (the C++ importer) and loaded by an
onnxruntime CPU session, outputs checked to agree, then each one's median
latency measured alternately in the same run.

usage: PYTHONPATH=build/python .venv/bin/python \\
           benchmarks/onnx_models_vs_onnxruntime.py [--runs N] [--models ...]
"""
import argparse
import pathlib
import sys
import tempfile
import time
import warnings

import numpy as np
import onnxruntime as ort
import torch
import torchvision

import kiln

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from matmul_vs_numpy import numpy_median_ms as median_ms  # noqa: E402

MODELS = {
    "resnet18": lambda: (torchvision.models.resnet18(),
                         torch.randn(1, 3, 224, 224)),
    "mobilenet_v2": lambda: (torchvision.models.mobilenet_v2(),
                             torch.randn(1, 3, 224, 224)),
    "encoder_layer": lambda: (torch.nn.TransformerEncoderLayer(
        512, 8, 2048, batch_first=True), torch.randn(2, 16, 512)),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--models", nargs="*", default=list(MODELS))
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    torch.manual_seed(0)
    print(f"onnxruntime {ort.__version__} (CPU, default threads); Kiln on "
          "all cores")
    print(f"{'model':>14} {'compile s':>10} {'kiln ms':>10} {'ort ms':>10}"
          f" {'kiln/ort':>9}")
    with tempfile.TemporaryDirectory() as work:
        for name in args.models:
            model, x = MODELS[name]()
            model.eval()
            path = pathlib.Path(work, f"{name}.onnx")
            torch.onnx.export(model, (x,), str(path), verbose=False)
            start = time.perf_counter()
            compiled = kiln.compile(path)
            compile_s = time.perf_counter() - start
            session = ort.InferenceSession(
                str(path), providers=["CPUExecutionProvider"])
            feed = {session.get_inputs()[0].name: x.numpy()}
            expected = session.run(None, feed)[0]
            actual = compiled(x.numpy())
            error = np.abs(actual - expected).max() / np.abs(expected).max()
            if error > 1e-4:
                sys.exit(f"{name}: outputs differ (relative error {error})")
            kiln_ms = median_ms(lambda: compiled(x.numpy()), args.runs)
            ort_ms = median_ms(lambda: session.run(None, feed), args.runs)
            print(f"{name:>14} {compile_s:>10.2f} {kiln_ms:>10.3f} "
                  f"{ort_ms:>10.3f} {kiln_ms / ort_ms:>9.2f}", flush=True)


if __name__ == "__main__":
    main()
