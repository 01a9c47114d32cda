#!/usr/bin/env bash
# Start-up benchmark (not a test): median wall time of a one-shot `bin/cell-runner` on a /usr/bin/true
# cell next to `unshare -n /usr/bin/true`, and their ratio. Usage: bench/startup.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-15}"
work="$(mktemp -d /tmp/crbench-startup.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cat > "$work/true.json" <<'JSON'
{"apiVersion":"cellos.io/v1","kind":"ExecutionCell",
 "spec":{"id":"bench-true","lifetime":{"ttlSeconds":30},"run":{"argv":["/usr/bin/true"]}}}
JSON

# median_ms CMD...: runs CMD $runs times (after one warm-up) and prints the median wall time in ms.
median_ms() {
  "$@" >/dev/null 2>&1 || true
  local samples=()
  for ((i = 0; i < runs; i++)); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    t1=$(date +%s%N)
    samples+=($(((t1 - t0) / 1000)))
  done
  printf '%s\n' "${samples[@]}" | sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.1f\n", m / 1000}'
}

base=$(median_ms unshare -n /usr/bin/true)
cell=$(median_ms bin/cell-runner run "$work/true.json" --events "jsonl:$work/events.jsonl")
printf 'machine: %s, %s cores, %s\n' "$(uname -r)" "$(nproc)" "$(java -version 2>&1 | head -1)"
printf '%-44s %10s\n' "command (median of $runs runs)" "wall ms"
printf '%-44s %10s\n' "unshare -n /usr/bin/true" "$base"
printf '%-44s %10s\n' "bin/cell-runner (true cell, JSONL events)" "$cell"
awk -v a="$cell" -v b="$base" 'BEGIN { printf "ratio cell-runner / unshare -n: %.1fx\n", a / b }'
