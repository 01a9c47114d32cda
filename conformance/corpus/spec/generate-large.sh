#!/usr/bin/env bash
# Writes the hostile documents too large to commit into OUTDIR, with OUTDIR/EXPECTED.tsv in the format
# of the EXPECTED.tsv beside this script. cell-spec-schema's tests build the same documents in memory.
set -euo pipefail
out=${1:?usage: generate-large.sh OUTDIR}
mkdir -p "$out"
head='{"apiVersion":"cellos.io/v1","kind":"ExecutionCell","spec":{"id":"large","lifetime":{"ttlSeconds":30},"run":{"argv":['
tail=']}}}'
{ printf '%s"/bin/echo","' "$head"; head -c 10485760 /dev/zero | tr '\0' a; printf '"%s\n' "$tail"; } > "$out/huge-string.json"
{ printf '%s"/bin/echo","' "$head"; head -c 1000000 /dev/zero | tr '\0' a; printf '"%s\n' "$tail"; } > "$out/long-argument.json"
{ printf '%s"/bin/echo"' "$head"; head -c 500000 /dev/zero | tr '\0' '\n' | sed 's/^/,1/' | tr -d '\n'; printf '%s\n' "$tail"; } > "$out/huge-array-500k.json"
{ printf '%s\n' "$head\"/bin/true\"$tail"; head -c 1048576 /dev/zero | tr '\0' ' '; } > "$out/over-1mib.json"
printf '%s\t%s\t%s\t%s\n' \
  '# file' exit pointer note \
  huge-string.json 65 / '10 MiB: refused by size before parsing' \
  long-argument.json 65 /spec/run/argv/1 'a 1 MB argument; at most 131071 characters' \
  huge-array-500k.json 65 /spec/run/argv '500 000 arguments; at most 4096' \
  over-1mib.json 65 / 'valid document padded past 1 MiB with spaces' > "$out/EXPECTED.tsv"
