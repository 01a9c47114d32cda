#!/usr/bin/env bash
# Prints events/second into NATS JetStream and Kafka with every event confirmed by the broker (a benchmark,
# not a test: nothing is asserted). Starts Debian's nats-server and a KRaft Kafka broker (Maven Central's
# artifacts, a child JVM) on loopback for the run, in a scratch directory removed at the end.
# Usage: bench/brokers.sh [RUNS]   (runs of 6 events per case; default 500)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cp_file="$(mktemp /tmp/cr-bench-cp.XXXXXX)"
work="$(mktemp -d /tmp/cr-bench-brokers.XXXXXX)"
trap 'rm -rf "$cp_file" "$work"' EXIT
mvn -q -B -pl event-sinks -am test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >/dev/null
cp="$root/event-sinks/target/classes:$root/event-sinks/target/test-classes:$(cat "$cp_file")"
cd "$work"  # the brokers keep their data under ./target
java -cp "$cp" "$root/bench/BrokerThroughput.java" "${1:-500}"
