"""Summarizes a `jllm bench throughput --iteration-log` file: steps that only decode (one token per sequence) against
steps that also fill prompts, how many of each, their step time, the batch they ran, and the time between steps that
the step itself does not account for (host work outside the step: scheduling, output delivery)."""
import json
import statistics
import sys


def describe(name, steps, gaps):
    if not steps:
        print(f"{name:8} none")
        return
    times = [s["step_ms"] for s in steps]
    print(f"{name:8} {len(steps):6d} steps  step ms mean {statistics.mean(times):8.2f} p50 {statistics.median(times):8.2f}"
          f"  total {sum(times) / 1e3:7.2f} s  sequences mean {statistics.mean(s['sequences'] for s in steps):6.1f}"
          f"  tokens mean {statistics.mean(s['tokens'] for s in steps):7.1f}  gap ms mean {statistics.mean(gaps):6.2f}")


def main(path):
    steps = [json.loads(line) for line in open(path) if line.strip()]
    steps = [s for s in steps if s["sequences"] > 0]
    gaps = {}
    for previous, step in zip(steps, steps[1:]):
        gaps[id(step)] = max(0.0, step["t_ms"] - previous["t_ms"] - step["step_ms"])
    decode = [s for s in steps if s["tokens"] == s["sequences"]]
    mixed = [s for s in steps if s["tokens"] != s["sequences"]]
    span = (steps[-1]["t_ms"] - steps[0]["t_ms"]) / 1e3 if steps else 0
    print(f"{path}: {len(steps)} steps over {span:.2f} s")
    describe("decode", decode, [gaps.get(id(s), 0.0) for s in decode])
    describe("mixed", mixed, [gaps.get(id(s), 0.0) for s in mixed])


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        main(argument)
