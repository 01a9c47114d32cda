#!/usr/bin/env bash
# The cell's DNS responder, measured from inside a cell (bench/dns_client.py): a cached lookup (the
# same declared name again and again) and N distinct names under a declared wildcard, each of which is
# asked upstream and opens its address in the cell's and the host filter's answer sets before it is
# answered. Upstream is bench/dns_fixture.py on loopback (--dns-upstream). Runs inside a private
# network namespace; one-shot runner (a fresh JVM, so the responder starts cold). A benchmark, not a
# test: nothing is asserted. Needs root and a built jar. Usage: bench/dns.sh [N] [RUNS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/bench/lib.sh"
in_private_netns "$0" "$@"
count="${1:-1000}"
runs="${2:-3}"
work="$(mktemp -d /tmp/dns-bench.XXXXXX)"
export CELL_RUNNER_STATE_DIR="$work/state"
cleanup() { [[ -n "${fixture:-}" ]] && kill "$fixture" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
start_dns_fixture "$work" bench.test
cat >"$work/cell.json" <<JSON
{"apiVersion":"cellos.io/v1","kind":"ExecutionCell",
 "spec":{"id":"bench-dns","lifetime":{"ttlSeconds":120},
         "authority":{"egressRules":[{"host":"*.bench.test","port":443},{"host":"cached.bench.test","port":443}]},
         "run":{"argv":["/usr/bin/python3","$here/bench/dns_client.py","cached.bench.test","bench.test","$count"]}}}
JSON
printf 'machine: %s, %s cores, %s, load %s\n' "$(uname -r)" "$(nproc)" "$(java -version 2>&1 | head -1)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
for ((run = 1; run <= runs; run++)); do
  echo "run $run:"
  "$here/bin/cell-runner" run --events none --dns-upstream "127.0.0.1:$port" "$work/cell.json"
done
