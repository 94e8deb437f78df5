#!/usr/bin/env bash
# The main job: build Kiln, compile the example models (an MLP and a small
# CNN, or the models given) with kiln-compile and run them with kiln-run on
# random inputs, printing their outputs and latency.
# Usage: scripts/run-example.sh [MODEL.mlir ...]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${KILN_BUILD_DIR:-$root/build}
venv=${KILN_VENV:-$root/.venv}
if (($# == 0)); then
  set -- "$root/examples/mlp_classifier.mlir" "$root/examples/resnet_basic_block.mlir"
fi

# Build progress goes to stderr so stdout is the models' results.
"$root/scripts/build.sh" >&2
work=$build/examples
mkdir -p "$work"
for model in "$@"; do
  name=$(basename "$model" .mlir)
  echo "== $name: kiln-compile $model -o $work/$name.kiln"
  "$build/bin/kiln-compile" "$model" -o "$work/$name.kiln"
  read -r -a inputs < <("$venv/bin/python" "$root/scripts/random_inputs.py" \
    "$model" "$work/$name-inputs")
  echo "== $name: kiln-run $name.kiln (random inputs, seed 0)"
  "$build/bin/kiln-run" "$work/$name.kiln" "${inputs[@]}" --print \
    --benchmark 20
done
