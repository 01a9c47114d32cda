#!/usr/bin/env bash
# Where a one-shot `bin/cell-runner run` spends its time (a benchmark, not a test): runs a /usr/bin/true
# cell with one egress rule, full confinement and signed JSONL events RUNS times and prints, per phase,
# the median milliseconds spent in it and the median time at which it ended (since the shell started the
# launcher), with and without the AppCDS archive. Phases come from CELL_RUNNER_PHASES=1 (see Phases.java).
# Runs inside a private network namespace (bench/lib.sh), so the cell's uplink never touches this host.
# Usage: bench/phases.sh [RUNS] (root, a built jar; EGRESS=0 for a cell without egress rules)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/bench/lib.sh"
in_private_netns "$0" "$@"
runs="${1:-15}"
work="$(mktemp -d /tmp/crphases.XXXXXX)"
trap 'rm -rf "$work"' EXIT
write_true_cell "$work/cell.json" "${EGRESS:-1}"

# sample MODE: one run; appends "phase millis" lines (plus "wall" and "cpu") to $work/MODE.txt
sample() {
  local mode="$1" t0 t1
  t0=$(date +%s%N)
  CELL_RUNNER_CDS="$mode" CELL_RUNNER_PHASES=1 CELL_RUNNER_T0_NS="$t0" \
    /usr/bin/time -f 'cpu %U %S' -o "$work/time.txt" "$here/bin/cell-runner" run "$work/cell.json" --events "jsonl:$work/events.jsonl" >/dev/null 2>"$work/err.txt"
  t1=$(date +%s%N)
  { grep '^cell-runner-phase ' "$work/err.txt" | cut -d' ' -f2-
    echo "wall $(((t1 - t0) / 1000)).0" | awk '{printf "wall %.1f\n", $2 / 1000}'
    awk '{printf "cpu %.1f\n", ($2 + $3) * 1000}' "$work/time.txt"
  } | awk -v run="$2" '{print run, $0}' >>"$work/$mode.txt"
}

for mode in off on; do
  sample "$mode" warmup >/dev/null
  : >"$work/$mode.txt"
  for ((i = 0; i < runs; i++)); do sample "$mode" "$i"; done
done

printf 'machine: %s, %s cores, %s, load %s\n' "$(uname -r)" "$(nproc)" "$(java -version 2>&1 | head -1)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'cell: /usr/bin/true, %s egress rule(s), full confinement, signed JSONL events; median of %s runs (ms)\n' \
  "${EGRESS:-1}" "$runs"
python3 - "$work/off.txt" "$work/on.txt" <<'PY'
import collections, statistics, sys
def load(path):
    runs = collections.defaultdict(list)
    for line in open(path):
        run, phase, ms = line.split()
        runs[run].append((phase, float(ms)))
    spent, at, order = collections.defaultdict(list), collections.defaultdict(list), []
    for marks in runs.values():
        previous = 0.0
        for phase, ms in marks:
            if phase in ("wall", "cpu"):
                at[phase].append(ms)
                continue
            if phase not in order:
                order.append(phase)
            spent[phase].append(ms - previous)
            at[phase].append(ms)
            previous = ms
    return spent, at, order
off, on = load(sys.argv[1]), load(sys.argv[2])
med = lambda xs: statistics.median(xs) if xs else float("nan")
print(f"{'phase (time spent up to its mark)':34} {'no CDS':>8} {'CDS':>8} {'ends at, CDS':>13}")
for phase in on[2]:
    print(f"{phase:34} {med(off[0][phase]):8.1f} {med(on[0][phase]):8.1f} {med(on[1][phase]):13.1f}")
for total in ("wall", "cpu"):
    label = {"wall": "wall (median)", "cpu": "cpu user+sys (median)"}[total]
    print(f"{label:34} {med(off[1][total]):8.1f} {med(on[1][total]):8.1f}")
PY
