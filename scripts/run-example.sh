#!/usr/bin/env bash
# The main job: build Kiln, compile the example models (an MLP and a small
# CNN, or the models given) with kiln-compile and run them with kiln-run on
# random inputs, printing their outputs and latency; by default also the
# transformer encoder layer, whole and sharded over two devices (its
# feed-forward block tensor-parallel), printing the same outputs, and on an
# OpenCL device when the machine has one (PoCL in CI), the same outputs.
# Usage: scripts/run-example.sh [MODEL.mlir ...]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${KILN_BUILD_DIR:-$root/build}
venv=${KILN_VENV:-$root/.venv}
sharded_demo=0
if (($# == 0)); then
  set -- "$root/examples/mlp_classifier.mlir" "$root/examples/resnet_basic_block.mlir" \
    "$root/examples/transformer_encoder_layer.mlir"
  sharded_demo=1
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

if ((sharded_demo)); then
  name=transformer_encoder_layer
  model=$root/examples/$name.mlir
  shards=(--mesh tp=2 --shard linear1_weight=tp,_ --shard linear1_bias=tp
          --shard linear2_weight=_,tp)
  echo "== $name, sharded: kiln-compile $model ${shards[*]}"
  "$build/bin/kiln-compile" "$model" -o "$work/$name-tp2.kiln" "${shards[@]}"
  read -r -a inputs < <("$venv/bin/python" "$root/scripts/random_inputs.py" \
    "$model" "$work/$name-inputs")
  echo "== $name, sharded: kiln-run $name-tp2.kiln on 2 devices (same inputs)"
  "$build/bin/kiln-run" "$work/$name-tp2.kiln" "${inputs[@]}" --print \
    --benchmark 20
fi

if ((sharded_demo)) && "$build/bin/kiln-run" --list-devices | grep -q "^opencl:0 "; then
  name=transformer_encoder_layer
  model=$root/examples/$name.mlir
  echo "== $name, on OpenCL: kiln-compile $model --target opencl"
  "$build/bin/kiln-compile" "$model" -o "$work/$name-opencl.kiln" \
    --target opencl
  read -r -a inputs < <("$venv/bin/python" "$root/scripts/random_inputs.py" \
    "$model" "$work/$name-inputs")
  echo "== $name, on OpenCL: kiln-run $name-opencl.kiln (same inputs)"
  "$build/bin/kiln-run" "$work/$name-opencl.kiln" "${inputs[@]}" --print \
    --benchmark 20
fi
