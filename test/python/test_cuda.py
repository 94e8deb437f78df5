"""The cuda target: what is checked without a GPU (the compile, the
artifact, ptxas's verdict on every kernel, the error a run gives where
there is no GPU) and, where there is one, numerics against numpy. The
shared suites run on cuda through conftest's ``target`` fixture."""

import subprocess

import numpy as np
import pytest

import kiln
from conftest import _CUDA_MISSING
from kiln_testing import BIN, matmul_graph, softmax_graph

RNG = np.random.default_rng(15)


def _toolkit_missing():
    """Why kernels cannot be compiled for cuda here (no CUDA toolkit)."""
    source, _, _ = softmax_graph(RNG, 2, 8)
    try:
        kiln.compile(source, target="cuda")
    except kiln.CompileError as error:
        if "needs a CUDA toolkit" in str(error):
            return str(error)
        raise
    return None


_TOOLKIT_MISSING = _toolkit_missing()
needs_toolkit = pytest.mark.skipif(_TOOLKIT_MISSING is not None,
                                   reason=str(_TOOLKIT_MISSING))
needs_gpu = pytest.mark.skipif(_CUDA_MISSING is not None,
                               reason=str(_CUDA_MISSING))


@needs_toolkit
def test_every_kernel_passes_ptxas_without_spills():
    # Contractions with register tiles, workgroup-per-row ones with their
    # trees in shared memory: each kernel's registers, spills and shared
    # memory as ptxas reported them, per arch, in the compile report.
    for source, rows_shared in [(matmul_graph(RNG, 512, 64, 512)[0], 0),
                                (matmul_graph(RNG, 8, 256, 512)[0], 512),
                                (softmax_graph(RNG, 6, 1000)[0], 512)]:
        compiled = kiln.compile(source, target="cuda",
                                target_options={"libraries": 0})
        for dispatch in compiled.report()["dispatches"]:
            assert dispatch["target"] == "cuda"
            resources = dispatch["resources"]
            assert sorted(resources) == ["sm_80", "sm_90"]
            for arch in resources.values():
                assert 0 < arch["registers"] <= 255
                assert arch["spill_stores"] == 0
                assert arch["spill_loads"] == 0
                assert arch["shared"] == rows_shared


@needs_toolkit
def test_gemms_go_to_cublaslt():
    # A linear layer with its bias and relu is one cuBLASLt call, named in
    # the report and the artifact; what else the model does is Kiln's code.
    source, _, _ = matmul_graph(RNG, 512, 64, 512)
    (dispatch,) = kiln.compile(source, target="cuda").report()["dispatches"]
    assert dispatch["library_call"] == (
        "cublaslt.matmul m=512 n=512 k=64 batch=1 stride_a=0 stride_b=0 "
        "type=f32 epilogue=relu_bias a=0 b=1 bias=2 out=3")
    assert "resources" not in dispatch
    (own,) = kiln.compile(source, target="cuda",
                          target_options={"libraries": 0}).report()[
                              "dispatches"]
    assert "library_call" not in own and "resources" in own
    with pytest.raises(kiln.CompileError, match="libraries must be 0"):
        kiln.compile(source, target="cuda", target_options={"libraries": 2})
    # TF32 tensor cores only when asked for, as torch's allow_tf32.
    (tf32,) = kiln.compile(source, target="cuda", target_options={
        "tf32": 1}).report()["dispatches"]
    assert tf32["library_call"] == dispatch["library_call"] + " compute=tf32"
    with pytest.raises(kiln.CompileError, match="tf32 must be 0"):
        kiln.compile(source, target="cuda", target_options={"tf32": "yes"})


@needs_toolkit
@pytest.mark.parametrize("approximate, first", [
    ("tanh", "epilogue=gelu_bias"),  # cuBLASLt's GELU is tanh's
    ("none", None),                  # the exact GELU is Kiln's kernel
])
def test_a_models_gemms_and_its_other_kernels(approximate, first):
    import torch
    model = torch.nn.Sequential(torch.nn.Linear(64, 128),
                                torch.nn.GELU(approximate=approximate),
                                torch.nn.Linear(128, 10)).eval()
    dispatches = kiln.compile(model, (torch.randn(8, 64),),
                              target="cuda").report()["dispatches"]
    assert len(dispatches) == 2
    if first:
        assert first in dispatches[0]["library_call"]
    else:
        assert "library_call" not in dispatches[0]
        assert dispatches[0]["resources"]["sm_90"]["spill_stores"] == 0
    assert dispatches[1]["library_call"].startswith(
        "cublaslt.matmul m=8 n=10 k=128 batch=1")


def _half_gemm(m, k, n, element="f16", epilogue=True, batch=None):
    """An f16/bf16 GEMM graph (batched when `batch`), with bias, exact GELU
    and a residual when `epilogue`: its MLIR and a numpy reference of it
    in f32 for inputs made by the returned function."""
    lead = f"{batch}x" if batch else ""
    a, b, c = (f"tensor<{lead}{m}x{k}x{element}>",
               f"tensor<{lead}{k}x{n}x{element}>",
               f"tensor<{lead}{m}x{n}x{element}>")
    v = f"tensor<{n}x{element}>"
    body = f"  %0 = graph.matmul %a, %b : ({a}, {b}) -> {c}\n"
    arguments = f"%a: {a}, %b: {b}"
    if epilogue:
        arguments += f", %bias: {v}, %r: {c}"
        body += (f"  %1 = graph.add %0, %bias : ({c}, {v}) -> {c}\n"
                 f"  %2 = graph.gelu %1 : {c}\n"
                 f"  %3 = graph.add %2, %r : ({c}, {c}) -> {c}\n"
                 f"  return %3 : {c}\n")
    else:
        body += f"  return %0 : {c}\n"
    source = f"func.func @main({arguments}) -> {c} {{\n{body}}}\n"
    shapes = [(m, k), (k, n), (n,), (m, n)] if epilogue else [(m, k), (k, n)]
    if batch:
        shapes = [(batch,) + s if len(s) == 2 else s for s in shapes]
    return source, shapes


def _reference(arrays, epilogue):
    from math import erf
    product = np.matmul(*[x.astype(np.float32) for x in arrays[:2]])
    if not epilogue:
        return product
    x = product + arrays[2].astype(np.float32)
    gelu = 0.5 * x * (1 + np.vectorize(erf)(x / np.sqrt(2)))
    return gelu + arrays[3].astype(np.float32)


@needs_toolkit
def test_half_gemms_use_tensor_cores():
    # A GEMM whose epilogue cuBLASLt lacks (exact GELU, a residual) is
    # Kiln's tensor-core kernel: two stages of shared memory, no spills. A
    # plain one is cuBLASLt's unless mma=1; mma=0 libraries=0 is the SIMT
    # kernel (no shared memory).
    fused, _ = _half_gemm(200, 64, 136)
    (dispatch,) = kiln.compile(fused, target="cuda").report()["dispatches"]
    assert "library_call" not in dispatch
    for arch in dispatch["resources"].values():
        assert arch["shared"] == 2 * (64 * 40 + 32 * 72) * 2
        assert arch["spill_stores"] == arch["spill_loads"] == 0
    plain, _ = _half_gemm(512, 256, 512, element="bf16", epilogue=False)
    (library,) = kiln.compile(plain, target="cuda").report()["dispatches"]
    assert library["library_call"].startswith("cublaslt.matmul m=512")
    (mma,) = kiln.compile(plain, target="cuda",
                          target_options={"mma": 1}).report()["dispatches"]
    assert mma["resources"]["sm_80"]["shared"] == 2 * (64 * 40 + 32 * 72) * 2
    (simt,) = kiln.compile(plain, target="cuda", target_options={
        "mma": 0, "libraries": 0}).report()["dispatches"]
    assert simt["resources"]["sm_80"]["shared"] == 0
    with pytest.raises(kiln.CompileError, match="mma must be auto"):
        kiln.compile(plain, target="cuda", target_options={"mma": "yes"})


@needs_toolkit
@needs_gpu
@pytest.mark.parametrize("m, k, n, batch, epilogue", [
    (200, 64, 136, None, True),     # edges of 64x64 tiles in M and N
    (128, 72, 256, None, True),     # K not a multiple of 32
    (1024, 256, 2048, None, False),  # 128x128 tiles
    (96, 40, 64, 3, False),          # a strided batch
])
@pytest.mark.parametrize("element", ["f16", "bf16"])
def test_tensor_core_gemms_on_the_gpu(m, k, n, batch, epilogue, element):
    import torch
    source, shapes = _half_gemm(m, k, n, element, epilogue, batch)
    dtype = torch.float16 if element == "f16" else torch.bfloat16
    arrays = [RNG.standard_normal(s).astype(np.float32) for s in shapes]
    tensors = [torch.from_numpy(a).to(dtype) for a in arrays]
    want = _reference([t.float().numpy() for t in tensors], epilogue)
    compiled = kiln.compile(source, target="cuda", target_options={"mma": 1})
    got = compiled(*[t.cuda() for t in tensors]).float().cpu().numpy()
    np.testing.assert_allclose(got, want, rtol=2e-2, atol=2e-2 * k ** 0.5)


@needs_toolkit
def test_sharded_programs_keep_their_collectives_on_the_gpu():
    # The Megatron MLP on tp=2: the partial sums a kernel wrote are
    # all-reduced in the GPU's memory; on a GPU, all ranks on the one GPU
    # (in process: through the host), the numbers torch's.
    import torch
    from test_sharding import MEGATRON, MLP
    torch.manual_seed(0)
    model, x = MLP().eval(), torch.randn(8, 32)
    compiled = kiln.compile(model, (x,), mesh={"tp": 2}, shardings=MEGATRON,
                            target="cuda")
    [step] = compiled.report()["collectives"]["steps"]
    assert step["kind"] == "all_reduce" and step["memory"] == "cuda"
    if _CUDA_MISSING is None:
        with torch.no_grad():
            torch.testing.assert_close(compiled(x), model(x), rtol=1e-4,
                                       atol=1e-5)


@needs_toolkit
def test_artifacts_are_made_without_a_gpu(tmp_path):
    source, x, expected = softmax_graph(RNG, 3, 50)
    path = tmp_path / "softmax.kiln"
    kiln.compile(source, target="cuda",
                 target_options={"arch": "sm_90"}).save(path)
    data = path.read_bytes()
    assert b"kiln-cuda 1\ntoolkit " in data
    assert b"archs sm_90\n\n" in data
    # The command line makes the same; kiln-run names the device it needs.
    mlir = tmp_path / "softmax.mlir"
    mlir.write_text(source)
    cli = tmp_path / "cli.kiln"
    subprocess.run([BIN / "kiln-compile", mlir, "-o", cli, "--target", "cuda",
                    "--target-option", "arch=sm_80,sm_90"], check=True)
    assert b"archs sm_80 sm_90\n\n" in cli.read_bytes()
    np.save(tmp_path / "x.npy", x)
    run = subprocess.run([BIN / "kiln-run", cli, "--input", tmp_path / "x.npy",
                          "--output-dir", tmp_path],
                         capture_output=True, text=True)
    if _CUDA_MISSING:
        assert run.returncode != 0
        assert "the cuda device needs" in run.stderr or \
            "no usable CUDA GPU" in run.stderr, run.stderr
    else:
        assert run.returncode == 0, run.stderr
        np.testing.assert_allclose(np.load(tmp_path / "output_0.npy"),
                                   expected, rtol=1e-5, atol=1e-7)


@needs_toolkit
@pytest.mark.skipif(_CUDA_MISSING is None, reason="this machine has a GPU")
def test_a_run_without_a_gpu_says_why():
    source, x, _ = softmax_graph(RNG, 3, 50)
    compiled = kiln.compile(source, target="cuda")
    with pytest.raises(RuntimeError, match="the cuda device needs the NVIDIA "
                       "driver|no usable CUDA GPU"):
        compiled(x)


@needs_toolkit
@needs_gpu
@pytest.mark.parametrize("libraries", [0, 1])
@pytest.mark.parametrize("m, k, n", [(512, 64, 512), (32, 37, 2048),
                                     (8, 256, 512), (129, 33, 131)])
def test_contractions_on_the_gpu(m, k, n, libraries):
    # Kiln's kernels and cuBLASLt's, the same numbers.
    source, inputs, want = matmul_graph(RNG, m, k, n)
    compiled = kiln.compile(source, target="cuda",
                            target_options={"libraries": libraries})
    np.testing.assert_allclose(compiled(*inputs), want, rtol=1e-5,
                               atol=2e-6 * k ** 0.5)


@needs_toolkit
@needs_gpu
def test_rows_reduce_in_a_workgroup_on_the_gpu():
    source, x, expected = softmax_graph(RNG, 6, 1000)
    np.testing.assert_allclose(kiln.compile(source, target="cuda")(x),
                               expected, rtol=1e-5, atol=1e-7)
    broken = kiln.compile(source, target="cuda",
                          target_options={"barriers": 0})
    assert not np.allclose(broken(x), expected, rtol=1e-3, atol=1e-5)


def test_bad_options_are_refused():
    source, _, _ = softmax_graph(RNG, 2, 8)
    with pytest.raises(kiln.CompileError, match="arch must be sm_NN names"):
        kiln.compile(source, target="cuda", target_options={"arch": "gfx90a"})
    with pytest.raises(kiln.CompileError, match="has no option 'device-kind'"):
        kiln.compile(source, target="cuda",
                     target_options={"device-kind": "cpu"})


@needs_toolkit
@needs_gpu
def test_torch_cuda_tensors_stay_on_the_gpu():
    # Inputs read and outputs written on the GPU: CUDA tensors in, CUDA
    # tensors out, the numbers torch's.
    import torch
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.GELU(),
                                torch.nn.Linear(128, 10)).eval()
    x = torch.randn(16, 64)
    compiled = kiln.compile(model, (x,), target="cuda")
    with torch.no_grad():
        expected = model(x)
    actual = compiled(x.cuda())
    assert actual.is_cuda and actual.dtype == torch.float32
    torch.testing.assert_close(actual.cpu(), expected, rtol=1e-4, atol=1e-5)
    # Host tensors still give host tensors.
    torch.testing.assert_close(compiled(x), expected, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="expected shape"):
        compiled(torch.randn(8, 64, device="cuda"))


def _conv_block():
    import torch
    torch.manual_seed(0)

    class Block(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(16, 16, 3, padding=1)

        def forward(self, x):
            return torch.relu(self.conv(x) + x)

    return Block().eval(), torch.randn(2, 16, 12, 12)


@needs_toolkit
def test_convolutions_go_to_cudnn():
    # A residual block's convolution, its bias, the skip and relu: one
    # cuDNN call; libraries=0 keeps Kiln's kernel.
    model, x = _conv_block()
    (dispatch,) = kiln.compile(model, (x,), target="cuda").report()[
        "dispatches"]
    assert dispatch["library_call"].startswith(
        "cudnn.conv2d n=2 c=16 h=12 w=12 k=16 r=3 s=3 pad_h=1 pad_w=1 ")
    assert "relu=1" in dispatch["library_call"]
    assert "z=-1" not in dispatch["library_call"]  # the skip is z
    (own,) = kiln.compile(model, (x,), target="cuda",
                          target_options={"libraries": 0}).report()[
                              "dispatches"]
    assert "library_call" not in own


@needs_toolkit
@needs_gpu
@pytest.mark.parametrize("libraries", [0, 1])
def test_convolutions_on_the_gpu(libraries):
    import torch
    model, x = _conv_block()
    with torch.no_grad():
        expected = model(x)
    compiled = kiln.compile(model, (x,), target="cuda",
                            target_options={"libraries": libraries})
    torch.testing.assert_close(compiled(x), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.skipif(kiln.devices_unavailable("opencl") is not None,
                    reason=str(kiln.devices_unavailable("opencl")))
def test_the_gpu_check_runs_dry(tmp_path):
    # scripts/gpu-check.sh's two halves, on PoCL instead of a GPU (the
    # "dry" bundle, torch on the CPU): the script a lent GPU runs first
    # must not fail for its own bugs.
    import os
    import sys
    from kiln_testing import ROOT
    check = ROOT / "benchmarks" / "gpu" / "check.py"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in [str(ROOT / "build" / "python"),
                    os.environ.get("PYTHONPATH", "")] if p))
    bundle = tmp_path / "dry"
    subprocess.run([sys.executable, check, "prepare", bundle, "dry",
                    "--target", "opencl"], check=True, env=env)
    result = subprocess.run(
        [sys.executable, check, "run", bundle, "--device", "opencl", "--runs",
         "1", "--kiln-run", BIN / "kiln-run", "--summary",
         tmp_path / "summary.md"], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = (tmp_path / "summary.md").read_text()
    assert "0 failure(s)" in summary
    for name in ["mlp", "gemm_1024", "softmax_rows", "layer_norm_rows"]:
        assert f"| {name} |" in summary


@needs_toolkit
def test_placed_across_cuda_and_cpu():
    # graph-place with the cuda figures: the convolution and the matmul go
    # to the GPU, the head placed by hand on the cpu; the artifact holds
    # both kernel libraries and transfers where values cross. Numerics
    # where there is a GPU.
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 3, padding=1), torch.nn.ReLU(),
        torch.nn.Flatten(), torch.nn.Linear(16 * 32 * 32, 256),
        torch.nn.ReLU(), torch.nn.Linear(256, 10)).eval()
    x = torch.randn(8, 3, 32, 32)
    compiled = kiln.compile(model, (x,), targets=("cuda", "cpu"),
                            placement={"5": "cpu"})
    report = compiled.report()
    placed = {d["target"] for d in report["dispatches"]
              if any("conv2d" in op for op in d["ops"])}
    assert placed == {"cuda"}, report["dispatches"]
    assert set(report["placement"]["targets"]) == {"cuda", "cpu"}
    directions = {t["direction"] for t in report["placement"]["transfers"]}
    assert directions == {"host->cuda", "cuda->host"}
    if _CUDA_MISSING is None:
        with torch.no_grad():
            expected = model(x)
        got = torch.as_tensor(np.asarray(compiled(x)))
        assert ((got - expected).abs().max() / expected.abs().max()) <= 1e-4
