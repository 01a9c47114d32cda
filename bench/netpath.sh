#!/usr/bin/env bash
# The network fast path in one warm JVM (bench/NetPath.java), per step, median ms: for 0, 1, 10, 100
# and 1000 egress rules with each cell's teardown awaited (so teardown can be timed); then as a
# resident runner runs cells (the next one starts while the last teardown runs in the background),
# one at a time and two at once. Runs inside a private network namespace (the runner's veths, tables
# and forwarding land there, never on this host's network). A benchmark, not a test: nothing is
# asserted. Needs root and a built jar (mvn -q -B package -DskipTests). Usage: bench/netpath.sh [CELLS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cells="${1:-200}"
ns="npbench$$"
# the runners' state (forwarding records, uplink slots) in a directory of this run's own, removed at the end
export CELL_RUNNER_STATE_DIR="$(mktemp -d /tmp/netpath-bench.XXXXXX)"
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$CELL_RUNNER_STATE_DIR"; }
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
printf 'machine: %s, %s cores, %s, load %s\n' "$(uname -r)" "$(nproc)" "$(java -version 2>&1 | head -1)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
bench() { nsenter --net="/run/netns/$ns" java -cp "$here/cell-runner/target/cell-runner.jar" "$here/bench/NetPath.java" "$@"; }
echo "teardown awaited after each cell:"
bench 0 "$cells" 1 header
for n in 1 10 100; do bench "$n" "$cells" 1; done
bench 1000 $(( cells / 4 + 5 )) 1
echo "wildcard rules (each cell gets its DNS responder):"
bench 1 "$cells" 1 names header
echo "resident (teardown in the background, overlapping the next cell):"
bench 1 "$cells" 1 resident header
bench 100 "$cells" 1 resident
bench 1 "$cells" 2
