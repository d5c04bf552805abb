# The sandbox for the shell scripts (make test's wasm layers, make demo);
# JavaScript starts it with sandbox/start.mjs. Sourced, not run.
#
# sandbox_start ADDR TIME_SCALE LOG: starts it on loopback and sets SANDBOX_PID
# and SANDBOX_URL once it listens. It exits when the script ends (its stdin,
# fd 7 here, closes); sandbox_stop also kills it by its pid.
sandbox_start() {
  local addr=$1 scale=$2 log=$3 fifo=.tmp/sandbox-$$.in
  mkdir -p .tmp "$(dirname "$log")"
  rm -f "$fifo" && mkfifo "$fifo"
  ./target/release/sandbox --addr "$addr" --time-scale "$scale" --exit-on-stdin-eof < "$fifo" > "$log" 2>&1 &
  SANDBOX_PID=$!
  exec 7> "$fifo"
  rm -f "$fifo" # both ends are open: the name is no longer needed
  for _ in $(seq 100); do
    SANDBOX_URL=$(sed -n 's/^listening on //p' "$log" | head -1)
    [ -n "$SANDBOX_URL" ] && return 0
    sleep 0.1
  done
  echo "the sandbox did not start:" >&2
  cat "$log" >&2
  return 1
}

sandbox_stop() {
  exec 7>&- 2>/dev/null
  if [ -n "${SANDBOX_PID:-}" ]; then
    kill "$SANDBOX_PID" 2>/dev/null && wait "$SANDBOX_PID" 2>/dev/null
  fi
  SANDBOX_PID=
  return 0
}
