#!/usr/bin/env bash
# Installs the TrueType faces supervision documents are set in, from Debian's packages,
# when they are missing: AR PL SungtiL GB (a Song face, as official documents use) and
# Droid Sans Fallback for characters outside GB 2312. ZHIFA_DOCUMENT_FONT and
# ZHIFA_DOCUMENT_FONT_FALLBACK point elsewhere when a machine keeps them elsewhere.
set -euo pipefail
SONG="${ZHIFA_DOCUMENT_FONT:-/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf}"
FALLBACK="${ZHIFA_DOCUMENT_FONT_FALLBACK:-/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf}"
missing=()
[ -s "$SONG" ] || missing+=(fonts-arphic-gbsn00lp)
[ -s "$FALLBACK" ] || missing+=(fonts-droid-fallback)
[ ${#missing[@]} -eq 0 ] && exit 0
[ "$(id -u)" = 0 ] || { echo "deploy: please install ${missing[*]} from Debian's packages" >&2; exit 1; }
echo "deploy: installing ${missing[*]} from Debian's packages"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
