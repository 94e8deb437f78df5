#!/usr/bin/env bash
# Every test: build Kiln, then run the whole suite through ctest (the lit suite
# by area) and print ctest's summary, then the ONNX conformance counts.
# Exits non-zero when anything fails.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${KILN_BUILD_DIR:-$root/build}

"$root/scripts/build.sh"
status=0
ctest --test-dir "$build" --output-on-failure || status=$?
# ctest shows a passing test's output only in its log: repeat the summary.
grep -h "^ONNX conformance" "$build/Testing/Temporary/LastTest.log" || true
exit $status
