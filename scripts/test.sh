#!/usr/bin/env bash
# Every test: build Kiln, then run the whole suite through ctest (the lit suite
# by area) and print ctest's summary. Exits non-zero when anything fails.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${KILN_BUILD_DIR:-$root/build}

"$root/scripts/build.sh"
ctest --test-dir "$build" --output-on-failure
