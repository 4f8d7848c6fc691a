"""Sums an Nsight Compute CSV (one gpu__time_duration metric per kernel) by kernel name: launches, total and mean
microseconds, and each kernel's share of the profiled time, largest first."""
import csv
import sys
from collections import defaultdict


def main(path):
    with open(path, newline="") as f:
        lines = [line for line in f if line.startswith('"')]
    rows = csv.DictReader(lines)
    total = defaultdict(float)
    launches = defaultdict(int)
    for row in rows:
        if row.get("Metric Name") != "gpu__time_duration.sum":
            continue
        value = float(row["Metric Value"].replace(",", ""))
        unit = row.get("Metric Unit", "nsecond")
        scale = {"nsecond": 1e-3, "usecond": 1.0, "msecond": 1e3, "second": 1e6}.get(unit, 1e-3)
        name = row["Kernel Name"].split("(")[0]
        total[name] += value * scale
        launches[name] += 1
    overall = sum(total.values())
    print(f"{sum(launches.values())} kernels profiled, {overall / 1e3:.2f} ms of GPU time")
    print(f"{'kernel':48} {'launches':>8} {'total us':>10} {'mean us':>9} {'share':>6}")
    for name, us in sorted(total.items(), key=lambda item: -item[1]):
        print(f"{name[:48]:48} {launches[name]:8d} {us:10.1f} {us / launches[name]:9.2f} {100 * us / overall:5.1f}%")


if __name__ == "__main__":
    main(sys.argv[1])
