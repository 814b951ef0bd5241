#!/bin/sh
# run_exec_bench.sh — build kiln_exec_bench and run it.
#
#   tests/bench/run_exec_bench.sh [kiln_exec_bench flags...]
#
# e.g. tests/bench/run_exec_bench.sh --opt-level O1 --reps 7 --filter sort
#
# BUILD_DIR (default: build/ in the checkout) is configured first if it has
# not been; JOBS sets ninja's -j (default: ninja's own choice). The bench
# builds the programs in tests/bench/programs/ to wasm and natively with
# clang-19, and adds a V8 column when node is on the PATH.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja
fi
if [ -n "${JOBS:-}" ]; then
  ninja -C "$build" -j "$JOBS" kiln_exec_bench
else
  ninja -C "$build" kiln_exec_bench
fi
exec "$build/tests/bench/kiln_exec_bench" "$@"
