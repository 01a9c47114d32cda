#!/usr/bin/env bash
# Cells/s of `cell-runner worker` (one and two, --parallel 2 each) draining a JetStream work queue, next to
# `run --parallel 2` (a benchmark, not a test: nothing is asserted). Root; runs in a private network
# namespace (bench/lib.sh) with Debian's nats-server on its loopback, all in a scratch directory removed
# at the end. Usage: bench/workers.sh [CELLS]   (EGRESS=N egress rules per cell, default 1)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/bench/lib.sh"
in_private_netns "$0" "$@"
cd "$here"
[[ -f cell-runner/target/cell-runner.jar ]] || mvn -q -B package -DskipTests
cp_file="$(mktemp /tmp/cr-bench-cp.XXXXXX)"
work="$(mktemp -d /tmp/cr-bench-workers.XXXXXX)"
trap 'rm -rf "$cp_file" "$work"' EXIT
mvn -q -B -pl event-sinks -am test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >/dev/null
cp="$here/event-sinks/target/classes:$here/event-sinks/target/test-classes:$(cat "$cp_file")"
cd "$work"  # the NATS server keeps its store under ./target
java -cp "$cp" "$here/bench/Workers.java" "$here" "${1:-200}"
