#!/usr/bin/env bash
# Builds everything the GPU machine needs to run jllm's CUDA test suite and benchmarks, which has no Java and no
# Maven there, into ONE tarball: the distribution (dist/jllm with its jlink runtime), jllm-cuda's test classes with the
# golden fixtures, the test libraries and the JUnit console launcher, and cuda-tests.sh itself; beside it go the
# device scripts and the real tokenizers (tokenizers.tgz: qwen3, llama3) the benchmark models carry.
#
# Usage: scripts/device/pack.sh [DEST_DIR ...]   (default .carry; the files are copied into each DEST_DIR)
# Then, on the GPU machine, from the directory holding .carry/:  bash .carry/cuda-tests.sh  (or bench.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/find-jdk.sh
jllm_find_jdk

JUNIT_PLATFORM=1.14.4
ASSERTJ=3.27.7
BYTE_BUDDY=1.18.3
destinations=("$@")
[[ ${#destinations[@]} -eq 0 ]] && destinations=(.carry)
stage=target/device-pack
rm -rf "$stage"
mkdir -p "$stage/test-lib"

# One reactor build: the distribution and the test classes of every module (tests are compiled, not run).
./mvnw -B -q -ntp -DskipTests package ${JLLM_PACK_MAVEN_ARGS:-}

# Test-only libraries from Maven Central: AssertJ with the Byte Buddy it loads lazily, and the JUnit console launcher,
# which also carries the Jupiter engine, API and params.
for artifact in org.junit.platform:junit-platform-console-standalone:${JUNIT_PLATFORM} \
                org.assertj:assertj-core:${ASSERTJ} net.bytebuddy:byte-buddy:${BYTE_BUDDY}; do
  ./mvnw -B -q -ntp dependency:copy -Dartifact="$artifact" -DoutputDirectory="$stage/test-lib"
done

cp -r dist/jllm "$stage/jllm"
cp -r jllm-cuda/target/test-classes "$stage/test-classes"
cp jllm-core/target/jllm-core-*-tests.jar "$stage/test-lib/"
cp scripts/device/cuda-tests.sh "$stage/"

tarball=jllm-cuda-tests.tar.gz
tar -czf "target/$tarball" -C "$stage" .
size=$(du -m "target/$tarball" | cut -f1)
if (( size >= 60 )); then
  echo "error: target/$tarball is ${size} MiB; the GPU machine takes at most 60" >&2
  exit 1
fi
bash scripts/fetch-tokenizers.sh target/tokenizers
tar -czf target/tokenizers.tgz -C target/tokenizers qwen3 llama3
for destination in "${destinations[@]}"; do
  mkdir -p "$destination"
  cp "target/$tarball" target/tokenizers.tgz scripts/device/cuda-tests.sh scripts/device/cuda-bench.sh \
    scripts/device/bench.sh scripts/device/bench_summary.py scripts/device/make_random_model.py "$destination/"
done
echo "packed target/$tarball (${size} MiB) into ${destinations[*]}"
