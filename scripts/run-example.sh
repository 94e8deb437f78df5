#!/usr/bin/env bash
# The main job: build Kiln, then run an example model graph through the graph
# pipeline and print it. Usage: scripts/run-example.sh [MODEL.mlir]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${KILN_BUILD_DIR:-$root/build}
model=${1:-$root/examples/mlp_classifier.mlir}

# Build progress goes to stderr so stdout is only the IR.
"$root/scripts/build.sh" >&2
echo "== $model after --graph-canonicalize" >&2
"$build/bin/kiln-opt" --graph-canonicalize "$model"
