#!/usr/bin/env bash
# jllm and Jlama side by side on the CPU (issue 6, item 8): builds jllm-jlama-bench (not part of the distribution),
# then runs ai.jllm.peers.JlamaSideBySide, which writes a random-weight Llama model (once), runs
# `jllm bench latency --backend cpu --batch-size 1` on it and Jlama on the same prompt token ids with the same thread
# count, in one JVM, and prints both decode rates and their ratio (figures also in OUT_DIR/side-by-side.json).
# Usage: scripts/bench-jlama.sh [OUT_DIR] [ISL] [OSL] [THREADS] [ITERATIONS]   (default target/jlama-bench 128 64)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/find-jdk.sh
jllm_find_jdk
out=${1:-target/jlama-bench}
mkdir -p "$out"
bash scripts/fetch-tokenizers.sh target/tokenizers
# One reactor run: every module the bench needs is built here (nothing is taken from ~/.m2), and each writes its
# class path to the same file, the bench module last.
./mvnw -B -q -ntp -pl jllm-jlama-bench -am package dependency:build-classpath -DskipTests \
    -Dmdep.outputFile="$PWD/$out/classpath.txt"
"$JAVA_HOME/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m \
    ${JLLM_JAVA_OPTS:--Xmx8g} -Djllm.tokenizers.dir="$PWD/target/tokenizers" \
    -cp "jllm-jlama-bench/target/classes:$(cat "$out/classpath.txt")" \
    ai.jllm.peers.JlamaSideBySide "$out" "${@:2}"
