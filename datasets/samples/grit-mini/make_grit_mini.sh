#!/bin/sh
# Generated data: regenerates this folder's sample (two images of the shapes world and three GRIT
# records, one of them a published-style record with an URL, CLIP similarities and an unknown field).
# Needs ImageMagick's `convert` and python3.
set -e
cd "$(dirname "$0")"
mkdir -p images
convert -size 40x30 xc:'#f0f0e0' -fill '#dc1e1e' -draw 'circle 12,15 12,5' \
        -fill '#1e46dc' -draw 'rectangle 24,8 36,20' -depth 8 -strip -define png:exclude-chunks=date,time PNG24:images/shapes_0.png
convert -size 32x32 xc:'#e8f0f0' -fill '#f0d21e' -draw 'polygon 16,4 28,28 4,28' -quality 85 -strip images/shapes_1.jpg
python3 - <<'PY'
import json
records = []
c = "An image of a red circle and a blue square."
a = c.index("a red circle"); b = c.index("a blue square")
nc = [[a, a + len("a red circle"), 0.05, round(5 / 30, 6), 0.55, round(25 / 30, 6), 1.0],
      [b, b + len("a blue square"), 0.6, round(8 / 30, 6), 0.9, round(20 / 30, 6), 1.0]]
records.append({"key": "shapes_0", "id": 0, "url": "", "caption": c, "width": 40, "height": 30,
                "noun_chunks": nc, "ref_exps": nc, "image": "images/shapes_0.png"})
c = "A yellow triangle."
nc = [[0, 17, 0.125, 0.125, 0.875, 0.875, 1.0]]
records.append({"key": "shapes_1", "id": 1, "url": "", "caption": c, "width": 32, "height": 32,
                "noun_chunks": nc, "ref_exps": nc, "image": "images/shapes_1.jpg"})
records.append({"key": "000000042", "id": 42, "url": "https://example.com/42.jpg", "caption": "a dog on a skateboard",
                "width": 640, "height": 480, "clip_similarity_vitb32": 0.3125, "clip_similarity_vitl14": 0.28759765625,
                "noun_chunks": [[0, 5, 0.1, 0.2, 0.5, 0.9, 0.72]], "ref_exps": [[0, 21, 0.1, 0.2, 0.5, 0.9, 0.65]],
                "source": "laion"})
with open("grit-mini.jsonl", "w") as f:
    for r in records:
        f.write(json.dumps(r) + "\n")
PY
