"""The CPU backend's micro-kernels on the shapes that exercise their edges:
convolutions whose rows end in a tile overlapping the one before it or
are narrower than a vector (widths 1, 7, 9, 14, 29), channel
counts with no good tile divisor (13, 46), strides and dilations that make
the image vector a shuffle, grouped and depthwise filters, each with a fused
epilogue, with filters packed into output-channel panels and not; linear
layers whose weights are packed into column panels
(graph-pack-weights) with row counts that leave a partial row tile (1, 7,
13, 197), next to ones whose column count keeps the weight unpacked;
compared with PyTorch eager (max |kiln - torch| / max |torch| <= 1e-5),
fused and unfused."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import kiln  # noqa: E402

pytestmark = pytest.mark.usefixtures("fusion")

# (id, in channels, out channels, height, width, kernel, stride, padding,
#  dilation, groups)
CONVOLUTIONS = [
    ("3x3-46ch-w29", 5, 46, 9, 29, 3, 1, 1, 1, 1),
    ("3x3-13ch-w7", 8, 13, 7, 7, 3, 1, 1, 1, 1),
    ("1x1-prime", 7, 11, 5, 13, 1, 1, 0, 1, 1),
    ("width-1", 4, 16, 6, 1, 1, 1, 0, 1, 1),
    ("stride-2-odd", 6, 24, 15, 15, 3, 2, 1, 1, 1),
    ("stride-3", 3, 16, 20, 23, 5, 3, 2, 1, 1),
    ("dilation-2", 4, 12, 12, 17, 3, 1, 2, 2, 1),
    ("grouped", 12, 18, 10, 19, 3, 1, 1, 1, 3),
    ("depthwise-s2", 16, 16, 14, 14, 3, 2, 1, 1, 16),
    # Depthwise with whole vectors of columns: tiles of output rows, each
    # row its own image vector (13 rows: tiles of 7 and 6).
    ("depthwise-rows", 24, 24, 13, 16, 3, 1, 1, 1, 24),
    ("depthwise-rows-s2", 16, 16, 17, 32, 3, 2, 1, 1, 16),
    # Rows that are not whole vectors: the last tile overlaps the one
    # before it (14: columns 6..13 after 0..7), stride 2 reading its image
    # span as two vectors.
    ("depthwise-overlap-w14", 24, 24, 14, 14, 3, 1, 1, 1, 24),
    ("depthwise-overlap-s2", 16, 16, 28, 28, 3, 2, 1, 1, 16),
    ("1x1-overlap-w9", 32, 40, 5, 9, 1, 1, 0, 1, 1),
    ("stem-7x7", 3, 64, 32, 32, 7, 2, 3, 1, 1),
    # Filters packed into 16-channel panels (C x KH x KW >= 144, O a
    # multiple of 16): tiles of 6 pixels along the rows, the last one
    # shorter.
    ("panels-3x3", 16, 32, 9, 13, 3, 1, 1, 1, 1),
    ("panels-3x3-s2", 32, 48, 15, 15, 3, 2, 1, 1, 1),
    ("panels-1x1-160ch", 160, 32, 7, 7, 1, 1, 0, 1, 1),
    ("panels-dilation-2", 16, 16, 12, 17, 3, 1, 2, 2, 1),
    ("panels-5x5-width-1", 8, 16, 6, 1, 5, 1, 2, 1, 1),
]


@pytest.mark.parametrize(
    "c, f, h, w, k, stride, padding, dilation, groups",
    [case[1:] for case in CONVOLUTIONS], ids=[case[0] for case in CONVOLUTIONS])
def test_convolution_with_epilogue(c, f, h, w, k, stride, padding, dilation,
                                   groups):
    torch.manual_seed(c * 100 + f)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(c, f, k, stride, padding, dilation, groups),
        torch.nn.ReLU()).eval()
    x = torch.randn(2, c, h, w)
    compiled = kiln.compile(model, (x,))
    with torch.no_grad():
        expected = model(x).numpy()
    got = np.asarray(compiled(x))
    assert got.shape == expected.shape
    scale = max(np.abs(expected).max(), 1e-6)
    assert np.abs(got - expected).max() / scale <= 1e-5


# The elementwise ops around a convolution run on its register tiles (the
# bias as the accumulators' first value, the residual add and activation
# before the one store): (id, channels in, out, height, width, kernel,
# stride, groups), one per micro-kernel, with rows ending in an overlapping
# tile or a shorter pixel tile.
RESIDUALS = [
    ("columns-w14", 32, 40, 6, 14, 1, 1, 1),
    ("columns-s2-w29", 8, 24, 9, 29, 3, 2, 1),
    ("depthwise-w28", 24, 24, 5, 28, 3, 1, 24),
    ("panels-w14", 32, 48, 6, 14, 3, 1, 1),
    ("panels-1x1-7x7", 160, 32, 7, 7, 1, 1, 1),
]


class ConvResidual(torch.nn.Module):
    def __init__(self, c, f, k, stride, groups):
        super().__init__()
        self.conv = torch.nn.Conv2d(c, f, k, stride, k // 2, groups=groups)

    def forward(self, x, residual):
        return torch.nn.functional.relu6(self.conv(x) + residual)


@pytest.mark.parametrize("c, f, h, w, k, stride, groups",
                         [case[1:] for case in RESIDUALS],
                         ids=[case[0] for case in RESIDUALS])
def test_convolution_with_residual(c, f, h, w, k, stride, groups):
    torch.manual_seed(c + f + w)
    model = ConvResidual(c, f, k, stride, groups).eval()
    x = torch.randn(2, c, h, w)
    with torch.no_grad():
        shape = model.conv(x).shape
    residual = torch.randn(shape)
    compiled = kiln.compile(model, (x, residual))
    with torch.no_grad():
        expected = model(x, residual).numpy()
    got = np.asarray(compiled(x, residual))
    assert got.shape == expected.shape
    scale = max(np.abs(expected).max(), 1e-6)
    assert np.abs(got - expected).max() / scale <= 1e-5


# (id, leading dims of the input, in features, out features): out features
# a multiple of 16 get packed weights; 1000 and 24 (not multiples) do not.
LINEARS = [
    ("gemv", (1,), 512, 256),
    ("rows-7", (7,), 33, 48),
    ("rows-13-k-prime", (13,), 97, 64),
    ("tokens-197", (1, 197), 96, 384),
    ("batched-2x64", (2, 64), 256, 1024),
    ("classifier-1000", (3,), 128, 1000),
    ("narrow-24", (9,), 40, 24),
]


@pytest.mark.parametrize("lead, k, n", [case[1:] for case in LINEARS],
                         ids=[case[0] for case in LINEARS])
def test_linear_with_epilogue(lead, k, n):
    torch.manual_seed(k * 7 + n)
    model = torch.nn.Sequential(torch.nn.Linear(k, n), torch.nn.GELU(),
                                torch.nn.Linear(n, 32)).eval()
    x = torch.randn(*lead, k)
    compiled = kiln.compile(model, (x,))
    with torch.no_grad():
        expected = model(x).numpy()
    got = np.asarray(compiled(x))
    assert got.shape == expected.shape
    scale = max(np.abs(expected).max(), 1e-6)
    assert np.abs(got - expected).max() / scale <= 1e-5


# The micro-kernels are blocked for the CPU `cpu=` names: on x86-64's
# baseline (SSE, 16 registers of 4 floats) panels are 8 columns wide and
# tiles 6 x 8 (AVX2: 16, 6 x 16). These run here, whatever this machine
# has: one case per micro-kernel, and linears with a row tile left over.
SSE_CASES = CONVOLUTIONS[:1] + [
    case for case in CONVOLUTIONS
    if case[0] in ("depthwise-overlap-s2", "1x1-overlap-w9", "panels-3x3",
                   "panels-1x1-160ch")
]


@pytest.mark.skipif(__import__("platform").machine() != "x86_64",
                    reason="x86-64 code runs on x86-64 only")
@pytest.mark.parametrize("case", SSE_CASES, ids=[c[0] for c in SSE_CASES])
def test_convolution_blocked_for_sse(case):
    c, f, h, w, k, stride, padding, dilation, groups = case[1:]
    torch.manual_seed(c * 100 + f)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(c, f, k, stride, padding, dilation, groups),
        torch.nn.ReLU()).eval()
    x = torch.randn(2, c, h, w)
    compiled = kiln.compile(model, (x,), cpu="x86-64")
    with torch.no_grad():
        expected = model(x).numpy()
    got = np.asarray(compiled(x))
    scale = max(np.abs(expected).max(), 1e-6)
    assert np.abs(got - expected).max() / scale <= 1e-5


@pytest.mark.skipif(__import__("platform").machine() != "x86_64",
                    reason="x86-64 code runs on x86-64 only")
@pytest.mark.parametrize("lead, k, n", [((13,), 97, 64), ((2, 37), 256, 72)],
                         ids=["rows-13", "panels-of-8"])
def test_linear_blocked_for_sse(lead, k, n):
    torch.manual_seed(k + n)
    model = torch.nn.Sequential(torch.nn.Linear(k, n), torch.nn.ReLU()).eval()
    x = torch.randn(*lead, k)
    compiled = kiln.compile(model, (x,), cpu="x86-64")
    # 72 columns are whole 8-column panels, not 16-column ones.
    if n % 16:
        assert f"x{n // 8}x{k}x8xf32" in compiled.ir("dispatch").replace(
            "tensor<", "x")
    with torch.no_grad():
        expected = model(x).numpy()
    got = np.asarray(compiled(x))
    scale = max(np.abs(expected).max(), 1e-6)
    assert np.abs(got - expected).max() / scale <= 1e-5


# 16-bit floats: products accumulated in f32 and rounded once, as PyTorch's
# and ONNX's references do; so compared with the f32 computation on the
# same (rounded) weights and inputs, to within the result's own rounding.
# Matmul weights are packed into panels of the 16-bit type.
HALF_TOLERANCE = {torch.float16: 2e-3, torch.bfloat16: 1.6e-2}
HALF_CONVOLUTIONS = [
    case for case in CONVOLUTIONS
    if case[0] in ("3x3-46ch-w29", "stride-2-odd", "grouped", "depthwise-s2",
                   "1x1-overlap-w9", "panels-3x3")
]


def _assert_close_to_f32(model, inputs, dtype):
    reference = model.float()
    with torch.no_grad():
        expected = reference(*(x.float() for x in inputs)).numpy()
    compiled = kiln.compile(model.to(dtype),
                            tuple(x.to(dtype) for x in inputs))
    got = compiled(*(x.to(dtype) for x in inputs))
    assert got.dtype == dtype
    got = got.float().numpy()
    scale = max(np.abs(expected).max(), 1e-6)
    assert np.abs(got - expected).max() / scale <= HALF_TOLERANCE[dtype]


@pytest.mark.parametrize("dtype", HALF_TOLERANCE, ids=["f16", "bf16"])
@pytest.mark.parametrize("case", HALF_CONVOLUTIONS,
                         ids=[c[0] for c in HALF_CONVOLUTIONS])
def test_half_convolution(case, dtype):
    c, f, h, w, k, stride, padding, dilation, groups = case[1:]
    torch.manual_seed(c * 100 + f)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(c, f, k, stride, padding, dilation, groups),
        torch.nn.ReLU()).eval().to(dtype)
    x = torch.randn(2, c, h, w).to(dtype)
    _assert_close_to_f32(model, (x,), dtype)


@pytest.mark.parametrize("dtype", HALF_TOLERANCE, ids=["f16", "bf16"])
@pytest.mark.parametrize("lead, k, n", [((13,), 97, 64), ((2, 37), 256, 48),
                                        ((1,), 512, 1000)],
                         ids=["rows-13", "tokens", "gemv-1000"])
def test_half_linear(lead, k, n, dtype):
    torch.manual_seed(k + n)
    model = torch.nn.Sequential(torch.nn.Linear(k, n), torch.nn.GELU(),
                                torch.nn.Linear(n, 32)).eval().to(dtype)
    x = torch.randn(*lead, k).to(dtype)
    if n % 32 == 0:  # whole panels for any vector width up to AVX-512's
        ir = kiln.compile(model.to(dtype), (x,)).ir("dispatch")
        assert "graph.panel_matmul" in ir
    _assert_close_to_f32(model, (x,), dtype)


@pytest.mark.parametrize("dtype", HALF_TOLERANCE, ids=["f16", "bf16"])
def test_half_encoder_layer(dtype):
    # Softmax and layer norm computed in f32 and rounded once, as eager
    # does (in bf16, a 64-wide layer norm was off by several percent); bf16
    # values held in registers across loops are rounded by the kernels'
    # own __truncsfbf2 (LLVM calls it; the runtime links no compiler-rt).
    torch.manual_seed(0)
    model = torch.nn.TransformerEncoderLayer(64, 4, 128,
                                             batch_first=True).eval()
    x = torch.randn(1, 16, 64)
    reference = model.to(dtype).float()  # weights rounded like the model's
    with torch.no_grad():
        expected = reference(x.to(dtype).float()).numpy()
    compiled = kiln.compile(model.to(dtype), (x.to(dtype),))
    got = compiled(x.to(dtype))
    assert got.dtype == dtype
    error = np.abs(got.float().numpy() - expected).max()
    assert error / np.abs(expected).max() <= HALF_TOLERANCE[dtype]
