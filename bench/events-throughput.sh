#!/usr/bin/env bash
# Prints events/second for signing + JSONL append (shipped fsync policy) and HTTP delivery (structured,
# batch) to a loopback receiver. A benchmark, not a test: nothing is asserted.
# Usage: bench/events-throughput.sh [SECONDS-PER-JSONL-CASE]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cp_file="$(mktemp /tmp/cr-bench-cp.XXXXXX)"
trap 'rm -f "$cp_file"' EXIT
mvn -q -B -pl event-sinks -am compile dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null
java -cp "event-sinks/target/classes:$(cat "$cp_file")" bench/EventThroughput.java "${1:-5}"
