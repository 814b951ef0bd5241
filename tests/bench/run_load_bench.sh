#!/usr/bin/env bash
# Starts a kilnd on a free port with a fresh cache folder, runs
# kiln_load_bench against it (arguments are passed on), then stops it.
set -euo pipefail
build="${KILN_BUILD_DIR:-$(dirname "$0")/../../build}"
cache=$(mktemp -d)
out=$(mktemp)
"$build/server/kilnd" --listen 127.0.0.1:0 --cache-dir "$cache" > "$out" 2>/dev/null &
daemon=$!
trap 'kill $daemon 2>/dev/null || true; wait $daemon 2>/dev/null || true; rm -rf "$cache" "$out"' EXIT
for _ in $(seq 100); do
  grep -q '^listening on ' "$out" && break
  sleep 0.1
done
address=$(sed -n 's/^listening on //p' "$out")
[ -n "$address" ] || { echo "kilnd did not start" >&2; exit 1; }
"$build/tests/bench/kiln_load_bench" --server "$address" "$@"
