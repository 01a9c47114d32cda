#!/usr/bin/env bash
# How the cost of a cell's network policy grows with the number of egress rules (1, 10, 100, 256: the
# most a document may declare), one-shot: runs bin/cell-runner on /bin/true with N distinct TEST-NET
# rules, inside a private network namespace (the runner's veths, tables and forwarding land there,
# never on this host's network), and prints the medians the runner itself measured
# (network_policy.enforcement): applyMillis = libnftables load + JSON read-back inside the cell;
# uplinkMillis = host filter + veth (rtnetlink) + forwarding; and the wall time of the whole run.
# A fresh JVM per run, so these include class loading; bench/netpath.sh measures a warm JVM.
# Needs root, ip, nsenter, python3 (for the JSON) and a built jar (mvn -q -B package -DskipTests).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${RUNS:-9}"
ns="egbench$$"
work="$(mktemp -d /tmp/egbench.XXXXXX)"
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
"$here/bin/cell-runner" keygen --out "$work/key" >/dev/null
key="$work/key/event-signing.key"

printf '%6s %16s %16s %12s\n' rules applyMillis uplinkMillis wallMillis
for n in 1 10 100 256; do
  python3 - "$n" > "$work/spec-$n.json" <<'PY'
import json, sys
n = int(sys.argv[1])
rules = [{"host": f"198.51.{100 + (i // 250) % 2}.{i % 250 + 1}" if i % 3 else f"2001:db8::{i:x}",
          "port": 1000 + i, "protocol": "udp" if i % 2 else "tcp"} for i in range(n)]
print(json.dumps({"apiVersion": "cellos.io/v1", "kind": "ExecutionCell",
                  "spec": {"id": f"bench-{n}", "lifetime": {"ttlSeconds": 30},
                           "authority": {"egressRules": rules}, "run": {"argv": ["/bin/true"]}}}))
PY
  : > "$work/events-$n.jsonl"
  walls=()
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s%N)
    nsenter --net="/run/netns/$ns" "$here/bin/cell-runner" --signing-key "$key" --events "jsonl:$work/events-$n.jsonl" \
      "$work/spec-$n.json" >/dev/null
    walls+=($(( ($(date +%s%N) - start) / 1000000 )))
  done
  python3 - "$work/events-$n.jsonl" "$n" "${walls[@]}" <<'PY'
import json, statistics, sys
events = [json.loads(l) for l in open(sys.argv[1])]
policy = [e["data"]["enforcement"] for e in events if e["type"].endswith("network_policy")]
walls = [int(w) for w in sys.argv[3:]]
print(f'{sys.argv[2]:>6} {statistics.median(p["applyMillis"] for p in policy):>16.1f} '
      f'{statistics.median(p["uplinkMillis"] for p in policy):>16.1f} {statistics.median(walls):>12.0f}')
PY
done
