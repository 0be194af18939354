#!/usr/bin/env python3
"""The engine against transformers on a checkpoint where every parameter is random: transformers initialises
Linear biases to 0 and LayerNorms to 1 / 0, so a checkpoint made by it alone cannot show a bias or a layer norm
used in the wrong place. Randomises every tensor of the fixture, saves it, and compares image embeddings and
first-step logits (f32, transformers' eager attention). Prints one JSON line.

    all_params_check.py --engine kosmos2-engine --fixture tests/data/kosmos2-tiny [--device cuda]
"""
import argparse
import json
import os
import shutil
import subprocess

import torch
from safetensors.torch import load_file
from transformers import Kosmos2ForConditionalGeneration


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", required=True)
    ap.add_argument("--fixture", required=True)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--workdir", default="/tmp/kosmos2-all-random")
    args = ap.parse_args()
    torch.manual_seed(3)
    model = Kosmos2ForConditionalGeneration.from_pretrained(args.fixture, torch_dtype=torch.float32,
                                                            attn_implementation="eager").eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias"):
                p.copy_(torch.randn_like(p) * 0.1)
            elif "norm" in name or "layrnorm" in name or name.endswith("inner_attn_ln.weight"):
                p.copy_(1 + torch.randn_like(p) * 0.2)
            else:
                p.add_(torch.randn_like(p) * p.std().clamp_min(0.02) * 0.5)
    shutil.rmtree(args.workdir, ignore_errors=True)
    model.save_pretrained(args.workdir, safe_serialization=True)
    for f in os.listdir(args.fixture):
        if f.endswith((".json", ".model")) and not os.path.exists(os.path.join(args.workdir, f)):
            shutil.copy(os.path.join(args.fixture, f), args.workdir)
    dump = "/tmp/kosmos2-all-random-dump.safetensors"
    res = subprocess.run([args.engine, "bench", "--model", args.workdir, "--device", args.device, "--dtype", "f32",
                          "--runs", "1", "--new-tokens", "2", "--dump", dump, "--json"],
                         capture_output=True, text=True, check=True)
    ours_run = json.loads(res.stdout.strip().splitlines()[-1])
    ours = load_file(dump)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    model = model.to(args.device)
    ids = torch.tensor([ours_run["prompt_ids"]], device=args.device)
    mask = torch.zeros_like(ids)
    mask[0, 2:66] = 1
    with torch.no_grad():
        out = model(pixel_values=ours["pixel_values"].to(args.device), input_ids=ids,
                    attention_mask=torch.ones_like(ids), image_embeds_position_mask=mask)
    report = {
        "image_embeds_max_abs_diff": (out.image_embeds.float().cpu() - ours["image_embeds"]).abs().max().item(),
        # first_logits are the processed scores of step 1 (-inf where min_new_tokens bans eos)
        "last_logits_max_abs_diff": (out.logits[0, -1].float().cpu() - ours["first_logits"][0])
        [ours["first_logits"][0].isfinite()].abs().max().item(),
        "logits_scale": out.logits[0, -1].abs().max().item(),
        "argmax_equal": out.logits[0, -1].argmax().item() == ours["first_logits"][0].argmax().item(),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
