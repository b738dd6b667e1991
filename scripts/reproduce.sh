#!/usr/bin/env bash
# The main job: `pktstream reproduce` (flow counter on the built-in caida-like traffic, rtc and
# pipeline, 1 and 2 workers, 3 process runs each). Extra arguments pass through: --quick,
# --out DIR, --trials N, --machine ID.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec cargo run --release -p bench-harness -- reproduce "$@"
