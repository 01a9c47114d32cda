#!/usr/bin/env bash
# The whole test suite, as CI runs it: install what is missing, then build and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
just test
