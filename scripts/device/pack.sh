#!/usr/bin/env bash
# Builds what the GPU machine needs (it has no Java and no Maven) into ONE tarball, of one of two kinds:
#   tests (default)  jllm-cuda-tests.tar.gz: the distribution with a runtime for tests (the jlink image without
#                    java.desktop, which only draws benchmark plots: it keeps the tarball under the carry limit),
#                    jllm-cuda's test classes with the golden fixtures, the test libraries and the JUnit console
#                    launcher; for cuda-tests.sh, cuda-bench.sh, quant-bench.sh and gpu-session.sh.
#   bench            jllm-bench.tar.gz: the whole distribution (dist/jllm, plots included); for bench.sh.
# Beside the tarball go the device scripts and the real tokenizers (tokenizers.tgz: qwen3, llama3).
#
# Usage: [JLLM_PACK_KIND=bench] scripts/device/pack.sh [DEST_DIR ...]   (default .carry; files copied into each)
# Then, on the GPU machine, from the directory holding DEST_DIR:  bash DEST_DIR/cuda-tests.sh  (or bench.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/find-jdk.sh
jllm_find_jdk

JUNIT_PLATFORM=1.14.4
ASSERTJ=3.27.7
BYTE_BUDDY=1.18.3
kind=${JLLM_PACK_KIND:-tests}
destinations=("$@")
[[ ${#destinations[@]} -eq 0 ]] && destinations=(.carry)
stage=target/device-pack
rm -rf "$stage"
mkdir -p "$stage"

# One reactor build: the distribution and the test classes of every module (tests are compiled, not run).
./mvnw -B -q -ntp -DskipTests package ${JLLM_PACK_MAVEN_ARGS:-}

case $kind in
  tests)
    mkdir -p "$stage/test-lib" "$stage/jllm"
    # Test-only libraries from Maven Central: AssertJ with the Byte Buddy it loads lazily, and the JUnit console
    # launcher, which also carries the Jupiter engine, API and params.
    for artifact in org.junit.platform:junit-platform-console-standalone:${JUNIT_PLATFORM} \
                    org.assertj:assertj-core:${ASSERTJ} net.bytebuddy:byte-buddy:${BYTE_BUDDY}; do
      ./mvnw -B -q -ntp dependency:copy -Dartifact="$artifact" -DoutputDirectory="$stage/test-lib"
    done
    cp -r dist/jllm/bin dist/jllm/lib dist/jllm/VERSION "$stage/jllm/"
    modules=$(tr -d '[]\n' < dist/jllm/runtime/jllm-modules | sed 's/java\.desktop,//')
    "$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
        --compress=zip-6 --output "$stage/jllm/runtime"
    cp -r jllm-cuda/target/test-classes "$stage/test-classes"
    cp jllm-core/target/jllm-core-*-tests.jar "$stage/test-lib/"
    cp scripts/device/cuda-tests.sh "$stage/"
    tarball=jllm-cuda-tests.tar.gz
    ;;
  bench)
    cp -r dist/jllm "$stage/jllm"
    tarball=jllm-bench.tar.gz
    ;;
  *)
    echo "error: JLLM_PACK_KIND is tests or bench, not '$kind'" >&2
    exit 1
    ;;
esac

tar -czf "target/$tarball" -C "$stage" .
size=$(du -m "target/$tarball" | cut -f1)
if (( size >= 56 )); then
  echo "error: target/$tarball is ${size} MiB; with the tokenizers and the repository it must stay under the" \
       "device's 64 MiB" >&2
  exit 1
fi
bash scripts/fetch-tokenizers.sh target/tokenizers
tar -czf target/tokenizers.tgz -C target/tokenizers qwen3 llama3
for destination in "${destinations[@]}"; do
  mkdir -p "$destination"
  cp "target/$tarball" target/tokenizers.tgz scripts/device/cuda-tests.sh scripts/device/cuda-bench.sh \
    scripts/device/bench.sh scripts/device/prefill-bench.sh scripts/device/quant-bench.sh scripts/device/fp8-bench.sh \
    scripts/device/bench_summary.py scripts/device/make_random_model.py scripts/device/iteration_summary.py \
    scripts/device/kernel-profile.sh scripts/device/kernel_profile.py scripts/device/gpu-session.sh \
    scripts/device/serve-smoke.sh scripts/device/overlap-bench.sh scripts/device/kv8-bench.sh "$destination/"
done
echo "packed target/$tarball (${size} MiB) into ${destinations[*]}"
