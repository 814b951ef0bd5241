#!/bin/sh
# fetch_yosys.sh OUT_DIR — prints the path of yosys.core.wasm (a C++ program
# of about 34,000 functions, 30.8 MB of wasm, built for wasm32-wasi by the
# YoWASP project), fetching its npm package (@yowasp/yosys, pinned here)
# with `npm pack` into OUT_DIR the first time and keeping it there.
set -eu
out=$1
mkdir -p "$out"
large=$out/yosys.core.wasm
if [ ! -f "$large" ]; then
  echo "fetching @yowasp/yosys@0.55.944 (npm) for its yosys.core.wasm" >&2
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent @yowasp/yosys@0.55.944 >/dev/null && tar xzf yowasp-yosys-*.tgz)
  mv "$tmp/package/gen/yosys.core.wasm" "$large"
  rm -rf "$tmp"
fi
echo "$large"
