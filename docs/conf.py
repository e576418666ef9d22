"""Sphinx configuration of the powergames documentation site.

Build it with ``sphinx-build -W docs docs/_build/html`` (warnings are errors). The API reference
under ``api/`` is generated from each package's ``__all__`` (``_ext/apigen.py``) and the worked
examples in ``examples/`` are executed by sphinx-gallery into ``gallery/``; both are written at
build time and not kept in the repository.
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import version as _version
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
os.environ.setdefault("MPLBACKEND", "Agg")

project = "powergames"
author = "the powergames contributors"
copyright = "the powergames contributors"  # noqa: A001 — Sphinx reads this name
release = _version("powergames")
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    "sphinx-mathjax-offline",  # MathJax 3 copied into the site: no network
    "apigen",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = [
    "_build",
    "examples/README.rst",
    "**/GALLERY_HEADER.rst",
    "gallery/*.ipynb",
    "gallery/*.py",
    "gallery/*.zip",
    "gallery/*.json",
    "gallery/*.md5",
]
templates_path: list[str] = []

# MyST: $...$ and $$...$$ maths (with (label) equation numbers), ::: fences, {eq} references.
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_dmath_double_inline = True
myst_heading_anchors = 3
math_numfig = True
math_eqref_format = "({number})"
numfig = False

# No network: no intersphinx; MathJax is served from the site itself (sphinx-mathjax-offline).

# autodoc + napoleon for the Google-style docstrings.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_attr_annotations = True
autodoc_typehints = "signature"
autodoc_member_order = "bysource"
autodoc_class_signature = "separated"
autodoc_preserve_defaults = True
autodoc_default_options = {"exclude-members": "__init__, __new__, model_config, model_fields"}
add_module_names = False
python_display_short_literal_types = True

# The worked examples: every script in examples/ runs when the docs build.
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "gallery",
    "filename_pattern": r".*\.py$",
    "ignore_pattern": r"__init__\.py|_helpers\.py",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "show_memory": False,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "reset_modules": ("matplotlib",),
    "first_notebook_cell": None,
    "plot_gallery": "True",
}

html_theme = "furo"
html_title = f"powergames {release}"
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"
html_show_sourcelink = False
html_theme_options = {
    "source_repository": "",
    "navigation_with_keys": True,
}
