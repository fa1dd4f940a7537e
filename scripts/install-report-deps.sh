#!/usr/bin/env bash
# Debian's Graphviz (the `dot` layout program that draws the evidence graph of a case report),
# and Pango with the DejaVu fonts (WeasyPrint renders the report's PDF through them).
set -euo pipefail
have_pango() { ldconfig -p | grep -q 'libpangoft2-1.0.so.0'; }
if command -v dot >/dev/null && have_pango && [ -d /usr/share/fonts/truetype/dejavu ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "error: Graphviz, Pango or the DejaVu fonts are missing; install them with" >&2
  echo "  sudo apt-get update && sudo apt-get install -y graphviz libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core" >&2
  exit 1
fi
echo "[setup] installing Debian's graphviz, pango and fonts for the case reports"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz libpango-1.0-0 \
  libpangoft2-1.0-0 fonts-dejavu-core >/dev/null
