#!/usr/bin/env python3
"""The demo model's two training sets, made from one GRIT JSONL file of generated shapes.

    curriculum.py DIR/annotations.jsonl

Writes beside it:
- one_object.jsonl: the pictures with a single object (stage 1: where is the one thing in the picture);
- mix.jsonl: every record, with the one-object pictures twice more and the two-object pictures once more
  (stage 2), the copies under their own key and id ("<key>-r0", id + 1,000,000).
"""
import json
import os
import sys


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    source = sys.argv[1]
    folder = os.path.dirname(os.path.abspath(source))
    try:
        with open(source, encoding="utf-8") as f:
            lines = [line for line in f if line.strip()]
    except OSError as e:
        print(f"{source}: {e.strerror}", file=sys.stderr)
        return 1
    one = open(os.path.join(folder, "one_object.jsonl.tmp"), "w", encoding="utf-8")
    mix = open(os.path.join(folder, "mix.jsonl.tmp"), "w", encoding="utf-8")
    counts = [0, 0]
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
            objects = len(record["noun_chunks"])
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            print(f"{source}, line {number}: not a GRIT record ({e})", file=sys.stderr)
            return 1
        mix.write(json.dumps(record) + "\n")
        counts[1] += 1
        if objects == 1:
            one.write(line if line.endswith("\n") else line + "\n")
            counts[0] += 1
        for copy in range({1: 2, 2: 1}.get(objects, 0)):
            again = dict(record, key=f"{record['key']}-r{copy}", id=record["id"] + 1_000_000 * (copy + 1))
            mix.write(json.dumps(again) + "\n")
            counts[1] += 1
    one.close()
    mix.close()
    for name in ("one_object.jsonl", "mix.jsonl"):
        os.replace(os.path.join(folder, name + ".tmp"), os.path.join(folder, name))
    print(f"{folder}: one_object.jsonl {counts[0]} records, mix.jsonl {counts[1]} records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
