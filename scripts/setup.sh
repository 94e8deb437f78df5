#!/usr/bin/env bash
# Installs what building and testing Kiln needs on Debian 12, from Debian's
# registry: one list, installed only where missing, so re-running is cheap.
set -euo pipefail

PACKAGES=(
  cmake ninja-build ccache        # build
  clang-22 lld-22                 # compiler and linker LLVM 22 was built with
  llvm-22-dev libmlir-22-dev      # LLVM/MLIR 22 headers, CMake packages, libMLIR.so
  mlir-22-tools                   # mlir-tblgen
  llvm-22-tools                   # lit, FileCheck, not, count
  python3                         # lit runs on it
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
      grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "kiln setup: installing ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null; then
    echo "kiln setup: error: these Debian packages are missing and installing" \
         "them needs root: ${missing[*]}" >&2
    exit 1
  fi
  SUDO=sudo
else
  SUDO=
fi
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
