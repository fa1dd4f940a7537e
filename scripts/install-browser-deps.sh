#!/usr/bin/env bash
# Debian's Chromium and ChromeDriver for the browser tests (no browser download at run time).
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "error: chromium and chromium-driver are missing; install them with" >&2
  echo "  sudo apt-get update && sudo apt-get install -y chromium chromium-driver" >&2
  exit 1
fi
echo "[setup] installing Debian's chromium and chromium-driver for the browser tests"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
