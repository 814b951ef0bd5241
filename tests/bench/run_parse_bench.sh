#!/usr/bin/env bash
# Text-format parse speed: `kiln parse` against wabt's wat2wasm, on the same
# input in the same run.
#
#   tests/bench/run_parse_bench.sh [--functions N] [--reps R]
#
# The input is the printed text (`kiln print`) of the generated module that
# wasm_validate_bench writes (50,000 functions by default, 10+ MB of
# binary). Each tool converts it to a binary R times (default 5); the
# script prints the best and median wall time and MB/s of text. wabt comes
# from Debian's "wabt" package, installed here when missing (as root).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${KILN_BUILD_DIR:-$root/build}
functions=50000
reps=5
while [[ $# -gt 0 ]]; do
  case $1 in
    --functions) functions=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    *) echo "usage: $0 [--functions N] [--reps R]" >&2; exit 2 ;;
  esac
done
if ! command -v wat2wasm >/dev/null; then
  if [[ $(id -u) -eq 0 ]]; then
    apt-get update -qq && apt-get install -y -qq wabt >/dev/null
  else
    echo "run_parse_bench: wat2wasm not found (Debian package wabt)" >&2
    exit 1
  fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/tests/bench/wasm_validate_bench" --functions "$functions" --reps 1 --write "$tmp/in.wasm" >/dev/null
"$build/client/kiln" print "$tmp/in.wasm" -o "$tmp/in.wat"
text_bytes=$(stat -c %s "$tmp/in.wat")

# time_tool NAME COMMAND...: R wall times in seconds, sorted.
time_tool() {
  local name=$1; shift
  local times=()
  for ((i = 0; i < reps; i++)); do
    local start=$EPOCHREALTIME
    "$@" >/dev/null
    times+=("$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.6f", b - a }')")
  done
  printf '%s\n' "${times[@]}" | sort -n > "$tmp/$name.times"
}
time_tool kiln "$build/client/kiln" parse "$tmp/in.wat" -o "$tmp/kiln.wasm"
# --enable-annotations: the printed text keeps the name section as @custom.
time_tool wat2wasm wat2wasm --enable-annotations "$tmp/in.wat" -o "$tmp/wabt.wasm"

echo "input: $(basename "$tmp")/in.wat, $text_bytes bytes of text ($functions functions; binary $(stat -c %s "$tmp/in.wasm") bytes)"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
printf '%-10s %10s %10s %12s\n' tool best_s median_s MB/s_best
for name in kiln wat2wasm; do
  best=$(head -1 "$tmp/$name.times")
  median=$(sed -n "$(((reps + 1) / 2))p" "$tmp/$name.times")
  mbs=$(awk -v n="$text_bytes" -v t="$best" 'BEGIN { printf "%.1f", n / t / 1e6 }')
  printf '%-10s %10.3f %10.3f %12.1f\n' "$name" "$best" "$median" "$mbs"
done
if cmp -s "$tmp/kiln.wasm" "$tmp/in.wasm"; then
  echo "kiln parse gave back the original binary byte for byte"
else
  echo "kiln parse: the binary differs from the original (non-canonical input encoding)"
fi
