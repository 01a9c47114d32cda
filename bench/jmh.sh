#!/usr/bin/env bash
# JMH benchmarks of the event path (event-sinks/src/jmh/java, Maven profile `jmh`): Ed25519 signing, build +
# sign + serialize, and JSONL append without and with the runner's fsync policy, in µs per event. A
# benchmark, not a test: nothing is asserted. The table is also written to target/jmh/results.txt (with the
# machine and load in target/jmh/machine.txt), where bench/compare.sh picks it up.
# Usage: bench/jmh.sh [JMH OPTIONS]   e.g. bench/jmh.sh Fsync   or   bench/jmh.sh -f 2 -i 5
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="$root/target/jmh"
mkdir -p "$out"
mvn -q -B -Pjmh -pl event-sinks -am test-compile dependency:build-classpath -Dmdep.outputFile="$out/classpath.txt" >/dev/null
printf '%s cores, %s, load %s (before the run)\n' "$(nproc)" "$(java -version 2>&1 | head -1)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)" >"$out/machine.txt"
java -cp "event-sinks/target/test-classes:event-sinks/target/classes:$(cat "$out/classpath.txt")" \
  org.openjdk.jmh.Main -rf text -rff "$out/results.txt" "$@"
