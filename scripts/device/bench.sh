#!/usr/bin/env bash
# The GPU benchmark suite (issue 6, item 7), in one run on the GPU machine: random-weight models in the real layouts
# (Qwen2.5-0.5B, Llama-3.2-1B, Llama-3-8B shapes, made there with transformers by make_random_model.py), then
#   jllm bench roofline                                   copy bandwidth and cuBLASLt bf16 GEMM rate
#   jllm bench latency   every shape, batch 1 and 8       128 prompt + 128 generated tokens
#   jllm bench throughput Llama-3-8B shape                128/128, 128/2048, 2048/128 (input/output tokens)
#   jllm serve + jllm bench serve, Llama-3-8B shape       concurrency 1, 8, 32, 64, 128, 256 (128/128)
# Every step has a time limit so that the whole suite ends within the device tool's 10 minutes; a step that runs out
# is recorded as such. Results: $OUT/results.tgz (every JSON, log and plot), $OUT/summary.md (the tables BENCHMARKS.md
# quotes, made by bench_summary.py) and the serving plots.
# Expects beside it what `JLLM_PACK_KIND=bench scripts/device/pack.sh` puts in .carry/: jllm-bench.tar.gz (the
# distribution), tokenizers.tgz, make_random_model.py, bench_summary.py.
# Usage (on the GPU machine, from the repository root): bash .carry/bench.sh
# Sizes can be cut down through the environment: JLLM_BENCH_SHAPES, JLLM_TP_REQUESTS (128/128 requests), ...
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out=${OUT:-/tmp/jllm-bench-out}
work=/tmp/jllm-bench
results=$work/results
models=$work/models
mkdir -p "$out" "$results" "$models" "$work/tokenizers"
export PYTHONUNBUFFERED=1
budget=${JLLM_BENCH_BUDGET_S:-560}
shapes=(${JLLM_BENCH_SHAPES:-qwen2.5-0.5b llama-3.2-1b llama-3-8b})
big=${JLLM_BENCH_BIG:-llama-3-8b}

# The bench kind of pack.sh, else the tests kind (same distribution, without the plots' java.desktop: the sweep then
# writes its JSON and Markdown and says that it drew no plots).
tarball=$here/jllm-bench.tar.gz
[[ -f $tarball ]] || tarball=$here/jllm-cuda-tests.tar.gz
if [[ ! -x "$work/pkg/jllm/bin/jllm" ]]; then
  mkdir -p "$work/pkg" && tar -xzf "$tarball" -C "$work/pkg"
fi
tar -xzf "$here/tokenizers.tgz" -C "$work/tokenizers"
jllm="$work/pkg/jllm/bin/jllm"

# step NAME LIMIT_S COMMAND...: runs COMMAND with its output in results/NAME.log, unless the budget is spent.
step() {
  local name=$1 limit=$2
  shift 2
  local left=$((budget - SECONDS))
  if (( left < 20 )); then
    echo "$name: skipped (suite budget spent)" | tee -a "$results/steps.txt"
    return 1
  fi
  (( limit > left )) && limit=$left
  local start=$SECONDS
  timeout --signal=TERM --kill-after=10 "$limit" "$@" > "$results/$name.log" 2>&1
  local status=$?
  echo "$name: exit $status in $((SECONDS - start)) s$( ((status == 124)) && echo " (time limit $limit s)")" \
    | tee -a "$results/steps.txt"
  return $status
}

{
  date -u +"%Y-%m-%d %H:%M UTC"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv
  nproc
} > "$results/env.txt" 2>&1
cat "$results/env.txt"

step roofline 60 "$jllm" bench roofline --output-json "$results/roofline.json"

for shape in "${shapes[@]}"; do
  tokenizer=$work/tokenizers/llama3
  [[ $shape == qwen* ]] && tokenizer=$work/tokenizers/qwen3
  step "model_$shape" 150 python3 "$here/make_random_model.py" "$shape" "$models/$shape" "$tokenizer"
done

for shape in "${shapes[@]}"; do
  for batch in 1 8; do
    step "latency_${shape}_b$batch" 90 "$jllm" bench latency --model "$models/$shape" --backend cuda \
      --batch-size "$batch" --isl 128 --osl 128 --iterations 2 --warmup 1 \
      --output-json "$results/latency_${shape}_b$batch.json"
  done
done

# Prefill of one 2048-token prompt per shape (its rate against the GEMM rate of the roofline step).
for shape in "${shapes[@]}"; do
  step "prefill_${shape}" 90 "$jllm" bench latency --model "$models/$shape" --backend cuda \
    --batch-size 1 --isl 2048 --osl 2 --iterations 2 --warmup 1 --output-json "$results/prefill_${shape}.json"
done

# Load time of the big shape from its Hugging Face directory and from the engine jllm build makes of it (the
# "jllm: loaded in" line of each latency run; the build itself is timed too).
step "build_$big" 300 "$jllm" build --model "$models/$big" --output "$models/$big-engine"
step "load_hf_$big" 120 "$jllm" bench latency --model "$models/$big" --backend cuda --batch-size 1 --isl 16 --osl 2 \
  --iterations 1 --warmup 0
step "load_engine_$big" 120 "$jllm" bench latency --model "$models/$big-engine" --backend cuda --batch-size 1 \
  --isl 16 --osl 2 --iterations 1 --warmup 0

# Offline throughput on the big shape: serving-sized engine batches; each run's iteration log shows where its time
# went (iteration_summary.py).
throughput() {  # NAME ISL OSL REQUESTS LIMIT_S
  step "throughput_$1" "$5" "$jllm" bench throughput --model "$models/$big" --backend cuda --isl "$2" --osl "$3" \
    --num-requests "$4" --max-batch-size 256 --max-num-tokens 8192 --warmup 4 \
    --output-json "$results/throughput_$1.json" --iteration-log "$results/iterations_$1.jsonl"
  python3 "$here/iteration_summary.py" "$results/iterations_$1.jsonl" >> "$results/iterations.txt" 2>&1
}
throughput 128_128 128 128 "${JLLM_TP_REQUESTS:-1024}" 120
throughput 2048_128 2048 128 "${JLLM_TP_PREFILL_REQUESTS:-256}" 100
throughput 128_2048 128 2048 "${JLLM_TP_DECODE_REQUESTS:-64}" 130

# The serving sweep: jllm serve in the background, jllm bench serve against it.
if (( budget - SECONDS > 60 )); then
  "$jllm" serve "$models/$big" --backend cuda --port 18100 --served-model-name bench --max-batch-size 256 \
    --max-num-tokens 8192 > "$results/server.out" 2> "$results/server.log" &
  server=$!
  for _ in $(seq 1 120); do grep -q "jllm: serving" "$results/server.log" && break; sleep 1; done
  step serve_sweep $((budget - SECONDS - 15)) "$jllm" bench serve --url http://127.0.0.1:18100 \
    --concurrency "${JLLM_SERVE_LEVELS:-1,8,32,64,128,256}" --isl 128 --osl 128 \
    --num-requests "${JLLM_SERVE_REQUESTS:-16}" --output-dir "$results/serve"
  kill -TERM "$server"; wait "$server"
  echo "server exit $?" >> "$results/steps.txt"
fi

python3 "$here/bench_summary.py" "$results" > "$results/summary.md" 2> "$results/summary.err"
tar -czf "$out/results.tgz" -C "$work" results
cp "$results/summary.md" "$out/"
cp "$results"/serve/throughput_vs_*.png "$out/" 2>/dev/null
cat "$results/steps.txt"
cat "$results/summary.md"
