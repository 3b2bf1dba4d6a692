#!/usr/bin/env bash
# The one prepared run on a GPU machine (NVIDIA, Python + PyTorch + CUDA + nvcc + cmake, no node, no
# network), issues 20 (item 6) and 24. Everything it needs travels with the tree:
#   .cache/device/llama-src.tgz   llama.cpp's source as node-llama-cpp 3.21.1 ships it
#                                 (node_modules/node-llama-cpp/llama/gitRelease.bundle, made by
#                                 scripts/device/pack.sh)
#   .cache/device/tasks.json      FIM tasks from held-out code (scripts/device/make_tasks.py)
#   .cache/device/next-edit-train.jsonl.gz   synthetic next-edit examples (scripts/make-next-edit-data.py), optional
#   .cache/code-pair-data         the code pair's pre-tokenized corpus (scripts/train-code-pair.py prepare)
# Phases, each with its own deadline, each writing to $OUT as soon as it ends, none stopping the next:
#   1. (background, CPU) build llama-server and llama-batched-bench for CUDA, this GPU's arch only,
#      FlashAttention kernels off (Specula runs with flash attention off) to keep the build short;
#   2. (GPU) train the code pair: scripts/device/train-code-pair.sh, if present;
#   3. pad the trained pair to a real pair's cost (scripts/device/pad_gguf.py: same output) and
#      measure target alone / -md / ngram-mod / both with llama-server on the GPU
#      (scripts/device/cuda_speed.py), on the padded pair and on the unpadded one.
#
# At most 8 files come back from the device (16 MiB each): training writes 6 under $OUT/code-pair/,
# everything else ends up in the one file $OUT/cuda-report.txt.
#
#   OUT=/some/dir bash scripts/device/run.sh      (carry .cache/device and .cache/code-pair-data)
set -u
OUT="${OUT:-/tmp/specula-device-out}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
WORK=/tmp/specula-cuda
mkdir -p "$OUT" "$WORK"
t0=$(date +%s)
elapsed() { echo $(( $(date +%s) - t0 )); }
log() { echo "[run.sh +$(elapsed)s] $*" | tee -a "$WORK/run.log"; }
report() {
    {
        echo "=== run.log"; cat "$WORK/run.log"
        echo; echo "=== machine"; cat "$WORK/machine.txt" 2>/dev/null
        for f in "$WORK"/cuda-speed-*.md; do [ -f "$f" ] && { echo; echo "=== $(basename "$f")"; cat "$f"; }; done
        for f in "$WORK"/cuda-speed-*.json; do [ -f "$f" ] && { echo; echo "=== $(basename "$f")"; cat "$f"; }; done
        for f in "$WORK"/batched-bench-*.txt; do [ -f "$f" ] && { echo; echo "=== $(basename "$f")"; cat "$f"; }; done
        echo; echo "=== speed log"; cat "$WORK/speed.log" 2>/dev/null
        echo; echo "=== CUDA build log (tail)"; tail -60 "$WORK/build.log" 2>/dev/null
    } > "$OUT/cuda-report.txt" 2>&1
}
trap report EXIT
BUILD_DEADLINE_S="${BUILD_DEADLINE_S:-470}"
END_S="${END_S:-560}"

{ nvidia-smi; nproc; free -g; python3 -c 'import torch, sys; print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available())'; nvcc --version | tail -2; cmake --version | head -1; python3 -c 'import numpy; print("numpy", numpy.__version__)' 2>&1 | tail -1; } > "$WORK/machine.txt" 2>&1
log "machine: $(grep -m1 -o 'NVIDIA [A-Z0-9]*[^|]*' "$WORK/machine.txt" | head -1)"

# 1. CUDA build in the background.
src=/tmp/specula-llama-src
build=/tmp/specula-llama-build
(
    set -e
    rm -rf "$src" && mkdir -p "$src" && tar xzf .cache/device/llama-src.tgz -C "$src"
    arch="$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d '.')"
    cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGGML_CUDA=ON -DGGML_CUDA_FA=OFF \
        -DCMAKE_CUDA_ARCHITECTURES="${arch:-90}" -DGGML_CUDA_NCCL=OFF -DGGML_NATIVE=ON -DLLAMA_CURL=OFF \
        -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF
    cmake --build "$build" -j"$(( $(nproc) - 2 ))" --target llama-server llama-batched-bench
    touch "$build/.complete"
) > "$WORK/build.log" 2>&1 &
build_pid=$!
log "CUDA build started (pid $build_pid)"

# 2. Training.
if [ -f .cache/device/next-edit-train.jsonl.gz ]; then
    gunzip -c .cache/device/next-edit-train.jsonl.gz > .cache/next-edit-train.jsonl
fi
if [ -f scripts/device/train-code-pair.sh ]; then
    log "training the code pair"
    OUT="$OUT" timeout 420 bash scripts/device/train-code-pair.sh > "$WORK/train-sh.log" 2>&1
    train_rc=$?
    tail -5 "$WORK/train-sh.log" >> "$WORK/run.log"
    log "training ended with $train_rc ($(ls "$OUT/code-pair" 2>/dev/null | tr '\n' ' '))"
else
    log "no scripts/device/train-code-pair.sh: training skipped"
fi

# 3. Wait for the build, then measure.
while kill -0 "$build_pid" 2>/dev/null && [ "$(elapsed)" -lt "$BUILD_DEADLINE_S" ]; do sleep 2; done
if [ ! -f "$build/.complete" ]; then
    log "CUDA build not complete at +$(elapsed)s; last lines:"
    tail -20 "$WORK/build.log" | tee -a "$WORK/run.log"
    kill "$build_pid" 2>/dev/null
    exit 0
fi
log "CUDA build complete"
target="$OUT/code-pair/code-target.gguf"
draft="$OUT/code-pair/code-draft.gguf"
if [ ! -f "$target" ] || [ ! -f "$draft" ]; then
    target=test/models/code-pair/code-target.gguf
    draft=test/models/code-pair/code-draft.gguf
    log "no freshly trained pair: measuring the committed one"
fi
# A real pair's cost: a 1.5B target at Q8_0 reads ~1.6 GB per token, its 0.5B draft about a third.
# Padded F16 here: target ~750 M parameters, draft ~250 M.
python3 - "$target" "$draft" > "$WORK/pad-plan.txt" <<'EOF'
import struct, sys
sys.path.insert(0, "scripts/device")
from pad_gguf import read_gguf
for path, goal in zip(sys.argv[1:], (750e6, 250e6)):
    _, kv, tensors, _ = read_gguf(path)
    meta = {k: v for k, _, v in kv}
    width, blocks, ffn = meta["llama.embedding_length"], meta["llama.block_count"], meta["llama.feed_forward_length"]
    wide = max(ffn, 16384 if goal > 500e6 else 8192)
    per_block = 3 * width * wide + 4 * width * width
    extra = max(1, round(goal / per_block) - blocks)
    print(path, wide, extra)
EOF
cat "$WORK/pad-plan.txt" | tee -a "$WORK/run.log"
padded_ok=1
while read -r path wide extra; do
    python3 scripts/device/pad_gguf.py "$path" "$WORK/padded-$(basename "$path")" --ffn "$wide" --extra-blocks "$extra" >> "$WORK/run.log" 2>&1 || padded_ok=0
done < "$WORK/pad-plan.txt"
left() { echo $(( END_S - $(elapsed) )); }
if [ "$padded_ok" = 1 ] && [ "$(left)" -gt 40 ]; then
    log "speed: padded pair ($(left) s left)"
    timeout "$(( $(left) > 150 ? 150 : $(left) - 20 ))" python3 scripts/device/cuda_speed.py --bin "$build/bin" --target "$WORK/padded-$(basename "$target")" \
        --draft "$WORK/padded-$(basename "$draft")" --tasks .cache/device/tasks.json --out "$WORK" --label padded --rounds 2 >> "$WORK/speed.log" 2>&1
fi
if [ "$(left)" -gt 25 ]; then
    log "speed: unpadded pair ($(left) s left)"
    timeout "$(( $(left) - 10 ))" python3 scripts/device/cuda_speed.py --bin "$build/bin" --target "$target" --draft "$draft" \
        --tasks .cache/device/tasks.json --out "$WORK" --label trained --rounds 2 >> "$WORK/speed.log" 2>&1
fi
log "done"
