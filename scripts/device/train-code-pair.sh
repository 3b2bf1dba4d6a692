#!/usr/bin/env bash
# Trains the code pair (and, when .cache/next-edit-train.jsonl was carried, the next-edit target) on
# the device machine: one GPU, torch + the standard library only (no network, node, numpy or regex).
#
# Carry: .cache/code-pair-data (written here by `/usr/bin/python3 scripts/train-code-pair.py prepare`)
#        and, optionally, .cache/next-edit-train.jsonl.
# Writes $OUT/code-pair/: code-target.gguf, code-draft.gguf, [next-edit-target.gguf], training.json,
# reference.json, train.log (6 files, each under 16 MiB). Budgets (seconds) can be set from outside:
#   TARGET_SECONDS=190 DRAFT_SECONDS=80 NEXT_EDIT_SECONDS=50 EVAL_SECONDS=30 TOTAL_SECONDS=450
set -u
started=$(date +%s)
say() { echo "[$(date -u +%H:%M:%S) +$(( $(date +%s) - started ))s] $*"; }

OUT_DIR="${OUT:-/tmp/code-pair-out}/code-pair"
DATA="${DATA:-.cache/code-pair-data}"
NEXT_EDIT="${NEXT_EDIT:-.cache/next-edit-train.jsonl}"
DEVICE="${DEVICE:-cuda}"          # DEVICE=cpu EXTRA_ARGS=--tiny: a pipeline check without a GPU
EXTRA_ARGS="${EXTRA_ARGS:-}"
mkdir -p "$OUT_DIR"

PY=""
for candidate in python3 python /usr/bin/python3; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" - <<'EOF'
import importlib, sys
import torch
print("python", sys.version.split()[0], "| torch", torch.__version__, "| cuda", torch.version.cuda,
      "| available", torch.cuda.is_available(), "|", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "-")
for name in ("numpy", "regex"):
    try:
        importlib.import_module(name)
        print(name, "present (not needed)")
    except ImportError:
        print(name, "absent (not needed)")
EOF
    then
        PY="$candidate"
        break
    fi
done
if [ -z "$PY" ]; then
    say "no python with torch found"; exit 2
fi
say "python: $(command -v "$PY")"
nvidia-smi --query-gpu=name,memory.used,memory.total,utilization.gpu --format=csv 2>/dev/null || true
for file in train.u16.zlib heldout.u16 tokenizer.json meta.json; do
    if [ ! -f "$DATA/$file" ]; then
        say "missing $DATA/$file: carry .cache/code-pair-data"; exit 2
    fi
done
ls -la "$DATA" "$NEXT_EDIT" 2>&1

say "training (budgets: target ${TARGET_SECONDS:-190} s, draft ${DRAFT_SECONDS:-80} s, next-edit ${NEXT_EDIT_SECONDS:-50} s, eval ${EVAL_SECONDS:-30} s; whole run at most ${TOTAL_SECONDS:-450} s)"
PYTHONUNBUFFERED=1 timeout --kill-after=15 "${TOTAL_SECONDS:-450}" "$PY" scripts/train-code-pair.py train \
    --device "$DEVICE" --data "$DATA" --out "$OUT_DIR" --next-edit-data "$NEXT_EDIT" \
    --target-seconds "${TARGET_SECONDS:-190}" --draft-seconds "${DRAFT_SECONDS:-80}" \
    --next-edit-seconds "${NEXT_EDIT_SECONDS:-50}" --eval-seconds "${EVAL_SECONDS:-30}" $EXTRA_ARGS 2>&1 | tee "$OUT_DIR/train.log"
train_rc=${PIPESTATUS[0]}
say "train-code-pair.py exited with $train_rc (0: every phase ran; 1: a phase failed, see FAILED in the log; 124/137: the time limit)"
ls -la "$OUT_DIR"
exit 0
