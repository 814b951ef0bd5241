# Sourced by the CLI tests that need a daemon: starts $KILND on a free port
# with a cache folder under $OUT, sets SERVER to its HOST:PORT, and defines
# stop_kilnd (SIGTERM, then wait for it to drain and exit).
"$KILND" --listen 127.0.0.1:0 --cache-dir "$OUT/daemon-cache" "$@" > "$OUT/kilnd.out" 2> "$OUT/kilnd.log" &
KILND_PID=$!
for _ in $(seq 600); do  # up to 30 s on a loaded machine
  grep -q '^listening on ' "$OUT/kilnd.out" 2>/dev/null && break
  sleep 0.05
done
SERVER=$(sed -n 's/^listening on //p' "$OUT/kilnd.out")
stop_kilnd() {
  kill -TERM "$KILND_PID" 2>/dev/null
  wait "$KILND_PID"
}
