"""kiln.run_pipeline: the C++ pipelines from Python, and their errors."""

import pathlib

import pytest

import kiln

ROOT = pathlib.Path(__file__).resolve().parents[2]

MUL_BY_ONE = """
func.func @f(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %one = graph.constant dense<1.0> : tensor<f32>
  %0 = graph.mul %x, %one : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %1 = graph.exp %0 : tensor<2x3xf32>
  %2 = graph.exp %x : tensor<2x3xf32>
  return %1, %2 : tensor<2x3xf32>, tensor<2x3xf32>
}
"""


def test_example_model_from_path():
    out = kiln.run_pipeline(ROOT / "examples" / "mlp_classifier.mlir")
    assert out.count("graph.reshape") == 1
    assert "graph.mul" not in out
    assert "dense_resource<fc1_weight>" in out


def test_text_source_folds_and_cses():
    out = kiln.run_pipeline(MUL_BY_ONE)
    assert "graph.mul" not in out
    assert out.count("graph.exp") == 1


def test_pipeline_options_are_kiln_opts():
    out = kiln.run_pipeline(MUL_BY_ONE, "graph-canonicalize{cse=false}")
    assert out.count("graph.exp") == 2
    out = kiln.run_pipeline(MUL_BY_ONE, "builtin.module(cse)")
    assert "graph.mul" in out


def test_verifier_error_names_op_and_location():
    source = """func.func @f(%a: tensor<2x4xf32>, %b: tensor<5x2xf32>) {
  %0 = graph.matmul %a, %b : (tensor<2x4xf32>, tensor<5x2xf32>) -> tensor<2x2xf32>
  return
}"""
    with pytest.raises(kiln.CompileError) as info:
        kiln.run_pipeline(source)
    assert ("<string>:2:8: error: 'graph.matmul' op contraction sizes differ: "
            "lhs [2, 4] has K = 4, rhs [5, 2] has K = 5") in str(info.value)


def test_parse_error_names_file(tmp_path):
    path = tmp_path / "broken.mlir"
    path.write_text("func.func @f( {\n")
    with pytest.raises(kiln.CompileError) as info:
        kiln.run_pipeline(path)
    assert str(info.value).startswith(f"{path}:1:")
    assert "error:" in info.value.diagnostics


def test_unknown_pipeline():
    with pytest.raises(kiln.CompileError, match="no-such-pipeline"):
        kiln.run_pipeline(MUL_BY_ONE, "no-such-pipeline")


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        kiln.run_pipeline(tmp_path / "absent.mlir")


def test_wrong_argument_types():
    with pytest.raises(TypeError, match="source must be MLIR text"):
        kiln.run_pipeline(b"func.func @f() { return }")
    with pytest.raises(TypeError, match="pipeline must be a str"):
        kiln.run_pipeline(MUL_BY_ONE, 3)
