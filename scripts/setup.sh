#!/usr/bin/env bash
# Installs every Debian 12 package Kiln needs, then configures and builds it
# into build/ (Release, Ninja). Safe to run again: apt-get and ninja skip
# what is already done. Run as root, or as a user with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # build tools
  build-essential cmake ninja-build pkg-config git ca-certificates
  # libraries (see ../shared/DESIGN.md)
  libabsl-dev libtbb-dev libssl-dev libzstd-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev
  llvm-19-dev clang-19 lld-19
  # tests: the wasm32 toolchain for test programs (the spec runner reads
  # .wast itself; wabt is only the parse benchmark's baseline, which
  # tests/bench/run_parse_bench.sh installs)
  wasi-libc libclang-rt-19-dev-wasm32
  # tests: a TLS certificate for kilnd's TLS test
  openssl
  # scripts/fuzz.sh: libFuzzer and the sanitizers for clang-19
  libclang-rt-19-dev
  # tests/bench/run_exec_bench.sh: draws the bar chart (PNG) of its results;
  # the -nox build has no X11 dependencies
  gnuplot-nox
)

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
missing=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${packages[@]}" 2>/dev/null \
  | awk '$2 != "installed" {print $1}' || true)
# dpkg-query says nothing about packages it has never seen.
seen=$(dpkg-query -W -f='${Package}\n' "${packages[@]}" 2>/dev/null || true)
for p in "${packages[@]}"; do
  grep -qx "$p" <<<"$seen" || missing="$missing $p"
done
if [ -n "${missing// /}" ]; then
  echo "== installing:" $missing
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${packages[@]}"
fi

echo "== configuring and building (build/)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${KILN_BUILD_TYPE:-Release}"
cmake --build build
