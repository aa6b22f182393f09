#!/usr/bin/env bash
# Builds the one-folder bundle (PyInstaller) and the Debian package dist/medianum_VERSION_ARCH.deb.
#
# Run from anywhere; needs the project's virtualenv (`make` creates it, with PyInstaller from
# requirements-dev.txt) and dpkg-deb. The package installs the bundle in /opt/medianum, a
# /usr/bin/medianum launcher, a desktop entry and an icon. Data never lives in /opt: each user's
# database stays in ~/.local/share/Medianum (or MEDIANUM_HOME), untouched by upgrades and removal.
#
# MEDIANUM_DEB_COMPRESSION (default « gzip -z1 »: quick for CI) may be set to « xz -z6 »
# for a smaller file to distribute.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
VERSION="$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
ARCH="$(dpkg --print-architecture)"
BUILD="$ROOT/build/installer"
DIST="$ROOT/dist"
PKG="$BUILD/deb/medianum_${VERSION}_${ARCH}"
read -r -a COMPRESSION <<<"${MEDIANUM_DEB_COMPRESSION:-gzip -z1}"

step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS"; }

step "Catalogues de traduction"
for po in resources/locale/*/LC_MESSAGES/medianum.po; do
  lang="$(basename "$(dirname "$(dirname "$po")")")"
  "$ROOT/.venv/bin/pybabel" compile --use-fuzzy -D medianum -i "$po" -o "${po%.po}.mo" -l "$lang"
done

step "Bundle PyInstaller"
"$PY" -m PyInstaller --noconfirm --log-level WARN \
  --workpath "$BUILD/pyinstaller" --distpath "$BUILD/bundle" installer/medianum.spec
BUNDLE="$BUILD/bundle/medianum"
[ -x "$BUNDLE/medianum" ] || { echo "Le bundle n'a pas été produit." >&2; exit 1; }

step "Dépendances des bibliothèques du bundle"
# The spec leaves out unused Qt modules: no kept library may need one of them (nor anything the
# system lacks). ldd resolves as the program does: bundle folders first, then the system.
missing="$(
  export LD_LIBRARY_PATH="$BUNDLE/_internal/PySide6/Qt/lib:$BUNDLE/_internal"
  find "$BUNDLE" -type f \( -name '*.so*' -o -name QtWebEngineProcess -o -name medianum \) \
    -exec sh -c 'ldd "$1" 2>/dev/null | grep "not found" | sed "s|^|$1: |"' _ {} \;
)"
if [ -n "$missing" ]; then
  echo "Bibliothèques introuvables :" >&2
  echo "$missing" >&2
  exit 1
fi

step "Paquet Debian"
rm -rf "$PKG"
mkdir -p "$PKG/DEBIAN" "$PKG/opt" "$PKG/usr/bin" "$PKG/usr/share/applications" \
  "$PKG/usr/share/icons/hicolor/scalable/apps" "$PKG/usr/share/doc/medianum"
cp -a "$BUNDLE" "$PKG/opt/medianum"
cat >"$PKG/usr/bin/medianum" <<'EOF'
#!/bin/sh
exec /opt/medianum/medianum "$@"
EOF
chmod 0755 "$PKG/usr/bin/medianum"
install -m 0644 installer/medianum.desktop "$PKG/usr/share/applications/medianum.desktop"
install -m 0644 resources/icons/medianum.svg \
  "$PKG/usr/share/icons/hicolor/scalable/apps/medianum.svg"
cat >"$PKG/usr/share/doc/medianum/copyright" <<'EOF'
Médianum, with the Python runtime and the libraries listed in requirements.txt (each under
its own licence, included in /opt/medianum/_internal where the library ships it).
EOF
SIZE_KB="$(du -sk --exclude=DEBIAN "$PKG" | cut -f1)"
# The libraries the Qt wheels load from the system (installer/system-deps.sh, « runtime »).
DEPENDS="libc6, libegl1, libgl1, libxkbcommon0, libxkbcommon-x11-0, libfontconfig1, libfreetype6,
 libdbus-1-3, libglib2.0-0, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-shape0,
 libxcb-xinerama0, libxcb-randr0, libxcb-render-util0, libxcb-image0, libxcb-xkb1, libnss3,
 libxcomposite1, libxdamage1, libxrandr2, libxtst6, libxkbfile1, libasound2 | libasound2t64,
 fonts-dejavu-core"
cat >"$PKG/DEBIAN/control" <<EOF
Package: medianum
Version: $VERSION
Section: misc
Priority: optional
Architecture: $ARCH
Maintainer: Médianum <medianum@localhost>
Installed-Size: $SIZE_KB
Depends: $(echo "$DEPENDS" | tr -d '\n')
Description: outil des guichets de l'inclusion numérique
 Accompagnements, mandats, Pass numérique, lieux de médiation numérique et
 indicateurs de fragilité, pour les structures d'un territoire.
EOF
cat >"$PKG/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = "configure" ]; then
  command -v update-desktop-database >/dev/null && update-desktop-database -q || true
  command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q /usr/share/icons/hicolor || true
fi
exit 0
EOF
chmod 0755 "$PKG/DEBIAN/postinst"
mkdir -p "$DIST"
rm -f "$DIST"/medianum_*.deb
dpkg-deb --root-owner-group "-Z${COMPRESSION[0]}" "${COMPRESSION[@]:1}" --build "$PKG" \
  "$DIST/medianum_${VERSION}_${ARCH}.deb"

step "Terminé"
echo "Bundle : $(du -sh "$BUNDLE" | cut -f1) ; paquet : $(du -h "$DIST"/medianum_*.deb | cut -f1)"
ls "$DIST"/medianum_*.deb
