#!/usr/bin/env bash
# Smoke test of `jllm serve` on the GPU machine: serves MODEL_DIR (any model directory with a tokenizer) on the CUDA
# backend from the distribution DIST (dist/jllm, e.g. as pack.sh ships it), then drives it with curl: a plain
# completion, a streamed chat with usage, 32 concurrent 256-token streams, /metrics, and SIGTERM (expects exit 0).
# Logs and answers go to $OUT; BACKEND=cpu runs the same checks without a GPU.
# Usage: scripts/device/serve-smoke.sh DIST MODEL_DIR
set -uo pipefail
dist=$1
model=$2
out=${OUT:-/tmp/serve-smoke-out}
port=${PORT:-18000}
url=http://127.0.0.1:$port
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$out/env.txt" 2>&1
"$dist/bin/jllm" serve "$model" --backend "${BACKEND:-cuda}" --port "$port" --served-model-name smoke > "$out/serve.out" 2> "$out/serve.err" &
pid=$!
for _ in $(seq 1 300); do grep -q "jllm: serving" "$out/serve.err" && break; sleep 1; done
cat "$out/serve.err"
post() { curl -s -N "$url$1" -H 'Content-Type: application/json' -d "$2"; }
post /v1/completions '{"prompt": "Hello", "max_tokens": 16, "temperature": 0, "ignore_eos": true}' > "$out/plain.json"
post /v1/chat/completions '{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 8, "stream": true,
  "stream_options": {"include_usage": true}}' > "$out/stream.txt"
start=$(date +%s%N)
clients=()
for c in $(seq 1 32); do
  post /v1/completions "{\"prompt\": \"Client $c\", \"max_tokens\": 256, \"temperature\": 0, \"ignore_eos\": true,
    \"stream\": true}" > "$out/client$c.txt" &
  clients+=($!)
done
wait "${clients[@]}"
echo "32 streams x 256 tokens in $(( ($(date +%s%N) - start) / 1000000 )) ms" | tee "$out/concurrency.txt"
echo "streams without [DONE]: $(grep -L '^data: \[DONE\]' "$out"/client*.txt | wc -l)" | tee -a "$out/concurrency.txt"
curl -s "$url/metrics" > "$out/metrics.txt"
kill -TERM "$pid"; wait "$pid"; status=$?
echo "exit status after SIGTERM: $status" | tee "$out/exit.txt"
head -c 600 "$out/plain.json"; echo
grep -E '^jllm_(requests_|generation_tokens|time_to_first_token_seconds_(sum|count)|kv_cache_blocks)' "$out/metrics.txt"
[ "$status" -eq 0 ]
