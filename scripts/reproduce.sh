#!/usr/bin/env bash
# The main job: generate the built-in caida-like trace and describe it (the engine arrives with
# the next issue, when this becomes `pktstream reproduce`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p target/traces
cargo run --release -p bench-harness -- gen --profile caida-like --packets "${PACKETS:-2000000}" \
  --seed "${SEED:-1}" --out target/traces/caida-like.pcap
cargo run --release -p bench-harness -- trace-stats target/traces/caida-like.pcap "$@"
