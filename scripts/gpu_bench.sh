#!/usr/bin/env bash
# The benchmark set of issues 19 and 21 on one GPU, as JSON files for
# docs/benchmarks.md: the steady tissue and column problems (multigrid, the smoother's
# timestamp-measured throughput against the device's copy bandwidth), the 24-step
# protocol, and the default scenario's steady run, each under its own time limit so
# that one slow case cannot take the others' time: for a lab GPU, or any machine
# held for a few minutes only. Exits non-zero if any case failed or ran out of time.
#
# Usage: scripts/gpu_bench.sh [OUT]
#   OUT  default oxyfield-out/gpu_bench; gets devices.txt, tissue.json, columns.json,
#        protocol.json, steady/ (the default scenario's outputs) and log.txt
# Environment: OXYFIELD (the binary; default target/release/oxyfield), SIZES (steady
# sizes, default "128,256"), PROTOCOL_SIZES (default "128,256"), LIMIT_S (seconds per
# case, default 150), ADAPTER (passed as --adapter when set).
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-oxyfield-out/gpu_bench}"
bin="${OXYFIELD:-$here/target/release/oxyfield}"
sizes="${SIZES:-128,256}"
protocol_sizes="${PROTOCOL_SIZES:-128,256}"
limit="${LIMIT_S:-150}"
adapter=()
[ -n "${ADAPTER:-}" ] && adapter=(--adapter "$ADAPTER")
mkdir -p "$out"
log="$out/log.txt"
: >"$log"
status=0
# Runs one case under the time limit; its output goes to the log, its status is kept.
case_() {
    local name="$1"
    shift
    echo "== $name: $*" | tee -a "$log"
    local start end
    start=$(date +%s%N)
    timeout "$limit" "$@" >>"$log" 2>&1
    local rc=$?
    end=$(date +%s%N)
    echo "== $name: exit $rc, $(((end - start) / 1000000)) ms" | tee -a "$log"
    [ "$rc" -eq 0 ] || status=1
}
"$bin" devices >"$out/devices.txt" 2>&1 || status=1
case_ tissue "$bin" bench --problem tissue --backend gpu ${adapter[@]+"${adapter[@]}"} --sizes "$sizes" \
    --no-baseline --json "$out/tissue.json"
case_ columns "$bin" bench --problem columns --backend gpu ${adapter[@]+"${adapter[@]}"} --sizes "$sizes" \
    --no-baseline --json "$out/columns.json"
case_ protocol "$bin" bench --problem protocol --backend gpu ${adapter[@]+"${adapter[@]}"} \
    --sizes "$protocol_sizes" --json "$out/protocol.json"
case_ steady "$bin" run --backend gpu ${adapter[@]+"${adapter[@]}"} --out "$out/steady"
exit "$status"
