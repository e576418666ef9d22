"""The doctested examples of the maths packages, run module by module.

Every module of the packages below is imported by its installed name (``powergames.<pkg>.<mod>``)
and its docstring examples run with :func:`doctest.testmod`. Collecting the folders by path
(``pytest --doctest-modules``) would import second copies of the modules, so it is not used.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

#: Packages whose docstring examples are run.
PACKAGES = ["powergames.games", "powergames.theory"]


def _modules() -> list[str]:
    names = []
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        names.append(package_name)
        for info in pkgutil.walk_packages(package.__path__, prefix=package_name + "."):
            names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("module_name", _modules())
def test_doctests(module_name):
    module = importlib.import_module(module_name)
    result = doctest.testmod(
        module,
        extraglobs={"np": np},
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        verbose=False,
    )
    assert result.failed == 0, (
        f"{result.failed} of {result.attempted} examples failed in {module_name}"
    )


def test_every_package_has_examples():
    attempted = {p: 0 for p in PACKAGES}
    for name in _modules():
        module = importlib.import_module(name)
        finder = doctest.DocTestFinder()
        n = sum(len(t.examples) for t in finder.find(module))
        for p in PACKAGES:
            if name == p or name.startswith(p + "."):
                attempted[p] += n
    assert all(n > 0 for n in attempted.values()), attempted
