#!/usr/bin/env bash
# macOS: packaging/dist/photoclip.app (from build.py) -> packaging/out/photoclip-VERSION-macos-ARCH.dmg, the
# usual disk image with the app beside a link to /Applications (drag to install).  Then the image is checked
# the way a user meets it: mounted read-only, the app inside it runs its self-test from / with an empty
# environment, which also proves it writes nothing next to its own files.
#
# Signing: PyInstaller signs the bundle ad hoc, which Apple silicon requires to run it at all.  Without a
# Developer ID the first start needs right-click > Open (Gatekeeper); packaging/README.md has the signing and
# notarisation commands for a release.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
app="$here/dist/photoclip.app"
test -d "$app" || { echo "run packaging/build.py first" >&2; exit 1; }
version="$("$app/Contents/MacOS/photoclip" --version | awk '{print $2}')"
out="$here/out"
mkdir -p "$out"
dmg="$out/photoclip-$version-macos-$(uname -m).dmg"

codesign --verify --deep --strict "$app"
stage="$(mktemp -d)"
ditto "$app" "$stage/photoclip.app"          # ditto keeps the signature and extended attributes intact
ln -s /Applications "$stage/Applications"
rm -f "$dmg"
hdiutil create -volname "photoclip $version" -srcfolder "$stage" -fs HFS+ -format ULFO -ov "$dmg" >/dev/null
rm -rf "$stage"

mnt="$(mktemp -d)"
hdiutil attach -readonly -nobrowse -mountpoint "$mnt" "$dmg" >/dev/null
trap 'hdiutil detach "$mnt" >/dev/null 2>&1 || true' EXIT
(cd / && env -i HOME="$(mktemp -d)" PATH=/usr/bin:/bin "$mnt/photoclip.app/Contents/MacOS/photoclip" --self-test)
ls -l "$dmg"
