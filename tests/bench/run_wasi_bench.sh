#!/usr/bin/env bash
# run_wasi_bench.sh — WASI commands timed start to exit, in one command:
# builds kiln and the programs (tests/bench/CMakeLists.txt,
# kiln_wasi_bench_programs), then prints one table with the median wall time
# in ms of each program
#
#   - under `kiln run`, its artifact cached (--cache-dir in the build dir;
#     every program is run once first, so each timed run loads the artifact),
#   - natively (the same C built with clang-19 -O2),
#   - under node's WASI (run_wasi_node.js; V8 compiles on every run), when
#     node is on the PATH,
#
# for three kinds of program:
#   (a) hello: printf of one line (start-up and exit cost);
#   (b) many_lines N FILE: N small printf's to stdout (/dev/null) and to FILE;
#   (c) the exec bench's programs (programs/*.c + wasi_main.c), run() once.
# A first run of each program checks that all runners print the same thing
# (and write the same file); a difference is marked in the table and makes
# the exit status 1. Timings include process start-up and are wall-clock
# times, so a loaded machine inflates them; nothing here asserts a timing.
#
#   tests/bench/run_wasi_bench.sh
#
# Environment: BUILD_DIR (default build/ in the checkout, configured like
# scripts/setup.sh if it has not been), JOBS (ninja -j), REPS_HELLO (20),
# REPS_LINES (5), REPS_PROGRAMS (3), LINES (100000), NODE (node).
set -euo pipefail
export LC_ALL=C

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
reps_hello=${REPS_HELLO:-20}
reps_lines=${REPS_LINES:-5}
reps_programs=${REPS_PROGRAMS:-3}
lines=${LINES:-100000}
node=${NODE:-node}

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
ninja -C "$build" ${JOBS:+-j "$JOBS"} kiln kiln_wasi_bench_programs

kiln=$build/client/kiln
progs=$build/tests/bench/wasi-programs
node_runner=$root/tests/bench/run_wasi_node.js
cache=$build/bench/wasi-bench-cache
work=$build/bench/wasi-bench-work
rm -rf "$work"
mkdir -p "$cache" "$work"
have_node=0
if command -v "$node" >/dev/null 2>&1; then have_node=1; fi

# One program under each runner: RUNNER [--dir DIR] NAME [ARGS...].
run_kiln() {
  local dir=()
  if [ "$1" = --dir ]; then dir=(--dir "$2"); shift 2; fi
  local name=$1; shift
  "$kiln" run --cache-dir "$cache" "${dir[@]}" "$progs/$name.wasm" "$@"
}
run_native() {
  if [ "$1" = --dir ]; then shift 2; fi
  local name=$1; shift
  "$progs/native/$name" "$@"
}
run_node() {
  local dir=()
  if [ "$1" = --dir ]; then dir=(--dir "$2"); shift 2; fi
  local name=$1; shift
  "$node" --no-warnings "$node_runner" "${dir[@]}" "$progs/$name.wasm" "$@"
}

# median_ms REPS COMMAND...: runs COMMAND (stdout to /dev/null) REPS times
# and prints the median wall time in ms; fails if a run exits non-zero.
median_ms() {
  local reps=$1; shift
  local times=() i start end
  for ((i = 0; i < reps; ++i)); do
    start=${EPOCHREALTIME/./}
    if ! "$@" >/dev/null; then
      echo "run_wasi_bench.sh: '$*' failed" >&2
      return 1
    fi
    end=${EPOCHREALTIME/./}
    times+=($((end - start)))
  done
  printf '%s\n' "${times[@]}" | sort -n |
    awk '{t[NR] = $1} END {m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2;
                           printf "%.1f", m / 1000}'
}

status=0
rows=()
# row LABEL REPS FILE_CHECK [--dir DIR] NAME [ARGS...]: checks that every
# runner prints what native code prints (and, when FILE_CHECK names a file
# written by the program, writes the same file), warming kiln's cache on the
# way, then times each runner.
row() {
  local label=$1 reps=$2 file=$3; shift 3
  local note="" runner
  run_native "$@" > "$work/native.out"
  [ -z "$file" ] || mv "$file" "$work/native.file"
  local runners=(kiln)
  [ $have_node = 0 ] || runners+=(node)
  for runner in "${runners[@]}"; do
    if ! "run_$runner" "$@" > "$work/$runner.out"; then
      note="$note $runner:FAILED"
    elif ! cmp -s "$work/native.out" "$work/$runner.out"; then
      note="$note $runner:OUTPUT-DIFFERS"
    elif [ -n "$file" ] && ! cmp -s "$work/native.file" "$file"; then
      note="$note $runner:FILE-DIFFERS"
    fi
  done
  if [ -n "$note" ]; then status=1; fi
  local k n v="n/a"
  k=$(median_ms "$reps" run_kiln "$@") || { k="failed"; status=1; }
  n=$(median_ms "$reps" run_native "$@") || { n="failed"; status=1; }
  if [ $have_node = 1 ]; then
    v=$(median_ms "$reps" run_node "$@") || { v="failed"; status=1; }
  fi
  rows+=("$(printf '%-34s %4s %10s %10s %10s %9s %9s%s' "$label" "$reps" "$k" "$n" "$v" \
    "$(ratio "$k" "$n")" "$(ratio "$v" "$n")" "$note")")
  echo "${rows[-1]}" >&2
}
ratio() {
  case "$1$2" in *[!0-9.]*) echo "-" ;; *) awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", a / b}' ;; esac
}

echo "== timing (progress on stderr; the table follows)" >&2
row "(a) hello (printf 1 line)" "$reps_hello" "" hello
row "(b) many_lines $lines, stdout+file" "$reps_lines" "$work/lines.txt" \
  --dir "$work" many_lines "$lines" "$work/lines.txt"
for name in matmul sort hash interp nbody memops vectorize; do
  row "(c) $name" "$reps_programs" "" "$name"
done
kiln_alone=$(median_ms "$reps_hello" "$kiln" help)

echo
echo "WASI commands, start to exit, median wall ms"
lscpu | grep 'Model name' | sed 's/  */ /g'
echo "CPUs online: $(nproc); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "kiln: $kiln; node: $([ $have_node = 1 ] && "$node" --version || echo 'not found')"
echo
printf '%-34s %4s %10s %10s %10s %9s %9s\n' case runs "kiln" native "node" kiln/nat node/nat
for r in "${rows[@]}"; do echo "$r"; done
echo
echo "kiln-full's start-up, what a run that must compile pays first (\`kiln help\`, which kiln hands to it): $kiln_alone ms"
[ $status = 0 ] || echo "SOME RUNNER FAILED OR DIFFERED FROM NATIVE CODE (see the rows)"
exit $status
