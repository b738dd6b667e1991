#!/usr/bin/env bash
# The flow counter on every topology, interleaved: ROUNDS rounds (default 5), each running every
# configuration once as its own process, on the 2 M packet caida-like trace replayed 4 times
# with --unique-ip (about 230 K flows). Writes one JSON per run under OUT (default
# target/engine-topologies) and prints the median Mpps per configuration, and each one's
# median ratio to rtc with the same workers, paired by round.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-target/engine-topologies}
ROUNDS=${ROUNDS:-5}
mkdir -p "$OUT"
cargo build --release -q -p bench-harness
B=target/release/pktstream
CONFIGS=("rtc 1" "rtc 2" "two-stage 2" "shuffle 2" "pipeline 2" "farm 2")
for round in $(seq 1 "$ROUNDS"); do
  for cfg in "${CONFIGS[@]}"; do
    read -r topology workers <<<"$cfg"
    "$B" run --app flow-counter --profile caida-like --packets 2000000 --seed 1 --loop 4 \
      --unique-ip --topology "$topology" --workers "$workers" \
      --json "$OUT/$topology-$workers-r$round.json" >/dev/null
  done
done
python3 - "$OUT" <<'PY'
import glob, json, statistics, sys
runs = {}
for f in glob.glob(sys.argv[1] + "/*-r*.json"):
    j = json.load(open(f))
    rnd = int(f.rsplit("-r", 1)[1].split(".")[0])
    runs.setdefault((j["topology"], j["workers"]), {})[rnd] = j["mpps"]
for (t, w), by_round in sorted(runs.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    v = sorted(by_round.values())
    base = runs.get(("rtc", w), {})
    ratios = [by_round[r] / base[r] for r in by_round if r in base]
    print(f"{t:>9} x{w}: median {statistics.median(v):6.2f} Mpps  runs {[round(x, 1) for x in v]}"
          f"  vs rtc x{w}: {statistics.median(ratios):.2f}")
PY
