# Shared by the bench scripts: the benchmark cell.
# write_true_cell FILE RULES: a /usr/bin/true cell with RULES egress rules (TEST-NET-2, never reached).
write_true_cell() {
  local file="$1" rules="$2" list="" i
  for ((i = 0; i < rules; i++)); do
    list+="${list:+,}{\"host\":\"198.51.100.$((i % 250 + 1))\",\"port\":$((443 + i)),\"protocol\":\"tcp\"}"
  done
  cat >"$file" <<JSON
{"apiVersion":"cellos.io/v1","kind":"ExecutionCell",
 "spec":{"id":"bench-true","lifetime":{"ttlSeconds":30},
         "authority":{"egressRules":[$list]},
         "run":{"argv":["/usr/bin/true"]}}}
JSON
}
