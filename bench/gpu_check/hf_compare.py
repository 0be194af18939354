#!/usr/bin/env python3
"""Runs transformers' KOSMOS-2 and our engine on the same random weights, image and prompt.

Creates a random checkpoint of the given configuration with transformers, saves it in the Hugging Face
layout, then times `generate` (greedy, N new tokens, KV cache) against `kosmos2-engine bench` on the same
weights, and checks that both produce the same token ids. Also times the engine with its row-product kernel
(KOSMOS_ROW_PRODUCT: the decode step's products and the layer norms before them in one kernel each), with each
product overlapping the kernel before it, with the kernel but without the layer norms inside it, eagerly and at
batch 8 (with and without the kernel), and checks the fixture (f32, also with no_repeat_ngram_size 3) with and
without the kernel. Prints one JSON summary and writes it to --out, after each stage as well.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
from PIL import Image
from transformers import Kosmos2Config, Kosmos2ForConditionalGeneration


def synthetic_image():
    # The same 640x480 image as model/engine/benchmark.cpp syntheticImage().
    x = np.arange(640)[None, :]
    y = np.arange(480)[:, None]
    r = np.broadcast_to(x * 255 // 639, (480, 640))
    g = np.broadcast_to(y * 255 // 479, (480, 640))
    b = (x + y) & 255
    return np.stack([r, g, b], axis=-1).astype(np.uint8)


def pixel_values(size=224):
    img = Image.fromarray(synthetic_image()).resize((size, size), Image.BICUBIC)
    arr = np.asarray(img).astype(np.float64) * (1 / 255)
    arr = arr.astype(np.float32)
    mean = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
    std = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
    arr = (arr - mean) / std
    return torch.from_numpy(arr.transpose(2, 0, 1).copy())[None]


def time_hf(model, ids, pixels, new_tokens, runs, device, ngram=0):
    input_ids = torch.tensor([ids], device=device)
    mask = torch.zeros_like(input_ids)
    mask[0, 2:66] = 1
    kwargs = dict(pixel_values=pixels, input_ids=input_ids, attention_mask=torch.ones_like(input_ids),
                  image_embeds_position_mask=mask, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                  do_sample=False, num_beams=1, no_repeat_ngram_size=ngram, use_cache=True)
    times = []
    out = None
    for i in range(runs + 1):
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        with torch.inference_mode():
            out = model.generate(**kwargs)
        if device == "cuda":
            torch.cuda.synchronize()
        if i > 0:
            times.append((time.perf_counter() - start) * 1000)
    new_ids = out[0, len(ids):].tolist()
    return sorted(times)[len(times) // 2], new_ids


def run_engine(engine, model_dir, device, dtype, new_tokens, runs, batch=1, extra=()):
    cmd = [engine, "bench", "--model", model_dir, "--device", device, "--dtype", dtype,
           "--new-tokens", str(new_tokens), "--runs", str(runs), "--batch", str(batch), "--json", *extra]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        print(f"engine failed ({' '.join(cmd)}): {res.stderr[-3000:]}", flush=True)
        # Retry without the engine's own kernels, then also without CUDA graphs, so the comparison still runs.
        fallback = next((f for f in ("KOSMOS_NO_FUSED_KERNELS", "KOSMOS_NO_CUDA_GRAPHS") if not os.environ.get(f)),
                        None)
        if fallback is None:
            raise SystemExit(1)
        os.environ[fallback] = "1"
        try:
            result = run_engine(engine, model_dir, device, dtype, new_tokens, runs, batch, extra)
            result.setdefault("fallbacks", []).append(fallback)
            return result
        finally:
            del os.environ[fallback]
    return json.loads(res.stdout.strip().splitlines()[-1])


class environment:
    """Sets environment variables for the engine runs inside a with block."""

    def __init__(self, **variables):
        self.variables = variables

    def __enter__(self):
        os.environ.update(self.variables)

    def __exit__(self, *exc):
        for name in self.variables:
            os.environ.pop(name, None)


ROW_PRODUCT = {"KOSMOS_ROW_PRODUCT": "1"}


def save(summary, path):
    """Writes what is known so far, so that a run cut short by its time limit still leaves its numbers."""
    if path:
        with open(path, "w") as f:
            f.write(json.dumps(summary, indent=1))


def first_step_dump(engine, model_dir, device, dtype):
    from safetensors.torch import load_file
    dump = f"/tmp/kosmos2-dump-{os.environ.get('KOSMOS_ROW_PRODUCT', '0')}.safetensors"
    subprocess.run([engine, "bench", "--model", model_dir, "--device", device, "--dtype", dtype, "--runs", "1",
                    "--new-tokens", "2", "--dump", dump, "--json"], check=True, capture_output=True)
    return load_file(dump)


def compare_dumps(a, b):
    out = {}
    for key in ("image_embeds", "first_logits"):
        x, y = a[key].double(), b[key].double()
        finite = x.isfinite() & y.isfinite()   # scores hold -inf where a processor masked a token
        x, y = x.where(finite, torch.zeros_like(x)), y.where(finite, torch.zeros_like(y))
        out[key] = {"max_abs_diff": (x - y).abs().max().item(),
                    "relative_l2": ((x - y).norm() / y.norm().clamp_min(1e-30)).item(),
                    "same_argmax": bool((x.reshape(-1, x.shape[-1]).argmax(-1) ==
                                         y.reshape(-1, y.shape[-1]).argmax(-1)).all())}
    return out


def reference_projection(model, feats):
    """The connector written out from its definition (dense, latent queries attending over [image; queries])."""
    proj = model.image_to_text_projection
    attn = proj.x_attn
    hidden = proj.dense(feats)
    queries = proj.latent_query.unsqueeze(0).expand(hidden.size(0), -1, -1)
    keys_values = torch.cat([hidden, queries], dim=1)
    b, e = hidden.size(0), queries.size(-1)
    heads = getattr(attn, "num_heads", None) or model.config.text_config.attention_heads
    d = e // heads

    def split(x):
        return x.view(b, -1, heads, d).transpose(1, 2)

    q = split(attn.q_proj(queries) * d ** -0.5)
    k, v = split(attn.k_proj(keys_values)), split(attn.v_proj(keys_values))
    out = (torch.softmax(q @ k.transpose(-1, -2), dim=-1) @ v).transpose(1, 2).reshape(b, -1, e)
    if getattr(attn, "inner_attn_ln", None) is not None:
        out = attn.inner_attn_ln(out)
    return attn.out_proj(out)


def use_attention(model, impl):
    if hasattr(model, "set_attn_implementation"):
        model.set_attn_implementation(impl)
    else:
        model.config._attn_implementation = impl


def connector_check(model, ours, device):
    """Which of transformers' attention implementations computes the connector as defined (f32)."""
    original = getattr(model.config, "_attn_implementation", None) or "sdpa"
    with torch.inference_mode():
        vis = model.vision_model(pixel_values=ours["pixel_values"].to(device))
        feats = torch.nn.functional.normalize(model.vision_model.model.post_layernorm(vis[0]), dim=-1)
        ref = reference_projection(model, feats).float().cpu()
        report = {"ours_vs_definition": (ours["image_embeds"] - ref).abs().max().item()}
        for impl in ("sdpa", "eager"):
            try:
                use_attention(model, impl)
                proj = model.image_to_text_projection(feats)
                proj = proj[0] if isinstance(proj, (tuple, list)) else proj
                report[f"transformers_{impl}_vs_definition"] = (proj.float().cpu() - ref).abs().max().item()
            except Exception as e:  # noqa: BLE001 - report and go on
                report[f"transformers_{impl}_error"] = repr(e)[:300]
    report["transformers_default"] = original
    use_attention(model, original)
    return report


def diagnose(model, engine, workdir, device, prompt_ids):
    """Stage by stage, f32: pixel values, image embeddings and first-step logits of both implementations."""
    from safetensors import safe_open
    from safetensors.torch import load_file
    dump = "/tmp/kosmos2-bench-dump.safetensors"
    cmd = [engine, "bench", "--model", workdir, "--device", device, "--dtype", "f32", "--runs", "1",
           "--new-tokens", "2", "--dump", dump, "--json"]
    subprocess.run(cmd, check=True, capture_output=True)
    ours = load_file(dump)
    with safe_open(os.path.join(workdir, "model.safetensors"), "pt") as f:
        keys = list(f.keys())
    ids = torch.tensor([prompt_ids], device=device)
    mask = torch.zeros_like(ids)
    mask[0, 2:66] = 1
    with torch.inference_mode():
        out = model(pixel_values=ours["pixel_values"].to(device), input_ids=ids, attention_mask=torch.ones_like(ids),
                    image_embeds_position_mask=mask)
    tm = model.text_model
    with torch.inference_mode():
        vis = model.vision_model(pixel_values=ours["pixel_values"].to(device))
        feats = torch.nn.functional.normalize(model.vision_model.model.post_layernorm(vis[0]), dim=-1)
        proj = model.image_to_text_projection(feats)
        proj = proj[0] if isinstance(proj, (tuple, list)) else proj
    return {
        "connector": connector_check(model, ours, device),
        "vision_features_max_abs_diff": (feats.float().cpu() - ours["vision_features"]).abs().max().item(),
        "projection_of_hf_features_vs_ours": (proj.float().cpu() - ours["image_embeds"]).abs().max().item(),
        "hf_out_image_embeds_vs_projection": (out.image_embeds.float() - proj.float()).abs().max().item(),
        "pixel_values_max_abs_diff": (pixel_values() - ours["pixel_values"]).abs().max().item(),
        "image_embeds_max_abs_diff": (out.image_embeds.float().cpu() - ours["image_embeds"]).abs().max().item(),
        "last_logits_max_abs_diff": (out.logits[0, -1].float().cpu() - ours["first_logits"][0]).nan_to_num(posinf=0, neginf=0).abs().max().item(),
        "hf_lm_head_tied": tm.lm_head.weight.data_ptr() == tm.model.embed_tokens.weight.data_ptr(),
        "saved_lm_head": any("lm_head" in k for k in keys),
        "saved_keys": len(keys),
        "hf_top5": out.logits[0, -1].float().topk(5).indices.tolist(),
        "ours_top5": ours["first_logits"][0].topk(5).indices.tolist(),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--engine", required=True)
    ap.add_argument("--workdir", default="/tmp/kosmos2-random")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--dtype", default="bf16")
    ap.add_argument("--new-tokens", type=int, default=24)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--fixture", help="also compare ids on this checkpoint folder (f32)")
    ap.add_argument("--out")
    ap.add_argument("--trace", help="also write a profile of one run here and summarise it")
    args = ap.parse_args()
    torch_dtype = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32}[args.dtype]
    summary = {"device_name": torch.cuda.get_device_name(0) if args.device == "cuda" else "cpu",
               "torch": torch.__version__}
    import transformers
    summary["transformers"] = transformers.__version__

    with open(args.config) as f:
        cfg = json.load(f)
    torch.manual_seed(0)
    config = Kosmos2Config(text_config=cfg["text_config"], vision_config=cfg["vision_config"],
                           latent_query_num=cfg.get("latent_query_num", 64))
    model = Kosmos2ForConditionalGeneration(config).to(torch_dtype).eval()
    os.makedirs(args.workdir, exist_ok=True)
    model.save_pretrained(args.workdir, safe_serialization=True)
    model = model.to(args.device)

    ours = run_engine(args.engine, args.workdir, args.device, args.dtype, args.new_tokens, args.runs)
    pixels = pixel_values().to(args.device, torch_dtype)
    hf_ms, hf_ids = time_hf(model, ours["prompt_ids"], pixels, args.new_tokens, args.runs, args.device)
    summary["real_config"] = {
        "dtype": args.dtype, "new_tokens": args.new_tokens,
        "transformers_end_to_end_ms": hf_ms, "ours": ours,
        "speedup_end_to_end": hf_ms / ours["end_to_end_ms"],
        "ids_equal": hf_ids == ours["generated_ids"], "hf_ids": hf_ids,
        "decode_vs_floor": ours["decode_ms_per_token"] / ours["decode_floor_ms"],
    }
    summary["real_config"]["ids_equal_every_run"] = ours["ids_equal_every_run"]
    save(summary, args.out)
    # Before/after of keeping the KV cache and decode graph from one generation to the next (each run after the
    # warm-up replays the recorded step from its first token): without it, every run records the step again.
    with environment(KOSMOS_NO_KEPT_DECODER="1"):
        fresh = run_engine(args.engine, args.workdir, args.device, args.dtype, args.new_tokens, args.runs)
    summary["real_config_fresh_decoder"] = fresh
    summary["fresh_decoder_ids_equal"] = fresh["generated_ids"] == ours["generated_ids"]
    print(json.dumps({"kept": [ours["decode_ms_per_token"], ours["end_to_end_ms"], ours["ids_equal_every_run"]],
                      "fresh": [fresh["decode_ms_per_token"], fresh["end_to_end_ms"]]}), flush=True)
    save(summary, args.out)
    # Before/after of the row-product kernel (opt-in): with it, with each product overlapping the kernel before
    # it, and with it but without the layer norms inside the products.
    variants = (("real_config_row_product", ROW_PRODUCT),
                ("real_config_row_product_overlapping", {**ROW_PRODUCT, "KOSMOS_ROW_PRODUCT_OVERLAP": "1"}),
                ("real_config_row_product_no_norm_in_it", {**ROW_PRODUCT, "KOSMOS_NO_NORM_IN_PRODUCT": "1"}))
    for name, variables in variants:
        with environment(**variables):
            summary[name] = run_engine(args.engine, args.workdir, args.device, args.dtype, args.new_tokens, args.runs)
        summary[name + "_ids_equal"] = summary[name]["generated_ids"] == ours["generated_ids"]
        print(json.dumps({name: summary[name]["decode_ms_per_token"], "fallbacks": summary[name].get("fallbacks")}),
              flush=True)
    save(summary, args.out)
    if args.fixture:
        # f32 ids against transformers, without and with the row-product kernel (its products and norms in
        # every decode step). With no_repeat_ngram_size 3 the host's choice differs from the device's greedy
        # one whenever an n-gram would repeat: the steps queued ahead are launched again there.
        fmodel = Kosmos2ForConditionalGeneration.from_pretrained(args.fixture).to(args.device).eval()
        hf_fixture = {}
        for suffix, variables in (("", {}), ("_row_product", ROW_PRODUCT)):
            for key, extra in (("fixture_f32", ()), ("fixture_f32_ngram3", ("--no-repeat-ngram-size", "3"))):
                with environment(**variables):
                    fours = run_engine(args.engine, args.fixture, args.device, "f32", args.new_tokens, 1, extra=extra)
                if key not in hf_fixture:
                    _, hf_fixture[key] = time_hf(fmodel, fours["prompt_ids"], pixel_values().to(args.device),
                                                 args.new_tokens, 1, args.device, ngram=3 if extra else 0)
                summary[key + suffix] = {"ids_equal": hf_fixture[key] == fours["generated_ids"],
                                         "ids_equal_every_run": fours["ids_equal_every_run"],
                                         "ours": fours["generated_ids"], "hf": hf_fixture[key]}
            print(json.dumps({k + suffix: summary[k + suffix]["ids_equal"]
                              for k in ("fixture_f32", "fixture_f32_ngram3")}), flush=True)
        del fmodel
        save(summary, args.out)
    summary["real_config_batch8"] = run_engine(args.engine, args.workdir, args.device, args.dtype,
                                               args.new_tokens, args.runs, batch=8)
    with environment(**ROW_PRODUCT):
        summary["real_config_batch8_row_product"] = run_engine(args.engine, args.workdir, args.device, args.dtype,
                                                               args.new_tokens, args.runs, batch=8)
    save(summary, args.out)
    # How far the kernel moves the first step's logits (its lm_head product, bf16).
    try:
        without = first_step_dump(args.engine, args.workdir, args.device, args.dtype)
        with environment(**ROW_PRODUCT):
            summary["row_product_first_logits"] = compare_dumps(
                first_step_dump(args.engine, args.workdir, args.device, args.dtype), without)
    except Exception as e:  # noqa: BLE001 - the timings stand without it
        summary["row_product_first_logits"] = {"error": repr(e)[:500]}
    print(json.dumps(summary["row_product_first_logits"]), flush=True)
    save(summary, args.out)
    # f32 on both sides (TF32 off), same weights: the ids must agree where bf16 rounding may flip near-ties.
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    model = model.float()
    ours32 = run_engine(args.engine, args.workdir, args.device, "f32", args.new_tokens, 1)
    _, hf32 = time_hf(model, ours32["prompt_ids"], pixel_values().to(args.device), args.new_tokens, 1, args.device)
    with environment(**ROW_PRODUCT):
        ours32rp = run_engine(args.engine, args.workdir, args.device, "f32", args.new_tokens, 1)
    summary["real_config_f32"] = {"ids_equal": hf32 == ours32["generated_ids"], "ours": ours32["generated_ids"],
                                  "hf": hf32, "ours_decode_ms_per_token": ours32["decode_ms_per_token"],
                                  "row_product_ids_equal": ours32rp["generated_ids"] == ours32["generated_ids"],
                                  "row_product_decode_ms_per_token": ours32rp["decode_ms_per_token"]}
    print(json.dumps(summary["real_config_f32"]), flush=True)
    try:
        summary["real_config_f32"]["stages"] = diagnose(model, args.engine, args.workdir, args.device,
                                                        ours32["prompt_ids"])
    except Exception as e:  # the comparison above stands without the breakdown
        summary["real_config_f32"]["stages"] = {"error": repr(e)}
    print(json.dumps(summary["real_config_f32"]["stages"]), flush=True)
    try:  # transformers with its eager attention, which may follow the connector's definition where sdpa does not
        use_attention(model, "eager")
        _, hf32e = time_hf(model, ours32["prompt_ids"], pixel_values().to(args.device), args.new_tokens, 1, args.device)
        summary["real_config_f32"]["eager_ids_equal"] = hf32e == ours32["generated_ids"]
        summary["real_config_f32"]["hf_eager"] = hf32e
    except Exception as e:  # noqa: BLE001
        summary["real_config_f32"]["eager_error"] = repr(e)[:300]
    print(json.dumps({k: v for k, v in summary["real_config_f32"].items() if k != "stages"}), flush=True)
    save(summary, args.out)
    del model
    torch.cuda.empty_cache() if args.device == "cuda" else None
    os.environ["KOSMOS_NO_CUDA_GRAPHS"] = "1"
    summary["real_config_eager"] = run_engine(args.engine, args.workdir, args.device, args.dtype, args.new_tokens,
                                              args.runs)
    del os.environ["KOSMOS_NO_CUDA_GRAPHS"]
    summary["graphs_vs_eager_ids_equal"] = summary["real_config_eager"]["generated_ids"] == ours["generated_ids"]
    save(summary, args.out)
    if args.trace:
        try:
            with environment(**ROW_PRODUCT):
                run_engine(args.engine, args.workdir, args.device, args.dtype, args.new_tokens, 1,
                           extra=("--profile", args.trace))
            res = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "trace_summary.py"),
                                  args.trace], capture_output=True, text=True, check=True)
            summary["trace"] = json.loads(res.stdout)
        except Exception as e:  # noqa: BLE001 - the timings stand without it
            summary["trace"] = {"error": repr(e)[:500]}
    text = json.dumps(summary, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
