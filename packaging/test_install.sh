#!/usr/bin/env bash
# Check the Linux packages the way a user meets them.  Needs root (or sudo) for the .deb.
#   .deb:    apt-get install; the self-test from / with an empty environment (no venv, no PYTHONPATH); the
#            window on a real X display (Xvfb) with a screenshot; nothing written inside /opt/photoclip; then
#            apt-get remove, and nothing left behind.
#   .tar.gz: unpack, ./install.sh for a user (menu entry, ~/.local/bin/photoclip), run it, ./uninstall.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
deb="$(find "$here/out" -maxdepth 1 -name 'photoclip_*_amd64.deb' | head -1)"
tarball="$(find "$here/out" -maxdepth 1 -name 'photoclip-*-linux-x86_64.tar.gz' | head -1)"
test -n "$deb" && test -n "$tarball" || { echo "run packaging/build.py first" >&2; exit 1; }
sudo_="$( [ "$(id -u)" = 0 ] && echo "" || echo sudo )"
work="$(mktemp -d)"

# -- .deb ---------------------------------------------------------------------------------------------
$sudo_ apt-get install -y -q "$deb" >/dev/null          # resolves the Qt libraries it depends on
test -x /usr/bin/photoclip && test -f /usr/share/applications/photoclip.desktop
touch "$work/installed"
cd /
env -i HOME="$work" PATH=/usr/bin:/bin photoclip --self-test -v 2> "$work/kept.txt"
kept="$(sed -n 's/.*files kept in //p' "$work/kept.txt")"
# The window on a real (virtual) X display, over the library the self-test left.
env -i HOME="$work" PATH=/usr/bin:/bin xvfb-run -a -s "-screen 0 1280x860x24" \
    photoclip --home "$kept/home" gui --query "the night sky" --screenshot "$here/out/installed-app.png"
test -s "$here/out/installed-app.png" && echo "installed app's screenshot: $here/out/installed-app.png"
wrote="$(find /opt/photoclip -newer "$work/installed" | head -5)"
test -z "$wrote" || { echo "the installed app wrote inside /opt/photoclip: $wrote" >&2; exit 1; }
$sudo_ apt-get remove -y -q photoclip >/dev/null
test ! -e /opt/photoclip && test ! -e /usr/bin/photoclip && test ! -e /usr/share/applications/photoclip.desktop
echo ".deb: installed, self-tested, screenshotted under Xvfb, wrote nothing in /opt/photoclip, removed cleanly"

# -- portable .tar.gz -----------------------------------------------------------------------------------
user="$work/user" && mkdir -p "$user"
tar -C "$work" -xzf "$tarball"
folder="$(find "$work" -maxdepth 1 -type d -name 'photoclip-*' | head -1)"
HOME="$user" sh "$folder/install.sh" >/dev/null
test -x "$user/.local/bin/photoclip" && grep -q "^Exec=$folder/photoclip" "$user/.local/share/applications/photoclip.desktop"
env -i HOME="$user" PATH=/usr/bin:/bin "$user/.local/bin/photoclip" --version
HOME="$user" sh "$folder/uninstall.sh" >/dev/null
test ! -e "$user/.local/bin/photoclip" && test ! -e "$user/.local/share/applications/photoclip.desktop"
echo ".tar.gz: unpacked, menu entry and command installed for the user, ran, uninstalled"
rm -rf "$work" "$kept"
