# lit configuration of Kiln's test suite.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "Kiln"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kiln_obj_root, "test")

config.substitutions.append(("%kiln_src_root", config.kiln_src_root))
config.substitutions.append(("%kiln_obj_root", config.kiln_obj_root))
config.substitutions.append(("%python", config.python_executable))
for feature in config.kiln_features:
    if feature:
        config.available_features.add(feature)

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(["kiln-opt"], [config.kiln_tools_dir])
# kiln-compile and kiln-run by PATH, not by substitution: "kiln-compile" is
# also the name of a pass pipeline that RUN lines spell out.
llvm_config.with_environment("PATH", config.kiln_tools_dir, append_path=True)

# The opencl target's tool: `llvm-spirv` when its SPIR-V can become SPIR
# bitcode here. (Running on an OpenCL platform is tested from Python, which
# asks the runtime: kiln.devices_unavailable("opencl").)
import shutil

if shutil.which("llvm-spirv-15") or shutil.which("llvm-spirv"):
    config.available_features.add("llvm-spirv")

def first(candidates, usable):
    """The first candidate (a path, or None) that is `usable`."""
    return next((c for c in candidates if c and usable(c)), None)


def provide(feature, substitution, value):
    """Marks `feature` available and names `value` %`substitution`."""
    if value:
        config.available_features.add(feature)
        config.substitutions.append(("%" + substitution, value))
    return value


# The cuda target's toolkit (ptxas, fatbinary, libdevice), searched as the
# compiler searches it (lib/backends/cuda/Toolkit.cpp): tests that make
# cubins need one; %cuda_toolkit names it.
ptxas = shutil.which("ptxas")
cuda_toolkit = provide("cuda-toolkit", "cuda_toolkit", first(
    [os.environ.get(v) for v in ("CUDA_HOME", "CUDA_PATH", "CUDA_ROOT")] +
    [ptxas and os.path.dirname(os.path.dirname(os.path.realpath(ptxas))),
     "/usr/local/cuda"],
    lambda root: all(os.path.exists(os.path.join(root, part)) for part in (
        "bin/ptxas", "bin/fatbinary", "nvvm/libdevice/libdevice.10.bc"))))

# A SASS disassembler, for what ptxas made of the tensor-core kernels
# (HMMA): the toolkit's cuobjdump, one on PATH, or the one Triton (a torch
# dependency) ships in the project's virtualenv. %cuobjdump names it.
import glob

provide("cuobjdump", "cuobjdump", first(
    [cuda_toolkit and os.path.join(cuda_toolkit, "bin", "cuobjdump"),
     shutil.which("cuobjdump")] +
    sorted(glob.glob(os.path.join(
        config.kiln_src_root, ".venv", "lib", "python3*", "site-packages",
        "triton", "backends", "nvidia", "bin", "cuobjdump"))),
    lambda path: os.access(path, os.X_OK)))
