#!/usr/bin/env python3
"""The learning curve of a `kosmos2 train` log as a Markdown table.

    learning_curve.py train.log [--batch 32]

One row per checkpoint evaluation ("evaluation at step N: {...}"): images seen, the mean training loss of the
logged steps since the previous evaluation, referring-expression accuracy and grounded-caption F1 on the
evaluation set.
"""
import argparse
import json
import re
import sys

STEP = re.compile(r"^step (\d+)/\d+\s+loss ([0-9.]+)")
EVAL = re.compile(r"^evaluation at step (\d+): (\{.*\})\s*$")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log")
    parser.add_argument("--batch", type=int, default=32, help="samples per step (batch x accumulation)")
    args = parser.parse_args()

    rows = []
    losses = []
    try:
        with open(args.log, encoding="utf-8", errors="replace") as log:
            for line in log:
                if m := STEP.match(line):
                    losses.append(float(m.group(2)))
                elif m := EVAL.match(line):
                    step = int(m.group(1))
                    try:
                        report = json.loads(m.group(2))
                    except json.JSONDecodeError as e:
                        print(f"{args.log}: evaluation at step {step} is not JSON ({e})", file=sys.stderr)
                        continue
                    loss = sum(losses) / len(losses) if losses else float("nan")
                    losses = []
                    rows.append((step, step * args.batch, loss, report.get("rec", {}).get("accuracy"),
                                 report.get("caption", {}).get("f1")))
    except OSError as e:
        print(f"{args.log}: {e.strerror}", file=sys.stderr)
        return 1
    if not rows:
        print(f"{args.log}: no checkpoint evaluation found", file=sys.stderr)
        return 1

    def fmt(value):
        return "—" if value is None else f"{value:.3f}"

    print("| step | images seen | training loss | REC accuracy | caption F1 |")
    print("|---|---|---|---|---|")
    for step, images, loss, rec, f1 in rows:
        print(f"| {step} | {images // 1000} k | {loss:.3f} | {fmt(rec)} | {fmt(f1)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
