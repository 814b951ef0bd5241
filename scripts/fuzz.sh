#!/usr/bin/env bash
# Fuzzes Kiln with libFuzzer for a bounded time, target by target.
#
#   scripts/fuzz.sh [TARGET...] [SEED_DIR]
#
# Configures a separate build folder with clang-19, everything instrumented
# for coverage and built with AddressSanitizer and UndefinedBehaviorSanitizer,
# builds the targets of tests/fuzz and runs each for FUZZ_SECONDS:
#
#   decode_validate_fuzzer  arbitrary bytes into the decoder and validator
#   compile_run_fuzzer      arbitrary bytes through validate, compile, load,
#                           instantiate and a call of every export
#   artifact_load_fuzzer    mutated artifacts into the loader (digest checked)
#   artifact_reseal_fuzzer  mutated artifacts, resealed with a fresh digest so
#                           that the structural checks behind it are reached
#
# TARGET names pick some of them (default: all). The wasm targets' seed
# corpus is SEED_DIR when given (any argument that is a folder), else the
# binary modules of the spec suite ($KILN_SHARED_DIR/testsuite/core,
# written by the main build's kiln-spec --write-modules, $KILN_SPEC to use
# another); wat_parse_fuzzer's seeds are the suite's .wast files; the artifact
# targets' seeds are the artifacts of their reference modules, which the
# fuzzer itself compiles and writes (tests/fuzz/artifact_fuzzer.cc).
#
# Each target keeps the inputs it finds interesting in
# $FUZZ_BUILD_DIR/corpus/TARGET across runs; decode_validate_fuzzer reads its
# seeds on every run (they are cheap), the others only to start an empty
# corpus (the compile_run seeds take minutes to run through the compiler,
# and what they cover is in the corpus after the first run). Crashes land
# in $FUZZ_BUILD_DIR/artifacts/TARGET/, each target's output in
# $FUZZ_BUILD_DIR/logs/TARGET.log. At the end a table gives each target's
# runs, exec/s, coverage and crashes; the script exits non-zero if any
# target crashed (or failed to run).
#
# Environment:
#   FUZZ_SECONDS    how long to fuzz each target (default 60)
#   FUZZ_BUILD_DIR  the build folder (default build-fuzz in the checkout)
#   FUZZ_JOBS       parallel build jobs (default 2)
#   KILN_SHARED_DIR the shared folder with the spec suite (default ../shared)
#   FUZZ_ARGS       more libFuzzer flags, e.g. "-seed=1 -max_len=4096"
#   KILN_FUZZ_OPT_LEVEL  compile_run_fuzzer's opt level (O0, the default, O1, O2)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-2}
shared=${KILN_SHARED_DIR:-$root/../shared}
all_targets=(decode_validate_fuzzer compile_run_fuzzer artifact_load_fuzzer artifact_reseal_fuzzer
  wat_parse_fuzzer)

targets=()
seed_dir=
for arg in "$@"; do
  if [[ -d "$arg" ]]; then
    seed_dir=$(cd "$arg" && pwd)
  elif [[ " ${all_targets[*]} " == *" $arg "* ]]; then
    targets+=("$arg")
  else
    echo "fuzz.sh: unknown target or folder: $arg (targets: ${all_targets[*]})" >&2
    exit 2
  fi
done
if [[ ${#targets[@]} -eq 0 ]]; then targets=("${all_targets[@]}"); fi

# Instrument every target, not just the fuzzer: coverage of the code under
# test is what guides libFuzzer. Warnings are not errors here: this build
# only hunts crashes, and a newer clang may warn where the project's
# compiler does not.
sanitize="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
# Debian's abseil is built with GCC; clang 18+ mangles some of its templates
# (absl::Cord's constructor from std::string) differently unless asked to
# keep clang 17's mangling, and the link then fails.
abi="-fclang-abi-compat=17"
CC=clang-19 CXX=clang++-19 cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS="$sanitize" -DCMAKE_CXX_FLAGS="$sanitize $abi" \
  -DKILN_WERROR=OFF -DKILN_SHARED_DIR="$shared" >/dev/null
ninja -C "$build" -j"$jobs" "${targets[@]}"

tmp=
cleanup() { if [[ -n "$tmp" ]]; then rm -rf "$tmp"; fi; }
trap cleanup EXIT
tmp=$(mktemp -d)

# The spec suite's modules, converted once for the wasm targets that need them.
spec_seeds() {
  if [[ -n "$seed_dir" ]]; then echo "$seed_dir"; return; fi
  if [[ ! -d "$tmp/seeds" ]]; then
    mkdir -p "$tmp/seeds"
    # kiln-spec writes every module of the suite's scripts as a binary (its
    # own text parser reads them); the verdicts do not matter here.
    "${KILN_SPEC:-$root/build/tests/spec/kiln-spec}" --opt-level O0 --write-modules "$tmp/seeds" \
      "$shared"/testsuite/core >/dev/null 2>&1 || true
    echo "seed corpus: $(find "$tmp/seeds" -type f | wc -l) modules from $shared/testsuite/core" >&2
  fi
  echo "$tmp/seeds"
}

# Runtime options every target gets; the caller's come last and win.
#  - allow_user_segv_handler=1: a trap in generated code (an out-of-bounds
#    access into a linear memory's guard region, a stack running out, a
#    division) is a SIGSEGV/SIGBUS/SIGFPE that Kiln's runtime turns into a
#    wasm trap, so ASan must let the runtime install its handler. ASan keeps
#    handle_segv on: the runtime installs its handler over ASan's and hands
#    every fault outside generated code on to it (runtime/src/trap_handler.cc),
#    so a crash in Kiln's own code is still reported with a stack trace.
#  - linear memories reserve 8 GiB of address space each with no access
#    (kiln/runtime/linear_memory.h). That is neither RSS nor malloc, so it
#    counts against neither -rss_limit_mb nor -malloc_limit_mb, and ASan
#    does not shadow mmap'd memory: no option is needed for it. The
#    fuzzers' Stores cap the committed part at 16 MiB (fuzz_harness.cc).
#  - print_stacktrace=1: UBSan reports say where, not only what.
export ASAN_OPTIONS="allow_user_segv_handler=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

# An older script kept decode_validate_fuzzer's corpus in corpus/ itself.
if [[ -d "$build/corpus" && -n $(find "$build/corpus" -maxdepth 1 -type f -print -quit) ]]; then
  mkdir -p "$build/corpus/decode_validate_fuzzer"
  find "$build/corpus" -maxdepth 1 -type f -exec mv -t "$build/corpus/decode_validate_fuzzer" {} +
fi

# Whether a folder holds no file. (Not `find | grep -q`: under pipefail, find
# killed by SIGPIPE when grep stops early would read as "empty".)
is_empty() { [[ -z $(find "$1" -type f -print -quit) ]]; }

# What libFuzzer leaves in a target's artifacts folder per finding (not the
# slow-unit-* files it also writes there, which are only reports).
findings() {
  find "$1" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) |
    wc -l
}

declare -A status_of runs_of speed_of cov_of crashes_of
failed=0
for target in "${targets[@]}"; do
  corpus=$build/corpus/$target
  artifacts=$build/artifacts/$target
  log=$build/logs/$target.log
  mkdir -p "$corpus" "$artifacts" "$build/logs"
  seeds=()
  case $target in
    decode_validate_fuzzer) seeds=("$(spec_seeds)") ;;
    compile_run_fuzzer)
      if is_empty "$corpus"; then seeds=("$(spec_seeds)"); fi ;;
    wat_parse_fuzzer)
      if is_empty "$corpus"; then seeds=("$shared/testsuite/core"); fi ;;
    artifact_*)
      if is_empty "$corpus"; then
        mkdir -p "$tmp/$target"
        KILN_FUZZ_WRITE_SEEDS="$tmp/$target" "$build/tests/fuzz/$target" 2>/dev/null
        seeds=("$tmp/$target")
      fi ;;
  esac
  before=$(findings "$artifacts")
  echo "== $target: ${seconds}s, corpus $corpus${seeds:+, seeds ${seeds[*]}}"
  # -timeout: a single input taking this long is a hang; -rss_limit_mb: one
  # using this much memory is an unbounded allocation.
  rc=0
  # shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
  "$build/tests/fuzz/$target" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" ${FUZZ_ARGS:-} \
    "$corpus" "${seeds[@]}" >"$log" 2>&1 || rc=$?
  after=$(findings "$artifacts")
  runs_of[$target]=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed_of[$target]=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov_of[$target]=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  crashes_of[$target]=$((after - before))
  if [[ $rc -ne 0 || $after -ne $before ]]; then
    status_of[$target]="FAILED (exit $rc)"
    failed=1
    grep -m1 -E 'ERROR:|runtime error:|error contract broken|Test unit written' "$log" >&2 || true
    echo "   see $log and $artifacts/" >&2
  else
    status_of[$target]=ok
  fi
done

echo
printf '%-24s %10s %8s %7s %8s  %s\n' target runs exec/s cov crashes status
for target in "${targets[@]}"; do
  printf '%-24s %10s %8s %7s %8s  %s\n' "$target" "${runs_of[$target]:-?}" \
    "${speed_of[$target]:-?}" "${cov_of[$target]:-?}" "${crashes_of[$target]}" \
    "${status_of[$target]}"
done
exit $failed
