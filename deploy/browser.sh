#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when it is missing, with a small CJK
# font so that screenshots of the Chinese pages are readable, and axe-core, the
# accessibility checker the portal's browser test runs, into the cache.
set -euo pipefail
CACHE="${ZHIFA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/zhifa}"
AXE_VERSION=4.14.1
if [ ! -s "$CACHE/axe/node_modules/axe-core/axe.min.js" ]; then
  echo "deploy: installing axe-core $AXE_VERSION into $CACHE/axe"
  mkdir -p "$CACHE/axe"
  npm install --silent --no-audit --no-fund --prefix "$CACHE/axe" "axe-core@$AXE_VERSION" >/dev/null
fi
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi 'wenquanyi\|noto sans cjk' || missing+=(fonts-wqy-microhei)
[ ${#missing[@]} -eq 0 ] && exit 0
[ "$(id -u)" = 0 ] || { echo "deploy: please install ${missing[*]} from Debian's packages" >&2; exit 1; }
echo "deploy: installing ${missing[*]} from Debian's packages"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
