# foreign_cpu_run.sh WAY MODULE — `kiln run` of MODULE's export fib(20),
# compiled for the first of a few CPUs whose code this host cannot run; no
# host can run them all (AMX is only Intel's, SSE4A and CLZERO only AMD's).
# WAY is how the code is made and loaded: "artifact" (kiln compile --cpu,
# then kiln run of the artifact), "run" (kiln run --cpu, through the
# artifact cache) or "run-no-cache" (compiled and loaded in one process).
# Exits with that kiln run's status. Code for a CPU this host can run must
# give the right answer; status 9 if every CPU's code ran, so that a test
# using this fails rather than passes without trying the refusal. $KILN and
# $OUT come from kiln_script_test.
way=$1
module=$2
for cpu in sapphirerapids znver4 graniterapids znver5 arrowlake; do
  case $way in
    artifact)
      "$KILN" compile --cpu "$cpu" "$module" -o "$OUT/$cpu.kart" >/dev/null || exit 9
      set -- "$OUT/$cpu.kart" ;;
    run) set -- --cpu "$cpu" "$module" ;;
    run-no-cache) set -- --no-cache --cpu "$cpu" "$module" ;;
    *) echo "unknown way $way"; exit 9 ;;
  esac
  "$KILN" run "$@" --invoke fib 20 >"$OUT/$cpu.out" 2>&1
  status=$?
  if [ "$status" -ne 0 ]; then
    cat "$OUT/$cpu.out"
    exit "$status"
  fi
  grep -qx 'i64:6765' "$OUT/$cpu.out" || { cat "$OUT/$cpu.out"; exit 9; }
  echo "$cpu: runs here"
done
echo "this host ran every CPU's code; the refusal was not tried"
exit 9
