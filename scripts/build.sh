#!/usr/bin/env bash
# Installs missing packages, configures and builds Kiln in build/ (or
# $KILN_BUILD_DIR). Idempotent: a second run only rebuilds what changed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${KILN_BUILD_DIR:-$root/build}
venv=${KILN_VENV:-$root/.venv}

"$root/scripts/setup.sh"
cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
  -DPython3_EXECUTABLE="$venv/bin/python" ${KILN_CMAKE_ARGS:-}
cmake --build "$build"
