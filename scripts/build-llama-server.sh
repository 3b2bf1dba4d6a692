#!/usr/bin/env bash
# Builds llama.cpp's own `llama-server` from the llama.cpp source that node-llama-cpp ships
# (node_modules/node-llama-cpp/llama/gitRelease.bundle), statically, into a cache dir OUTSIDE the
# clone, so CI and the bench pay for the ~20 min build once. No network: cmake and g++ come from apt.
#
# Prints the binary's path on stdout; progress goes to stderr. Exit 0 on success, 1 if the build
# failed (callers such as the bench say so and go on without the native peer).
#
# `--find`: only print the path of an earlier build (exit 1 if there is none); never builds.
#
# Env: SPECULA_LLAMA_CACHE (default ~/.cache/specula-llama), CI=true for non-interactive apt.
set -euo pipefail
find_only=0
if [ "${1:-}" = "--find" ]; then find_only=1; fi
root="$(cd "$(dirname "$0")/.." && pwd)"
bundle="$root/node_modules/node-llama-cpp/llama/gitRelease.bundle"
info="$root/node_modules/node-llama-cpp/llama/llama.cpp.info.json"
CACHE="${SPECULA_LLAMA_CACHE:-$HOME/.cache/specula-llama}"
log() { printf '[build-llama-server] %s\n' "$*" >&2; }

if [ ! -f "$bundle" ]; then log "no llama.cpp source bundle at $bundle (run npm ci first)"; exit 1; fi
# One build per llama.cpp release and build recipe; the recipe version bumps when the flags change.
recipe=1
tag="$(node -e 'process.stdout.write(require(process.argv[1]).tag)' "$info")"
key="$tag-r$recipe"
src="$CACHE/src-$key"
build="$CACHE/build-$key"
bin="$build/bin/llama-server"
if [ -x "$bin" ] && [ -f "$build/.complete" ]; then
    echo "$bin"
    exit 0
fi
if [ "$find_only" = 1 ]; then log "no llama-server built yet for llama.cpp $tag (run scripts/build-llama-server.sh)"; exit 1; fi
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
# Another process may have finished the build while this one waited for the lock.
if [ -x "$bin" ] && [ -f "$build/.complete" ]; then
    echo "$bin"
    exit 0
fi

missing=()
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
if ((${#missing[@]})); then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo -n"; fi
    log "apt: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

started=$(date +%s)
if [ ! -d "$src/.git" ]; then
    rm -rf "$src"
    git clone -q "$bundle" "$src"
fi
log "configuring llama.cpp $tag in $build"
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_OPENSSL=OFF -DBUILD_SHARED_LIBS=OFF \
    -DGGML_OPENMP=OFF >&2
log "building llama-server (about 20 min on 2 vCPUs)"
cmake --build "$build" -j"$(nproc)" --target llama-server >&2
touch "$build/.complete"
log "built in $(( $(date +%s) - started )) s"
echo "$bin"
