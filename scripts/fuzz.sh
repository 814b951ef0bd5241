#!/usr/bin/env bash
# Fuzzes the wasm decoder and validator with libFuzzer for a bounded time.
#
#   scripts/fuzz.sh [SEED_DIR]
#
# Configures a separate build folder with clang-19, everything instrumented
# for coverage and built with AddressSanitizer and UndefinedBehaviorSanitizer,
# builds tests/fuzz/decode_validate_fuzzer, and runs it. The seed corpus is
# SEED_DIR when given, else the binary modules of the spec suite
# ($KILN_SHARED_DIR/testsuite/core, converted with wabt's wast2json into a
# temporary folder). Inputs the fuzzer finds interesting accumulate in
# $FUZZ_BUILD_DIR/corpus across runs; crashes land in
# $FUZZ_BUILD_DIR/artifacts/ and make the script exit non-zero.
#
# Environment:
#   FUZZ_SECONDS    how long to fuzz (default 60)
#   FUZZ_BUILD_DIR  the build folder (default build-fuzz in the checkout)
#   KILN_SHARED_DIR the shared folder with the spec suite (default ../shared)
#   FUZZ_ARGS       more libFuzzer flags, e.g. "-seed=1 -max_len=4096"
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-60}
shared=${KILN_SHARED_DIR:-$root/../shared}
seed_dir=${1:-}

# Instrument every target, not just the fuzzer: coverage of the decoder is
# what guides libFuzzer. Warnings are not errors here: this build only hunts
# crashes, and a newer clang may warn where the project's compiler does not.
sanitize="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
# Debian's abseil is built with GCC; clang 18+ mangles some of its templates
# (absl::Cord's constructor from std::string) differently unless asked to
# keep clang 17's mangling, and the link then fails.
abi="-fclang-abi-compat=17"
CC=clang-19 CXX=clang++-19 cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS="$sanitize" -DCMAKE_CXX_FLAGS="$sanitize $abi" \
  -DKILN_WERROR=OFF -DKILN_SHARED_DIR="$shared" >/dev/null
ninja -C "$build" -j2 decode_validate_fuzzer

tmp=
cleanup() { if [[ -n "$tmp" ]]; then rm -rf "$tmp"; fi; }
trap cleanup EXIT
if [[ -z "$seed_dir" ]]; then
  tmp=$(mktemp -d)
  seed_dir=$tmp/seeds
  mkdir -p "$seed_dir"
  # wast2json writes one .wasm per module in a script (and .wat for text
  # modules, which are useless here). A script it cannot convert is skipped.
  for wast in "$shared"/testsuite/core/*.wast; do
    name=$(basename "$wast" .wast)
    wast2json "$wast" -o "$tmp/$name.json" >/dev/null 2>&1 || true
  done
  find "$tmp" -maxdepth 1 -name '*.wasm' -exec mv -t "$seed_dir" {} +
  echo "seed corpus: $(find "$seed_dir" -type f | wc -l) modules from $shared/testsuite/core"
fi

mkdir -p "$build/corpus" "$build/artifacts"
# -timeout: a single input taking this long is a hang; -rss_limit_mb: one
# using this much memory is an unbounded allocation.
# shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
"$build/tests/fuzz/decode_validate_fuzzer" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$build/artifacts/" ${FUZZ_ARGS:-} \
  "$build/corpus" "$seed_dir"
