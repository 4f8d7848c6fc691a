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
    prefill = sorted(glob.glob(os.path.join(results, "prefill_*.json")))
    if prefill:
        print("## Prefill (one 2048-token prompt)\n")
        print("| shape | prefill ms p50 | prefill tok/s | TFLOP/s | % of the bf16 GEMM rate |\n|---|---:|---:|---:|---:|")
        for path in prefill:
            r = load(path)
            ms = r["prefill_ms"]["p50"]
            tflops = r.get("prefill_tflops")
            fraction = r.get("prefill_gemm_fraction")
            print(f"| {r['model']} | {fmt(ms)} | {fmt(r['isl'] * r['batch_size'] * 1e3 / ms, 0)}"
                  f" | {fmt(tflops, 0) if tflops else '-'} | {fmt(100 * fraction) + '%' if fraction else '-'} |")
        print()
    loads = []
    for kind in ("hf", "engine"):
        for path in sorted(glob.glob(os.path.join(results, f"load_{kind}_*.log"))):
            seconds = [line.split("loaded in")[1].split()[0] for line in open(path) if "jllm: loaded in" in line]
            if seconds:
                loads.append((kind, os.path.basename(path)[len(f"load_{kind}_"):-len(".log")], float(seconds[0])))
    if loads:
        print("## Load time (weights placed on the GPU and the KV cache allocated)\n")
        print("| model | from | seconds |\n|---|---|---:|")
        for kind, name, seconds in loads:
            print(f"| {name} | {'Hugging Face directory' if kind == 'hf' else 'jllm build engine'} | {fmt(seconds, 2)} |")
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
    iterations = os.path.join(results, "iterations.txt")
    if os.path.exists(iterations):
        print("Where the throughput runs' time went (engine iteration logs: steps that only decode against steps that"
              " also fill prompts):\n\n```\n" + open(iterations).read().strip() + "\n```\n")
    serve = os.path.join(results, "serve", "results.md")
    if os.path.exists(serve):
        print("## Serving sweep\n")
        print(open(serve).read())
    steps = os.path.join(results, "steps.txt")
    if os.path.exists(steps):
        print("## Steps\n\n```\n" + open(steps).read().strip() + "\n```")


if __name__ == "__main__":
    main(sys.argv[1])
