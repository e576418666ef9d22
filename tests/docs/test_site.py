"""The built documentation site: a page for every public name, and pages that render in Chromium.

These tests read a site built by ``sphinx-build -W docs docs/_build/html`` (``.ci/tiers/docs.sh``
builds it first); set ``POWERGAMES_DOCS_HTML`` to test a site elsewhere. Without a built site (or
without Chromium, for the browser test) they skip.
"""

from __future__ import annotations

import functools
import html
import http.server
import importlib
import importlib.util
import os
import pkgutil
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chromium import Browser, chromium_binary  # noqa: E402  (the helper beside this file)

REPO = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("POWERGAMES_DOCS_HTML", REPO / "docs" / "_build" / "html"))

needs_site = pytest.mark.skipif(
    not (SITE / "index.html").is_file(), reason=f"no built site at {SITE} (run .ci/tiers/docs.sh)"
)


def powergames_packages() -> list[str]:
    """Every installed ``powergames`` package and subpackage, found independently of the docs."""
    import powergames

    tops = {m.name for m in pkgutil.iter_modules(powergames.__path__, "powergames.") if m.ispkg}
    if not tops:  # an editable install's finder hides the folders from iter_modules
        import tomllib

        cfg = tomllib.loads((REPO / "pyproject.toml").read_text())
        for name in cfg["tool"]["setuptools"]["packages"]:
            if name.count(".") == 1 and importlib.util.find_spec(name) is not None:
                tops.add(name)
    out = set()
    for top in tops:
        out.add(top)
        mod = importlib.import_module(top)
        out.update(m.name for m in pkgutil.walk_packages(mod.__path__, top + ".") if m.ispkg)
    return sorted(out)


def public_names() -> list[tuple[str, str]]:
    return [
        (pkg, name)
        for pkg in powergames_packages()
        for name in getattr(importlib.import_module(pkg), "__all__", ())
    ]


def module_only_names() -> list[tuple[str, str]]:
    """Names in a module's own ``__all__`` that no package's ``__all__`` exports."""
    exported = {id(getattr(importlib.import_module(p), n)) for p, n in public_names()}
    out = []
    for pkg in powergames_packages():
        mod = importlib.import_module(pkg)
        for m in pkgutil.iter_modules(mod.__path__, pkg + "."):
            if m.ispkg or m.name.rsplit(".", 1)[1].startswith("_"):
                continue
            try:
                sub = importlib.import_module(m.name)
            except ImportError:  # a module of an optional extra the docs are built without
                continue
            for name in getattr(sub, "__all__", ()):
                obj = getattr(sub, name)
                if id(obj) not in exported:
                    exported.add(id(obj))
                    out.append((m.name, name))
    return out


def test_the_packages_are_found() -> None:
    pkgs = powergames_packages()
    for expected in (
        "powergames.games",
        "powergames.theory",
        "powergames.envs",
        "powergames.agents",
    ):
        assert expected in pkgs
    assert len(public_names()) > 100


@needs_site
@pytest.mark.parametrize(("package", "name"), public_names() + module_only_names())
def test_every_public_name_has_a_page(package: str, name: str) -> None:
    page = SITE / "api" / package / f"{name}.html"
    assert page.is_file(), f"{package}.{name} is in __all__ but has no page ({page})"
    text = page.read_text(encoding="utf-8")
    assert f"from {package} import {name}" in html.unescape(re.sub(r"<[^>]+>", "", text))
    # The page describes the object (an anchor named after it) or links to where it is described.
    anchor = re.search(rf'id="powergames\.[\w.]*\b{re.escape(name)}"', text)
    assert anchor or "where it is described" in text, f"{package}.{name}: no description on {page}"


@needs_site
def test_every_package_has_an_index_and_the_cli_page_lists_every_command() -> None:
    for pkg in powergames_packages():
        assert (SITE / "api" / pkg / "index.html").is_file(), pkg
    from powergames.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    cli_page = (SITE / "api" / "cli.html").read_text(encoding="utf-8")
    for command in commands.choices:
        assert f"powergames {command}" in cli_page, command


@needs_site
def test_every_example_ran_and_drew_its_figures() -> None:
    examples = sorted((REPO / "docs" / "examples").glob("plot_*.py"))
    assert examples
    for ex in examples:
        page = SITE / "gallery" / f"{ex.stem}.html"
        assert page.is_file(), ex.name
        source = ex.read_text(encoding="utf-8")
        if "plt.subplots" in source or "plt.figure" in source:
            images = list((SITE / "_images").glob(f"sphx_glr_{ex.stem}_*.png"))
            assert images, f"{ex.name} draws a figure but the site has none"


@pytest.fixture(scope="module")
def site_url() -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 — the base's name
            pass

    handler = functools.partial(Quiet, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


PAGES = {
    # page: probes that must be truthy once it has rendered (JavaScript expressions)
    "index.html": {"title": "document.title.includes('powergames')"},
    "MATH.html": {
        "equations typeset": "document.querySelectorAll('mjx-container').length > 5",
        "no TeX errors": "document.querySelectorAll('mjx-merror, [data-mjx-error]').length === 0",
    },
    "guide/power.html": {"title": "document.title.includes('POWER')"},
    "api/powergames.theory/power.html": {
        "function described": "document.querySelector('dl.py.function dt#powergames\\\\.theory\\\\.power') !== null",
    },
}


@needs_site
@pytest.mark.skipif(
    chromium_binary() is None, reason="no chromium on PATH (apt-get install chromium)"
)
def test_pages_render_in_chromium_without_console_errors(site_url: str) -> None:
    with Browser(chromium_binary()) as browser:  # type: ignore[arg-type]
        for page, probes in PAGES.items():
            report = browser.open(f"{site_url}/{page}", probes)
            assert report.errors == [], f"{page}: {report.errors}"
            for name, value in report.probes.items():
                assert value is True, f"{page}: probe {name!r} gave {value!r}"
