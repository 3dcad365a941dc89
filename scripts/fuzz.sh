#!/usr/bin/env bash
# Fuzz every oxyfield parser for a bounded time (Hardening issue: not in CI).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60 s, every target)
#
# With nightly and cargo-fuzz installed (`cargo install cargo-fuzz`) each target runs
# under libFuzzer (coverage-guided, AddressSanitizer):
#   cargo +nightly fuzz run TARGET fuzz/corpus-work/TARGET fuzz/corpus/TARGET -- -max_total_time=N …
# in fork mode, so that it keeps going after a finding. Otherwise the stable driver
# (fuzz/src/bin/mutate.rs) mutates the seed corpus at random for N s per target.
# Both call the same target bodies (fuzz/src/lib.rs).
#
# Findings (inputs that panic, hang longer than FUZZ_TIMEOUT s, or allocate more than
# FUZZ_MALLOC_LIMIT_MB MiB) land in fuzz/artifacts/TARGET/ (not kept in git; minimise
# one and move it to fuzz/regressions/TARGET/ once fixed); the script exits 1 when a
# run adds any, or when a regression input fails again. Reproduce one with
#   cd fuzz && cargo run --release --no-default-features --bin mutate -- --repro TARGET FILE
# (or `cargo +nightly fuzz run TARGET FILE`).
#
# libFuzzer gets fuzz/fuzz.dict (integer extremes, NaN, 1e30… and format tokens).
#
# Environment: FUZZ_DRIVER=auto|libfuzzer|stable (default auto), FUZZ_TIMEOUT=10,
# FUZZ_MALLOC_LIMIT_MB=1024, FUZZ_SANITIZER=address|none (libFuzzer only).
set -uo pipefail

secs=${1:-60}
shift $(( $# > 0 ? 1 : 0 ))
case $secs in
    ''|*[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;;
esac
timeout_s=${FUZZ_TIMEOUT:-10}
limit_mb=${FUZZ_MALLOC_LIMIT_MB:-1024}
sanitizer=${FUZZ_SANITIZER:-address}
driver=${FUZZ_DRIVER:-auto}

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/fuzz" || exit 2

if [ $# -gt 0 ]; then
    targets=("$@")
else
    targets=()
    for f in fuzz_targets/*.rs; do targets+=("$(basename "$f" .rs)"); done
fi

if [ "$driver" = auto ]; then
    if cargo +nightly fuzz --version >/dev/null 2>&1; then driver=libfuzzer; else driver=stable; fi
fi

# First, the regression inputs: the minimised findings of earlier runs (fixed since)
# must each run once without a panic, hang or huge allocation.
echo "fuzz.sh: replaying fuzz/regressions/"
cargo build --release --no-default-features --bin mutate || exit 2
for dir in regressions/*/; do
    t=$(basename "$dir")
    for f in "$dir"*; do
        [ -f "$f" ] || continue
        if ! ./target/release/mutate --repro "$t" "$f" >/dev/null 2>&1; then
            echo "fuzz.sh: regression $f fails again" >&2
            exit 1
        fi
    done
done

# Artifacts present before, to tell what this run found.
list_artifacts() { find artifacts -type f ! -name '*.txt' ! -name crash-current 2>/dev/null | sort; }
before=$(list_artifacts)

status=0
case $driver in
stable)
    echo "fuzz.sh: stable driver, ${secs} s per target: ${targets[*]}"
    cargo build --release --no-default-features --bin mutate || exit 2
    ./target/release/mutate --secs "$secs" --timeout "$timeout_s" \
        --malloc-limit-mb "$limit_mb" "${targets[@]}" || status=1
    ;;
libfuzzer)
    echo "fuzz.sh: cargo-fuzz (libFuzzer, sanitizer $sanitizer), ${secs} s per target: ${targets[*]}"
    cargo +nightly fuzz build -O -s "$sanitizer" || exit 2
    mkdir -p target/fuzz-logs
    summary=()
    for t in "${targets[@]}"; do
        mkdir -p "corpus-work/$t" "artifacts/$t"
        log="target/fuzz-logs/$t.log"
        n0=$(find "artifacts/$t" -type f | wc -l)
        echo "== $t: ${secs} s (log: fuzz/$log)"
        # Fork mode with crashes, ooms and timeouts ignored: keep fuzzing to the end of
        # the time, saving every finding under artifacts/$t/.
        cargo +nightly fuzz run -O -s "$sanitizer" "$t" "corpus-work/$t" "corpus/$t" -- \
            -max_total_time="$secs" -timeout="$timeout_s" \
            -malloc_limit_mb="$limit_mb" -rss_limit_mb=$(( limit_mb * 2 )) \
            -dict=fuzz.dict -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
            -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"$log" 2>&1
        rc=$?
        last=$(grep -E '^#[0-9]+' "$log" | tail -1)
        execs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")
        found=$(( $(find "artifacts/$t" -type f | wc -l) - n0 ))
        summary+=("$(printf '%-18s %10s execs %6s/s  libFuzzer exit %-3s new artifacts %s' \
            "$t" "${execs:-?}" "$(( ${execs:-0} / (secs > 0 ? secs : 1) ))" "$rc" "$found")")
        echo "   ${summary[-1]}"
    done
    echo
    printf '%s\n' "${summary[@]}"
    ;;
*)
    echo "FUZZ_DRIVER must be auto, libfuzzer or stable" >&2
    exit 2
    ;;
esac

after=$(list_artifacts)
new=$(comm -13 <(echo "$before") <(echo "$after") | sed '/^$/d')
if [ -n "$new" ]; then
    echo
    echo "fuzz.sh: new findings under fuzz/artifacts/:"
    sed 's/^/  /' <<<"$new"
    status=1
fi
if [ $status -ne 0 ]; then
    echo "fuzz.sh: FAILED (see the findings above)"
else
    echo "fuzz.sh: nothing found"
fi
exit $status
