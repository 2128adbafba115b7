#!/usr/bin/env bash
# Linux and macOS shorthand for build.py with the checkout's virtual environment (or $PYTHON):
#   bash packaging/build.sh [--no-package] [--torch-index URL]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec "${PYTHON:-$here/../.venv/bin/python}" "$here/build.py" "$@"
