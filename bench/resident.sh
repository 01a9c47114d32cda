#!/usr/bin/env bash
# Resident mode (a benchmark, not a test): per-cell cost of `cell-runner serve` and throughput of
# `run --parallel`, for a /usr/bin/true cell with RULES egress rules (default 1), full confinement and
# signed JSONL events. Runs in a private network namespace (uplinks never touch this host's network).
# The server first runs WARMUP cells (default 300; a resident runner's steady state is what it runs
# in, its first cells after start run partly interpreted code: their median is printed too). Prints:
# the median round trip of a submission over the socket (bench/submit.py, no client JVM), the
# server's own median time per cell, the workload alone (spawning /usr/bin/true from the same client),
# their difference (the per-cell overhead), and cells/second of `run --parallel 1` and `--parallel 2`
# over CELLS documents (a fresh JVM each, so start-up included).
# Usage: bench/resident.sh [RUNS] [CELLS]   (root, a built jar, python3; WARMUP and RULES from the environment)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/bench/lib.sh"
in_private_netns "$0" "$@"
runs="${1:-100}"
cells="${2:-40}"
work="$(mktemp -d /tmp/crresident.XXXXXX)"
trap 'stop_server; rm -rf "$work"' EXIT
write_true_cell "$work/cell.json" "${RULES:-1}"
warmup="${WARMUP:-300}"
start_server "$work" "$warmup"
warm=$(wc -l <"$work/serve.err")
python3 "$here/bench/submit.py" "$work/sock/serve.sock" "$work/cell.json" "$runs" >"$work/round-trips.txt"
tail -n +"$((warm + 1))" "$work/serve.err" | sed -n 's/.* exit 0 in \([0-9.]*\) ms.*/\1/p' >"$work/server-ms.txt"
workload_ms=$(exec_ms 100)
round=$(median <"$work/round-trips.txt")
cold=$(head -n 50 "$work/warmup-ms.txt" | median)
inside=$(median <"$work/server-ms.txt")

for ((i = 0; i < cells; i++)); do cp "$work/cell.json" "$work/c$i.json"; done
throughput() {
  local t0 t1
  t0=$(date +%s%N)
  "$here/bin/cell-runner" run "$work"/c*.json --parallel "$1" --events "jsonl:$work/batch.jsonl" >/dev/null 2>&1
  t1=$(date +%s%N)
  awk -v n="$cells" -v ns="$((t1 - t0))" 'BEGIN { printf "%.1f cells/s (%.1f ms per cell, JVM start included)", n / (ns / 1e9), ns / 1e6 / n }'
}
printf 'machine: %s, %s cores, %s, load %s\n' "$(uname -r)" "$(nproc)" "$(java -version 2>&1 | head -1)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'cell: /usr/bin/true, %s egress rule(s), full confinement, signed JSONL events (fsync)\n' "${RULES:-1}"
printf '%-52s %8s ms\n' "first 50 cells after the server's warm-up (median)" "$cold"
printf '%-52s %8s ms\n' "submit round trip after $warmup cells (median of $runs)" "$round"
printf '%-52s %8s ms\n' "server time per cell (median)" "$inside"
printf '%-52s %8s ms\n' "workload alone (spawn /usr/bin/true and wait, median)" "$workload_ms"
awk -v r="$round" -v w="$workload_ms" 'BEGIN { printf "%-52s %8.1f ms\n", "per-cell overhead (round trip - workload)", r - w }'
printf 'run --parallel 1, %s cells: %s\n' "$cells" "$(throughput 1)"
printf 'run --parallel 2, %s cells: %s\n' "$cells" "$(throughput 2)"
