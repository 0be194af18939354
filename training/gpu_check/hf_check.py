#!/usr/bin/env python3
"""Loads the checkpoints train_gpu_check wrote with transformers (and the LoRA adapter with PEFT) and
compares their logits with the ones our engine computed for the same inputs. Prints one JSON line."""
import json
import sys

import torch
from safetensors.torch import load_file
from transformers import Kosmos2ForConditionalGeneration


def logits(model, t):
    with torch.no_grad():
        out = model(pixel_values=t["pixel_values"], input_ids=t["input_ids"], attention_mask=t["attention_mask"],
                    image_embeds_position_mask=t["image_embeds_position_mask"])
    return out.logits.float()


def max_diff(a, b, mask):
    return (a - b).abs()[mask.bool()].max().item()


def load(path, attention):
    kwargs = {"torch_dtype": torch.float32}
    if attention:
        kwargs["attn_implementation"] = attention
    return Kosmos2ForConditionalGeneration.from_pretrained(path, **kwargs).eval()


def load_fidelity(model, folder):
    """Parameters whose values in the loaded model differ from the checkpoint file (max abs difference)."""
    saved = load_file(folder + "/model.safetensors")
    state = model.state_dict()
    changed = {}
    for name, tensor in saved.items():
        if name not in state:
            changed[name] = "not in the model"
            continue
        diff = (state[name].float().cpu() - tensor.float()).abs().max().item()
        if diff > 0:
            changed[name] = diff
    return {"tensors": len(saved), "changed": dict(list(changed.items())[:20]), "changed_count": len(changed),
            "peft_config": hasattr(model, "peft_config")}


def main():
    out, fixture = sys.argv[1], sys.argv[2]
    t = load_file(out + "/check_tensors_full.safetensors")
    report = {"transformers": __import__("transformers").__version__}
    lora = load_file(out + "/check_tensors_lora.safetensors")["logits"]
    # transformers' default attention (sdpa in 5.x) and its eager one: in 5.x only the eager one computes the
    # image-to-text connector as defined, so the logits are compared with both.
    for attention in ("", "eager"):
        suffix = f"_{attention}" if attention else ""
        try:
            full = load(out + "/ckpt_full", attention)
            if not attention:
                report["full_load_fidelity"] = load_fidelity(full, out + "/ckpt_full")
            report["full_max_logit_difference" + suffix] = max_diff(logits(full, t), t["logits"], t["attention_mask"])
        except Exception as e:  # noqa: BLE001 - report and go on
            report["full_error" + suffix] = repr(e)[:500]
        try:
            merged = load(out + "/ckpt_lora", attention)
            if not attention:
                report["lora_merged_load_fidelity"] = load_fidelity(merged, out + "/ckpt_lora")
            report["lora_merged_max_logit_difference" + suffix] = max_diff(logits(merged, t), lora, t["attention_mask"])
        except Exception as e:  # noqa: BLE001
            report["lora_merged_error" + suffix] = repr(e)[:500]
        try:
            from peft import PeftModel
            adapted = PeftModel.from_pretrained(load(fixture, attention), out + "/ckpt_lora/adapter").eval()
            report["peft_adapter_max_logit_difference" + suffix] = max_diff(logits(adapted, t), lora,
                                                                            t["attention_mask"])
        except Exception as e:  # noqa: BLE001
            report["peft_error" + suffix] = repr(e)[:500]
    print(json.dumps(report))
    with open(out + "/hf_check.json", "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
