#!/usr/bin/env bash
# Installs the Debian packages Médianum needs beside its Python packages: the shared libraries
# Qt (PySide6 wheels) and its web engine load, and for the test suite poppler (pdftoppm/pdftotext),
# Chromium and Xvfb (the maps' tests run the real web engine on a private X server).
# Does nothing when they are all present; uses sudo when not run as root.
set -euo pipefail
runtime=(libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6 libdbus-1-3
  libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0
  libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xkb1 libnss3 libxcomposite1 libxdamage1
  libxrandr2 libxtst6 libxkbfile1 libasound2 libgbm1 libxcb-dri3-0 fonts-dejavu-core)
testing=(poppler-utils chromium xvfb)
wanted=("${runtime[@]}")
[ "${1:-}" = "--with-tests" ] && wanted+=("${testing[@]}")
command -v dpkg-query >/dev/null || { echo "Pas de dpkg : installez vous-même les bibliothèques de Qt."; exit 0; }
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Paquets Debian manquants : ${missing[*]}"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
