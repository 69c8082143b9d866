#!/usr/bin/env bash
# Install what a fresh Debian machine lacks, then the Python packages into .venv.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
# Fonts: Noto CJK (the faces used), AR PL UMing and WenQuanYi Zen Hei (the fallbacks, which the tests
# load), fontconfig (fc-list finds faces away from the known paths). poppler-utils, qpdf and
# ghostscript read the PDFs back; libgs-common holds the ICC profiles (default_cmyk.icc); zbar-tools
# (zbarimg) reads the cover's ISBN barcode back in the tests.
for pkg in fonts-noto-cjk fonts-arphic-uming fonts-wqy-zenhei fontconfig poppler-utils qpdf ghostscript \
           libgs-common zbar-tools "$@"; do
  have_pkg "$pkg" || need_apt+=("$pkg")
done
if ((${#need_apt[@]})); then
  echo "==> installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed" >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.huace-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "==> installing Python packages"
  log=.venv/install.log
  { .venv/bin/python -m pip install -q --upgrade pip && .venv/bin/python -m pip install -q -e '.[test,postgres]'; } \
    >"$log" 2>&1 || { cat "$log" >&2; echo "pip install failed (log above)" >&2; exit 1; }
  touch "$stamp"
fi
