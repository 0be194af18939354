#!/usr/bin/env bash
# The command line refuses what would lose data or never finish, with status 2 for usage errors (as the
# manual says) and 1 with a one-line reason otherwise:
#   db export onto its own store (or its write-ahead log) leaves the store whole, and replaces an existing
#   file only with --overwrite,
#   synth over an existing dataset or tokenizer needs --overwrite (which also clears the old images),
#   out-of-range numbers (threads, NaN temperatures, min above max) and contradicting options are refused,
#   sampling settings without --sample for a greedy model are named in a warning,
#   a store in a read-only folder can still be read; a read-only store file is not imported into,
#   generate goes on past an unreadable image, dump never replaces a file of the model folder, render and dump
#   never replace their input image, train stopped by Ctrl-C exits 130; render --json reports what is drawn.
# Usage: check_cli_refusals.sh BIN_DIR TEST_DATA_DIR
set -uo pipefail
kosmos2=$1/kosmos2
data=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect STATUS PATTERN -- COMMAND...: runs the command, checks its status and that stderr matches PATTERN.
expect() {
    local status=$1 pattern=$2
    shift 3
    "$@" >"$scratch/out" 2>"$scratch/err"
    local got=$?
    [[ $got == "$status" ]] || fail "$* -> status $got, expected $status: $(head -c 300 "$scratch/err")"
    grep -qE -- "$pattern" "$scratch/err" || fail "$* -> stderr lacks /$pattern/: $(head -c 300 "$scratch/err")"
}

image=$data/kosmos2-tiny/images/gradient_640x480.png
model=$data/kosmos2-tiny

# Usage errors: status 2.
expect 2 "unknown command 'bogus'" -- "$kosmos2" bogus
expect 2 "not expected: --bogus" -- "$kosmos2" generate --model "$model" --image "$image" --bogus
expect 2 "--threads: Value 100000 not in range" -- "$kosmos2" generate --model "$model" --image "$image" --threads 100000
expect 2 "--temperature: must be a number in \(0, 100\], not nan" -- \
    "$kosmos2" generate --model "$model" --image "$image" --temperature nan
expect 2 "--num-beams" -- "$kosmos2" generate --model "$model" --image "$image" --num-beams -3
expect 2 "--min-confidence" -- "$kosmos2" render --model "$model" --image "$image" --out "$scratch/r.png" --min-confidence 2
expect 2 "--freeze-vision excludes --train-vision" -- \
    "$kosmos2" train --model "$model" --data x.jsonl --out "$scratch/o" --freeze-vision --train-vision
expect 2 "--split: bogus not in" -- "$kosmos2" train --model "$model" --db x.db --split bogus --out "$scratch/o"
expect 2 "--split requires --db" -- "$kosmos2" train --model "$model" --data x.jsonl --out "$scratch/o" --split train
expect 2 "--batch-size" -- "$kosmos2" eval --model "$model" --data x.jsonl --batch-size 0
expect 2 "^kosmos2 generate: --dtype: must be f32, f16, bf16 or int8, not f64" -- \
    "$kosmos2" generate --model "$model" --image "$image" --dtype f64
expect 2 "--device: must be cpu, cuda, cuda:N or auto, not gpu" -- \
    "$kosmos2" render --model "$model" --image "$image" --out "$scratch/r.png" --device gpu
expect 2 "--batch-size: Value -2 not in range" -- "$kosmos2" train --model "$model" --data x.jsonl --out "$scratch/o" \
    --batch-size -2
expect 2 "unknown format 'foo'" -- "$kosmos2" db export --db "$scratch/none.db" --format foo --out "$scratch/x"
expect 2 "leave out --model" -- "$kosmos2" bench --model "$model" --random-weights --config "$model/config.json"
# A request the model cannot satisfy: status 1, one line.
expect 1 "min_new_tokens \(10\) is more than max_new_tokens \(3\)" -- \
    "$kosmos2" generate --model "$model" --image "$image" --min-new-tokens 10 --max-new-tokens 3

# Sampling settings for a model that decodes greedily: a warning names them, the run goes on.
expect 0 "warning: --temperature, --seed have no effect without --sample" -- \
    "$kosmos2" generate --model "$model" --image "$image" --max-new-tokens 2 --temperature 0.5 --seed 3

# A model named by one of its files, a model folder given as a checkpoint to resume, a config that is not JSON:
# one line each, in the user's terms (no library's exception names).
expect 1 "config.json: a file, not a model folder" -- "$kosmos2" generate --model "$model/config.json" --image "$image"
expect 1 "not a training checkpoint \(it has no trainer_state.json\)" -- \
    "$kosmos2" train --model "$model" --resume "$model" --data x.jsonl --out "$scratch/o"
mkdir "$scratch/bad-config" && cp "$model"/* "$scratch/bad-config/" 2>/dev/null
echo "{ not json" >"$scratch/bad-config/config.json"
expect 1 "config.json: invalid JSON \(parse error at line 1" -- "$kosmos2" generate --model "$scratch/bad-config" --image "$image"
grep -q "json.exception" "$scratch/err" && fail "a library's exception name in: $(cat "$scratch/err")"

# render --json reports what is drawn: a box under --min-confidence is in neither.
render_json() {
    "$kosmos2" render --model "$model" --image "$image" --out "$scratch/r.png" --constrained --max-new-tokens 4 \
        --prompt "<grounding><phrase> a red square</phrase><object>" --json "$@"
}
[[ $(render_json --min-confidence 0 | grep -o '"phrase"' | wc -l) == 1 ]] || fail "render --json: no box at confidence 0"
[[ $(render_json --min-confidence 1 | grep -o '"phrase"' | wc -l) == 0 ]] || fail "render --json lists a box not drawn"

# Several images, one unreadable: the others still run, the status says one failed.
"$kosmos2" generate --model "$model" --image "$scratch/missing.png" --image "$image" --max-new-tokens 3 \
    >"$scratch/out" 2>"$scratch/err"
status=$?
[[ $status == 1 ]] || fail "generate with an unreadable image: status $status"
grep -q "gradient_640x480.png: " "$scratch/out" || fail "generate skipped the readable image: $(cat "$scratch/out")"
grep -q "1 of 2 images could not be read" "$scratch/err" || fail "generate: $(cat "$scratch/err")"
# dump never writes over a file of the model folder.
cp -r "$model" "$scratch/model"
expect 1 "is a file of the model folder" -- \
    "$kosmos2" dump --model "$scratch/model" --image "$image" --out "$scratch/model/model.safetensors"
cmp -s "$model/model.safetensors" "$scratch/model/model.safetensors" || fail "dump changed the model's weights"
# render and dump never write over their input image (by its own name or through a link).
cp "$image" "$scratch/in.png"
ln -s "$scratch/in.png" "$scratch/link.png"
for command in render dump; do
    for out in "$scratch/in.png" "$scratch/link.png"; do
        expect 1 "is the --image file itself" -- "$kosmos2" "$command" --model "$model" --image "$scratch/in.png" --out "$out"
    done
done
cmp -s "$image" "$scratch/in.png" || fail "render or dump wrote over its input image"

# synth: an existing dataset is replaced only with --overwrite, and then no image of the old run stays.
"$kosmos2" synth --out "$scratch/shapes" --count 6 --quiet >/dev/null || fail "synth into a new folder"
expect 1 "annotations.jsonl exists; --overwrite replaces it" -- "$kosmos2" synth --out "$scratch/shapes" --count 3 --quiet
[[ $(wc -l <"$scratch/shapes/annotations.jsonl") == 6 ]] || fail "a refused synth changed annotations.jsonl"
"$kosmos2" synth --out "$scratch/shapes" --count 3 --quiet --overwrite >/dev/null || fail "synth --overwrite"
[[ $(ls "$scratch/shapes/images" | wc -l) == 3 ]] || fail "synth --overwrite left images of the earlier run"

# An import of which nothing is usable (not GRIT at all, an empty folder) fails; the store keeps its samples.
head -c 3000 /dev/urandom >"$scratch/random.jsonl"
mkdir "$scratch/empty-folder"
expect 1 "no record could be imported: every one of the [0-9]+ read was rejected" -- \
    "$kosmos2" db import --db "$scratch/other.db" --quiet "$scratch/random.jsonl"
expect 1 "the sources hold no GRIT records" -- "$kosmos2" db import --db "$scratch/other.db" --quiet "$scratch/empty-folder"
# A folder of .tar shards says how to give them; a source that does not exist is named before a store is made.
mkdir "$scratch/shard-folder" && : >"$scratch/shard-folder/00000.tar"
expect 1 "holds .tar shards: a folder is read for .json records" -- \
    "$kosmos2" db import --db "$scratch/other.db" --quiet "$scratch/shard-folder"
expect 1 "no-such.jsonl: no such file or folder" -- "$kosmos2" db import --db "$scratch/never.db" "$scratch/no-such.jsonl"
[[ ! -e "$scratch/never.db" ]] || fail "db import of a missing source created the store"

# db export onto the store: refused, the store keeps its samples.
db=$scratch/store.db
"$kosmos2" db import --db "$db" --quiet "$scratch/shapes/annotations.jsonl" >/dev/null || fail "db import"
for out in "$db" "$db-wal"; do
    expect 1 "the store being exported" -- "$kosmos2" db export --db "$db" --format grit --out "$out" --overwrite
done
# An existing output file is replaced only with --overwrite.
echo "keep me" >"$scratch/kept.jsonl"
expect 1 "kept.jsonl exists; --overwrite replaces it" -- \
    "$kosmos2" db export --db "$db" --format grit --out "$scratch/kept.jsonl"
[[ $(cat "$scratch/kept.jsonl") == "keep me" ]] || fail "db export without --overwrite replaced its --out"
"$kosmos2" db export --db "$db" --format grit --out "$scratch/kept.jsonl" --overwrite >/dev/null ||
    fail "db export --overwrite"
[[ $(wc -l <"$scratch/kept.jsonl") == 3 ]] || fail "db export --overwrite: $(head -c 200 "$scratch/kept.jsonl")"
"$kosmos2" db stats --db "$db" --json >"$scratch/stats" || fail "db stats after the refused exports"
grep -q '"samples":3' "$scratch/stats" || fail "the store lost samples: $(cat "$scratch/stats")"
# Reading the store leaves no write-ahead log or shared-memory file beside it.
[[ ! -e "$db-wal" && ! -e "$db-shm" ]] || fail "db stats and export left $(ls "$db"-*) beside the store"

# A store in a folder this user cannot write (as root: read as nobody) is read, checked and exported all the
# same; importing into a read-only store file is refused before any record is read.
as_other=()
[[ $(id -u) == 0 ]] && as_other=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
chmod 755 "$scratch"
mkdir "$scratch/readonly"
cp "$db" "$scratch/readonly/store.db"
chmod 555 "$scratch/readonly"
if "${as_other[@]}" "$kosmos2" --version >/dev/null 2>&1; then
    "${as_other[@]}" "$kosmos2" db stats --db "$scratch/readonly/store.db" >"$scratch/out" 2>"$scratch/err" ||
        fail "db stats of a store in a read-only folder: $(cat "$scratch/err")"
    grep -q "samples 3" "$scratch/out" || fail "db stats of a read-only store: $(cat "$scratch/out")"
    "${as_other[@]}" "$kosmos2" db check --db "$scratch/readonly/store.db" >/dev/null 2>"$scratch/err" ||
        fail "db check of a store in a read-only folder: $(cat "$scratch/err")"
    chmod 755 "$scratch/readonly"
    chmod 444 "$scratch/readonly/store.db"
    expect 1 "store.db: cannot import into it" -- \
        "${as_other[@]}" "$kosmos2" db import --db "$scratch/readonly/store.db" "$scratch/shapes/annotations.jsonl"
else
    echo "note: cannot run the program as another user here; read-only store checks left out"
fi
chmod -R u+w "$scratch"

# train stopped by Ctrl-C once it runs: its checkpoint is saved, and the status (130) says it did not finish.
"$kosmos2" train --model "$model" --data "$scratch/shapes/annotations.jsonl" --out "$scratch/stopped" --mode full \
    --steps 100000 --batch-size 1 --threads 1 >"$scratch/train.out" 2>"$scratch/train.err" &
trainer=$!
for _ in $(seq 600); do
    grep -q "^step " "$scratch/train.err" && break
    sleep 0.1
done
kill -INT "$trainer"
wait "$trainer"
status=$?
[[ $status == 130 ]] || fail "train after Ctrl-C: status $status, expected 130: $(tail -c 300 "$scratch/train.err")"
grep -q "^stopped after" "$scratch/train.out" || fail "train after Ctrl-C did not stop cleanly: $(cat "$scratch/train.out")"
[[ -f $scratch/stopped/trainer_state.json ]] || fail "train after Ctrl-C saved no checkpoint"

if ((failures)); then
    echo "$failures failure(s)"
    exit 1
fi
echo "all refusals as expected"
