#!/usr/bin/env bash
# Renders media/icon.svg to media/icon.png (256×256, transparent corners) with headless Chromium.
# Needs /usr/bin/chromium (scripts/install-e2e-tools.sh installs it). The PNG is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/icon.html" <<HTML
<!doctype html><html><body style="margin:0;background:transparent">
<img src="file://$PWD/media/icon.svg" width="256" height="256" style="display:block">
</body></html>
HTML
HOME="$tmp" XDG_CONFIG_HOME="$tmp" XDG_CACHE_HOME="$tmp" "${CHROMIUM:-/usr/bin/chromium}" \
    --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
    --user-data-dir="$tmp/profile" --default-background-color=00000000 \
    --window-size=256,256 --screenshot="$tmp/icon.png" "file://$tmp/icon.html" >/dev/null 2>&1
cp "$tmp/icon.png" media/icon.png
file media/icon.png 2>/dev/null || ls -l media/icon.png
