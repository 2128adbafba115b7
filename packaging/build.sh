#!/usr/bin/env bash
# Build the PyInstaller app into packaging/dist/photoclip and run its headless self-test:
# index a few freshly drawn photos with the bundled-free test model, search them, list failures, exit 0.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
py="${PYTHON:-$root/.venv/bin/python}"
"$py" -m pip install -q -e "$root[build]"
cd "$here"
"$py" -m PyInstaller --noconfirm --clean --distpath "$here/dist" --workpath "$here/build" photoclip.spec
app="$here/dist/photoclip/photoclip"
tmp="$(mktemp -d)"
"$py" - "$tmp/photos" <<'PY'
import sys
sys.path.insert(0, "../tools")
import toyworld
from pathlib import Path
out = Path(sys.argv[1]); out.mkdir(parents=True)
for i, (img, pic) in enumerate(toyworld.draw_set(2024, 12, scenes=["receipt", "beach", "night"])):
    img.save(out / f"{i:02d}_{pic.scene}.jpg")
PY
export QT_QPA_PLATFORM=offscreen
"$app" --version
"$app" --home "$tmp/home" --model "local-dir:$root/photoclip/data/toyclip" index "$tmp/photos" --json
"$app" --home "$tmp/home" --model "local-dir:$root/photoclip/data/toyclip" search "a receipt" --limit 4 --json \
  | "$py" -c 'import json,sys; r=json.load(sys.stdin)["results"]; assert all("receipt" in x["path"] for x in r), r; print("self-test passed:", len(r), "receipts found")'
"$app" --home "$tmp/home" --model "local-dir:$root/photoclip/data/toyclip" gui --query "a receipt" --screenshot "$tmp/shot.png"
test -s "$tmp/shot.png" && echo "frozen GUI screenshot: $tmp/shot.png"
