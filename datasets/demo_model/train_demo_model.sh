#!/usr/bin/env bash
# Trains the bundled demo model from scratch on generator A's synthetic shapes, measures it on held-out sets
# of both generators, and installs the result into resources/demo-model/.
#
#   datasets/demo_model/train_demo_model.sh [WORK_DIR]
#
# Uses the `kosmos2` program of the release build (build/release/bin or $KOSMOS2). Every step is
# deterministic for its seed; training is resumable: rerunning continues from WORK_DIR/model if it exists.
# (A WORK_DIR from before stage 10 holds stage 9 as model/ and model.log: rename them stage9/ and stage9.log.)
# About 12.5 hours on 2 CPU cores (f32, 1 compute thread + 1 data thread), plus data generation.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${1:-$root/build/demo-model-work}"
kosmos2="${KOSMOS2:-}"
if [[ -z "$kosmos2" ]]; then
    for candidate in "$root/build/release/bin/kosmos2" "$root/build/bin/kosmos2"; do
        [[ -x "$candidate" ]] && { kosmos2="$candidate"; break; }
    done
fi
[[ -x "$kosmos2" ]] || { echo "kosmos2 not found: build it first or set KOSMOS2" >&2; exit 1; }

# The recipe. Changing any of these changes the model; the values used are recorded in recipe.json.
train_seed=1 train_count=40000 vocab_size=256
more_seed=2 more_count=40000      # a second training set, for stage 3 (fresh pictures instead of a third pass)
third_seed=3 third_count=40000    # a third, for stage 4
fourth_seed=4 fourth_count=40000  # a fourth, for stage 5
fifth_seed=6 fifth_count=40000    # a fifth, for stage 6
sixth_seed=10 sixth_count=40000   # a sixth, for stage 7
seventh_seed=11 seventh_count=40000  # a seventh, for stage 8
eighth_seed=12 eighth_count=40000    # an eighth, for stage 9
ninth_seed=13 ninth_count=80000     # a ninth, twice as large, for stage 10
init_seed=0
# Stage 1: referring expressions on the one-object pictures (where is the one thing?). Stage 2: every task on
# all pictures, the one- and two-object ones repeated (curriculum.py). The vision tower stays as initialised
# (trained, it drifted until every picture gave the same caption); the connector learns at a tenth of the rate
# (at the full rate it overwrote where each image embedding comes from within a few hundred steps).
# Stage 3: every task on the second set, all pictures alike, from a lower peak rate. Stage 4: the same on the
# third set, from a lower peak rate again. Stage 5: the vision tower trained too, on the fourth set: until
# then the picture's features told colour and place but not shape (a linear probe of them named the shape
# of 20 % of the objects, chance being 17 %), so captions got the shape word wrong. Stage 6: the same as stage 5
# on the fifth set (validation F1 was still rising when stage 5's rate ran out); stages 7, 8 and 9 again on
# the sixth, seventh and eighth (stage 9 shorter), and stage 10, longer again, on the ninth.
stage1_steps=400 stage1_warmup=30 stage1_seed=1
stage2_steps=2800 stage2_warmup=50 stage2_seed=2 ref_exp_ratio=0.6
stage3_steps=4200 stage3_warmup=50 stage3_seed=3 stage3_lr=6e-4
stage4_steps=4200 stage4_warmup=50 stage4_seed=4 stage4_lr=4e-4
stage5_steps=4000 stage5_warmup=100 stage5_seed=5 stage5_lr=3e-4 vision_lr_scale=1   # stages 5 to 9
stage6_steps=3000 stage6_warmup=100 stage6_seed=6 stage6_lr=3e-4
stage7_steps=2000 stage7_warmup=100 stage7_seed=7 stage7_lr=3e-4
stage8_steps=2000 stage8_warmup=100 stage8_seed=8 stage8_lr=3e-4
stage9_steps=1000 stage9_warmup=100 stage9_seed=9 stage9_lr=3e-4
stage10_steps=3000 stage10_warmup=100 stage10_seed=10 stage10_lr=3e-4
batch=32 lr=1e-3 connector_lr_scale=0.1 min_lr_ratio=0.05 weight_decay=0.05
val_seed=7 val_count=300            # watched during training (checkpoint evaluations)
heldout_a_seed=9 heldout_b_seed=5 heldout_count=400   # measured once at the end, never trained on

mkdir -p "$work"
cd "$work"

if [[ ! -f train/annotations.jsonl ]]; then
    "$kosmos2" synth --out train --count $train_count --seed $train_seed --threads "$(nproc)" \
        --spm-out spm --vocab-size $vocab_size
fi
[[ -f train/mix.jsonl ]] || python3 "$here/curriculum.py" train/annotations.jsonl
extra_sets=(more third fourth fifth sixth seventh eighth ninth)   # the training sets after the first, in order
for set in "${extra_sets[@]}"; do
    seed="${set}_seed" count="${set}_count"
    [[ -f $set/annotations.jsonl ]] ||
        "$kosmos2" synth --out "$set" --count "${!count}" --seed "${!seed}" --threads "$(nproc)"
done
if [[ ! -f val/annotations.jsonl ]]; then
    "$kosmos2" synth --out val --count $val_count --seed $val_seed --threads "$(nproc)"
    python3 "$here/curriculum.py" val/annotations.jsonl
fi
[[ -f init/config.json ]] || "$kosmos2" init --config "$here/config.json" --tokenizer spm/sentencepiece.bpe.model \
    --out init --seed $init_seed

common=(--mode full --batch-size $batch --connector-lr-scale $connector_lr_scale
    --min-lr-ratio $min_lr_ratio --weight-decay $weight_decay --cache-images 2048
    --threads 1 --blas-threads 1 --workers 1 --log-every 10 --json)
# Each stage resumes from its own folder if it was interrupted.
stage() {   # NAME BASE -- ARGS...
    local name="$1" base="$2"; shift 3
    [[ -f "$name/done" ]] && return
    if [[ -f "$name/trainer_state.json" ]]; then
        "$kosmos2" train --resume "$name" --out "$name" "${common[@]}" "$@" 2>&1 | tee -a "$name.log"
    else
        "$kosmos2" train --model "$base" --out "$name" "${common[@]}" "$@" 2>&1 | tee "$name.log"
    fi
    touch "$name/done"
}
stage stage1 init -- --freeze-vision --lr $lr --data train/one_object.jsonl --ref-exp-ratio 1.0 --steps $stage1_steps \
    --warmup $stage1_warmup --seed $stage1_seed --save-every 100 --eval-data val/one_object.jsonl --eval-limit 60
stage stage2 stage1 -- --freeze-vision --lr $lr --data train/mix.jsonl --ref-exp-ratio $ref_exp_ratio --steps $stage2_steps \
    --warmup $stage2_warmup --seed $stage2_seed --save-every 250 --eval-data val/annotations.jsonl --eval-limit 100
stage stage3 stage2 -- --freeze-vision --lr $stage3_lr --data more/annotations.jsonl --ref-exp-ratio $ref_exp_ratio \
    --steps $stage3_steps --warmup $stage3_warmup --seed $stage3_seed --save-every 500 \
    --eval-data val/annotations.jsonl --eval-limit 100
stage stage4 stage3 -- --freeze-vision --lr $stage4_lr --data third/annotations.jsonl --ref-exp-ratio $ref_exp_ratio \
    --steps $stage4_steps --warmup $stage4_warmup --seed $stage4_seed --save-every 500 \
    --eval-data val/annotations.jsonl --eval-limit 100
tower_stage() {   # NAME BASE DATA_SET STEPS WARMUP SEED LR: a stage with the vision tower trained
    stage "$1" "$2" -- --train-vision --vision-lr-scale $vision_lr_scale --lr "$7" --data "$3/annotations.jsonl" \
        --ref-exp-ratio $ref_exp_ratio --steps "$4" --warmup "$5" --seed "$6" --save-every 250 \
        --eval-data val/annotations.jsonl --eval-limit 100
}
tower_stage stage5 stage4 fourth $stage5_steps $stage5_warmup $stage5_seed $stage5_lr
tower_stage stage6 stage5 fifth $stage6_steps $stage6_warmup $stage6_seed $stage6_lr
tower_stage stage7 stage6 sixth $stage7_steps $stage7_warmup $stage7_seed $stage7_lr
tower_stage stage8 stage7 seventh $stage8_steps $stage8_warmup $stage8_seed $stage8_lr
tower_stage stage9 stage8 eighth $stage9_steps $stage9_warmup $stage9_seed $stage9_lr
tower_stage model stage9 ninth $stage10_steps $stage10_warmup $stage10_seed $stage10_lr
logs=(stage1 stage2 stage3 stage4 stage5 stage6 stage7 stage8 stage9 model)   # one per stage, in order; "model" is stage 10
for log in "${logs[@]}"; do cat "$log.log"; done > train.log

# Held-out sets: generator A with a seed never used above, and generator B (another renderer).
[[ -f heldout-a/annotations.jsonl ]] || "$kosmos2" synth --out heldout-a --count $heldout_count --seed $heldout_a_seed \
    --threads "$(nproc)"
[[ -f heldout-b/annotations.jsonl ]] || python3 "$root/datasets/second_generator/make_shapes.py" --out heldout-b \
    --count $heldout_count --seed $heldout_b_seed
for set in heldout-a heldout-b; do
    [[ -s "eval-$set.json" ]] ||
        { "$kosmos2" eval --model model --data "$set/annotations.jsonl" --json --quiet > "eval-$set.json.tmp" &&
          mv "eval-$set.json.tmp" "eval-$set.json"; }
done

# Install: the checkpoint without its optimizer state, with the demo model's own generation settings
# (greedy, no no_repeat_ngram_size: it would block the repeated `</object>, <phrase>` of long captions).
out="$root/resources/demo-model"
rm -rf "$out.new" && mkdir -p "$out.new"
for f in config.json model.safetensors sentencepiece.bpe.model tokenizer_config.json special_tokens_map.json \
         added_tokens.json preprocessor_config.json processor_config.json; do
    [[ -f "model/$f" ]] && cp "model/$f" "$out.new/$f"
done
cat > "$out.new/generation_config.json" <<JSON
{
  "bos_token_id": 0,
  "eos_token_id": 2,
  "pad_token_id": 1,
  "max_new_tokens": 96,
  "num_beams": 1,
  "do_sample": false,
  "no_repeat_ngram_size": 0
}
JSON
cp eval-heldout-a.json eval-heldout-b.json "$out.new/"
summary=$(grep -hE '^\{' model.log | tail -n 1 || true)
[[ -z "$summary" ]] || echo "$summary" > "$out.new/train_summary.json"
for log in "${logs[@]}"; do   # stage, step, training loss
    grep -E '^step [0-9]+/' "$log.log" | sed -E "s/^step ([0-9]+)\/[0-9]+ +loss ([0-9.]+).*/$log\t\1\t\2/"
done | sed 's/^model\t/stage10\t/' > "$out.new/loss_curve.tsv"
for i in "${!logs[@]}"; do
    (( i == 0 )) || echo
    echo "Stage $((i + 1))"; echo
    python3 "$here/learning_curve.py" "${logs[$i]}.log"
done > "$out.new/learning_curve.md"
set_json() {   # SET: its recipe.json entry
    local seed="${1}_seed" count="${1}_count"
    echo "  \"train_$1\": {\"generator\": \"kosmos2 synth\", \"seed\": ${!seed}, \"count\": ${!count}},"
}
tower_stage_json() {   # N DATA: the recipe.json entry of a stage with the vision tower trained
    local steps="stage${1}_steps" warmup="stage${1}_warmup" seed="stage${1}_seed" rate="stage${1}_lr"
    cat <<ENTRY
  "stage$1": {"data": "$2, vision tower trained", "ref_exp_ratio": $ref_exp_ratio,
             "steps": ${!steps}, "warmup": ${!warmup}, "order_seed": ${!seed}, "lr": ${!rate},
             "vision_lr_scale": $vision_lr_scale},
ENTRY
}
cat > "$out.new/recipe.json" <<JSON
{
  "script": "datasets/demo_model/train_demo_model.sh",
  "config": "datasets/demo_model/config.json",
  "train": {"generator": "kosmos2 synth", "seed": $train_seed, "count": $train_count, "vocab_size": $vocab_size},
$(for set in "${extra_sets[@]}"; do set_json "$set"; done)
  "init_seed": $init_seed,
  "stage1": {"data": "one-object pictures", "ref_exp_ratio": 1.0, "steps": $stage1_steps, "warmup": $stage1_warmup,
             "order_seed": $stage1_seed},
  "stage2": {"data": "all pictures, one-object x3, two-object x2", "ref_exp_ratio": $ref_exp_ratio,
             "steps": $stage2_steps, "warmup": $stage2_warmup, "order_seed": $stage2_seed, "lr": $lr},
  "stage3": {"data": "the second set, all pictures", "ref_exp_ratio": $ref_exp_ratio, "steps": $stage3_steps,
             "warmup": $stage3_warmup, "order_seed": $stage3_seed, "lr": $stage3_lr},
  "stage4": {"data": "the third set, all pictures", "ref_exp_ratio": $ref_exp_ratio, "steps": $stage4_steps,
             "warmup": $stage4_warmup, "order_seed": $stage4_seed, "lr": $stage4_lr},
$(tower_stage_json 5 "the fourth set, all pictures")
$(tower_stage_json 6 "the fifth set, all pictures")
$(tower_stage_json 7 "the sixth set, all pictures")
$(tower_stage_json 8 "the seventh set, all pictures")
$(tower_stage_json 9 "the eighth set, 32,000 of its pictures")
$(tower_stage_json 10 "the ninth set, all pictures")
  "optimizer": {"batch_size": $batch, "lr": $lr, "connector_lr_scale": $connector_lr_scale, "vision": "frozen in stages 1-4, trained in stages 5-10",
                "min_lr_ratio": $min_lr_ratio, "weight_decay": $weight_decay},
  "heldout": {"generator_a_seed": $heldout_a_seed, "generator_b_seed": $heldout_b_seed, "count": $heldout_count}
}
JSON
rm -rf "$out" && mv "$out.new" "$out"
echo "demo model installed in $out"
cat "$out/eval-heldout-a.json" "$out/eval-heldout-b.json"
