#!/usr/bin/env python3
"""Generator B of the synthetic "shapes" grounding world (docs/synthetic-shapes.md).

Written apart from generator A (datasets/shapes_generator.cpp, OpenCV drawing) with another drawing method:
a pure-Python scanline rasteriser that supersamples each pixel (4 x 4 samples when anti-aliased, the pixel
centre otherwise), an inset outline, float gradients and its own PNG writer (zlib). Python 3 standard
library only. Its images are for held-out evaluation only: never train on them.

    python3 make_shapes.py --out DIR --count N --seed S

writes DIR/images/NNNNNN.png and DIR/annotations.jsonl (GRIT fields + "image"), one object per line.
Sample i depends only on (seed, i).
"""
import argparse
import json
import math
import os
import random
import struct
import sys
import zlib

SHAPES = ["circle", "square", "triangle", "star", "diamond", "hexagon"]
ROTATABLE = {"square", "triangle", "star", "hexagon"}
COLOURS = [
    ("red", (220, 30, 30)),
    ("green", (30, 160, 60)),
    ("blue", (30, 70, 220)),
    ("yellow", (240, 210, 30)),
    ("orange", (245, 130, 20)),
    ("purple", (130, 50, 180)),
    ("pink", (245, 120, 180)),
    ("black", (25, 25, 25)),
]
MIN_SIDE, MAX_SIDE = 224, 640
JITTER = 25
MIN_BACKGROUND, MAX_NOISE = 150, 40
MAX_GAP = 4
MIN_BOX, MAX_BOX = 0.10, 0.50
MAX_ASPECT = 1.3
MAX_ROTATION = 30.0
STAR_INNER = 0.382
AA_SAMPLES = 4
MIN_DISTANCE = 70.0  # Euclidean RGB distance between an object and its background colours
MAX_COUNT = 1_000_000


# ---------------------------------------------------------------------------------------------- geometry
class Outline:
    """A filled region: polygon vertices, or an axis-aligned ellipse (cx, cy, rx, ry)."""

    def __init__(self, polygon=None, ellipse=None):
        self.polygon = polygon
        self.ellipse = ellipse

    def bounds(self):
        if self.ellipse:
            cx, cy, rx, ry = self.ellipse
            return cx - rx, cy - ry, cx + rx, cy + ry
        xs = [p[0] for p in self.polygon]
        ys = [p[1] for p in self.polygon]
        return min(xs), min(ys), max(xs), max(ys)

    def spans(self, y):
        """Inside intervals of the horizontal line at height y (even-odd rule)."""
        if self.ellipse:
            cx, cy, rx, ry = self.ellipse
            if rx <= 0 or ry <= 0:
                return []
            d = (y - cy) / ry
            if abs(d) >= 1.0:
                return []
            half = rx * math.sqrt(1.0 - d * d)
            return [(cx - half, cx + half)]
        crossings = []
        pts = self.polygon
        n = len(pts)
        for i in range(n):
            x0, y0 = pts[i]
            x1, y1 = pts[(i + 1) % n]
            if (y0 <= y < y1) or (y1 <= y < y0):
                crossings.append(x0 + (y - y0) * (x1 - x0) / (y1 - y0))
        crossings.sort()
        return [(crossings[k], crossings[k + 1]) for k in range(0, len(crossings) - 1, 2)]


def regular(cx, cy, radius, corners, start_deg, rotation, inner=None):
    count = corners * 2 if inner else corners
    pts = []
    for i in range(count):
        r = radius * inner if (inner and i % 2 == 1) else radius
        a = math.radians(start_deg + rotation + 360.0 * i / count)
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return pts


def shape_outline(shape, cx, cy, size, rotation, aspect_x, aspect_y):
    """Outline whose bounding box's larger side is `size`, centred on (cx, cy)."""
    if shape == "circle":
        scale = size / (2.0 * max(aspect_x, aspect_y))
        return Outline(ellipse=(cx, cy, aspect_x * scale, aspect_y * scale))
    spec = {
        "square": (4, -45.0, None),
        "diamond": (4, 0.0, None),
        "triangle": (3, -90.0, None),
        "star": (5, -90.0, STAR_INNER),
        "hexagon": (6, 30.0, None),
    }[shape]
    unit = Outline(regular(0.0, 0.0, 1.0, spec[0], spec[1], rotation, spec[2]))
    x0, y0, x1, y1 = unit.bounds()
    scale = size / max(x1 - x0, y1 - y0)
    # centre the bounding box (not the circumcentre) on (cx, cy)
    ox = cx - (x0 + x1) / 2.0 * scale
    oy = cy - (y0 + y1) / 2.0 * scale
    return Outline([(ox + x * scale, oy + y * scale) for x, y in unit.polygon])


def inset(outline, width):
    """The region `width` pixels inside the outline's edge (miter offset of each edge)."""
    if outline.ellipse:
        cx, cy, rx, ry = outline.ellipse
        return Outline(ellipse=(cx, cy, max(rx - width, 0.0), max(ry - width, 0.0)))
    pts = outline.polygon
    n = len(pts)
    area = sum(pts[i][0] * pts[(i + 1) % n][1] - pts[(i + 1) % n][0] * pts[i][1] for i in range(n))
    sign = 1.0 if area > 0 else -1.0
    lines = []
    for i in range(n):
        (x0, y0), (x1, y1) = pts[i], pts[(i + 1) % n]
        dx, dy = x1 - x0, y1 - y0
        length = math.hypot(dx, dy)
        nx, ny = -dy / length * sign, dx / length * sign  # points inside for either orientation
        lines.append(((x0 + nx * width, y0 + ny * width), (dx, dy)))
    out = []
    for i in range(n):
        (px, py), (dx, dy) = lines[i - 1]
        (qx, qy), (ex, ey) = lines[i]
        det = dx * ey - dy * ex
        if abs(det) < 1e-12:
            out.append((qx, qy))
            continue
        t = ((qx - px) * ey - (qy - py) * ex) / det
        out.append((px + t * dx, py + t * dy))
    return Outline(out)


# ------------------------------------------------------------------------------------------ rasteriser
def coverage(outline, box, samples):
    """Per-pixel count (0..samples^2) of sample points inside the outline, over box = (x0, y0, x1, y1)."""
    bx0, by0, bx1, by1 = box
    width = bx1 - bx0
    rows = []
    for py in range(by0, by1):
        partial = [0] * (width + 1)
        full = [0] * (width + 1)  # difference array of whole pixels
        for k in range(samples):
            y = py + (k + 0.5) / samples
            for xa, xb in outline.spans(y):
                # sample columns m with (m + 0.5) / samples inside [xa, xb)
                m0 = max(math.ceil(xa * samples - 0.5), bx0 * samples)
                m1 = min(math.ceil(xb * samples - 0.5) - 1, bx1 * samples - 1)
                if m1 < m0:
                    continue
                p0, p1 = m0 // samples - bx0, m1 // samples - bx0
                if p0 == p1:
                    partial[p0] += m1 - m0 + 1
                    continue
                partial[p0] += (p0 + bx0 + 1) * samples - m0
                partial[p1] += m1 - (p1 + bx0) * samples + 1
                if p1 > p0 + 1:
                    full[p0 + 1] += samples
                    full[p1] -= samples
        row = [0] * width
        running = 0
        for x in range(width):
            running += full[x]
            row[x] = running + partial[x]
        rows.append(row)
    return rows


def drawn_box(rows, box):
    bx0, by0, _, _ = box
    xs0, ys0, xs1, ys1 = None, None, None, None
    for j, row in enumerate(rows):
        hit = [i for i, v in enumerate(row) if v]
        if not hit:
            continue
        ys0 = j if ys0 is None else ys0
        ys1 = j
        xs0 = hit[0] if xs0 is None else min(xs0, hit[0])
        xs1 = hit[-1] if xs1 is None else max(xs1, hit[-1])
    if xs0 is None:
        return None
    return bx0 + xs0, by0 + ys0, bx0 + xs1 + 1, by0 + ys1 + 1


# ----------------------------------------------------------------------------------------- backgrounds
def light(rng):
    return tuple(rng.randint(MIN_BACKGROUND, 255) for _ in range(3))


def make_background(rng, w, h):
    kind = rng.choice(["solid", "gradient", "noise"])
    base = light(rng)
    rows = []
    if kind == "solid":
        row = bytes(base) * w
        rows = [bytearray(row) for _ in range(h)]
        keys = [base]
    elif kind == "gradient":
        end = light(rng)
        angle = rng.uniform(0.0, 2.0 * math.pi)
        ux, uy = math.cos(angle), math.sin(angle)
        corners = [0.0, ux * (w - 1), uy * (h - 1), ux * (w - 1) + uy * (h - 1)]
        lo, hi = min(corners), max(corners)
        span = max(hi - lo, 1e-9)
        for y in range(h):
            row = bytearray(3 * w)
            for x in range(w):
                t = (ux * x + uy * y - lo) / span
                row[3 * x] = int(round(base[0] + (end[0] - base[0]) * t))
                row[3 * x + 1] = int(round(base[1] + (end[1] - base[1]) * t))
                row[3 * x + 2] = int(round(base[2] + (end[2] - base[2]) * t))
            rows.append(row)
        keys = [base, end]
    else:
        amplitude = rng.randint(4, MAX_NOISE)
        grey = rng.random() < 0.3
        tables = [bytes(max(0, min(255, c + b * (2 * amplitude + 1) // 256 - amplitude)) for b in range(256))
                  for c in base]
        noise = random.Random(rng.getrandbits(64))
        for _ in range(h):
            row = bytearray(3 * w)
            if grey:
                raw = noise.randbytes(w)
                for c in range(3):
                    row[c::3] = raw.translate(tables[c])
            else:
                for c in range(3):
                    row[c::3] = noise.randbytes(w).translate(tables[c])
            rows.append(row)
        keys = [base]
    return kind, rows, keys


# -------------------------------------------------------------------------------------------- objects
def distance(a, b):
    return math.sqrt(sum((p - q) ** 2 for p, q in zip(a, b)))


def apart(a, b, gap):
    return a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1] or b[3] + gap <= a[1]


def try_object(rng, w, h, shape, colour, placed, gap, samples, keys):
    base = COLOURS[colour][1]
    fill = tuple(max(0, min(255, c + rng.randint(-JITTER, JITTER))) for c in base)
    if any(distance(fill, k) < MIN_DISTANCE for k in keys):
        return None
    m = min(w, h)
    size = rng.uniform(MIN_BOX * m, MAX_BOX * m)
    rotation = rng.uniform(-MAX_ROTATION, MAX_ROTATION) if shape in ROTATABLE else 0.0
    aspect_x = aspect_y = 1.0
    if shape == "circle":
        if rng.random() < 0.5:
            aspect_x = rng.uniform(1.0, MAX_ASPECT)
        else:
            aspect_y = rng.uniform(1.0, MAX_ASPECT)
    half = size / 2.0
    cx = rng.uniform(half + 1.0, w - half - 1.0)
    cy = rng.uniform(half + 1.0, h - half - 1.0)
    outline = shape_outline(shape, cx, cy, size, rotation, aspect_x, aspect_y)
    x0, y0, x1, y1 = outline.bounds()
    box = (max(int(math.floor(x0)), 0), max(int(math.floor(y0)), 0),
           min(int(math.ceil(x1)), w), min(int(math.ceil(y1)), h))
    if any(not apart(box, other["box"], gap) for other in placed):
        return None
    rows = coverage(outline, box, samples)
    tight = drawn_box(rows, box)
    if tight is None:
        return None
    side = max(tight[2] - tight[0], tight[3] - tight[1])
    if not (MIN_BOX * m <= side <= MAX_BOX * m):
        return None
    if any(not apart(tight, other["box"], gap) for other in placed):
        return None
    obj = {"shape": shape, "colour": colour, "fill": fill, "box": tight, "area": box, "rows": rows}
    if rng.random() < 0.3:
        width = rng.choice([1.0, 1.5, 2.0])
        darker = rng.uniform(0.3, 0.7)
        obj["edge"] = tuple(int(c * darker) for c in fill)
        obj["inner"] = coverage(inset(outline, width), box, samples)
    return obj


def paint(rows, obj, samples):
    """Blends the fill (and the inset outline ring) over the background rows."""
    total = samples * samples
    bx0, by0, _, _ = obj["area"]
    fill, edge, inner = obj["fill"], obj.get("edge"), obj.get("inner")
    for j, cov in enumerate(obj["rows"]):
        row = rows[by0 + j]
        for i, outer in enumerate(cov):
            if not outer:
                continue
            core = min(inner[j][i], outer) if inner else outer
            ring = outer - core
            x = 3 * (bx0 + i)
            for c in range(3):
                under = row[x + c]
                value = under * (total - outer) + fill[c] * core + (edge[c] * ring if ring else 0)
                row[x + c] = (value + total // 2) // total


# ---------------------------------------------------------------------------------------------- output
def article(word):
    return "an" if word[:1].lower() in "aeiou" else "a"


def caption_for(template, items):
    prefix = {"image": "An image of ", "picture": "A picture showing ", "list": ""}[template]
    text, spans = prefix, []
    for i, (colour, shape) in enumerate(items):
        if i:
            text += " and " if i == len(items) - 1 else ", "
        phrase = "%s %s %s" % (article(colour), colour, shape)
        if not text:
            phrase = phrase[0].upper() + phrase[1:]
        spans.append((len(text), len(text) + len(phrase)))
        text += phrase
    return text + ".", spans


def png_bytes(rows, w, h):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(row) for row in rows)
    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def make_sample(seed, index):
    rng = random.Random("shapes-b/%d/%d" % (seed, index))
    w, h = rng.randint(MIN_SIDE, MAX_SIDE), rng.randint(MIN_SIDE, MAX_SIDE)
    kind, rows, keys = make_background(rng, w, h)
    samples = AA_SAMPLES if rng.random() < 0.5 else 1
    gap = rng.randint(0, MAX_GAP)
    template = rng.choice(["image", "picture", "list"])
    wanted = rng.randint(1, 5)
    kinds = rng.sample([(s, c) for s in SHAPES for c in range(len(COLOURS))], wanted + 4)
    placed = []
    for shape, colour in kinds:
        if len(placed) == wanted:
            break
        for _ in range(80):
            obj = try_object(rng, w, h, shape, colour, placed, gap, samples, keys)
            if obj:
                placed.append(obj)
                break
    placed.sort(key=lambda o: (o["box"][0] + o["box"][2], o["box"][1] + o["box"][3]))
    for obj in placed:
        paint(rows, obj, samples)
    text, spans = caption_for(template, [(COLOURS[o["colour"]][0], o["shape"]) for o in placed])
    entities = []
    for (start, end), obj in zip(spans, placed):
        x0, y0, x1, y1 = obj["box"]
        entities.append([start, end, round(x0 / w, 6), round(y0 / h, 6), round(x1 / w, 6), round(y1 / h, 6), 1.0])
    record = {
        "key": "shapesB-%d-%06d" % (seed, index),
        "id": index,
        "url": "",
        "caption": text,
        "width": w,
        "height": h,
        "noun_chunks": entities,
        "ref_exps": [list(e) for e in entities],
        "image": "images/%06d.png" % index,
    }
    return record, png_bytes(rows, w, h)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--count", type=int, default=100, help="number of images")
    parser.add_argument("--seed", type=int, default=0, help="seed; sample i depends only on (seed, i)")
    args = parser.parse_args(argv)
    if not 1 <= args.count <= MAX_COUNT:
        parser.error("--count must be in 1..%d" % MAX_COUNT)
    os.makedirs(os.path.join(args.out, "images"), exist_ok=True)
    final = os.path.join(args.out, "annotations.jsonl")
    partial = final + ".part"
    with open(partial, "w", encoding="utf-8", newline="\n") as jsonl:
        for index in range(args.count):
            record, png = make_sample(args.seed, index)
            with open(os.path.join(args.out, record["image"]), "wb") as image:
                image.write(png)
            jsonl.write(json.dumps(record, separators=(",", ":")) + "\n")
    os.replace(partial, final)
    return 0


if __name__ == "__main__":
    sys.exit(main())
