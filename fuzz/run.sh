#!/usr/bin/env bash
# Runs every cargo-fuzz target (or those named after the time) for SECONDS
# each (default 60), with libFuzzer's 1 s per-input timeout and a 2 GiB RSS
# limit, the spec dictionary for the spec targets, and the checked-in seeds.
# New inputs go to fuzz/corpus/TARGET, crashes to fuzz/artifacts/TARGET.
# Built with AddressSanitizer (cargo-fuzz's default), which also turns a
# stack overflow into a reported crash with its input saved (without it,
# libFuzzer's SIGSEGV handler runs on the overflowed stack and the process
# dies silently). ASan's per-allocation bookkeeping is cut down
# (ASAN_OPTIONS below): compiling, emitting and re-parsing the whole spec
# allocates a lot, and takes ~0.4 s that way instead of ~0.8 s, well inside
# the 1 s timeout. Debug assertions and overflow checks are on (cargo-fuzz's
# default).
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
root=$PWD/fuzz
export ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=0:quarantine_size_mb=0:detect_stack_use_after_return=0:detect_leaks=0}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
# FUZZ_SEED fixes libFuzzer's random seed (CI sets it, so a run explores
# the same inputs each time and a landing is not decided by luck); unset,
# each run draws its own.
seed=()
if [ -n "${FUZZ_SEED:-}" ]; then
    seed=("-seed=$FUZZ_SEED")
fi
failed=()
for t in "${targets[@]}"; do
    dict=()
    case $t in spec_*) dict=("-dict=$root/dict/spec.dict") ;; esac
    mkdir -p "$root/corpus/$t"
    echo "== fuzz $t for ${secs}s"
    if ! cargo +nightly fuzz run "$t" "$root/corpus/$t" "$root/seeds/$t" -- \
        -max_total_time="$secs" -timeout=1 -rss_limit_mb=2048 -print_final_stats=1 "${seed[@]}" "${dict[@]}"; then
        failed+=("$t")
    fi
done
# A target that ran its time without a crash passed.
echo "fuzz: $((${#targets[@]} - ${#failed[@]})) passed, ${#failed[@]} failed"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing found crashes in: ${failed[*]} (inputs in fuzz/artifacts/TARGET/)"
    exit 1
fi
