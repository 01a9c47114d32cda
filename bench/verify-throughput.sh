#!/usr/bin/env bash
# verify throughput on one core and the heap's peak, on a generated signed trail (default 1024 MB),
# with the heap capped at 256 MB. A benchmark, not a test: printed, never asserted.
# Usage: bench/verify-throughput.sh [MEGABYTES]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mb="${1:-1024}"
work="$(mktemp -d /tmp/cr-bench-verify.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mvn -q -B -pl event-sinks -am compile dependency:build-classpath -Dmdep.outputFile="$work/cp" >/dev/null
cp="event-sinks/target/classes:$(cat "$work/cp")"
echo "verify throughput ($(nproc) cores, java $(java -version 2>&1 | head -1 | cut -d'"' -f2), load $(cut -d' ' -f1-3 /proc/loadavg))"
java -cp "$cp" bench/VerifyThroughput.java generate "$work/trail.jsonl" "$mb" "$work/keys"
# one core, the serial collector, a 256 MB heap: what a memory-flat verifier must fit in; the default
# (every digest and link, the last signature of each run), then every event's own signature
for mode in default --every-signature; do
    taskset -c 1 java -XX:+UseSerialGC -Xmx256m -cp "$cp" bench/VerifyThroughput.java verify "$work/trail.jsonl" \
        "$work/keys/event-signing.pub" "$mode"
done
