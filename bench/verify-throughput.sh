#!/usr/bin/env bash
# verify throughput on one core and the heap's peak, on a generated signed trail (default 1024 MB),
# with the heap capped at 256 MB. A benchmark, not a test: printed, never asserted.
# SHAPE: runner (the default) repeats the runs of three real cells as today's runner records them
# (bench/verify-templates.sh: about 30 KB a run, the confinement event's mount table most of it; needs
# root and the built jar), small the earlier shape (six small events, about 1.3 KB a line).
# Usage: bench/verify-throughput.sh [MEGABYTES] [SHAPE]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mb="${1:-1024}"
shape="${2:-runner}"
work="$(mktemp -d /tmp/cr-bench-verify.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mvn -q -B -pl event-sinks -am compile dependency:build-classpath -Dmdep.outputFile="$work/cp" >/dev/null
cp="event-sinks/target/classes:$(cat "$work/cp")"
echo "verify throughput ($(nproc) cores, java $(java -version 2>&1 | head -1 | cut -d'"' -f2), load $(cut -d' ' -f1-3 /proc/loadavg))"
templates=()
if [[ "$shape" == runner ]]; then
    bench/verify-templates.sh "$work/templates.jsonl"
    templates=("$work/templates.jsonl")
fi
java -cp "$cp" bench/VerifyThroughput.java generate "$work/trail.jsonl" "$mb" "$work/keys" "${templates[@]}"
# one core, the serial collector, a 256 MB heap: what a memory-flat verifier must fit in; the default
# (every digest and link, the last signature of each run), then every event's own signature
for mode in default --every-signature; do
    taskset -c 1 java -XX:+UseSerialGC -Xmx256m -cp "$cp" bench/VerifyThroughput.java verify "$work/trail.jsonl" \
        "$work/keys/event-signing.pub" "$mode"
done
# the command as users run it (the launcher's JIT: C1; from 64 MiB of trail C2 for SHA-256 and Ed25519's field
# arithmetic only; from 1 GiB C2 for all), then the jar with C1 alone and with C2 for everything (the launcher's other flags), when the
# jar is built: user+sys of the whole process, start-up and output included, on the same core, and its peak RSS
if [[ -f cell-runner/target/cell-runner.jar ]]; then
    for jit in launcher c1 c2; do
        case "$jit" in
            launcher) cmd=(bin/cell-runner) ;;
            c1) cmd=(java -XX:+UseSerialGC -Xss512k -XX:-UsePerfData -XX:TieredStopAtLevel=1 -jar cell-runner/target/cell-runner.jar) ;;
            c2) cmd=(java -XX:+UseSerialGC -Xss512k -XX:-UsePerfData -XX:CICompilerCount=2 -jar cell-runner/target/cell-runner.jar) ;;
        esac
        /usr/bin/time -f '%U %S %e %M' -o "$work/time" taskset -c 1 "${cmd[@]}" \
            verify --key "$work/keys/event-signing.pub" "$work/trail.jsonl" >"$work/verdicts" 2>&1 || true
        read -r user sys real rss <"$work/time"
        awk -v u="$user" -v s="$sys" -v r="$real" -v rss="$rss" -v mb="$(stat -c %s "$work/trail.jsonl")" -v jit="$jit" \
            -v ok="$(grep -c ': ok,' "$work/verdicts")" 'BEGIN { printf "verify (JIT: %s): %.1f s user+sys,'\
' %.1f MB per CPU-second, %.1f s wall, peak RSS %.0f MB; %d runs ok\n", jit, u + s, mb / 1e6 / (u + s), r, rss / 1024, ok }'
    done
fi
