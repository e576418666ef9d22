"""Write the API reference from each package's ``__all__`` when the docs build.

Every package of the installed ``powergames`` namespace (and every subpackage) that defines
``__all__`` gets ``api/<package>/index.rst`` (its docstring and a table of its names) and one page
per name, ``api/<package>/<name>.rst``. A name added to an ``__all__`` therefore gets a page with no
edit to the docs. An object exported by several packages is described once, on the page of the
package it is defined in (the others link to it), so Sphinx sees no duplicate descriptions.

The command-line reference (``api/cli.rst``) is written the same way, from the parser of every
discovered sub-command.
"""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = "powergames"


@dataclass(frozen=True)
class Entry:
    """One public name of one package."""

    package: str
    name: str
    kind: str  # "class", "function", "data" or "module"
    canonical: str  # the package whose page describes the object
    defined_in: str  # the module the object comes from ("" when unknown)


def top_packages() -> list[str]:
    """The installed ``powergames.*`` packages (``powergames`` is a namespace package)."""
    import powergames

    names = {m.name for m in pkgutil.iter_modules(powergames.__path__, ROOT + ".") if m.ispkg}
    # An editable install maps the folders with a finder that iter_modules cannot list; the
    # distribution's top-level packages are then read from its metadata.
    try:
        from importlib.metadata import distribution

        dist = distribution(ROOT)
        for f in dist.files or ():
            parts = Path(str(f)).parts
            if len(parts) >= 3 and parts[0] == ROOT and parts[2] == "__init__.py":
                names.add(f"{ROOT}.{parts[1]}")
    except Exception:  # noqa: BLE001 — metadata is only a second source of names
        pass
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    if pyproject.is_file():
        import tomllib

        cfg = tomllib.loads(pyproject.read_text())
        for name in cfg.get("tool", {}).get("setuptools", {}).get("packages", []):
            if name.count(".") == 1 and name.startswith(ROOT + "."):
                names.add(name)
    found = []
    for name in sorted(names):
        try:
            importlib.import_module(name)
        except ImportError:
            continue  # listed in pyproject.toml but not installed in this environment
        found.append(name)
    return found


def all_packages() -> list[str]:
    """Every package and subpackage under the top-level packages, sorted."""
    out: list[str] = []
    for top in top_packages():
        out.append(top)
        mod = importlib.import_module(top)
        for m in pkgutil.walk_packages(mod.__path__, top + "."):
            if m.ispkg:
                out.append(m.name)
    return sorted(set(out))


def extra_modules() -> list[str]:
    """Modules (not packages) that declare an ``__all__`` of their own, sorted."""
    out: list[str] = []
    for top in top_packages():
        mod = importlib.import_module(top)
        for m in pkgutil.walk_packages(mod.__path__, top + "."):
            leaf = m.name.rsplit(".", 1)[1]
            if m.ispkg or leaf.startswith("_"):
                continue  # packages are listed by all_packages; private and __main__ modules never
            try:
                mod_ = importlib.import_module(m.name)
            except ImportError as exc:  # a module of an optional extra that is not installed
                print(f"apigen: skipped {m.name} ({exc})", file=sys.stderr)
                continue
            if hasattr(mod_, "__all__"):
                out.append(m.name)
    return sorted(out)


def public_names(module: ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    return list(names) if names is not None else []


def _kind(obj: Any) -> str:
    if inspect.ismodule(obj):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if inspect.isroutine(obj):
        return "function"
    return "data"


def _defined_in(obj: Any) -> str:
    if inspect.ismodule(obj):
        return obj.__name__
    mod = getattr(obj, "__module__", None) if _kind(obj) in ("class", "function") else None
    return mod if isinstance(mod, str) else ""


def entries() -> list[Entry]:
    """Every (package, public name), with where the object's description lives."""
    raw: list[tuple[str, str, Any]] = []
    for pkg in all_packages():
        mod = importlib.import_module(pkg)
        for name in public_names(mod):
            raw.append((pkg, name, getattr(mod, name)))
    # The canonical package of an object: the exporting package that contains its module
    # (the deepest one), else the first exporter.
    exporters: dict[int, list[str]] = {}
    for pkg, _, obj in raw:
        exporters.setdefault(id(obj), []).append(pkg)
    out = []
    for pkg, name, obj in raw:
        kind = _kind(obj)
        where = _defined_in(obj)
        if kind == "data":
            canonical = pkg  # a constant is described where it is exported
        else:
            pkgs = exporters[id(obj)]
            owning = [p for p in pkgs if where == p or where.startswith(p + ".")]
            canonical = max(owning, key=len) if owning else pkgs[0]
        out.append(Entry(pkg, name, kind, canonical, where))
    # Names a module declares public that no package re-exports are documented at their module.
    exported = {id(obj) for _, _, obj in raw}
    for modname in extra_modules():
        mod = importlib.import_module(modname)
        for name in public_names(mod):
            obj = getattr(mod, name)
            if id(obj) in exported:
                continue
            exported.add(id(obj))
            out.append(Entry(modname, name, _kind(obj), modname, _defined_in(obj)))
    return out


def _title(text: str, char: str = "=") -> str:
    return f"{text}\n{char * len(text)}\n"


def _summary(obj: Any) -> str:
    doc = inspect.getdoc(obj) or ""
    line = doc.strip().split("\n\n")[0].replace("\n", " ").strip()
    return line.replace("|", "\\|")


def name_page(e: Entry) -> str:
    text = io.StringIO()
    text.write(_title(e.name))
    text.write(f"\n.. currentmodule:: {e.canonical}\n\n")
    import_line = f"from {e.package} import {e.name}"
    text.write(f"``{import_line}``")
    if e.defined_in and e.defined_in != e.package:
        text.write(f" — defined in ``{e.defined_in}``")
    text.write("\n\n")
    if e.canonical != e.package:
        target = f"{e.canonical}.{e.name}"
        role = {"class": "class", "function": "func", "module": "mod"}.get(e.kind, "data")
        text.write(
            f"Also exported by :mod:`{e.canonical}`, where it is described: :py:{role}:`{target}`.\n"
        )
        return text.getvalue()
    if e.kind == "class":
        text.write(
            f".. autoclass:: {e.name}\n   :members:\n   :show-inheritance:\n   :member-order: bysource\n"
        )
    elif e.kind == "function":
        text.write(f".. autofunction:: {e.name}\n")
    elif e.kind == "module":
        text.write(f".. automodule:: {e.defined_in}\n   :no-index:\n")
    else:
        text.write(data_directive(e))
    return text.getvalue()


def _attr_doc(e: Entry) -> list[str]:
    """The ``#:`` comment documenting a constant, from the module that assigns it."""
    from sphinx.pycode import ModuleAnalyzer

    pkg = importlib.import_module(e.package)
    obj = getattr(pkg, e.name)
    candidates = [e.package]
    if hasattr(pkg, "__path__"):
        candidates += [m.name for m in pkgutil.walk_packages(pkg.__path__, e.package + ".")]
    for modname in candidates:
        try:
            mod = importlib.import_module(modname)
        except ImportError:
            continue
        if getattr(mod, e.name, None) is not obj:
            continue
        try:
            docs = ModuleAnalyzer.for_module(modname).find_attr_docs()
        except Exception:  # noqa: BLE001 — a module without source: no comment to read
            continue
        lines = docs.get(("", e.name))
        if lines:
            return [f"(assigned in ``{modname}``)", "", *lines]
    return []


def data_directive(e: Entry) -> str:
    """A constant: its type, size and documenting comment (never the type's own docstring)."""
    obj = getattr(importlib.import_module(e.package), e.name)
    text = io.StringIO()
    text.write(f".. py:data:: {e.name}\n   :type: {type(obj).__name__}\n\n")
    lines = _attr_doc(e)
    if not lines:
        size = f" with {len(obj)} entries" if hasattr(obj, "__len__") else ""
        lines = [f"A constant of type ``{type(obj).__name__}``{size}."]
    for line in lines:
        text.write(f"   {line}\n" if line else "\n")
    if isinstance(obj, (dict, list, tuple, frozenset, set)) and len(obj) <= 40:
        keys = (
            sorted(map(str, obj))
            if isinstance(obj, (dict, set, frozenset))
            else list(map(str, obj))
        )
        if all(len(k) < 60 for k in keys):
            what = "Keys" if isinstance(obj, dict) else "Entries"
            text.write(f"\n   {what}: " + ", ".join(f"``{k}``" for k in keys) + ".\n")
    return text.getvalue()


def package_page(pkg: str, items: list[Entry]) -> str:
    mod = importlib.import_module(pkg)
    text = io.StringIO()
    text.write(_title(pkg))
    parent, _, leaf = pkg.rpartition(".")
    shadowed = getattr(importlib.import_module(parent), leaf, mod) is not mod if parent else False
    # A module named like a function its package exports (theory.coalition_values) would claim
    # the function's full name: describe it without an index entry.
    extra = "   :no-index:\n" if shadowed else ""
    text.write(f"\n.. automodule:: {pkg}\n   :no-members:\n{extra}\n")
    if items:
        text.write(".. list-table::\n   :header-rows: 1\n   :widths: 30 12 58\n\n")
        text.write("   * - name\n     - kind\n     - summary\n")
        for e in items:
            if e.kind == "data":
                doc = [line for line in _attr_doc(e)[2:] if line.strip()]
                summary = (
                    doc[0].replace("|", "\\|")
                    if doc
                    else f"a ``{type(getattr(mod, e.name)).__name__}``"
                )
            else:
                summary = _summary(getattr(mod, e.name))
            text.write(f"   * - :doc:`{e.name}`\n     - {e.kind}\n     - {summary}\n")
        text.write("\n.. toctree::\n   :hidden:\n\n")
        for e in items:
            text.write(f"   {e.name}\n")
    else:
        text.write("This package exports no names (it has no ``__all__``).\n")
    return text.getvalue()


def index_page(pkgs: list[str], counts: dict[str, int], modules: list[str] | None = None) -> str:
    text = io.StringIO()
    text.write(_title("API reference"))
    text.write(
        "\nOne page for every name in the ``__all__`` of every ``powergames`` package, generated "
        "when the documentation builds. Import each name from its package, as shown on its page; "
        "the module it is defined in is named there too.\n\n"
    )
    text.write(".. list-table::\n   :header-rows: 1\n   :widths: 30 10 60\n\n")
    text.write("   * - package\n     - names\n     - what it holds\n")
    for pkg in pkgs:
        mod = importlib.import_module(pkg)
        text.write(
            f"   * - :doc:`{pkg} <{pkg}/index>`\n     - {counts[pkg]}\n     - {_summary(mod)}\n"
        )
    if modules:
        text.write(
            "\nModules with public names of their own (in the module's ``__all__``, not "
            "re-exported by its package; import them from the module):\n\n"
        )
        text.write(".. list-table::\n   :header-rows: 1\n   :widths: 40 10 50\n\n")
        text.write("   * - module\n     - names\n     - what it holds\n")
        for m in modules:
            mod = importlib.import_module(m)
            text.write(
                f"   * - :doc:`{m} <{m}/index>`\n     - {counts[m]}\n     - {_summary(mod)}\n"
            )
    text.write("\n.. toctree::\n   :hidden:\n\n")
    for pkg in [*pkgs, *(modules or [])]:
        text.write(f"   {pkg}/index\n")
    text.write("   cli\n")
    return text.getvalue()


def _subcommands() -> Iterator[tuple[str, str, str]]:
    """(name, help line, full help text) of every ``powergames`` sub-command."""
    import argparse
    import os

    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal width: fix it
    cli = importlib.import_module(f"{ROOT}.cli")
    parser = cli.build_parser()
    for action in parser._actions:  # the sub-parsers action holds one parser per sub-command
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in sorted(action.choices.items()):
                yield name, helps.get(name, ""), sub.format_help()


def cli_page() -> str:
    text = io.StringIO()
    text.write(_title("Command line"))
    text.write(
        "\nThe ``powergames`` command has one sub-command per module of :mod:`powergames.cli`. "
        "This page is generated from their argument parsers when the documentation builds.\n\n"
    )
    for name, first, help_text in _subcommands():
        text.write(_title(f"powergames {name}", "-"))
        text.write(f"\n{first}\n\n.. code-block:: text\n\n")
        for line in help_text.rstrip().splitlines():
            text.write(f"   {line}\n" if line else "\n")
        text.write("\n")
    return text.getvalue()


def _write(path: Path, content: str) -> None:
    if path.is_file() and path.read_text() == content:
        return  # unchanged: Sphinx keeps the page from its last build
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)


def generate(out_dir: Path) -> list[Entry]:
    """Write the whole API reference into ``out_dir``; remove pages of names that went away."""
    es = entries()
    pkgs = sorted(set(all_packages()))
    modules = sorted({e.package for e in es} - set(pkgs))
    counts = {p: 0 for p in [*pkgs, *modules]}
    wanted: set[Path] = set()
    for pkg in [*pkgs, *modules]:
        items = [e for e in es if e.package == pkg]
        counts[pkg] = len(items)
        p = out_dir / pkg / "index.rst"
        _write(p, package_page(pkg, items))
        wanted.add(p)
        for e in items:
            p = out_dir / pkg / f"{e.name}.rst"
            _write(p, name_page(e))
            wanted.add(p)
    for p, content in (
        (out_dir / "index.rst", index_page(pkgs, counts, modules)),
        (out_dir / "cli.rst", cli_page()),
    ):
        _write(p, content)
        wanted.add(p)
    for old in out_dir.rglob("*.rst"):
        if old not in wanted:
            old.unlink()
    return es


def registry_table() -> str:
    """The registered environment ids and their descriptions, as an rST table."""
    envs = importlib.import_module(f"{ROOT}.envs")
    text = io.StringIO()
    text.write(".. list-table::\n   :header-rows: 1\n   :widths: 40 60\n\n")
    text.write("   * - id\n     - description\n")
    for env_id, spec in sorted(envs.registry.items()):
        desc = (getattr(spec, "description", "") or "").replace("|", "\\|")
        text.write(f"   * - ``{env_id}``\n     - {desc}\n")
    return text.getvalue()


def _registry_directive() -> type:
    from docutils import nodes
    from docutils.statemachine import StringList
    from sphinx.util.docutils import SphinxDirective

    class RegistryDirective(SphinxDirective):
        """``.. pg-registry::`` — the table of registered environment ids."""

        def run(self) -> list[nodes.Node]:
            node = nodes.container()
            self.state.nested_parse(StringList(registry_table().splitlines()), 0, node)
            return node.children

    return RegistryDirective


#: ``MATH.md (2.3)`` or ``MATH.md §2`` in a docstring (outside inline literals).
_CITE = re.compile(r"MATH\.md\s*(?:\((\d+)\.(\d+)\)|§\s*(\d+))")
_LITERAL = re.compile(r"(``.*?``|`[^`]*`)")


def math_sections(math_md: Path) -> dict[str, str]:
    """``{"2": html id}`` of MATH.md's numbered sections (``## 2. Title``)."""
    from docutils.nodes import make_id

    out = {}
    for m in re.finditer(r"^##\s+(\d+)\.\s+(.+?)\s*$", math_md.read_text(encoding="utf-8"), re.M):
        out[m.group(1)] = make_id(f"{m.group(1)}. {m.group(2)}")
    return out


def link_math_citations(lines: list[str], uri: str, sections: dict[str, str]) -> list[str]:
    """Turn each citation of MATH.md into a link to its section of the mathematics page."""

    def repl(m: re.Match[str]) -> str:
        section = m.group(1) or m.group(3)
        if section not in sections:
            return m.group(0)
        return f"`{m.group(0)} <{uri}#{sections[section]}>`__"

    out = []
    for line in lines:
        parts = _LITERAL.split(line)
        out.append("".join(p if p.startswith("`") else _CITE.sub(repl, p) for p in parts))
    return out


def _optional_toctree() -> type:
    from sphinx.directives.other import TocTree

    class OptionalTocTree(TocTree):
        """``.. pg-optional-toctree::`` — a toctree of the listed documents that exist."""

        def run(self) -> list[Any]:
            found = self.env.found_docs
            here = self.env.docname.rsplit("/", 1)[0] + "/" if "/" in self.env.docname else ""
            kept = []
            for entry in self.content:
                name = entry.strip()
                doc = name[1:] if name.startswith("/") else here + name
                if doc in found:
                    kept.append(entry)
            if not kept:
                return []
            self.content = type(self.content)(kept, items=self.content.items[: len(kept)])
            return super().run()

    return OptionalTocTree


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("pg-registry", _registry_directive())
    app.add_directive("pg-optional-toctree", _optional_toctree())

    def _on_docstring(
        app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
    ) -> None:
        math_md = Path(app.srcdir) / "MATH.md"
        if not math_md.is_file():
            return
        uri = app.builder.get_relative_uri(app.env.docname, "MATH")
        lines[:] = link_math_citations(lines, uri, math_sections(math_md))

    app.connect("autodoc-process-docstring", _on_docstring)

    def _on_init(app: Any) -> None:
        es = generate(Path(app.srcdir) / "api")
        print(
            f"apigen: {len(es)} public names in {len({e.package for e in es})} packages and modules",
            file=sys.stderr,
        )

    app.connect("builder-inited", _on_init)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
