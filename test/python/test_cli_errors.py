"""Bad input to kiln-compile and kiln-run: a clear message naming what and
where, exit status 1 (2 for bad usage), never a crash or a signal."""

import numpy as np
import pytest

from kiln_testing import BIN, run_cli

GOOD = """func.func @main(%x: tensor<2x3xf32> {exec.name = "x"}, %y: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = graph.add %x, %y : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
"""


def compile_text(tmp_path, text, *flags, name="model"):
    source = tmp_path / f"{name}.mlir"
    source.write_text(text)
    artifact = tmp_path / f"{name}.kiln"
    return run_cli(BIN / "kiln-compile", source, "-o", artifact, *flags,
                   check=False), artifact


def assert_user_error(result, *fragments, code=1):
    assert result.returncode == code, result.stderr  # negative: a signal
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


@pytest.fixture
def good_artifact(tmp_path):
    result, artifact = compile_text(tmp_path, GOOD)
    assert result.returncode == 0, result.stderr
    return artifact


def save(tmp_path, name, array):
    path = tmp_path / name
    np.save(path, array)
    return path


#===--- kiln-compile ---===#


def test_compile_malformed_mlir(tmp_path):
    result, artifact = compile_text(tmp_path, "func.func @main( {\n")
    assert_user_error(result, "model.mlir:1:", "error:")
    assert not artifact.exists()


def test_compile_unverifiable_graph(tmp_path):
    text = GOOD.replace("tensor<3xf32>)", "tensor<4xf32>)").replace(
        "%y: tensor<3xf32>", "%y: tensor<4xf32>")
    result, artifact = compile_text(tmp_path, text)
    assert_user_error(
        result, "model.mlir:2:8: error: 'graph.add' op lhs shape [2, 3] and "
        "rhs shape [4] are not broadcast-compatible")
    assert not artifact.exists()


def test_compile_missing_input(tmp_path):
    result = run_cli(BIN / "kiln-compile", tmp_path / "absent.mlir", "-o",
                     tmp_path / "x.kiln", check=False)
    assert_user_error(result, "cannot read", "absent.mlir")


def test_compile_unknown_target(tmp_path):
    result, _ = compile_text(tmp_path, GOOD, "--target", "tpu")
    assert_user_error(result, "unknown target 'tpu' (available: cpu, cuda, opencl)")


def test_compile_unknown_cpu(tmp_path):
    result, _ = compile_text(tmp_path, GOOD, "--cpu=pentium9")
    assert_user_error(result, "unknown CPU 'pentium9'")


@pytest.mark.parametrize("cpu", ["x86-64", "host"])
def test_compile_cpu_choices(tmp_path, cpu):
    result, artifact = compile_text(tmp_path, GOOD, f"--cpu={cpu}")
    assert result.returncode == 0, result.stderr
    assert artifact.stat().st_size > 0


def test_compile_refuses_to_overwrite_its_input(tmp_path):
    source = tmp_path / "model.mlir"
    source.write_text(GOOD)
    result = run_cli(BIN / "kiln-compile", source, "-o", source, check=False)
    assert_user_error(result, "is the input")
    assert source.read_text() == GOOD


def test_compile_unwritable_output(tmp_path):
    result, _ = compile_text(tmp_path, GOOD)
    source = tmp_path / "model.mlir"
    result = run_cli(BIN / "kiln-compile", source, "-o",
                     tmp_path / "missing-dir" / "m.kiln", check=False)
    assert_user_error(result, "cannot write", "missing-dir")


def test_compile_usage(tmp_path):
    result = run_cli(BIN / "kiln-compile", check=False)
    assert result.returncode == 2


def test_compile_dump_and_timing(tmp_path):
    dump = tmp_path / "ir"
    result, _ = compile_text(tmp_path, GOOD, "--dump-ir-after-all", dump,
                             "--timing")
    assert result.returncode == 0, result.stderr
    assert "Execution time report" in result.stderr
    dumped = sorted(p.name for p in dump.rglob("*.mlir"))
    assert any("convert-graph-to-linalg" in name for name in dumped), dumped
    assert any("cpu-emit-entry-points" in name for name in dumped), dumped


#===--- kiln-run ---===#


def test_run_wrong_input_count(tmp_path, good_artifact):
    x = save(tmp_path, "x.npy", np.zeros((2, 3), np.float32))
    result = run_cli(BIN / "kiln-run", good_artifact, "--input", x,
                     check=False)
    assert_user_error(result, "takes 2 input(s) (x: f32 [2, 3], input_1: "
                      "f32 [3]), got 1 --input file(s)")


def test_run_wrong_shape(tmp_path, good_artifact):
    x = save(tmp_path, "x.npy", np.zeros((2, 4), np.float32))
    y = save(tmp_path, "y.npy", np.zeros(3, np.float32))
    result = run_cli(BIN / "kiln-run", good_artifact, "--input", x, "--input",
                     y, check=False)
    assert_user_error(result, "input 'x' (#0): expected f32 [2, 3], got "
                      "f32 [2, 4]")


def test_run_wrong_dtype(tmp_path, good_artifact):
    x = save(tmp_path, "x.npy", np.zeros((2, 3), np.float32))
    y = save(tmp_path, "y.npy", np.zeros(3, np.int32))
    result = run_cli(BIN / "kiln-run", good_artifact, "--input", x, "--input",
                     y, check=False)
    assert_user_error(result, "input 'input_1' (#1): expected f32 [3], got "
                      "i32 [3]")


def test_run_unsupported_npy_dtype(tmp_path, good_artifact):
    x = save(tmp_path, "x.npy", np.zeros((2, 3), np.complex64))
    y = save(tmp_path, "y.npy", np.zeros(3, np.float32))
    result = run_cli(BIN / "kiln-run", good_artifact, "--input", x, "--input",
                     y, check=False)
    assert_user_error(result, "has dtype '<c8', which Kiln does not support")


def test_run_unreadable_input(tmp_path, good_artifact):
    y = save(tmp_path, "y.npy", np.zeros(3, np.float32))
    result = run_cli(BIN / "kiln-run", good_artifact, "--input",
                     tmp_path / "absent.npy", "--input", y, check=False)
    assert_user_error(result, "cannot open", "absent.npy")


def test_run_output_dir_missing(tmp_path, good_artifact):
    x = save(tmp_path, "x.npy", np.zeros((2, 3), np.float32))
    y = save(tmp_path, "y.npy", np.zeros(3, np.float32))
    result = run_cli(BIN / "kiln-run", good_artifact, "--input", x, "--input",
                     y, "--output-dir", tmp_path / "nowhere", check=False)
    assert_user_error(result, "output directory", "nowhere", "does not exist")


def test_run_output_dir_not_writable(tmp_path, good_artifact):
    import os
    if os.geteuid() == 0:
        pytest.skip("root can write into any directory")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    x = save(tmp_path, "x.npy", np.zeros((2, 3), np.float32))
    y = save(tmp_path, "y.npy", np.zeros(3, np.float32))
    result = run_cli(BIN / "kiln-run", good_artifact, "--input", x, "--input",
                     y, "--output-dir", locked, check=False)
    assert_user_error(result, "is not writable")


def test_run_missing_model(tmp_path):
    result = run_cli(BIN / "kiln-run", tmp_path / "absent.kiln", check=False)
    assert_user_error(result, "cannot open", "absent.kiln")


def test_run_not_an_artifact(tmp_path):
    garbage = tmp_path / "garbage.kiln"
    garbage.write_bytes(b"\x00\x01not a model at all" * 10)
    result = run_cli(BIN / "kiln-run", garbage, check=False)
    assert_user_error(result, "is not a Kiln artifact")


def test_run_truncated_artifact(tmp_path, good_artifact):
    data = good_artifact.read_bytes()
    truncated = tmp_path / "truncated.kiln"
    truncated.write_bytes(data[:len(data) // 2])
    result = run_cli(BIN / "kiln-run", truncated, check=False)
    assert_user_error(result, "is truncated or padded")


def test_run_corrupted_artifact(tmp_path, good_artifact):
    data = bytearray(good_artifact.read_bytes())
    data[len(data) // 2] ^= 0x40
    corrupted = tmp_path / "corrupted.kiln"
    corrupted.write_bytes(bytes(data))
    result = run_cli(BIN / "kiln-run", corrupted, check=False)
    assert_user_error(result, "is corrupted: its checksum does not match")


@pytest.mark.parametrize("version,origin", [(3, "an older"), (99, "a newer")])
def test_run_wrong_version(tmp_path, good_artifact, version, origin):
    # Version 3 is the format before devices had memory of their own.
    data = bytearray(good_artifact.read_bytes())
    data[8] = version  # format version, little-endian
    other = tmp_path / "other.kiln"
    other.write_bytes(bytes(data))
    result = run_cli(BIN / "kiln-run", other, check=False)
    assert_user_error(result, f"has artifact format version {version}, from "
                      f"{origin} Kiln; this runtime reads version 4 "
                      "(recompile the model)")


@pytest.mark.parametrize("args", [[], ["m.kiln", "--threads", "0"],
                                  ["m.kiln", "--benchmark", "x"],
                                  ["m.kiln", "--bogus"]], ids=str)
def test_run_usage(args):
    result = run_cli(BIN / "kiln-run", *args, check=False)
    assert result.returncode == 2
    assert "usage: kiln-run" in result.stderr


def test_run_print_and_benchmark(tmp_path, good_artifact):
    x = save(tmp_path, "x.npy", np.ones((2, 3), np.float32))
    y = save(tmp_path, "y.npy", np.arange(3, dtype=np.float32))
    result = run_cli(BIN / "kiln-run", good_artifact, "--input", x, "--input",
                     y, "--print", "--benchmark", "5", "--threads", "2")
    assert "output_0: f32 [2, 3] = [1, 2, 3, 1, 2, 3]" in result.stdout
    assert "benchmark: 5 runs, min" in result.stdout


def test_cross_compiled_kernels_are_refused(tmp_path):
    """An artifact for another architecture compiles, but the runtime says
    why it cannot load it instead of crashing."""
    import platform
    other = "aarch64" if platform.machine() == "x86_64" else "x86-64"
    result, artifact = compile_text(tmp_path, GOOD, f"--cpu={other}")
    assert result.returncode == 0, result.stderr
    x = save(tmp_path, "x.npy", np.zeros((2, 3), np.float32))
    y = save(tmp_path, "y.npy", np.zeros(3, np.float32))
    result = run_cli(BIN / "kiln-run", artifact, "--input", x, "--input", y,
                     check=False)
    assert_user_error(result, "cannot load the CPU kernels of")


def test_run_opencl_without_a_platform(tmp_path):
    # An opencl artifact on a machine whose ICD loader finds no platform:
    # a clear error naming what to install, never a crash.
    result, artifact = compile_text(tmp_path, GOOD, "--target", "opencl",
                                    name="ocl")
    assert result.returncode == 0, result.stderr
    x = save(tmp_path, "x.npy", np.ones((2, 3), np.float32))
    y = save(tmp_path, "y.npy", np.ones(3, np.float32))
    import os
    import subprocess
    env = dict(os.environ, OCL_ICD_VENDORS=str(tmp_path / "no-vendors"))
    run = subprocess.run([str(BIN / "kiln-run"), str(artifact), "--input",
                          str(x), "--input", str(y)], capture_output=True,
                         text=True, env=env)
    assert_user_error(run, "the opencl device found no OpenCL platform",
                      "apt-get install pocl-opencl-icd")


def run_with_device(tmp_path, artifact, *device):
    x = save(tmp_path, "x.npy", np.ones((2, 3), np.float32))
    y = save(tmp_path, "y.npy", np.ones(3, np.float32))
    return run_cli(BIN / "kiln-run", artifact, "--input", x, "--input", y,
                   "--print", *device, check=False)


def test_run_on_a_device_that_is_not_there(tmp_path, good_artifact):
    # The default device, named.
    result = run_with_device(tmp_path, good_artifact, "--device", "cpu:0")
    assert result.returncode == 0, result.stderr
    assert "[2, 3]" in result.stdout
    assert_user_error(
        run_with_device(tmp_path, good_artifact, "--device", "opencl"),
        "model.kiln' has kernels for cpu, not for opencl, so it cannot run on "
        "device opencl:0 (compile it with --target opencl)")
    assert_user_error(
        run_with_device(tmp_path, good_artifact, "--device", "cpu:1"),
        "there is no device cpu:1; the cpu target has one device, cpu:0")
    for bad in (":1", "cpu:", "cpu:x", "cpu:-1"):
        assert_user_error(
            run_with_device(tmp_path, good_artifact, "--device", bad),
            f"--device: '{bad}' is not a device name (TARGET or "
            "TARGET:INDEX", code=2)


def test_run_opencl_on_a_chosen_device(tmp_path):
    from conftest import _OPENCL_MISSING
    if _OPENCL_MISSING is not None:
        pytest.skip(str(_OPENCL_MISSING))
    result, artifact = compile_text(tmp_path, GOOD, "--target", "opencl",
                                    name="ocl")
    assert result.returncode == 0, result.stderr
    result = run_with_device(tmp_path, artifact, "--device", "opencl:0")
    assert result.returncode == 0, result.stderr
    assert "2, 2, 2" in result.stdout
    assert_user_error(
        run_with_device(tmp_path, artifact, "--device", "opencl:7"),
        "there is no device opencl:7; this machine has",
        "OpenCL device(s) with shared virtual memory: opencl:0 (OpenCL ")


def test_compile_opencl_bad_options(tmp_path):
    result, _ = compile_text(tmp_path, GOOD, "--target", "opencl",
                             "--target-option", "workgroup-size=4096")
    assert_user_error(result, "the opencl backend's workgroup-size must be "
                      "1 to 1024, got '4096'")
    result, _ = compile_text(tmp_path, GOOD, "--target", "opencl",
                             "--target-option", "size")
    assert_user_error(result, "bad --target-option 'size': expected "
                      "name=value", code=1)


def test_list_devices(tmp_path):
    import os
    import subprocess
    listing = run_cli(BIN / "kiln-run", "--list-devices").stdout
    assert listing.startswith("cpu:0  the host CPU ("), listing
    # Without an OpenCL platform the target is listed with the reason.
    env = dict(os.environ, OCL_ICD_VENDORS=str(tmp_path / "no-vendors"))
    listing = subprocess.run([str(BIN / "kiln-run"), "--list-devices"],
                             capture_output=True, text=True, env=env)
    assert listing.returncode == 0, listing.stderr
    assert ("opencl: none (the opencl device found no OpenCL platform"
            in listing.stdout), listing.stdout
