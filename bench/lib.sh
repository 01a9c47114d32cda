# Shared by the bench scripts (source it; $here is the repository root).

# in_private_netns SCRIPT ARGS...: runs the calling script again inside a network namespace of its own
# (loopback up), so the cells' uplinks, veths and tables never touch this host's network.
in_private_netns() {
  if [[ -z "${CR_BENCH_NETNS:-}" ]]; then
    exec env CR_BENCH_NETNS=1 unshare --net bash "$@"
  fi
  ip link set lo up
}

# write_true_cell FILE RULES: a /usr/bin/true cell with RULES egress rules (TEST-NET-2, never reached).
write_true_cell() {
  local file="$1" rules="$2" list="" i
  for ((i = 0; i < rules; i++)); do
    list+="${list:+,}{\"host\":\"198.51.100.$((i % 250 + 1))\",\"port\":$((443 + i)),\"protocol\":\"tcp\"}"
  done
  cat >"$file" <<JSON
{"apiVersion":"cellos.io/v1","kind":"ExecutionCell",
 "spec":{"id":"bench-true","lifetime":{"ttlSeconds":30},
         "authority":{"egressRules":[$list]},
         "run":{"argv":["/usr/bin/true"]}}}
JSON
}

# start_server DIR [WARMUP]: a resident runner on DIR/sock/serve.sock (events to DIR/serve.jsonl, log to
# DIR/serve.err), once its own warm-up is done, warmed up with WARMUP cells of DIR/cell.json (default
# 300: a fresh JVM runs its first cells partly interpreted, a resident one runs thousands); their round
# trips go to DIR/warmup-ms.txt.
# Its pid is in $server.
start_server() {
  local dir="$1" warmup="${2:-300}"
  "$here/bin/cell-runner" serve --socket "$dir/sock/serve.sock" --events "jsonl:$dir/serve.jsonl" 2>"$dir/serve.err" &
  server=$!
  until grep -q "listening on" "$dir/serve.err" 2>/dev/null; do sleep 0.05; done
  # the server's own warm-up (docs/serve.md) first, as a server in service would have done long ago
  for ((i = 0; i < 600; i++)); do grep -q "warm-up \(done\|stopped\)" "$dir/serve.err" && break; sleep 0.05; done
  python3 "$here/bench/submit.py" "$dir/sock/serve.sock" "$dir/cell.json" "$warmup" >"$dir/warmup-ms.txt"
}

# exec_ms RUNS: median wall time, in ms, of spawning /usr/bin/true and waiting for it, timed from Python
# like the round trips of bench/submit.py (the workload alone, to subtract from a cell's round trip).
exec_ms() {
  python3 - "$1" <<'PY'
import statistics, subprocess, sys, time
times = []
for _ in range(int(sys.argv[1])):
    start = time.perf_counter()
    subprocess.run(["/usr/bin/true"], check=True)
    times.append((time.perf_counter() - start) * 1000)
print(f"{statistics.median(times):.1f}")
PY
}

# stop_server: ends the server started above, if any.
stop_server() {
  if [[ -n "${server:-}" ]]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=""
  fi
}

# median: the median of the numbers on stdin, one per line.
median() {
  sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.1f", m}'
}

# Starts bench/dns_fixture.py (a DNS server answering names under DOMAIN) on a random loopback port and
# waits until it answers; sets $fixture (its PID, for the caller's cleanup) and $port.
start_dns_fixture() {
  local work="$1" domain="$2"
  port=$((20000 + RANDOM % 20000))
  python3 "$here/bench/dns_fixture.py" "$port" "$domain" >"$work/fixture.out" &
  fixture=$!
  until grep -q ready "$work/fixture.out" 2>/dev/null; do sleep 0.05; done
}
