#!/bin/sh
# Build dist/Cuecards-<version>.dmg on a Mac: the PyInstaller .app (installer/cuecards.spec's
# BUNDLE step) beside an /Applications link, so a person drags it across.
#   sh installer/macos/make-dmg.sh
# Optional: CODESIGN_IDENTITY="Developer ID Application: …" signs the app (hardened runtime)
# and the image; NOTARY_PROFILE=<notarytool keychain profile> notarises and staples it.
# Not run in CI (hdiutil and codesign exist only on macOS).
set -eu
cd "$(dirname "$0")/../.."
[ "$(uname -s)" = Darwin ] || { echo "make-dmg: hdiutil needs macOS" >&2; exit 2; }
PYTHON="${PYTHON:-.venv/bin/python}"
VERSION="$("$PYTHON" -c 'import app; print(app.__version__)')"
"$PYTHON" installer/build.py --bundle-only
APP="dist/Cuecards.app"
[ -d "$APP" ] || { echo "make-dmg: $APP was not built" >&2; exit 1; }
if [ -n "${CODESIGN_IDENTITY:-}" ]; then
  codesign --force --deep --options runtime --timestamp --sign "$CODESIGN_IDENTITY" "$APP"
fi
STAGE="build/dmg"
rm -rf "$STAGE"
mkdir -p "$STAGE"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
DMG="dist/Cuecards-$VERSION.dmg"
rm -f "$DMG"
hdiutil create -volname "Cuecards $VERSION" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$DMG"
if [ -n "${CODESIGN_IDENTITY:-}" ]; then
  codesign --force --timestamp --sign "$CODESIGN_IDENTITY" "$DMG"
fi
if [ -n "${NOTARY_PROFILE:-}" ]; then
  xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
  xcrun stapler staple "$DMG"
fi
echo "$DMG"
