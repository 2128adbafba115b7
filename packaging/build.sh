#!/usr/bin/env bash
# Build the PyInstaller app into packaging/dist/photoclip, then run the frozen app's own self-test
# (photoclip --self-test: the bundled small model, drawn pictures, index, search, album, window offscreen).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
py="${PYTHON:-$root/.venv/bin/python}"
"$py" -m pip install -q -e "$root[build]"
cd "$here"
"$py" -m PyInstaller --noconfirm --clean --distpath "$here/dist" --workpath "$here/build" photoclip.spec
app="$here/dist/photoclip/photoclip"
"$app" --version
# From outside the checkout, with no Python environment: the frozen app needs nothing of the source tree.
(cd / && env -i HOME="$(mktemp -d)" PATH=/usr/bin:/bin "$app" --self-test)
