#!/usr/bin/env bash
# Records template runs for bench/verify-throughput.sh: three real cells of today's runner, their events
# in one signed JSONL trail (FILE): /usr/bin/true with one literal egress rule; a cell that resolves names
# through its DNS responder (bench/dns_fixture.py upstream, on loopback) and connects, so its records hold
# queries, flows and a denial; and a command that fails (exit 3). Runs inside a private network namespace;
# needs root and a built jar. Usage: bench/verify-templates.sh FILE
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/bench/lib.sh"
in_private_netns "$0" "$@"
out="$(realpath -m "$1")"
work="$(mktemp -d /tmp/verify-templates.XXXXXX)"
export CELL_RUNNER_STATE_DIR="$work/state"
cleanup() { [[ -n "${fixture:-}" ]] && kill "$fixture" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
start_dns_fixture "$work" bench.test
write_true_cell "$work/true.json" 1
cat >"$work/names.json" <<JSON
{"apiVersion":"cellos.io/v1","kind":"ExecutionCell",
 "spec":{"id":"bench-names","lifetime":{"ttlSeconds":30},
         "authority":{"egressRules":[{"host":"*.bench.test","port":443},{"host":"cached.bench.test","port":443},
                                     {"host":"198.51.100.7","port":80,"protocol":"tcp"}]},
         "run":{"argv":["/usr/bin/python3","-c",
                "import socket\nfor n in ['cached.bench.test','a.bench.test','b.bench.test','c.bench.test']:\n  try: socket.create_connection((socket.gethostbyname(n), 443), timeout=0.3)\n  except OSError: pass\nfor a in [('198.51.100.7', 80), ('192.0.2.1', 22), ('203.0.113.9', 443)]:\n  try: socket.create_connection(a, timeout=0.3)\n  except OSError: pass\n"]}}}
JSON
cat >"$work/fails.json" <<JSON
{"apiVersion":"cellos.io/v1","kind":"ExecutionCell",
 "spec":{"id":"bench-fails","lifetime":{"ttlSeconds":30},
         "authority":{"egressRules":[{"host":"198.51.100.1","port":443,"protocol":"tcp"}]},
         "run":{"argv":["/bin/sh","-c","echo failing >&2; exit 3"]}}}
JSON
rm -f "$out"
for cell in true names fails; do
  "$here/bin/cell-runner" run --dns-upstream "127.0.0.1:$port" --events "jsonl:$out" "$work/$cell.json" \
    >/dev/null 2>&1 || true
done
echo "template runs: $(grep -c '"type":"dev.cellos.events.cell.lifecycle.v1.destroyed"' "$out") in $(stat -c %s "$out") bytes"
