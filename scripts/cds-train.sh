#!/usr/bin/env bash
# Builds the AppCDS archive behind bin/cell-runner (cell-runner/target/cell-runner.jsa) from one training
# run: the JVM records every class the run loads and maps them, pre-parsed and pre-verified, on later
# starts. Run by `mvn package` right after the shaded jar is built; never fails the build.
#
# Training: one real cell with an egress rule and signed JSONL events, so the whole `run` path is
# recorded. It runs inside a throwaway network namespace (`unshare --net`), so its uplink never touches
# this host's network. Where that is impossible (not root, no namespaces), the training falls back to
# `validate`, which still records the JVM, Jackson, the schema validator and the CLI.
#
# Before it, JNA's native stub (libjnidispatch.so) is copied out of the jar once, to cell-runner/target/jna,
# where bin/cell-runner points JNA (jna.boot.library.path): else every start inflates it from the jar into
# a temporary file and loads it from there.
set -uo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
archive="$here/cell-runner/target/cell-runner.jsa"
jar="$here/cell-runner/target/cell-runner.jar"
jna="$here/cell-runner/target/jna"

rm -rf "$jna"
case "$(uname -m)" in
  x86_64) jna_arch=x86-64 ;;
  aarch64 | ppc64le | s390x | riscv64) jna_arch="$(uname -m)" ;;
  *) jna_arch= ;;
esac
jar_cmd="${JAVA_HOME:+$JAVA_HOME/bin/}jar"
if [[ -n "$jna_arch" ]] && mkdir -p "$jna/unpack" \
    && (cd "$jna/unpack" && "$jar_cmd" xf "$jar" "com/sun/jna/linux-$jna_arch/libjnidispatch.so") 2>/dev/null \
    && mv "$jna/unpack/com/sun/jna/linux-$jna_arch/libjnidispatch.so" "$jna/"; then
  touch "$jna/libjnidispatch.so" # newer than the jar, as bin/cell-runner requires (the jar entry keeps its date)
  rm -rf "$jna/unpack"
else
  rm -rf "$jna" # JNA then unpacks its stub at each start, as without this step
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/crcds.XXXXXX")" || exit 0
trap 'rm -rf "$work"' EXIT
rm -f "$archive"

cat > "$work/train.json" <<'JSON'
{"apiVersion":"cellos.io/v1","kind":"ExecutionCell",
 "spec":{"id":"cds-training","lifetime":{"ttlSeconds":30},
         "authority":{"egressRules":[{"host":"198.51.100.10","port":443,"protocol":"tcp"}]},
         "run":{"argv":["/bin/true"]}}}
JSON

# dump NAME ARGS...: one training run of bin/cell-runner that writes the archive at exit.
dump() {
  local name="$1"
  shift
  CELL_RUNNER_CDS_DUMP="$archive" "$@" >"$work/$name.log" 2>&1 && [[ -s "$archive" ]]
}

if [[ "$(id -u)" == 0 ]] && command -v unshare >/dev/null \
    && dump run unshare --net "$here/bin/cell-runner" run "$work/train.json" --events "jsonl:$work/events.jsonl"; then
  echo "cds-train: archive from a cell run: $archive"
elif dump validate "$here/bin/cell-runner" validate "$work/train.json"; then
  echo "cds-train: archive from a validate run (a cell run was not possible here): $archive"
else
  rm -f "$archive"
  echo "cds-train: no archive (bin/cell-runner starts without one); training output:" >&2
  tail -n 5 "$work"/*.log >&2 || true
fi
exit 0
