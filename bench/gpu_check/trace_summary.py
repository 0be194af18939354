#!/usr/bin/env python3
"""Summarises a `kosmos2 bench --profile` trace: per named range (vision, prefill, decode_step), wall time,
GPU kernel time and count (kernels attributed through the runtime call that launched them), and the kernels
that take the most GPU time. Prints JSON.

    trace_summary.py TRACE.json [--top N]
"""
import argparse
import collections
import json


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trace")
    ap.add_argument("--top", type=int, default=12)
    args = ap.parse_args()
    with open(args.trace) as f:
        events = json.load(f)["traceEvents"]
    ranges = [e for e in events if e.get("cat") == "user_annotation" and e.get("name", "").startswith("kosmos2::")]
    launches = {}
    for e in events:
        if e.get("cat") in ("cuda_runtime", "cuda_driver") and "correlation" in e.get("args", {}):
            launches[e["args"]["correlation"]] = e["ts"]
    kernels = [e for e in events if e.get("cat") == "kernel"]

    def phase_of(ts):
        for r in ranges:
            if r["ts"] <= ts <= r["ts"] + r["dur"]:
                return r["name"]
        return "other"

    phases = collections.defaultdict(lambda: {"ranges": 0, "wall_us": 0.0, "kernels": 0, "kernel_us": 0.0,
                                              "by_kernel": collections.Counter(), "count": collections.Counter()})
    for r in ranges:
        phases[r["name"]]["ranges"] += 1
        phases[r["name"]]["wall_us"] += r["dur"]
    for k in kernels:
        launched = launches.get(k.get("args", {}).get("correlation"))
        p = phases[phase_of(launched) if launched is not None else "other"]
        p["kernels"] += 1
        p["kernel_us"] += k["dur"]
        p["by_kernel"][k["name"][:90]] += k["dur"]
        p["count"][k["name"][:90]] += 1
    out = {}
    for name, p in phases.items():
        n = max(p["ranges"], 1)
        out[name] = {
            "ranges": p["ranges"], "wall_ms_each": p["wall_us"] / n / 1000,
            "kernels_each": p["kernels"] / n, "kernel_ms_each": p["kernel_us"] / n / 1000,
            "top_kernels": [{"name": k, "ms_each": us / n / 1000, "count_each": p["count"][k] / n}
                            for k, us in p["by_kernel"].most_common(args.top)],
        }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
