#!/usr/bin/env python3
"""Turns the JSON files of scripts/device/bench.sh into the Markdown tables BENCHMARKS.md quotes.

Usage: bench_summary.py RESULTS_DIR > summary.md
"""
import glob
import json
import os
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def fmt(value, digits=1):
    return f"{value:,.{digits}f}"


def main(results):
    print("# jllm GPU benchmark suite\n")
    env = os.path.join(results, "env.txt")
    if os.path.exists(env):
        print("```\n" + open(env).read().strip() + "\n```\n")
    roofline = os.path.join(results, "roofline.json")
    if os.path.exists(roofline):
        r = load(roofline)
        print("## Roofline\n")
        print("| device | copy bandwidth (GB/s) | bf16 GEMM (TFLOP/s) |\n|---|---:|---:|")
        print(f"| {r['device']} | {fmt(r['copy_bandwidth_gb_s'], 0)} | {fmt(r['bf16_gemm_tflops'], 0)} |\n")
    latency = sorted(glob.glob(os.path.join(results, "latency_*.json")))
    if latency:
        print("## Latency (128 prompt + 128 generated tokens, static batch)\n")
        print("| shape | batch | prefill ms | TTFT ms p50 | decode step ms p50 / p99 | decode tok/s (batch) |"
              " tok/s per sequence | roofline tok/s | % of roofline |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for path in latency:
            r = load(path)
            roof = r.get("roofline_tokens_per_s_per_sequence")
            print(f"| {r['model']} | {r['batch_size']} | {fmt(r['prefill_ms']['mean'])} | {fmt(r['ttft_ms']['p50'])}"
                  f" | {fmt(r['decode_step_ms']['p50'], 2)} / {fmt(r['decode_step_ms']['p99'], 2)}"
                  f" | {fmt(r['decode_tokens_per_s'], 0)} | {fmt(r['decode_tokens_per_s_per_sequence'], 0)}"
                  f" | {fmt(roof, 0) if roof else '-'}"
                  f" | {fmt(100 * r['roofline_fraction']) + '%' if roof else '-'} |")
        print()
    throughput = sorted(glob.glob(os.path.join(results, "throughput_*.json")))
    if throughput:
        print("## Offline throughput\n")
        print("| shape | isl/osl | requests | errors | req/s | output tok/s | total tok/s | TTFT ms p50 / p99 |"
              " ITL ms p50 / p99 | E2E ms p50 |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for path in throughput:
            r = load(path)
            name = os.path.basename(path)[len("throughput_"):-len(".json")].replace("_", "/")
            print(f"| {r['model']} | {name} | {r['requests']} | {r['errors']} | {fmt(r['requests_per_s'], 2)}"
                  f" | {fmt(r['output_tokens_per_s'], 0)} | {fmt(r['total_tokens_per_s'], 0)}"
                  f" | {fmt(r['ttft_ms']['p50'], 0)} / {fmt(r['ttft_ms']['p99'], 0)}"
                  f" | {fmt(r['itl_ms']['p50'], 1)} / {fmt(r['itl_ms']['p99'], 1)} | {fmt(r['e2e_ms']['p50'], 0)} |")
        print()
    serve = os.path.join(results, "serve", "results.md")
    if os.path.exists(serve):
        print("## Serving sweep\n")
        print(open(serve).read())
    steps = os.path.join(results, "steps.txt")
    if os.path.exists(steps):
        print("## Steps\n\n```\n" + open(steps).read().strip() + "\n```")


if __name__ == "__main__":
    main(sys.argv[1])
