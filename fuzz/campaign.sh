#!/usr/bin/env bash
# One fuzzing campaign, what `make fuzz` runs before the differential test:
# each cargo-fuzz target in FUZZ_TARGETS for FUZZ_SECONDS, one after the
# other (one fuzzer process at a time), then a table of executions,
# executions per second and corpus size per target (libFuzzer's live corpus,
# and the files and bytes in the corpus directory). A crash, a timeout
# (FUZZ_TIMEOUT seconds on one input) or an out-of-memory (FUZZ_RSS_MB) makes
# the script exit 1 and name the reproducer file. Inputs are at most
# FUZZ_MAX_LEN bytes (default 4096; longer seeds are cut): small inputs run
# many times faster, and the loader's behaviour on huge files is tested by
# tests/bad_inputs.rs.
#
# Corpora live in fuzz/corpus/TARGET and grow from run to run; load's and
# assemble's are seeded from samples/ and tests/bad/ (.jasm, and .jbc assembled
# with JANUSC; verify's inputs are recipes, not files); wasm_translate's from
# tests/bad/*.wasm and, where clang-19 can target wasm32-wasi, samples/c
# compiled to .wasm.
# Logs land in fuzz/logs/TARGET.log, reproducers in fuzz/artifacts/TARGET/.
set -uo pipefail

cd "$(dirname "$0")"
ROOT=..
TARGETS=${FUZZ_TARGETS:-load assemble verify wasm_translate}
TARGETS=${TARGETS//,/ }
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
TIMEOUT=${FUZZ_TIMEOUT:-10}
RSS_MB=${FUZZ_RSS_MB:-2048}
MAX_LEN=${FUZZ_MAX_LEN:-4096}
JANUSC=${JANUSC:-$ROOT/target/release/janusc}

known="load assemble verify wasm_translate"
for t in $TARGETS; do
  case " $known " in
    *" $t "*) ;;
    *) echo "fuzz: unknown target '$t' (FUZZ_TARGETS picks from: $known)" >&2; exit 2 ;;
  esac
done

# Seeds: the samples and the bad inputs, in both formats where they exist.
seed() {
  local dir=corpus/$1
  mkdir -p "$dir"
  case $1 in
    assemble)
      cp "$ROOT"/samples/*.jasm "$ROOT"/tests/bad/*.jasm "$dir"/ ;;
    verify) ;; # Its input is a recipe for a module, not a file: no seeds.
    wasm_translate)
      cp "$ROOT"/tests/bad/*.wasm "$dir"/
      if command -v clang-19 >/dev/null; then
        for f in "$ROOT"/samples/c/*.c; do
          clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -mcpu=mvp -msign-ext \
            -mnontrapping-fptoint -mbulk-memory "$f" -o "$dir/$(basename "$f" .c).wasm" -lm \
            2>>logs/wasm_translate.seeds.log || true
        done
      fi ;;
    load)
      cp "$ROOT"/samples/*.jasm "$ROOT"/tests/bad/*.jasm "$ROOT"/tests/bad/*.jbc "$dir"/
      if [ -x "$JANUSC" ]; then
        for f in "$ROOT"/samples/*.jasm; do
          "$JANUSC" asm "$f" -o "$dir/$(basename "$f" .jasm).jbc" 2>/dev/null || true
        done
      fi ;;
  esac
}

# The value of libFuzzer's final `stat::NAME:` line in a log, or "-".
stat() {
  local v
  v=$(grep -a "^stat::$1:" "$2" | tail -n 1 | awk '{print $2}')
  echo "${v:--}"
}

mkdir -p logs
rows=()
failures=()
for t in $TARGETS; do
  seed "$t"
  log=logs/$t.log
  echo "fuzz: $t for ${SECONDS_PER_TARGET}s (log: fuzz/$log)"
  start=$(date +%s)
  RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none "$t" "corpus/$t" -- \
    -max_total_time="$SECONDS_PER_TARGET" -timeout="$TIMEOUT" -rss_limit_mb="$RSS_MB" \
    -max_len="$MAX_LEN" \
    -print_final_stats=1 >"$log" 2>&1
  status=$?
  end=$(date +%s)
  runs=$(stat number_of_executed_units "$log")
  rate=$(stat average_exec_per_sec "$log")
  secs=$(grep -a -o "^Done [0-9]* runs in [0-9]* second" "$log" | tail -n 1 | awk '{print $5}')
  # libFuzzer's own corpus at the end; the directory also keeps the inputs
  # it has since replaced by smaller ones (`cargo fuzz cmin` prunes them).
  live=$(grep -a -o -E "corp: [0-9]+/" "$log" | tail -n 1 | tr -dc '0-9')
  files=$(find "corpus/$t" -type f | wc -l)
  bytes=$(find "corpus/$t" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
  result=clean
  if [ "$status" -ne 0 ]; then
    unit=$(grep -a -o "Test unit written to [^ ]*" "$log" | tail -n 1 | awk '{print $5}')
    kind=$(grep -a -o -E "deadly signal|panicked|ALARM: working on the last Unit|out-of-memory|ERROR: libFuzzer: [a-z-]*" "$log" | head -n 1)
    result="FAILED (status $status)"
    failures+=("$t: ${kind:-see fuzz/$log}; reproducer: ${unit:-none written, see fuzz/$log}
    reproduce: cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none $t ${unit:-ARTIFACT}")
  fi
  rows+=("$(printf '%-14s %12s %9s %7s %8s %11s %8s  %s' "$t" "$runs" "$rate" "${live:--}" "$files" "$bytes" "${secs:-$((end - start))}" "$result")")
done

echo
printf '%-14s %12s %9s %7s %8s %11s %8s  %s\n' target executions exec/s live files bytes seconds result
for r in "${rows[@]}"; do echo "$r"; done
if [ ${#failures[@]} -gt 0 ]; then
  echo
  for f in "${failures[@]}"; do echo "fuzz: $f" >&2; done
  exit 1
fi
