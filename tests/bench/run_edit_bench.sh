#!/bin/sh
# run_edit_bench.sh — the next build of a large module through kilnd: yosys
# (fetch_yosys.sh) is compiled once, then again with one function body
# changed (edit_one_function: three bytes inserted in the middle function,
# so every later body moves). The second compile reuses every batch of
# functions the edit did not touch (jit/include/kiln/jit/batch_cache.h).
#
#   tests/bench/run_edit_bench.sh [--opt-level O0|O1|O2] [--threads N]
#
# Defaults: O2, 2 threads. LARGE_MODULE=FILE.wasm uses another module. The
# first compile takes minutes at O2. Prints both wall times as `kiln
# compile --server` saw them, and the daemon's own compile times.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
opt=O2
threads=2
while [ $# -gt 0 ]; do
  case $1 in
    --opt-level) opt=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "usage: $0 [--opt-level O0|O1|O2] [--threads N]" >&2; exit 2 ;;
  esac
done
ninja -C "$build" kilnd kiln edit_one_function >/dev/null
large=${LARGE_MODULE:-}
if [ -z "$large" ]; then large=$("$root/tests/bench/fetch_yosys.sh" "$build/bench"); fi

tmp=$(mktemp -d)
daemon=
cleanup() {
  if [ -n "$daemon" ]; then kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
"$build/tests/bench/edit_one_function" "$large" "$tmp/edited.wasm"

"$build/server/kilnd" --listen 127.0.0.1:0 --cache-dir "$tmp/cache" --threads "$threads" \
  >"$tmp/kilnd.out" 2>"$tmp/kilnd.log" &
daemon=$!
for _ in $(seq 100); do
  grep -q '^listening on' "$tmp/kilnd.out" 2>/dev/null && break
  sleep 0.1
done
address=$(sed -n 's/^listening on //p' "$tmp/kilnd.out")
[ -n "$address" ] || { echo "kilnd did not start:" >&2; cat "$tmp/kilnd.log" >&2; exit 1; }

# compile NAME FILE: one `kiln compile --server`, timed from outside.
compile() {
  start=$(date +%s.%N)
  "$build/client/kiln" compile --opt-level "$opt" --server "$address" "$2" -o "$tmp/$1.kart" \
    >"$tmp/$1.out"
  end=$(date +%s.%N)
  printf '%-9s %8.2f s  %s\n' "$1" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" \
    "$(cat "$tmp/$1.out")"
}
echo "module: $(basename "$large"), $(stat -c %s "$large") bytes; $opt, $threads threads"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
compile original "$large"
compile edited "$tmp/edited.wasm"
echo "kilnd's log:"
grep 'method=Compile' "$tmp/kilnd.log" | sed 's/^/  /'
