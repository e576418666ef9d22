#!/usr/bin/env bash
# Static checks, as CI runs them: ruff (lint and format), mypy on the package, the import-layer
# contract (import-linter). Run from anywhere inside the repository, in a venv with ".[dev]".
#
# The folders games/ theory/ ... are installed as powergames.games, powergames.theory, ...; the type
# checker and the import linter need that package tree, so it is built here from symlinks.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir "$tree/powergames"
for pkg in $(python - <<'PY'
import tomllib
cfg = tomllib.load(open("pyproject.toml", "rb"))
print(" ".join(p.split(".")[1] for p in cfg["tool"]["setuptools"]["packages"] if p.count(".") == 1))
PY
); do
    ln -s "$root/$pkg" "$tree/powergames/$pkg"
done

echo "== ruff check"; ruff check .
echo "== ruff format --check"; ruff format --check .
echo "== mypy"
(cd "$tree" && MYPYPATH="$tree" mypy --config-file "$root/pyproject.toml" --cache-dir "$root/.mypy_cache" -p powergames)
echo "== import-linter"
(cd "$root" && PYTHONPATH="$tree" lint-imports --no-cache)
