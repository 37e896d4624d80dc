#!/bin/sh
# Installs the Debian packages the tests need when any is missing (CI is a clean machine, as root).
# binutils gives `strip`, which keeps the PyInstaller bundle of `make dist` small.
# postgresql is the real database the collector's tests start; wrk loads it in `make bench`.
# The real Wayland tiers (tests/e2e/test_wayland_*.py): sway + foot + grim (sway 1.7),
# kwin-wayland + qdbus-qt5 (KWin 5.27; qdbus to poke it by hand), gnome-shell (43);
# util-linux gives unshare and runuser.
set -eu
PKGS="xvfb openbox trayer xdotool x11-utils wmctrl xterm imagemagick \
libxcb-cursor0 libegl1 libgl1 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 \
libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libdbus-1-3 fonts-dejavu-core \
dbus dbus-x11 gnome-keyring desktop-file-utils nodejs binutils postgresql wrk \
sway foot grim kwin-wayland qdbus-qt5 gnome-shell gnome-shell-common util-linux"

command -v dpkg-query >/dev/null 2>&1 || { echo "system-deps: not a Debian system; install the equivalents of: $PKGS" >&2; exit 0; }
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "system-deps: installing$missing"
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "system-deps: need root to install:$missing" >&2; exit 1; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
