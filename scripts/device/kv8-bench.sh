#!/usr/bin/env bash
# The 8-bit KV cache on the GPU machine, in one run (issue 7, item 4):
#   1. its device tests: CudaOpsTest (RoPE/KV write and attention, prefill and split-K decode, bf16/fp8/int8 caches,
#      against the CPU with the same cache type), CudaPrefillAttentionTest (the tensor-core prefill kernel, bf16 and
#      8-bit caches) and CudaKvCacheDtypeTest (whole models, CUDA vs CPU, same cache type);
#   2. the Llama-3-8B shape (random weights, make_random_model.py): `jllm bench latency` at batch 1 and 8 with
#      --kv-cache-dtype auto, fp8 and int8, each with the KV cache sized by memory alone (the default free-memory
#      fraction 0.9, --kv-cache-max-tokens beyond what memory holds), so the start-up line reports the capacity that
#      the same free memory gives each cache type; then batch 16 over 2,048-token prompts (64 generated), where the
#      cache, not the weights, is most of what a decode step reads.
# Expects beside it what `scripts/device/pack.sh DIR` puts there (jllm-cuda-tests.tar.gz, make_random_model.py) and
# this script copied in. Usage, on the GPU machine from the repository root: bash DIR/kv8-bench.sh
# Results under $OUT: env.txt, tests.log and the JUnit XML, latency_<dtype>_b<batch>[_long].{log,json}, summary.txt.
# JLLM_KV8_SETS picks the benchmark sets (default "short long"); JLLM_KV8_TESTS=0 skips the tests.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out=${OUT:-/tmp/jllm-kv8-out}
work=/tmp/jllm-kv8
model=/tmp/jllm-bench-models/llama-3-8b
budget=${JLLM_KV8_BUDGET_S:-280}
mkdir -p "$out"
rm -rf "$work" && mkdir -p "$work" && tar -xzf "$here/jllm-cuda-tests.tar.gz" -C "$work"
java="$work/jllm/runtime/bin/java"
jllm="$work/jllm/bin/jllm"

# limited LIMIT_S LOG COMMAND...: runs COMMAND into LOG within LIMIT_S and what is left of the budget.
limited() {
  local limit=$1 log=$2
  shift 2
  local left=$((budget - SECONDS))
  if (( left < 15 )); then
    echo "skipped (budget spent): $*" | tee -a "$out/summary.txt"
    return 1
  fi
  (( limit > left )) && limit=$left
  local start=$SECONDS
  timeout --signal=TERM --kill-after=5 "$limit" "$@" > "$log" 2>&1
  local status=$?
  echo "$(basename "$log"): exit $status in $((SECONDS - start)) s" | tee -a "$out/summary.txt"
  return $status
}

{
  date -u +"%Y-%m-%d %H:%M UTC"
  nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv
} > "$out/env.txt" 2>&1
cat "$out/env.txt"

jars=$(ls "$work"/jllm/lib/*.jar "$work"/test-lib/*.jar | grep -v console-standalone | tr '\n' ':')
classpath="$work/test-classes:$jars"
launcher=$(ls "$work"/test-lib/junit-platform-console-standalone-*.jar)
[[ ${JLLM_KV8_TESTS:-1} == 1 ]] && limited 100 "$out/tests.log" "$java" --add-modules=jdk.incubator.vector \
    --enable-native-access=ALL-UNNAMED -Xss4m -jar "$launcher" execute --class-path "$classpath" \
    --scan-class-path "$work/test-classes" \
    --include-classname '.*\.(CudaOpsTest|CudaKvCacheDtypeTest|CudaPrefillAttentionTest)' \
    --reports-dir "$out/reports" --details=tree --disable-banner
mv "$out/reports/"*.xml "$out/" 2>/dev/null && rmdir "$out/reports" 2>/dev/null

limited 120 "$out/model.log" python3 "$here/make_random_model.py" llama-3-8b "$model"

# latency NAME BATCH ISL OSL ITERATIONS LIMIT_S DTYPE
latency() {
  limited "$6" "$out/latency_$1.log" "$jllm" bench latency --model "$model" --backend cuda --batch-size "$2" \
      --isl "$3" --osl "$4" --iterations "$5" --warmup 1 --kv-cache-dtype "$7" --kv-cache-max-tokens 1000000000 \
      --output-json "$out/latency_$1.json"
}
for set in ${JLLM_KV8_SETS:-short long}; do
  for dtype in auto fp8 int8; do
    case $set in
      short) latency "${dtype}_b1" 1 128 128 2 40 "$dtype"; latency "${dtype}_b8" 8 128 128 2 40 "$dtype" ;;
      long) latency "${dtype}_b16_long" 16 2048 64 1 60 "$dtype" ;;
    esac
  done
done

{
  echo "== tests"
  grep -E '^\s*\[ *[0-9]+ tests (successful|failed|found|skipped|aborted) *\]' "$out/tests.log"
  awk '/cache, .*attention relative error/ { e = $NF + 0; if (e > worst[$1]) worst[$1] = e }
       END { for (d in worst) printf "worst attention relative error, %s cache: %.2e\n", d, worst[d] }' "$out/tests.log"
  grep -E 'cache on CUDA vs' "$out/tests.log"
  grep -E '✘' "$out/tests.log" | head -20
  echo "== capacity and decode"
  for log in "$out"/latency_*.log; do
    echo "-- $(basename "$log")"
    grep -E 'jllm: KV cache|decode tokens/s|copy bandwidth|fraction of roofline|GB read per step' "$log"
    grep -iE 'exception|error' "$log" | head -3
  done
} >> "$out/summary.txt" 2>&1
cat "$out/summary.txt"
