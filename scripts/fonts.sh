#!/usr/bin/env bash
# scripts/fonts.sh fetches the two fonts that internal/document/render embeds
# (go:embed) and copies them, with their licences, into
# internal/document/render/fonts/. The files are committed; run this only to
# re-create or check them. The TTF files are copied unchanged from the Debian
# packages, so the result is byte-for-byte reproducible and checked against
# fonts/SHA256SUMS:
#
#   fonts-arphic-gbsn00lp 2.11-16       gbsn00lp.ttf              AR PL SungtiL GB (宋体), Arphic Public License
#   fonts-droid-fallback  1:6.0.1r16-1.1 DroidSansFallbackFull.ttf Droid Sans Fallback (黑体-like), Apache-2.0
#
# Usage: scripts/fonts.sh [DIR]   DIR holds the .deb files already (optional;
#                                 otherwise they are fetched with apt-get download)
set -euo pipefail

readonly ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly DEST="$ROOT/internal/document/render/fonts"
readonly PKGS=(fonts-arphic-gbsn00lp fonts-droid-fallback)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ $# -ge 1 ]; then
  for p in "${PKGS[@]}"; do cp "$1"/"$p"_*.deb "$work"/; done
else
  (cd "$work" && apt-get download "${PKGS[@]}")
fi
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/x"; done

x="$work/x/usr/share"
mkdir -p "$DEST"
cp "$x/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf" "$DEST/gbsn00lp.ttf"
cp "$x/fonts/truetype/droid/DroidSansFallbackFull.ttf" "$DEST/DroidSansFallbackFull.ttf"
# Licences: the Arphic Public License (English and Chinese text, as shipped)
# and the Apache License 2.0 with Debian's copyright notice for Droid.
zcat "$x/doc/fonts-arphic-gbsn00lp/license/english/ARPHICPL.TXT.gz" >"$DEST/LICENSE-ARPHICPL.txt"
iconv -f GB2312 -t UTF-8 "$x/doc/fonts-arphic-gbsn00lp/license/gb/ARPHICPL.TXT" >"$DEST/LICENSE-ARPHICPL-zh.txt"
cp "$x/doc/fonts-arphic-gbsn00lp/copyright" "$DEST/COPYRIGHT-gbsn00lp.txt"
cp "$x/doc/fonts-droid-fallback/copyright" "$DEST/COPYRIGHT-droid-fallback.txt"
if [ -f /usr/share/common-licenses/Apache-2.0 ]; then
  cp /usr/share/common-licenses/Apache-2.0 "$DEST/LICENSE-Apache-2.0.txt"
fi

cd "$DEST"
if [ -f SHA256SUMS ]; then
  sha256sum -c SHA256SUMS
else
  sha256sum gbsn00lp.ttf DroidSansFallbackFull.ttf >SHA256SUMS
  echo "wrote $DEST/SHA256SUMS"
fi
