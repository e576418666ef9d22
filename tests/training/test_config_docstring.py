"""The example in :mod:`powergames.training.config`'s docstring is a valid experiment file."""

from __future__ import annotations

import re
from pathlib import Path

from powergames.training import config
from powergames.training.build import load_suite


def test_the_module_docstring_example_loads(tmp_path: Path) -> None:
    doc = config.__doc__ or ""
    block = re.search(r"\.\. code-block:: yaml\n\n((?:    .*\n|\n)+)", doc)
    assert block is not None
    text = "\n".join(line[4:] for line in block.group(1).splitlines())
    path = tmp_path / "example.yaml"
    path.write_text(text)
    suite = load_suite(path)  # names (env id, kinds, params) and schema both checked
    assert [e.name for e in suite.experiments] == ["exploit"]
    assert suite.experiments[0].env.id == "powergames/symmetric-unit-sum-v0"
