#!/usr/bin/env bash
# Installs the Debian packages sohoa needs, idempotently. (fonts-liberation2 is a run
# dependency: the visible signature stamp embeds Liberation Serif.)
#   scripts/install-deps.sh run    what `sohoa digitize` needs (Tesseract + Vietnamese model)
#   scripts/install-deps.sh test   plus the test oracles (poppler-utils, qpdf, …) and fixture fonts
#   scripts/install-deps.sh bench  plus what `make bench` compares with and measures by (ocrmypdf, GNU time)
# Nothing is downloaded but Debian packages; packages already present are left alone.
set -euo pipefail

run_pkgs=(tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng tesseract-ocr-osd libtesseract-dev libleptonica-dev pkg-config gcc fonts-liberation2)
test_pkgs=(poppler-utils qpdf fonts-liberation2 fonts-dejavu-core softhsm2 python3-venv libxml2-utils)

bench_pkgs=(ocrmypdf time)

want=("${run_pkgs[@]}")
case "${1:-run}" in
  run) ;;
  test) want+=("${test_pkgs[@]}") ;;
  bench) want+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "usage: $0 run|test|bench" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing Debian packages: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
