#!/usr/bin/env python3
"""How often a caption names each object's shape right, by object size and by shape.

    kosmos2 generate --model M --json --image DIR/images/* > gen.jsonl
    datasets/demo_model/shape_stats.py gen.jsonl DIR/annotations.jsonl

Each object of the annotations is matched to the caption entity whose first box overlaps it most
(IoU >= 0.5); for the matched ones it counts colour and shape named right. Size classes split the
spec's range of box sides (10-50 % of the shorter image side) into thirds.
"""
import json
import os
import sys
from collections import Counter, defaultdict

SHAPES = ("circle", "square", "triangle", "star", "diamond", "hexagon")
COLOURS = ("red", "green", "blue", "yellow", "orange", "purple", "pink", "black")


def words(phrase):
    tokens = phrase.lower().replace(".", " ").split()
    shape = next((t for t in tokens if t in SHAPES), None)
    colour = next((t for t in tokens if t in COLOURS), None)
    return colour, shape


def iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def size_class(record, box):
    side = max((box[2] - box[0]) * record["width"], (box[3] - box[1]) * record["height"])
    share = side / min(record["width"], record["height"])
    return "small" if share < 0.233 else "middle" if share < 0.367 else "large"


def main(generated_path, annotations_path):
    by_image = {}
    with open(annotations_path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                record = json.loads(line)
                by_image[os.path.basename(record["image"])] = record
    totals, boxed, colour_right, shape_right = Counter(), Counter(), Counter(), Counter()
    confusion = defaultdict(Counter)
    with open(generated_path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            result = json.loads(line)
            record = by_image.get(os.path.basename(result["image"]))
            if record is None:
                sys.exit(f"{generated_path}:{line_no}: {result['image']} is not in {annotations_path}")
            entities = [(words(e["phrase"]), e["boxes"][0]) for e in result["entities"] if e["boxes"]]
            for start, end, *box, _ in record["noun_chunks"]:
                colour, shape = words(record["caption"][start:end])
                size = size_class(record, box)
                best = max(entities, key=lambda e: iou(e[1], box), default=None)
                for key in ("all", size, shape):
                    totals[key] += 1
                if best is None or iou(best[1], box) < 0.5:
                    continue
                (got_colour, got_shape), _ = best
                confusion[shape][got_shape] += 1
                for key in ("all", size, shape):
                    boxed[key] += 1
                    colour_right[key] += got_colour == colour
                    shape_right[key] += got_shape == shape
    print(f"{'objects':10} {'n':>5} {'boxed':>7} {'colour':>7} {'shape':>7}   (colour and shape: of the boxed)")
    for key in ("all", "small", "middle", "large") + SHAPES:
        n, b = totals[key], boxed[key]
        if n:
            print(f"{key:10} {n:5d} {b / n:7.1%} {colour_right[key] / max(b, 1):7.1%} {shape_right[key] / max(b, 1):7.1%}")
    print("\nshape named for each true shape (boxed objects):")
    for shape in SHAPES:
        row = ", ".join(f"{got or 'none'} {count}" for got, count in confusion[shape].most_common())
        print(f"  {shape:8} {row}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
