#!/usr/bin/env python3
"""Kiln against the systems a user would pick instead, on the CPU: PyTorch
eager, torch.compile (inductor) and onnxruntime.

Each (system, model) is measured in its own subprocess, so no system's
threads, allocator or compiled code affects another's; rounds alternate the
systems, and each reported figure is the median over rounds of each round's
median latency. Before timing, every system's output is checked against
eager's (relative error <= 1e-4, sgemm 1e-3); a system that cannot run a
model says why in the table instead of a time. Ratios are Kiln / peer from
the same run. `--dtype f16|bf16` runs every system on the model and inputs
in that type, checked against f32 eager (relative error <= 1e-2, bf16
3e-2: the inputs' and outputs' own rounding).

usage: PYTHONPATH=build/python .venv/bin/python benchmarks/peers.py \\
           [--models ...] [--systems ...] [--rounds 3] [--runs 20]
           [--dtype f32|f16|bf16]

onnxruntime is in the project's requirements; torch.compile needs a C++
compiler for inductor (g++). Nothing here is installed by the README's
commands beyond the project's requirements: see benchmarks/requirements.txt.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import warnings

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from matmul_vs_numpy import numpy_median_ms as median_ms  # noqa: E402

SYSTEMS = ["kiln", "eager", "torch.compile", "onnxruntime"]
DTYPES = {"f32": "float32", "f16": "float16", "bf16": "bfloat16"}
TOLERANCE = {"f16": 1e-2, "bf16": 3e-2}
MODELS = ["mlp", "resnet18", "mobilenet_v2", "encoder_layer",
          "sgemm256", "sgemm512", "sgemm1024", "sgemm2048"]


def build(name):
    """The model (eval mode, fixed weights) and its inputs."""
    import torch
    import torchvision
    torch.manual_seed(0)
    if name == "mlp":
        model = torch.nn.Sequential(torch.nn.Linear(1024, 4096),
                                    torch.nn.GELU(),
                                    torch.nn.Linear(4096, 1024))
        inputs = (torch.randn(64, 1024),)
    elif name == "resnet18":
        model = torchvision.models.resnet18()
        inputs = (torch.randn(1, 3, 224, 224),)
    elif name == "mobilenet_v2":
        model = torchvision.models.mobilenet_v2()
        inputs = (torch.randn(1, 3, 224, 224),)
    elif name == "encoder_layer":
        model = torch.nn.TransformerEncoderLayer(512, 8, 2048,
                                                 batch_first=True)
        inputs = (torch.randn(1, 128, 512),)
    elif name.startswith("sgemm"):
        n = int(name[len("sgemm"):])

        class Matmul(torch.nn.Module):
            def forward(self, a, b):
                return a @ b
        model = Matmul()
        inputs = (torch.randn(n, n), torch.randn(n, n))
    else:
        raise SystemExit(f"unknown model '{name}' (models: {MODELS})")
    return model.eval(), inputs


def runner(system, model, inputs, work):
    """A function running `model` on `inputs` with `system`, returning numpy
    arrays."""
    import numpy as np
    import torch
    if system == "eager":
        def run():
            with torch.no_grad():
                return model(*inputs).float().numpy()
        return run
    if system == "torch.compile":
        compiled = torch.compile(model)

        def run():
            with torch.no_grad():
                return compiled(*inputs).float().numpy()
        return run
    if system == "kiln":
        import kiln
        compiled = kiln.compile(model, inputs)
        return lambda: compiled(*inputs).float().numpy()
    if system == "onnxruntime":
        import onnxruntime as ort
        path = str(pathlib.Path(work, "model.onnx"))
        torch.onnx.export(model, inputs, path, verbose=False)
        session = ort.InferenceSession(path,
                                       providers=["CPUExecutionProvider"])
        feed = {arg.name: value.numpy()
                for arg, value in zip(session.get_inputs(), inputs)}
        return lambda: session.run(None, feed)[0]
    raise SystemExit(f"unknown system '{system}' (systems: {SYSTEMS})")


def worker(system, name, runs, dtype="f32"):
    """In a subprocess: check one system's output, then time it. Prints one
    JSON line: the median in ms, or the reason it could not run."""
    warnings.filterwarnings("ignore")
    import numpy as np
    import torch
    model, inputs = build(name)
    with torch.no_grad():
        expected = model(*inputs).numpy()
    if dtype != "f32":  # the f32 model's output is the reference
        torch_dtype = getattr(torch, DTYPES[dtype])
        model = model.to(torch_dtype)
        inputs = tuple(x.to(torch_dtype) for x in inputs)
    with tempfile.TemporaryDirectory() as work:
        try:
            run = runner(system, model, inputs, work)
            got = run()
        except Exception as error:  # a peer that cannot run this model
            print(json.dumps({"error": f"{type(error).__name__}: "
                                       f"{str(error).splitlines()[0][:80]}"}))
            return
        tolerance = TOLERANCE.get(dtype,
                                  1e-3 if name.startswith("sgemm") else 1e-4)
        error = (np.abs(np.asarray(got) - expected).max() /
                 max(np.abs(expected).max(), 1e-30))
        if error > tolerance:
            print(json.dumps({"error": f"output differs from eager "
                                       f"(relative error {error:.1e})"}))
            return
        for _ in range(2):
            run()
        ms = median_ms(run, runs)
    print(json.dumps({"ms": ms}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", nargs="*", default=MODELS)
    parser.add_argument("--systems", nargs="*", default=SYSTEMS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--dtype", choices=DTYPES, default="f32")
    parser.add_argument("--worker", nargs=2, metavar=("SYSTEM", "MODEL"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker, args.runs, args.dtype)
        return
    if "kiln" not in args.systems:
        sys.exit("the systems must include kiln (ratios are Kiln / peer)")
    import torch
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"{args.rounds} rounds of {args.runs} runs, each system in its own "
          "process; ms = median over rounds of each round's median; "
          f"{args.dtype}")
    peers = [system for system in args.systems if system != "kiln"]
    header = f"{'model':>14} {'kiln ms':>9}"
    for peer in peers:
        header += f" {peer + ' ms':>17} {'kiln/' + peer:>19}"
    print(header)
    for name in args.models:
        results = {system: [] for system in args.systems}
        errors = {}
        for _ in range(args.rounds):
            for system in args.systems:
                if system in errors:
                    continue
                out = subprocess.run(
                    [sys.executable, __file__, "--worker", system, name,
                     "--runs", str(args.runs), "--dtype", args.dtype],
                    capture_output=True, text=True, env=os.environ)
                lines = [line for line in out.stdout.splitlines()
                         if line.startswith("{")]
                if out.returncode != 0 or not lines:
                    tail = (out.stderr.strip().splitlines() or ["?"])[-1]
                    errors[system] = f"failed: {tail[:80]}"
                    continue
                result = json.loads(lines[-1])
                if "error" in result:
                    errors[system] = result["error"]
                else:
                    results[system].append(result["ms"])
        medians = {system: statistics.median(times)
                   for system, times in results.items() if times}
        if "kiln" not in medians:
            print(f"{name:>14} kiln: {errors.get('kiln')}")
            continue
        row = f"{name:>14} {medians['kiln']:>9.3f}"
        for peer in peers:
            if peer in medians:
                row += (f" {medians[peer]:>17.3f}"
                        f" {medians['kiln'] / medians[peer]:>19.2f}")
            else:
                row += f" {'-':>17} {'-':>19}"
        print(row, flush=True)
        for system, reason in errors.items():
            print(f"{'':>14} {system}: {reason}")


if __name__ == "__main__":
    main()
