#!/usr/bin/env bash
# Encode throughput of jllm's tokenizer against the Hugging Face tokenizers library (through DJL), single-threaded,
# on the real Qwen3, Llama 3 and Llama 2 tokenizer.json files. Prints a Markdown table (see BENCHMARKS.md).
# Arguments: tokenizer names (qwen3 llama3 llama2; default all).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/find-jdk.sh
jllm_find_jdk
tokenizers_dir="$PWD/target/tokenizers"
scripts/fetch-tokenizers.sh "$tokenizers_dir"
./mvnw -B -q -ntp -pl jllm-core -am test-compile
classpath_file=jllm-core/target/bench-classpath.txt
./mvnw -B -q -ntp -pl jllm-core dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/$classpath_file"
# Keep the Rust side on one thread too (it only fans out for batches, but make sure).
export RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false OPT_OUT_TRACKING=true
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xss4m \
  -Djllm.tokenizers.dir="$tokenizers_dir" \
  -cp "jllm-core/target/test-classes:jllm-core/target/classes:$(cat "$classpath_file")" \
  ai.jllm.tokenizer.TokenizerBenchmark "$@"
