#!/bin/sh
# run_exec_bench.sh — the execution benchmark in one command: builds
# kiln_exec_bench (and the programs in tests/bench/programs/, to wasm twice,
# plain and -msimd128, and natively with clang-19), runs it, and writes the
# results as CSV and as a PNG bar chart.
#
#   tests/bench/run_exec_bench.sh [kiln_exec_bench flags...]
#
# e.g. tests/bench/run_exec_bench.sh --opt-level O1 --reps 7 --filter sort
#
# Defaults: --reps 5 --rounds 3 --csv $BUILD_DIR/bench/exec_bench.csv
# --png $BUILD_DIR/bench/exec_bench.png; flags given here come later and win.
# BUILD_DIR (default: build/ in the checkout) is configured first if it has
# not been; JOBS sets ninja's -j (default: ninja's own choice). The V8
# columns need node on the PATH and the chart needs gnuplot (Debian's
# gnuplot-nox); without them the bench still runs and says what it skipped.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
if [ -n "${JOBS:-}" ]; then
  ninja -C "$build" -j "$JOBS" kiln_exec_bench
else
  ninja -C "$build" kiln_exec_bench
fi

out=$build/bench
mkdir -p "$out"
csv=$out/exec_bench.csv
png=$out/exec_bench.png
rm -f "$csv" "$png"
status=0
"$build/tests/bench/kiln_exec_bench" --reps 5 --rounds 3 --csv "$csv" --png "$png" "$@" || status=$?

echo
[ -f "$csv" ] && echo "CSV: $csv"
[ -f "$png" ] && echo "PNG: $png"
exit $status
