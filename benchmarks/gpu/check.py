#!/usr/bin/env python3
"""The GPU check: compiled here (no GPU needed), run on a GPU machine (no
LLVM needed: kiln-run and the .kiln files travel).

  check.py prepare DIR BUNDLE   compile BUNDLE's models for cuda into DIR,
                                with inputs and torch's (CPU, fp32) outputs
  check.py run DIR...           on the GPU: the CUDA runtime tests, then per
                                model the outputs against the expected ones
                                and kiln-run's latency against torch eager on
                                the same GPU; writes DIR/../summary.md

Bundles fit the 64 MiB a device call carries: "core" (the MLP, mobilenet_v2,
the encoder layer, a GPT block, GEMMs through cuBLASLt, Kiln's SIMT kernels
and Kiln's tensor-core kernels, one with a fused epilogue at odd sizes, row
kernels; GEMM and row inputs are made on the GPU machine), "resnet18" (batch 1) and "resnet18_b32".
"""
import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import time

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

BUNDLES = {
    "core": ["mlp", "mlp_tp2", "mobilenet_v2", "encoder_layer", "gpt_block",
             "gemm_1024", "gemm_4096", "gemm_4096_tf32", "gemm_4096_kiln",
             "gemm_4096_f16",
             "gemm_4096_f16_kiln", "gemm_4096_f16_mma", "gemm_f16_fused_mma",
             "softmax_rows", "layer_norm_rows"],
    "resnet18": ["resnet18"],
    "resnet18_b32": ["resnet18_b32"],
    # Small enough for a dry run of the script on PoCL (--target opencl).
    "dry": ["mlp", "mlp_tp2", "gemm_1024", "softmax_rows", "layer_norm_rows"],
}
# Models compiled sharded: name -> (model, mesh, shardings). kiln-run runs
# every device of the mesh on the one GPU, collectives on its buffers.
SHARDED = {"mlp_tp2": ("mlp", {"tp": 2},
                       {"0.weight": ("tp", None), "0.bias": ("tp",),
                        "2.weight": (None, "tp")})}
# GEMM graphs whose inputs are made on the GPU machine (too big to carry),
# with a torch reference computed there: name -> (M, K, N, element type,
# epilogue, how). How: "library" (cuBLASLt), "tf32" (cuBLASLt on TF32
# tensor cores: tf32=1, against torch with allow_tf32), "kiln" (Kiln's SIMT
# kernel: libraries=0 mma=0), "mma" (Kiln's tensor-core kernel: mma=1). Epilogue
# "fused": + bias, exact GELU, + residual (what cuBLASLt cannot fuse), at
# sizes that are not multiples of a tile.
GEMMS = {"gemm_1024": (1024, 1024, 1024, "f32", "", "library"),
         "gemm_4096": (4096, 4096, 4096, "f32", "", "library"),
         "gemm_4096_tf32": (4096, 4096, 4096, "f32", "", "tf32"),
         "gemm_4096_kiln": (4096, 4096, 4096, "f32", "", "kiln"),
         "gemm_4096_f16": (4096, 4096, 4096, "f16", "", "library"),
         "gemm_4096_f16_kiln": (4096, 4096, 4096, "f16", "", "kiln"),
         "gemm_4096_f16_mma": (4096, 4096, 4096, "f16", "", "mma"),
         "gemm_f16_fused_mma": (1000, 520, 1016, "f16", "fused", "mma")}
GEMM_OPTIONS = {"library": {}, "tf32": {"tf32": 1},
                "kiln": {"libraries": 0, "mma": 0},
                "mma": {"mma": 1}}
NUMPY_TYPES = {"f32": np.float32, "f16": np.float16}
ROWS = {"softmax_rows": (4096, 1024), "layer_norm_rows": (4096, 1024)}


def tf32(name):
    """Whether `name` is a GEMM compiled for TF32 tensor cores."""
    return name in GEMMS and GEMMS[name][5] == "tf32"


def graph_text(name):
    """The MLIR of a generated benchmark graph, and its input shapes."""
    if name in GEMMS:
        m, k, n, element, epilogue, _ = GEMMS[name]
        a, b, c = (f"tensor<{m}x{k}x{element}>", f"tensor<{k}x{n}x{element}>",
                   f"tensor<{m}x{n}x{element}>")
        if not epilogue:
            return (f"func.func @main(%a: {a}, %b: {b}) -> {c} {{\n"
                    f"  %0 = graph.matmul %a, %b : ({a}, {b}) -> {c}\n"
                    f"  return %0 : {c}\n}}\n", [(m, k), (k, n)])
        v = f"tensor<{n}x{element}>"
        return (f"func.func @main(%a: {a}, %b: {b}, %bias: {v}, %r: {c}) -> "
                f"{c} {{\n"
                f"  %0 = graph.matmul %a, %b : ({a}, {b}) -> {c}\n"
                f"  %1 = graph.add %0, %bias : ({c}, {v}) -> {c}\n"
                f"  %2 = graph.gelu %1 : {c}\n"
                f"  %3 = graph.add %2, %r : ({c}, {c}) -> {c}\n"
                f"  return %3 : {c}\n}}\n", [(m, k), (k, n), (n,), (m, n)])
    rows, width = ROWS[name]
    t = f"tensor<{rows}x{width}xf32>"
    if name == "softmax_rows":
        return (f"func.func @main(%x: {t}) -> {t} {{\n"
                f"  %0 = graph.softmax %x axis = 1 : {t}\n"
                f"  return %0 : {t}\n}}\n", [(rows, width)])
    v = f"tensor<{width}xf32>"
    return (f"func.func @main(%x: {t}, %g: {v}, %b: {v}) -> {t} {{\n"
            f"  %0 = graph.layer_norm %x, %g, %b axis = 1 : {t}, {v}\n"
            f"  return %0 : {t}\n}}\n",
            [(rows, width), (width,), (width,)])


def prepare(out, bundle, archs, target="cuda"):
    import torch
    import kiln
    from models import BATCHED_FROM_ONE, MODELS
    out.mkdir(parents=True, exist_ok=True)
    manifest = {"bundle": bundle, "archs": archs, "models": []}
    for name in BUNDLES[bundle]:
        folder = out / name
        folder.mkdir(exist_ok=True)
        start = time.perf_counter()
        # A dry run of the check on another target (opencl) takes no arch.
        options = {"arch": archs} if target == "cuda" else {}
        base, mesh, shardings = SHARDED.get(name, (name, None, None))
        if base in MODELS:
            model, inputs = MODELS[base]()
            with torch.no_grad():
                compiled = kiln.compile(model, inputs, target=target,
                                        target_options=options, mesh=mesh,
                                        shardings=shardings)
                expected = model(*inputs)
            expected = (expected,) if isinstance(expected, torch.Tensor) \
                else tuple(expected)
            for i, x in enumerate(inputs):
                if i == 0 and name in BATCHED_FROM_ONE:
                    # Its first image, unscaled (x 2 is exact): rebuilt
                    # there.
                    np.save(folder / "base_0.npy", x.numpy()[:1] * 2)
                    continue
                np.save(folder / f"input_{i}.npy", x.numpy())
            for i, y in enumerate(expected):
                np.save(folder / f"expected_{i}.npy", y.numpy())
        else:
            text, _ = graph_text(name)
            if name in GEMMS and target == "cuda":
                options = dict(options, **GEMM_OPTIONS[GEMMS[name][5]])
            compiled = kiln.compile(text, target=target,
                                    target_options=options)
        seconds = time.perf_counter() - start
        compiled.save(folder / "model.kiln")
        report = compiled.report()
        worst = {}
        for dispatch in report["dispatches"]:
            for arch, used in dispatch.get("resources", {}).items():
                w = worst.setdefault(arch, {"registers": 0, "spills": 0,
                                            "stack": 0})
                w["registers"] = max(w["registers"], used["registers"])
                w["spills"] += used["spill_stores"] + used["spill_loads"]
                w["stack"] = max(w["stack"], used["stack"])
        manifest["models"].append({
            "name": name, "compile_s": round(seconds, 2),
            "dispatches": len(report["dispatches"]), "ptxas": worst})
        print(f"{name}: {len(report['dispatches'])} kernels, compiled in "
              f"{seconds:.1f} s, ptxas {worst}", flush=True)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))


def library_environment():
    """kiln-run's environment, with the folders where cuBLASLt may be (torch's
    nvidia-cublas package, the CUDA toolkit) on the loader's path."""
    import glob
    folders = []
    try:
        import nvidia  # torch's CUDA wheels: nvidia/cu13/lib, nvidia/cublas/lib
        for base in nvidia.__path__:
            folders += sorted(glob.glob(os.path.join(base, "*", "lib")))
    except ImportError:
        pass
    folders += ["/usr/local/cuda/lib64"]
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = ":".join(
        [f for f in folders if os.path.isdir(f)] +
        [env.get("LD_LIBRARY_PATH", "")])
    return env


# The device kiln-run runs on and torch's: a GPU check runs on "cuda"; a dry
# run of the script on a machine without one on "opencl" with torch on the
# CPU (run --device opencl).
DEVICE = {"kiln": "cuda", "torch": "cuda"}


def kiln_run(kiln_run_path, folder, inputs, extra=(), timeout=300):
    args = [str(kiln_run_path), str(folder / "model.kiln")]
    # A sharded model's devices are its target's first (every rank on the
    # one GPU), not one named device.
    if folder.name not in SHARDED:
        args += ["--device", DEVICE["kiln"]]
    for path in inputs:
        args += ["--input", str(path)]
    result = subprocess.run(args + list(extra), capture_output=True,
                            text=True, timeout=timeout,
                            env=library_environment())
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip() or result.stdout.strip())
    return result.stdout


def relative_error(actual, expected):
    actual, expected = np.asarray(actual, np.float64), \
        np.asarray(expected, np.float64)
    return float(np.abs(actual - expected).max() /
                 max(np.abs(expected).max(), 1e-30))


def synchronize():
    import torch
    if DEVICE["torch"] == "cuda":
        torch.cuda.synchronize()


def torch_ms(function, runs):
    """Median milliseconds of `function` on the GPU, synchronized."""
    for _ in range(3):
        function()
    synchronize()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        synchronize()
        times.append((time.perf_counter() - start) * 1e3)
    return sorted(times)[len(times) // 2]


def run(folders, runs, kiln_run_path, tests_path):
    import torch
    from models import BATCHED_FROM_ONE, MODELS, scaled_batch
    lines = []
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() \
        else "no GPU"
    devices = subprocess.run([str(kiln_run_path), "--list-devices"],
                             capture_output=True, text=True).stdout.strip()
    lines += [f"GPU: {gpu}; torch {torch.__version__}", "",
              "kiln-run --list-devices:", "```", devices, "```", ""]
    failures = 0
    if tests_path.exists():
        result = subprocess.run([str(tests_path),
                                 "--gtest_filter=CudaDevice*"],
                                capture_output=True, text=True, timeout=300)
        summary = [line for line in result.stdout.splitlines()
                   if line.startswith(("[  PASSED", "[  FAILED", "[  SKIPPED"))]
        lines += ["CUDA runtime tests (kiln-runtime-tests "
                  "--gtest_filter=CudaDevice*): " +
                  ("passed" if result.returncode == 0 else "FAILED"),
                  "```", *summary, "```", ""]
        failures += result.returncode != 0
    lines += ["| model | kernels | max rel. error | kiln ms | kiln ms, no "
              "graphs | launches/run (in graphs) | torch eager ms | torch "
              "eager + copies ms | kiln / eager |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    rng = np.random.default_rng(0)
    for folder in folders:
        manifest = json.loads((folder / "manifest.json").read_text())
        for entry in manifest["models"]:
            name = entry["name"]
            where = folder / name
            row = f"| {name} | {entry['dispatches']} |"
            try:
                base = SHARDED.get(name, (name,))[0]
                if base in MODELS:
                    model, _ = MODELS[base]()
                    if name in BATCHED_FROM_ONE:
                        np.save(where / "input_0.npy", scaled_batch(
                            np.load(where / "base_0.npy"),
                            BATCHED_FROM_ONE[name]))
                    inputs = sorted(where.glob("input_*.npy"))
                    expected = [np.load(p) for p in
                                sorted(where.glob("expected_*.npy"))]
                    host = [torch.from_numpy(np.load(p)) for p in inputs]
                    with torch.no_grad():
                        model = model.to(DEVICE["torch"])
                        device = [x.to(DEVICE["torch"]) for x in host]
                        eager = torch_ms(lambda: model(*device), runs)
                        copies = torch_ms(
                            lambda: model(*[x.to(DEVICE["torch"])
                                            for x in host]).cpu(),
                            runs)
                else:
                    _, shapes = graph_text(name)
                    numpy_type = NUMPY_TYPES[GEMMS[name][3]] \
                        if name in GEMMS else np.float32
                    arrays = [rng.standard_normal(s).astype(numpy_type)
                              for s in shapes]
                    inputs = []
                    for i, a in enumerate(arrays):
                        inputs.append(where / f"input_{i}.npy")
                        np.save(inputs[-1], a)
                    device = [torch.from_numpy(a).to(DEVICE["torch"])
                              for a in arrays]
                    if name in GEMMS and GEMMS[name][4] == "fused":
                        function = lambda: (torch.nn.functional.gelu(  # noqa
                            device[0] @ device[1] + device[2]) + device[3])
                    elif name in GEMMS:
                        function = lambda: device[0] @ device[1]  # noqa
                    elif name == "softmax_rows":
                        function = lambda: torch.softmax(device[0], 1)  # noqa
                    else:
                        function = lambda: torch.nn.functional.layer_norm(  # noqa
                            device[0], device[0].shape[1:], device[1],
                            device[2])
                    # The reference in f32; a TF32 GEMM timed against
                    # torch on TF32 too.
                    expected = [function().cpu().numpy()]
                    torch.backends.cuda.matmul.allow_tf32 = tf32(name)
                    eager = torch_ms(function, runs)
                    copies = torch_ms(
                        lambda: (device.__setitem__(
                            slice(None), [torch.from_numpy(a).to(
                                DEVICE["torch"]) for a in arrays]),
                            function().cpu()), runs)
                    torch.backends.cuda.matmul.allow_tf32 = False
                outputs = where / "outputs"
                outputs.mkdir(exist_ok=True)
                kiln_run(kiln_run_path, where, inputs,
                         ["--output-dir", str(outputs)])
                error = max(relative_error(np.load(outputs /
                                                   f"output_{i}.npy"), e)
                            for i, e in enumerate(expected))
                text = kiln_run(kiln_run_path, where, inputs,
                                ["--benchmark", str(runs)])
                kiln = float(re.search(r"median ([0-9.]+) ms", text)[1])
                launches = re.search(r"launches: (\d+) kernels per run, "
                                     r"(\d+) of them in (\d+)", text)
                plain = float(re.search(r"median ([0-9.]+) ms", kiln_run(
                    kiln_run_path, where, inputs,
                    ["--benchmark", str(runs), "--no-replay"]))[1])
                # A mesh's run prints no launch counts.
                counted = (f"{launches[1]} ({launches[2]} in {launches[3]})"
                           if launches else "-")
                # f16 GEMMs: rounding of a 4096-long sum in f16.
                ok = error <= (1e-2 if "f16" in name or tf32(name)
                               else 1e-3)
                failures += not ok
                row += (f" {error:.1e}{'' if ok else ' FAIL'} | {kiln:.3f} |"
                        f" {plain:.3f} | {counted} | {eager:.3f} | {copies:.3f} |"
                        f" {kiln / eager:.2f} |")
            except Exception as error:  # noqa: BLE001 - reported per model
                failures += 1
                message = str(error).replace("\n", " ")[:300]
                row += f" FAILED: {message} | | | | | | |"
            lines.append(row)
            print(row, flush=True)
    lines += ["", f"{failures} failure(s). kiln ms: kiln-run --benchmark "
              f"{runs} median (inputs uploaded and outputs downloaded each "
              "run; kernels between them replayed as CUDA graphs; no graphs: "
              "--no-replay); torch eager: the same model on the GPU, inputs there "
              "already; + copies: inputs uploaded and outputs downloaded "
              "too. Reference: torch on the CPU in fp32 (models), torch on "
              "the GPU without TF32 (GEMMs, rows)."]
    return "\n".join(lines), failures


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("dir", type=pathlib.Path)
    p.add_argument("bundle", choices=sorted(BUNDLES))
    p.add_argument("--arch", default="sm_80,sm_90")
    p.add_argument("--target", default="cuda",
                   help="cuda; opencl for a dry run of the script here")
    r = sub.add_parser("run")
    r.add_argument("dirs", type=pathlib.Path, nargs="+")
    r.add_argument("--runs", type=int, default=20)
    r.add_argument("--kiln-run", type=pathlib.Path,
                   default=ROOT / "build" / "bin" / "kiln-run")
    r.add_argument("--tests", type=pathlib.Path,
                   default=ROOT / "build" / "runtime" / "test" /
                   "kiln-runtime-tests")
    r.add_argument("--summary", type=pathlib.Path)
    r.add_argument("--device", default="cuda",
                   help="kiln-run's device: cuda; opencl for a dry run here "
                        "(torch then runs on the CPU)")
    args = parser.parse_args()
    if args.command == "prepare":
        prepare(args.dir, args.bundle, args.arch, args.target)
        return 0
    DEVICE["kiln"] = args.device
    DEVICE["torch"] = "cuda" if args.device == "cuda" else "cpu"
    text, failures = run(args.dirs, args.runs, args.kiln_run, args.tests)
    summary = args.summary or args.dirs[0].parent / "summary.md"
    summary.write_text(text + "\n")
    if os.environ.get("OUT"):
        pathlib.Path(os.environ["OUT"], "summary.md").write_text(text + "\n")
    print(text)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
