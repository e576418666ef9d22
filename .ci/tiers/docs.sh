#!/usr/bin/env bash
# Tier: the documentation site. Builds docs/ with Sphinx, warnings as errors (every worked example
# runs during the build), then checks that every name in every powergames package's __all__ has a
# page and that pages render in headless Chromium without console errors (tests/docs).
set -euo pipefail
cd "$(dirname "$0")/../.."

python3 -m venv .venv-docs
. .venv-docs/bin/activate
pip install -q torch==2.13.0
pip install -q ".[docs]"

if ! command -v chromium >/dev/null 2>&1; then
    echo "== installing Debian's chromium for the browser test"
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "chromium is missing and this user cannot install it" >&2
        exit 1
    fi
fi

echo "== sphinx-build -W (examples execute)"
rm -rf docs/_build docs/api docs/gallery
start=$(date +%s)
sphinx-build -W --keep-going -b html docs docs/_build/html
echo "docs built in $(( $(date +%s) - start )) s"

echo "== site tests: every public name has a page; pages render in chromium"
POWERGAMES_DOCS_HTML="$PWD/docs/_build/html" pytest -q -p no:cacheprovider tests/docs
