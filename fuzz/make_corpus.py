#!/usr/bin/env python3
"""Builds the seed corpora fuzz/corpus/<target>/ from the fixtures (tests/data/kosmos2-tiny) and the sample
data (datasets/samples). Generated: run it again rather than editing the seeds by hand. Images in formats other
than PNG need ImageMagick's `convert`; without it those seeds are left out. Only the standard library."""
import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TINY = os.path.join(ROOT, "tests", "data", "kosmos2-tiny")
SAMPLES = os.path.join(ROOT, "datasets", "samples")
OUT = os.path.join(HERE, "corpus")


def put(target, data, name=None):
    if isinstance(data, str):
        data = data.encode("utf-8")
    folder = os.path.join(OUT, target)
    os.makedirs(folder, exist_ok=True)
    name = name or "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def safetensors(tensors, metadata=None, pad=True):
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, blob in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def seeds_safetensors():
    f32 = struct.pack("<4f", 1.0, -2.0, 0.5, 3.0)
    put("safetensors", safetensors([("w", "F32", [2, 2], f32)]))
    put("safetensors", safetensors([("a", "F16", [3], b"\x00\x3c" * 3), ("b", "I64", [1], struct.pack("<q", -7)),
                                    ("c", "BOOL", [2, 0], b"")], {"format": "pt"}))
    put("safetensors", safetensors([("s", "BF16", [], b"\x80\x3f"), ("t", "U8", [1, 1, 1, 2], b"\x01\x02")], {}))
    put("safetensors", safetensors([("x", "F64", [1], struct.pack("<d", 1e300))], pad=False))
    put("safetensors", safetensors([]))
    # The fixture's header with its data cut to the first tensor's bytes: the layout checks fail on it.
    model = read(os.path.join(TINY, "model.safetensors"))
    n = struct.unpack("<Q", model[:8])[0]
    put("safetensors", model[: 8 + n + 64], "fixture-header-truncated")
    index = {"metadata": {"total_size": 16}, "weight_map": {"x": "model-00001-of-00002.safetensors",
                                                           "y": "model-00002-of-00002.safetensors"}}
    put("safetensors_index", json.dumps(index))
    index["weight_map"]["y"] = "model-00001-of-00002.safetensors"
    put("safetensors_index", json.dumps(index))
    put("safetensors_index", json.dumps({"weight_map": {"x": "../x.safetensors"}}))
    put("safetensors_index", '{"weight_map": {}}')


def seeds_config():
    for name in ("config.json", "generation_config.json"):
        put("config", read(os.path.join(TINY, name)), "tiny-" + name)
    demo = os.path.join(ROOT, "datasets", "demo_model", "config.json")
    if os.path.exists(demo):
        put("config", read(demo), "demo-config.json")
    put("config", '{"eos_token_id": [2, 5], "num_beams": 3, "no_repeat_ngram_size": 3, "max_new_tokens": 64}')
    put("config", '{"model_type": "kosmos-2", "vision_config": {}, "text_config": {}}')


def seeds_text(reference):
    for encoding in reference["tokenizer"]["encodings"]:
        put("tokenizer", encoding["text"])
    for case in reference["cases"]:
        put("tokenizer", case["preprocessed_text"])
        put("prompt", b"\x00" + case["text"].encode())
        put("prompt", b"\x01\x01\x00\x20\x40\x90\xc0" + case["text"].encode())
    put("prompt", b"\x02\x01\x01\x02\x03\x04\x01\x10\x10\x80\x80<grounding><phrase> a</phrase> and<phrase> b</phrase>")
    put("prompt", b"\x00  \xe3\x80\x80<grounding>\xff An image of <groundin> \xc2\xa0")
    for record in reference["post_process_generation"]:
        put("postprocess", record["text"])


def grit_lines():
    lines = []
    for path in (os.path.join(SAMPLES, "annotations.jsonl"), os.path.join(SAMPLES, "grit-mini", "grit-mini.jsonl")):
        with open(path, encoding="utf-8") as f:
            lines += [line.rstrip("\n") for line in f if line.strip()]
    return lines


def seeds_grit():
    lines = grit_lines()
    for line in lines[:12]:
        put("grit_record", line)
    put("grit_record", '{"key":"k","caption":"caf\\u00e9 \\ud83d\\ude00","noun_chunks":[[0,4,0,0,1,1]],'
                       '"ref_exps":null,"extra":{"a":[1,2,{"b":null}]},"width":"wide"}')
    put("grit_jsonl", read(os.path.join(SAMPLES, "annotations.jsonl")), "annotations.jsonl")
    put("grit_jsonl", "\ufeff" + lines[0] + "\r\n\r\n" + lines[1] + "\n{not json}\n" + "[1]\n")
    for line in lines[:6]:
        record = json.loads(line)
        caption = record.pop("caption")
        record.pop("image", None)
        record.pop("key", None)
        put("img2dataset", json.dumps(record).encode() + b"\x00" + caption.encode())
        record["caption"] = caption
        record["status"] = "success"
        put("img2dataset", json.dumps(record))


def seeds_tar():
    lines = grit_lines()
    images = sorted(os.listdir(os.path.join(SAMPLES, "images")))[:2]

    def shard(mode, members):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode=mode, format=tarfile.USTAR_FORMAT) as tar:
            for name, data in members:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return buffer.getvalue()

    members = []
    for i, image in enumerate(images):
        key = "%09d" % i
        record = json.loads(lines[i])
        record.pop("image", None)
        members.append((key + "." + image.split(".")[-1], read(os.path.join(SAMPLES, "images", image))))
        members.append((key + ".json", json.dumps(record).encode()))
        members.append((key + ".txt", record["caption"].encode()))
    put("tar", shard("w", members), "shard.tar")
    put("tar", shard("w:gz", members[1:3] + [("orphan.json", b"{}")]), "shard.tar.gz")
    put("tar", shard("w", [("a/b/000000009.json", lines[2].encode()), ("000000010.jpg", b"\xff\xd8\xff\xe0")]),
        "odd-members.tar")


def seeds_image():
    folder = os.path.join(TINY, "images")
    for name in sorted(os.listdir(folder)):
        put("image", read(os.path.join(folder, name)), name)
    convert = shutil.which("convert")
    if not convert:
        print("convert not found: only PNG image seeds", file=sys.stderr)
        return
    source = os.path.join(folder, "checker_224x224.png")
    with tempfile.TemporaryDirectory() as tmp:
        for ext, extra in (("jpg", ["-quality", "50"]), ("bmp", []), ("webp", []), ("tiff", []), ("ppm", []),
                           ("pgm", []), ("gif", []), ("png", ["-depth", "16"])):
            out = os.path.join(tmp, "small." + ext)
            subprocess.run([convert, source, "-resize", "12x9!"] + extra + [out], check=True)
            put("image", read(out), "small-" + ("16bit." if extra == ["-depth", "16"] else "") + ext)
        out = os.path.join(tmp, "alpha.png")
        subprocess.run([convert, "-size", "5x3", "xc:rgba(10,20,30,0.5)", out], check=True)
        put("image", read(out), "alpha.png")


def main():
    with open(os.path.join(TINY, "reference.json"), encoding="utf-8") as f:
        reference = json.load(f)
    for target in ("safetensors", "safetensors_index", "config", "tokenizer", "prompt", "postprocess",
                   "grit_record", "grit_jsonl", "img2dataset", "tar", "image"):
        shutil.rmtree(os.path.join(OUT, target), ignore_errors=True)
    seeds_safetensors()
    seeds_config()
    seeds_text(reference)
    seeds_grit()
    seeds_tar()
    seeds_image()
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print("seed corpus: %d bytes in %s" % (total, OUT))


if __name__ == "__main__":
    main()
