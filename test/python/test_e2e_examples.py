"""The example models (examples/*.mlir), compiled and run, against numpy
implementations of the same networks using the weights stored in the files.
Tolerance: 1e-5 relative (sums run in a different order than numpy's)."""

import math
import re

import numpy as np
import pytest

from kiln_testing import ROOT, compile_and_run

# Every case runs fused and unfused (conftest.py).
pytestmark = pytest.mark.usefixtures("fusion", "target")

TOLERANCE = dict(rtol=1e-5, atol=1e-5)
RNG = np.random.default_rng(7)
_erf = np.vectorize(math.erf)


def resources(path):
    """The f32 dense resources of an MLIR file, by name (after the 4-byte
    alignment prefix of the blob)."""
    blobs = re.findall(r'^\s*(\w+): "0x([0-9A-Fa-f]+)"', path.read_text(),
                       re.MULTILINE)
    return {name: np.frombuffer(bytes.fromhex(hexdata)[4:], dtype=np.float32)
            for name, hexdata in blobs}


def run_example(tmp_path, name, inputs):
    path = ROOT / "examples" / f"{name}.mlir"
    return compile_and_run(tmp_path, path.read_text(), inputs), resources(path)


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def layer_norm(x, scale, bias, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * scale + bias


def test_mlp_classifier(tmp_path):
    x = RNG.standard_normal((1, 1, 8)).astype(np.float32)
    (got,), w = run_example(tmp_path, "mlp_classifier", [x])
    h = x.reshape(1, 8).astype(np.float64) @ w["fc1_weight"].reshape(16, 8).T
    h = h + w["fc1_bias"]
    h = 0.5 * h * (1 + _erf(h / math.sqrt(2)))
    h = layer_norm(h, 1.0, 0.0)
    logits = h @ w["fc2_weight"].reshape(4, 16).T + w["fc2_bias"]
    np.testing.assert_allclose(got, softmax(logits, -1), **TOLERANCE)


def conv3x3(x, weight):
    c = weight.shape[0]
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.zeros((x.shape[0], c) + x.shape[2:])
    for i in range(3):
        for j in range(3):
            out += np.einsum("nchw,oc->nohw",
                             xp[:, :, i:i + x.shape[2], j:j + x.shape[3]],
                             weight[:, :, i, j])
    return out


def batch_norm(x, w, prefix):
    p = {k: w[f"{prefix}_bn_{k}"].reshape(1, -1, 1, 1)
         for k in ("scale", "bias", "mean", "var")}
    return (x - p["mean"]) / np.sqrt(p["var"] + 1e-5) * p["scale"] + p["bias"]


def test_resnet_basic_block(tmp_path):
    x = RNG.standard_normal((1, 8, 32, 32)).astype(np.float32)
    (got,), w = run_example(tmp_path, "resnet_basic_block", [x])
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (1, 1), (1, 1)),
                constant_values=-np.inf)
    pooled = np.stack([np.stack([xp[:, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3].max(
        axis=(2, 3)) for j in range(16)], -1) for i in range(16)], -2)
    h = np.maximum(batch_norm(conv3x3(pooled, w["conv1_weight"].reshape(
        8, 8, 3, 3)), w, "conv1"), 0)
    h = batch_norm(conv3x3(h, w["conv2_weight"].reshape(8, 8, 3, 3)), w,
                   "conv2")
    out = np.maximum(h + pooled, 0).mean(axis=(2, 3), keepdims=True)
    np.testing.assert_allclose(got, out, **TOLERANCE)


def test_transformer_encoder_layer(tmp_path):
    d, heads, seq, ff = 16, 2, 6, 32
    x = RNG.standard_normal((1, seq, d)).astype(np.float32)
    (got,), w = run_example(tmp_path, "transformer_encoder_layer", [x])
    x64 = x.astype(np.float64)
    qkv = x64 @ w["in_proj_weight"].reshape(3 * d, d).T + w["in_proj_bias"]
    q, k, v = (qkv[..., i * d:(i + 1) * d].reshape(1, seq, heads, d // heads)
               .transpose(0, 2, 1, 3) for i in range(3))
    attn = softmax(q @ k.transpose(0, 1, 3, 2) / math.sqrt(d // heads), -1) @ v
    attn = attn.transpose(0, 2, 1, 3).reshape(1, seq, d)
    attn = attn @ w["out_proj_weight"].reshape(d, d).T + w["out_proj_bias"]
    h = layer_norm(x64 + attn, w["norm1_weight"], w["norm1_bias"])
    f = h @ w["linear1_weight"].reshape(ff, d).T + w["linear1_bias"]
    f = 0.5 * f * (1 + _erf(f / math.sqrt(2)))
    f = f @ w["linear2_weight"].reshape(d, ff).T + w["linear2_bias"]
    out = layer_norm(h + f, w["norm2_weight"], w["norm2_bias"])
    np.testing.assert_allclose(got, out, **TOLERANCE)


@pytest.mark.parametrize("threads", [1, 3])
def test_threads_do_not_change_results(tmp_path, threads):
    x = RNG.standard_normal((1, 8, 32, 32)).astype(np.float32)
    source = (ROOT / "examples" / "resnet_basic_block.mlir").read_text()
    (one,) = compile_and_run(tmp_path, source, [x], threads=1)
    (many,) = compile_and_run(tmp_path, source, [x], threads=threads)
    np.testing.assert_array_equal(one, many)
