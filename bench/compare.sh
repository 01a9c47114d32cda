#!/usr/bin/env bash
# Side by side (a benchmark, not a test): median wall time of starting /usr/bin/true under bare exec,
# `unshare -n`, bubblewrap, the shell equivalent of a cell's network setup, and cell-runner one-shot and
# resident, with ratios to bwrap and to `unshare -n`. The cell-runner cells have one egress rule, full
# confinement and signed JSONL events (fsync); bwrap and the shell enforce no egress rule and write no
# trail. The resident server is measured after 300 warm-up cells (bench/resident.sh shows its first
# cells too). Everything runs in a private network namespace (`unshare --net`), so no uplink touches this
# host's network. Usage: bench/compare.sh [RUNS]   (root, a built jar, hyperfine, bwrap, nft, python3)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/bench/lib.sh"
in_private_netns "$0" "$@"
runs="${1:-20}"
work="$(mktemp -d /tmp/crcompare.XXXXXX)"
trap 'stop_server; rm -rf "$work"' EXIT
write_true_cell "$work/cell.json" 1
cat >"$work/rules.nft" <<'NFT'
table inet cell {
  chain out {
    type filter hook output priority 0; policy drop;
    oif "lo" accept
    ip daddr 198.51.100.10 tcp dport 443 accept
  }
}
NFT
cr="$here/bin/cell-runner"
start_server "$work"

names=(bare "unshare -n" bwrap "shell: unshare+ip+nft" "cell-runner one-shot" "cell-runner submit (JVM client)")
commands=(
  "/usr/bin/true"
  "unshare -n /usr/bin/true"
  "bwrap --unshare-net --ro-bind / / /usr/bin/true"
  "unshare -n sh -c 'ip link set lo up && nft -f $work/rules.nft && exec /usr/bin/true'"
  "$cr run $work/cell.json --events jsonl:$work/oneshot.jsonl"
  "$cr submit --socket $work/sock/serve.sock $work/cell.json"
)
args=()
for i in "${!commands[@]}"; do args+=(-n "${names[$i]}" "${commands[$i]}"); done
hyperfine -N --warmup 2 --runs "$runs" --export-json "$work/hyperfine.json" --style none "${args[@]}" >/dev/null 2>&1 \
  || hyperfine --warmup 2 --runs "$runs" --export-json "$work/hyperfine.json" --style none "${args[@]}" >/dev/null

# Resident, without a client JVM: round trips over the socket, and the marginal cost of a cell in run.
python3 "$here/bench/submit.py" "$work/sock/serve.sock" "$work/cell.json" "$runs" >"$work/round-trips.txt"
batch_ms() {
  local n="$1" t0 t1 i files=()
  for ((i = 0; i < n; i++)); do cp "$work/cell.json" "$work/b$n-$i.json"; files+=("$work/b$n-$i.json"); done
  t0=$(date +%s%N)
  "$cr" run "${files[@]}" --parallel "$2" --events "jsonl:$work/batch.jsonl" >/dev/null 2>&1
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000000))
}
one=$(batch_ms 1 1); many=$(batch_ms 21 1); many2=$(batch_ms 40 2)

printf 'machine: %s, %s cores, %s, load %s\n' "$(uname -r)" "$(nproc)" "$(java -version 2>&1 | head -1)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$work/hyperfine.json" "$work/round-trips.txt" "$one" "$many" "$many2" <<'PY'
import json, statistics, sys
rows = [(r["command"], statistics.median(r["times"]) * 1000) for r in json.load(open(sys.argv[1]))["results"]]
trips = [float(x) for x in open(sys.argv[2])]
one, many, many2 = (float(x) for x in sys.argv[3:6])
rows.append(("cell-runner resident, round trip (warm)", statistics.median(trips)))
rows.append(("cell-runner run --parallel 1, per cell", (many - one) / 20))
ref = dict(rows)
print(f"{'median wall, ms (one egress rule for cell-runner)':48} {'ms':>8} {'/ bwrap':>8} {'/ unshare':>10}")
for name, ms in rows:
    print(f"{name:48} {ms:8.1f} {ms / ref['bwrap']:8.1f} {ms / ref['unshare -n']:10.1f}")
print(f"throughput, run --parallel 2 over 40 cells: {40 / (many2 / 1000):.1f} cells/s (one JVM start included)")
PY
cat <<'TXT'
More: bench/phases.sh (one-shot per phase, with and without the AppCDS archive), bench/resident.sh
(per-cell overhead over the workload), bench/egress-rules.sh (1-1000 egress rules), and for signing and
sinks bench/events-throughput.sh with its figures in bench/README.md.
TXT
jmh="$here/target/jmh/results.txt"
if [[ -s "$jmh" ]]; then
  printf '\nJMH (signing and sinks), from %s %s:\n' "$jmh" "$(date -r "$jmh" '+%Y-%m-%d %H:%M')"
  cat "$jmh"
  if [[ -s "$here/target/jmh/machine.txt" ]]; then printf 'run on: %s\n' "$(cat "$here/target/jmh/machine.txt")"; fi
else
  printf '\nJMH (signing and sinks): no results yet; bench/jmh.sh (just bench-jmh) writes them to %s\n' "$jmh"
fi
