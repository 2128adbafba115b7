#!/usr/bin/env bash
# Install the .deb on this machine, check the installed app from outside any checkout and without a Python
# environment (self-test, then a GUI screenshot under Xvfb), and remove it cleanly.  Needs root (or sudo).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
deb="$(ls "$here"/out/photoclip_*_amd64.deb | head -1)"
sudo_="$( [ "$(id -u)" = 0 ] && echo "" || echo sudo )"
$sudo_ apt-get install -y -q "$deb" >/dev/null          # resolves the Qt libraries it depends on
test -x /usr/bin/photoclip && test -f /usr/share/applications/photoclip.desktop
work="$(mktemp -d)"
cd /
# The self-test, with nothing but the installed files: no PATH entries of a venv, no PYTHONPATH.
env -i HOME="$work" PATH=/usr/bin:/bin photoclip --self-test -v 2> "$work/kept.txt"
kept="$(sed -n 's/.*files kept in //p' "$work/kept.txt")"
# The window on a real (virtual) X display, over the library the self-test left.
env -i HOME="$work" PATH=/usr/bin:/bin xvfb-run -a -s "-screen 0 1280x860x24" \
    photoclip --home "$kept/home" gui --query "the night sky" --screenshot "$work/installed.png"
test -s "$work/installed.png" && echo "installed app's screenshot: $work/installed.png"
$sudo_ apt-get remove -y -q photoclip >/dev/null
test ! -e /opt/photoclip && test ! -e /usr/bin/photoclip && test ! -e /usr/share/applications/photoclip.desktop
echo "install test passed: installed, self-tested, screenshotted under Xvfb, removed cleanly"
