#!/usr/bin/env bash
# Installs what building and testing Kiln needs on Debian 12: Debian packages
# from one list, and Python packages (python/requirements.txt) into the project
# virtualenv .venv (or $KILN_VENV). Only what is missing is installed, so
# re-running is cheap.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${KILN_VENV:-$root/.venv}

PACKAGES=(
  cmake ninja-build ccache        # build
  clang-22 lld-22                 # compiler and linker LLVM 22 was built with
  libclang-rt-22-dev              # libFuzzer and ASan for the importer fuzzer
  llvm-22-dev libmlir-22-dev      # LLVM/MLIR 22 headers, CMake packages, libMLIR.so
  mlir-22-tools                   # mlir-tblgen
  liblld-22-dev                   # lld as a library: links CPU kernels in-process
  llvm-22-tools                   # lit, FileCheck, not, count
  python3 python3-venv python3-dev  # lit; the project virtualenv; extension headers
  libgtest-dev                    # the runtime's C++ unit tests
  libonnx-dev libprotobuf-dev     # the ONNX importer (ModelProto classes)
  libopenmpi-dev openmpi-bin      # sharded runs under mpirun (libkiln-mpi.so)
  pocl-opencl-icd ocl-icd-libopencl1 ocl-icd-opencl-dev opencl-headers clinfo
                                  # the opencl target: PoCL runs GPU-style kernels on the CPU
  llvm-spirv-15 spirv-tools       # SPIR-V -> SPIR 1.2 bitcode PoCL 3.1 loads; spirv-dis
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
      grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} > 0)); then
  echo "kiln setup: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null; then
      echo "kiln setup: error: these Debian packages are missing and" \
           "installing them needs root: ${missing[*]}" >&2
      exit 1
    fi
    SUDO=sudo
  else
    SUDO=
  fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

# The virtualenv is made from Debian's interpreter, whose headers python3-dev
# installs, so the extension builds against the Python that runs it.
if [[ ! -x $venv/bin/python ]]; then
  echo "kiln setup: creating the virtualenv $venv"
  /usr/bin/python3 -m venv "$venv"
fi
requirements=$root/python/requirements.txt
stamp=$venv/.kiln-requirements
if ! cmp -s "$requirements" "$stamp"; then
  echo "kiln setup: installing $requirements into $venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check \
    -r "$requirements"
  cp "$requirements" "$stamp"
fi
