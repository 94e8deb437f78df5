#!/usr/bin/env bash
# The GPU check, in two halves (benchmarks/gpu/check.py):
#   scripts/gpu-check.sh prepare [BUNDLE...]  here, with the build and venv:
#       compile each bundle (core, resnet18, resnet18_b32; default: all)
#       for cuda into build/gpu-check/BUNDLE, with inputs and expected
#       outputs.
#   scripts/gpu-check.sh run [BUNDLE...]      on a GPU machine (CUDA, torch,
#       no LLVM): the CUDA runtime tests, each model's outputs against the
#       expected ones, kiln-run's latency against torch eager; writes
#       build/gpu-check/summary.md (and $OUT/summary.md). Needs only
#       build/bin/kiln-run, build/runtime/test/kiln-runtime-tests and the
#       bundles' folders. Exits non-zero when anything failed.
#   scripts/gpu-check.sh dry                  here, without a GPU: both
#       halves on the OpenCL device (PoCL) with a small bundle and torch on
#       the CPU, to check the script itself (test_cuda.py runs it too).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
checks=$root/build/gpu-check
command=${1:-}
shift || true
bundles=("$@")
[ ${#bundles[@]} -eq 0 ] && bundles=(core resnet18 resnet18_b32)
case $command in
prepare)
  for bundle in "${bundles[@]}"; do
    PYTHONPATH=$root/build/python "$root/.venv/bin/python" \
      "$root/benchmarks/gpu/check.py" prepare "$checks/$bundle" "$bundle"
    du -sh "$checks/$bundle"
  done ;;
run)
  dirs=()
  for bundle in "${bundles[@]}"; do
    [ -d "$checks/$bundle" ] && dirs+=("$checks/$bundle")
  done
  [ ${#dirs[@]} -eq 0 ] && { echo "no prepared bundles in $checks" >&2; exit 2; }
  python3 "$root/benchmarks/gpu/check.py" run "${dirs[@]}" ;;
dry)
  PYTHONPATH=$root/build/python "$root/.venv/bin/python" \
    "$root/benchmarks/gpu/check.py" prepare "$checks/dry" dry --target opencl
  PYTHONPATH=$root/build/python "$root/.venv/bin/python" \
    "$root/benchmarks/gpu/check.py" run "$checks/dry" --device opencl \
    --runs 3 --summary "$checks/dry-summary.md" ;;
*)
  sed -n '2,15p' "$0" >&2
  exit 2 ;;
esac
