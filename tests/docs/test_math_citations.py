"""Every equation and section of docs/MATH.md that the code cites exists there.

Docstrings cite the mathematics as "MATH.md (2.3)" (an equation) or "MATH.md §2" (a section); the
documentation site turns those citations into links. A renumbering that leaves a citation dangling
fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MATH = REPO / "docs" / "MATH.md"
PACKAGES = [p.parent for p in REPO.glob("*/__init__.py")]
EQUATION = re.compile(r"MATH\.md\s*\((\d+\.\d+)\)")
SECTION = re.compile(r"MATH\.md\s*§\s*(\d+)")


def cited() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    equations: dict[str, list[str]] = {}
    sections: dict[str, list[str]] = {}
    for pkg in PACKAGES:
        for path in sorted(pkg.rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            where = str(path.relative_to(REPO))
            for m in EQUATION.finditer(text):
                equations.setdefault(m.group(1), []).append(where)
            for m in SECTION.finditer(text):
                sections.setdefault(m.group(1), []).append(where)
    return equations, sections


def test_the_code_cites_the_mathematics() -> None:
    equations, sections = cited()
    assert len(equations) >= 20 and len(sections) >= 4


def test_every_cited_equation_is_numbered_in_math_md() -> None:
    tags = set(re.findall(r"\\tag\{([^}]+)\}", MATH.read_text(encoding="utf-8")))
    equations, _ = cited()
    missing = {n: files[:3] for n, files in equations.items() if n not in tags}
    assert not missing, f"cited but not numbered in docs/MATH.md: {missing}"


def test_every_cited_section_exists_in_math_md() -> None:
    heads = set(re.findall(r"^##\s+(\d+)\.", MATH.read_text(encoding="utf-8"), re.M))
    _, sections = cited()
    missing = {s: files[:3] for s, files in sections.items() if s not in heads}
    assert not missing, f"cited but not a section of docs/MATH.md: {missing}"


def test_equation_numbers_are_unique_and_in_order() -> None:
    tags = re.findall(r"\\tag\{(\d+)\.(\d+)\}", MATH.read_text(encoding="utf-8"))
    numbers = [(int(s), int(n)) for s, n in tags]
    assert len(numbers) == len(set(numbers)), "an equation number is used twice"
    assert numbers == sorted(numbers), "equation numbers out of order"
    for s in {s for s, _ in numbers}:
        within = [n for t, n in numbers if t == s]
        assert within == list(range(1, len(within) + 1)), f"§{s} numbers skip: {within}"
