#!/usr/bin/env bash
# Runs one cargo-fuzz target (fuzz/fuzz_targets/TARGET.rs) for SECONDS seconds, one libFuzzer
# job, then prints the final exec count, exec/s and corpus size. Needs a nightly toolchain and
# cargo-fuzz (`cargo install cargo-fuzz`).
#
#   scripts/fuzz.sh capture_reader 600
#   scripts/fuzz.sh frame_parser 600
#
# The writable corpus is fuzz/corpus/TARGET (git-ignored); read-only seeds come after it, so
# libFuzzer never writes into them:
# - capture_reader: the tcpdump test captures, ../shared/pcaps/tcpdump (skipped with a message
#   where absent);
# - frame_parser: every frame of the classic pcap files there (at most 32 per file), written as
#   the target reads its input (link selector byte, wire length, frame bytes) into
#   fuzz/corpus/frame_parser_seeds the first time (needs python3; skipped with a message
#   otherwise).
# Crashes land in fuzz/artifacts/TARGET/; the libFuzzer log in fuzz/artifacts/TARGET/last-run.log.
set -euo pipefail

if [[ $# -ne 2 || ! $2 =~ ^[0-9]+$ ]]; then
    echo "usage: $0 capture_reader|frame_parser SECONDS" >&2
    exit 2
fi
target=$1
seconds=$2
cd "$(dirname "${BASH_SOURCE[0]}")/.."

pcaps=../shared/pcaps/tcpdump
corpus=fuzz/corpus/$target
seeds=()
case $target in
    capture_reader)
        max_len=1048576
        if [[ -d $pcaps ]]; then
            seeds+=("$pcaps")
        else
            echo "fuzz.sh: $pcaps not found: starting without seed captures" >&2
        fi
        ;;
    frame_parser)
        max_len=65536
        frame_seeds=fuzz/corpus/frame_parser_seeds
        if [[ -d $frame_seeds ]]; then
            seeds+=("$frame_seeds")
        elif [[ ! -d $pcaps ]]; then
            echo "fuzz.sh: $pcaps not found: starting without seed frames" >&2
        elif ! command -v python3 >/dev/null; then
            echo "fuzz.sh: python3 not found: starting without seed frames" >&2
        else
            mkdir -p "$frame_seeds"
            # The selector byte of frame_parser.rs: sel % 8 picks a supported link type, 224
            # an unsupported one.
            python3 - "$pcaps" "$frame_seeds" <<'EOF'
import hashlib, os, struct, sys

src, out = sys.argv[1], sys.argv[2]
selector = {1: 0, 0: 1, 108: 2, 101: 3, 12: 3, 14: 3, 228: 4, 229: 5, 113: 6, 276: 7}
written = 0
for name in sorted(os.listdir(src)):
    data = open(os.path.join(src, name), "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        order = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        order = ">"
    else:
        continue  # pcapng or not a capture
    if len(data) < 24:
        continue
    sel = selector.get(struct.unpack(order + "I", data[20:24])[0] & 0xFFFF, 224)
    at = 24
    for _ in range(32):
        if at + 16 > len(data):
            break
        caplen, orig = struct.unpack(order + "II", data[at + 8 : at + 16])
        frame = data[at + 16 : at + 16 + caplen]
        if len(frame) < caplen:
            break
        seed = bytes([sel]) + struct.pack("<I", orig) + frame
        path = os.path.join(out, hashlib.sha1(seed).hexdigest())
        if not os.path.exists(path):
            open(path, "wb").write(seed)
            written += 1
        at += 16 + caplen
print(f"fuzz.sh: wrote {written} seed frames to {out}", file=sys.stderr)
EOF
            seeds+=("$frame_seeds")
        fi
        ;;
    *)
        echo "fuzz.sh: unknown target $target (capture_reader or frame_parser)" >&2
        exit 2
        ;;
esac

mkdir -p "$corpus" "fuzz/artifacts/$target"
log=fuzz/artifacts/$target/last-run.log
cmd=(cargo +nightly fuzz run "$target" "$corpus" "${seeds[@]}" --
    "-max_total_time=$seconds" -jobs=1 "-max_len=$max_len" -rss_limit_mb=2048
    -print_final_stats=1)
echo "fuzz.sh: ${cmd[*]}" >&2
# With -jobs, libFuzzer runs the job in a child process that logs to fuzz-0.log in the working
# directory, then copies that log to its own output (so the tee below has it all): drop the file.
rm -f fuzz-0.log
status=0
"${cmd[@]}" 2>&1 | tee "$log" || status=$?
rm -f fuzz-0.log

execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
crashes=$(find "fuzz/artifacts/$target" -maxdepth 1 -type f \
    \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) | wc -l)
echo "fuzz.sh: $target: ${execs:-?} execs, ${rate:-?} exec/s over ${seconds} s;" \
    "corpus $(find "$corpus" -type f | wc -l) files ($(du -sh "$corpus" | cut -f1));" \
    "$crashes artifact(s) in fuzz/artifacts/$target; exit status $status"
exit "$status"
