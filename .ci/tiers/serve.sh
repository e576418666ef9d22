#!/usr/bin/env bash
# CI tier: powergames.serve (the [serve] extra) in its own venv: a real server on loopback, real
# HTTP/WebSocket clients, Node for the docs' JavaScript client, and Debian's chromium driven by
# selenium for the page. POWERGAMES_SERVE_CI=1 turns the tests' "not installed" skips into failures.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  echo "== apt-get install chromium chromium-driver"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq chromium chromium-driver
fi
command -v node >/dev/null || { echo "node is needed for the JavaScript client test" >&2; exit 1; }

echo "== serve tier: fresh venv .venv-serve"
python3 -m venv .venv-serve
. .venv-serve/bin/activate
pip install -q torch==2.13.0
pip install -q ".[serve,dev]"
POWERGAMES_SERVE_CI=1 pytest -q -p no:cacheprovider tests/serve
