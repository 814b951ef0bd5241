#!/bin/sh
# run_compile_bench.sh — build kiln_compile_bench and run it over the
# execution benchmark's programs and one large real module.
#
#   tests/bench/run_compile_bench.sh [kiln_compile_bench flags...]
#
# The large module is yosys (a C++ program of about 34,000 functions, 30.8 MB
# of wasm): the first run fetches it into BUILD_DIR/bench/ (fetch_yosys.sh).
# Set LARGE_MODULE=FILE.wasm to use another module instead, or
# LARGE_MODULE=none to skip it. Results are
# printed and written to BUILD_DIR/bench/compile_bench.csv. The large module
# takes minutes per configuration at O2.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
out=$build/bench
mkdir -p "$out"

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja
fi
ninja -C "$build" kiln_compile_bench kiln_exec_bench_programs

large=${LARGE_MODULE:-}
if [ -z "$large" ]; then large=$("$root/tests/bench/fetch_yosys.sh" "$out"); fi
set -- "$@" "$build"/tests/bench/programs/*.wasm
if [ "$large" != none ]; then set -- "$@" "$large"; fi
exec "$build/tests/bench/kiln_compile_bench" --csv "$out/compile_bench.csv" "$@"
