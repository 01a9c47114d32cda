#!/usr/bin/env bash
# Fresh machine to a running cell: install what is missing, build, run the bundled example, verify its trail.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
just demo
