#!/usr/bin/env bash
# Packs what scripts/device/run.sh needs and the tree does not hold into .cache/device/ (ignored by git,
# carried to the GPU machine): llama.cpp's source from the bundle node-llama-cpp ships (without its
# tests, docs, models and web UI: ~10 MB) and the FIM tasks.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$root/.cache/device"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
git clone -q "$root/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$tmp/src"
tar czf "$root/.cache/device/llama-src.tgz" -C "$tmp/src" --exclude=.git --exclude=./tests --exclude=./docs \
    --exclude=./models --exclude=./media --exclude=./gguf-py --exclude=./conversion --exclude='./tools/server/public*' \
    --exclude=./benches --exclude=./pocs --exclude=./ci --exclude=./skills --exclude=./examples/llama.android \
    --exclude=./examples/llama.swiftui .
python3 "$root/scripts/device/make_tasks.py" "$root/node_modules/vscode-jsonrpc/lib/common" "$root/.cache/device/tasks.json"
ls -la "$root/.cache/device"
