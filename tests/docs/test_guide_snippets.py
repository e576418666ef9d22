"""Every Python block of the user guide and the home page runs against the installed library.

The guide's snippets are documentation, not illustrations: each ```python block is executed (the
blocks of one page in order, sharing one namespace, as a reader would type them). Run from a
scratch directory that sees the repository's ``configs/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGES = sorted((REPO / "docs" / "guide").glob("*.md")) + [REPO / "docs" / "index.md"]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)


def blocks(page: Path) -> list[str]:
    return BLOCK.findall(page.read_text(encoding="utf-8"))


def test_the_guide_has_code() -> None:
    assert sum(len(blocks(p)) for p in PAGES) >= 10


@pytest.mark.slow
@pytest.mark.parametrize("page", [p for p in PAGES if blocks(p)], ids=lambda p: p.stem)
def test_guide_page_code_runs(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "configs").symlink_to(REPO / "configs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict[str, object] = {"__name__": f"guide_{page.stem}"}
    for i, code in enumerate(blocks(page)):
        try:
            exec(compile(code, f"{page.name}[block {i}]", "exec"), namespace)  # noqa: S102
        except Exception as exc:  # noqa: BLE001 — name the page and block that went stale
            raise AssertionError(f"{page.name}, python block {i} fails: {exc!r}") from exc
