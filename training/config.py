"""Typed experiment configurations: YAML loading, command-line overrides and validation.

An experiment file (``configs/*.yaml``) describes one run, or a *suite* of runs that share defaults:

.. code-block:: yaml

    name: quickstart            # the run directory is runs/<name>/
    seed: 0
    budget: 20480               # environment steps
    eval: {every: 1024}         # a multiple of every SB3 rollout (n_steps)
    experiments:                # optional: one sub-run per entry, written to runs/<name>/<key>/
      exploit:
        env: {id: powergames/symmetric-unit-sum-v0, kwargs: {n_players: 4}}
        agents:
          - {seats: [0], kind: ppo, params: {n_steps: 256}}
          - {seats: [1, 2, 3], kind: uniform}

Every top-level key other than ``name``, ``description``, ``experiments``, ``sweep`` and
``overview`` is a default for each experiment; an experiment's own keys are deep-merged over it.
Any key can be overridden on the command line with ``key.sub=value`` (``agents[0].params.gamma=0.9``,
``experiments.exploit.budget=500``); the value is parsed as YAML.

Validation rejects unknown keys and wrong types with one line naming the dotted path of the
offending key (``agents[1].params.lr: unknown key ...``). Names (environment ids, agent kinds and
their parameters) are checked against the registries by
:func:`powergames.training.build.check_names`; this module is the schema only and imports no other
module of the package.

(About 580 lines, kept together: the schema's classes with a docstring per field, the YAML loader,
the overrides and the messages that name a key's dotted path are one piece — the messages walk the
schema.)

Longer than ~500 lines: it is the whole experiment schema (pydantic models for every section) and nothing else; the schema reads best as one file.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

#: The evaluators a run may request (see :mod:`powergames.training.evaluators`).
EVALUATORS: tuple[Literal["shares", "power", "alignment"], ...] = ("shares", "power", "alignment")

#: Top-level keys of a suite file that are not experiment defaults.
SUITE_KEYS = ("name", "description", "experiments", "sweep", "overview")


class ConfigError(ValueError):
    """A configuration problem; the message is one line naming the offending key."""


# ---------------------------------------------------------------------------------------- YAML
class _Loader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that also reads ``1e-3`` (no dot) as a float, as YAML 1.2 does."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def parse_yaml(text: str, source: str = "<string>") -> Any:
    """Parse YAML text safely (no Python objects); errors become one-line :class:`ConfigError`."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader subclasses SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{source}:{where}: invalid YAML ({problem})") from None


def dump_yaml(data: Any) -> str:
    """YAML text for plain data (keys kept in order)."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=100)


# ----------------------------------------------------------------------------------- overrides
_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(path: str) -> list[str | int]:
    """Split ``a.b[2].c`` into ``["a", "b", 2, "c"]`` (a purely numeric segment is an index too)."""
    if not path or path.startswith(".") or path.endswith(".") or ".." in path:
        raise ConfigError(f"override key {path!r} is not a dotted path like a.b[0].c")
    tokens: list[str | int] = []
    pos = 0
    for m in _TOKEN.finditer(path):
        gap = path[pos : m.start()]
        if gap not in ("", "."):
            raise ConfigError(f"override key {path!r} is not a dotted path like a.b[0].c")
        pos = m.end()
        if m.group(2) is not None:
            tokens.append(int(m.group(2)))
        else:
            tokens.append(m.group(1))
    if pos != len(path):
        raise ConfigError(f"override key {path!r} is not a dotted path like a.b[0].c")
    return tokens


def format_path(loc: Sequence[str | int]) -> str:
    """Inverse of :func:`parse_path`: ``["agents", 1, "params", "lr"]`` → ``agents[1].params.lr``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "<top level>"


def parse_override(text: str) -> tuple[list[str | int], Any]:
    """``"key.sub=value"`` → (path tokens, YAML-parsed value)."""
    if "=" not in text:
        raise ConfigError(f"override {text!r} must look like key.sub=value")
    key, _, raw = text.partition("=")
    return parse_path(key.strip()), parse_yaml(raw, source=f"override {key.strip()}")


def set_path(data: dict[str, Any], path: Sequence[str | int], value: Any) -> None:
    """Set ``data[path] = value`` creating mappings on the way (an index must exist)."""
    node: Any = data
    for i, part in enumerate(path):
        last = i == len(path) - 1
        where = format_path(path[: i + 1])
        if isinstance(part, int) or (isinstance(node, list) and str(part).isdigit()):
            idx = int(part)
            if not isinstance(node, list):
                raise ConfigError(f"{where}: cannot index {type(node).__name__} with [{idx}]")
            if not 0 <= idx < len(node):
                raise ConfigError(f"{where}: index out of range (the list has {len(node)} items)")
            if last:
                node[idx] = value
            else:
                node = node[idx]
        else:
            if not isinstance(node, dict):
                raise ConfigError(f"{where}: cannot set a key inside a {type(node).__name__}")
            if last:
                node[part] = value
            else:
                if node.get(part) is None:
                    node[part] = {}
                node = node[part]


def apply_overrides(data: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """A copy of ``data`` with every ``key.sub=value`` override applied in order.

    In a suite, an override of a shared key (``budget=4096``, ``eval.every=512``) reaches every
    experiment: it is also set in each experiment that gives the key its own value (which would
    otherwise win over the shared one).

    Raises:
        ConfigError: the override cannot be set in an experiment that holds the key (e.g. a list
            or a scalar where the path goes on), naming the experiments it does not reach.
    """
    out = copy.deepcopy(data)
    for text in overrides:
        path, value = parse_override(text)
        set_path(out, path, value)
        experiments = out.get("experiments")
        if path[0] in SUITE_KEYS or not isinstance(experiments, dict):
            continue
        missed = []
        for name, exp in experiments.items():
            if not isinstance(exp, dict) or not _holds_prefix(exp, path):
                continue
            try:
                set_path(exp, path, copy.deepcopy(value))
            except ConfigError as exc:
                missed.append(f"experiments.{name} ({exc})")
        if missed:
            raise ConfigError(
                f"override {text.partition('=')[0].strip()!r} does not reach {', '.join(missed)}; "
                "set it there with experiments.<name>.<key>=value"
            )
    return out


def _holds_prefix(node: Any, path: Sequence[str | int]) -> bool:
    """Whether ``node`` sets a value on ``path`` (the full path, or a prefix ending in a
    non-mapping that would shadow the shared value)."""
    for part in path:
        if isinstance(node, dict):
            if part not in node:
                return False
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int):
            if not 0 <= part < len(node):
                return True
            node = node[part]
        else:
            return True
    return True


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` merged into a copy of ``base``; mappings merge recursively, anything else replaces."""
    out = copy.deepcopy(dict(base))
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# -------------------------------------------------------------------------------------- schema
class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, use_attribute_docstrings=True, frozen=True
    )


class EnvConfig(_Strict):
    """Which environment to build."""

    id: str
    """A registered environment id (``powergames.envs.registration``), e.g. ``powergames/majority-v0``."""
    kwargs: dict[str, Any] = Field(default_factory=dict)
    """Keyword arguments for ``powergames.envs.make(id, **kwargs)``: the game and its parameters."""


class AgentConfig(_Strict):
    """Who plays some seats: a fixed policy, a classic learner or an SB3 learner."""

    kind: str
    """Agent kind from the agent registry (``powergames agents`` lists them), e.g. ``ppo``, ``hedge``."""
    seats: list[int] = Field(min_length=1)
    """The players this agent controls; more than one makes it a coalition (a joint policy)."""
    params: dict[str, Any] = Field(default_factory=dict)
    """Keyword arguments of the agent kind (hyper-parameters), checked against its signature."""
    name: str | None = None
    """A label for tables and plots; defaults to ``<kind>[seats]``."""
    shared: str | None = Field(default=None, min_length=1)
    """SB3 learners only — parameter sharing: every agent entry naming the same ``shared`` group
    is played by ONE model (one network, trained on all their experience; SB3's parameter-shared
    mode). The entries need the same ``kind`` and identical observation/action spaces; the first
    entry's ``params`` configure the model (the others leave ``params`` empty or repeat them
    exactly). SB3 entries without ``shared`` are independent learners, one model each, all
    learning in lockstep. Example: ``{kind: ppo, seats: [0], shared: crowd, params: {n_steps:
    256}}`` and ``{kind: ppo, seats: [1], shared: crowd}``."""


class EvalConfig(_Strict):
    """When and what to evaluate."""

    every: int = Field(gt=0)
    """Evaluate (and checkpoint) every this many environment steps; also at step 0 and the end."""
    evaluators: list[Literal["shares", "power", "alignment"]] = Field(
        default_factory=lambda: list(EVALUATORS)
    )
    """Which evaluators to run; those that do not apply to the game are skipped with a note."""
    samples: int = Field(default=2000, gt=0)
    """Monte Carlo plays per evaluation for the empirical shares (beside the exact values)."""
    confidence: float = Field(default=0.95, gt=0.0, lt=1.0)
    """Level of the empirical shares' confidence interval."""


class SweepConfig(_Strict):
    """Defaults of ``powergames sweep`` for this file (the command line overrides them)."""

    seeds: str | int | list[int] = "0-4"
    """Seeds to run: ``"0-9"``, ``"0,3,5"``, a list, or one integer."""
    set: dict[str, list[Any]] = Field(default_factory=dict)
    """Grid of overrides: dotted key → list of values (every combination is run)."""


class ExperimentConfig(_Strict):
    """One run: a pure function of this configuration (seed included)."""

    name: str = Field(min_length=1)
    """The run's name: its directory is ``runs/<name>`` (or ``runs/<suite>/<name>`` in a suite)."""
    description: str = ""
    """Free text shown by ``powergames eval``."""
    seed: int = Field(default=0, ge=0)
    """The run's seed; every random stream of the run (env, agents, torch, evaluation) derives from it."""
    env: EnvConfig
    """The environment."""
    agents: list[AgentConfig] = Field(min_length=1)
    """The agents; their seats must partition the players."""
    budget: int = Field(gt=0)
    """Training length in environment steps (joint actions)."""
    eval: EvalConfig
    """The evaluation (and checkpoint) schedule."""


class OverviewLine(_Strict):
    """One curve (or reference line) of an overview panel."""

    metric: str | None = None
    """A ``metrics.csv`` column to draw against steps."""
    experiment: str | None = None
    """The experiment the metric comes from (the suite's first one when omitted)."""
    y: float | None = None
    """A constant reference line instead of a metric."""
    label: str | None = None
    """Legend text."""
    style: str | None = None
    """Matplotlib line style for a reference line (``--``, ``:``)."""


class OverviewPanel(_Strict):
    """One panel of a suite's overview figure."""

    title: str = ""
    """Panel title."""
    ylabel: str = ""
    """Y-axis label."""
    lines: list[OverviewLine] = Field(min_length=1)
    """What to draw."""


class Overview(_Strict):
    """The suite's headline figure (``runs/<name>/overview.png``)."""

    title: str = ""
    """Figure title."""
    panels: list[OverviewPanel] = Field(min_length=1)
    """Panels side by side."""


class Suite(_Strict):
    """A loaded configuration file: one or more experiments sharing a name."""

    name: str
    """The run directory's name."""
    description: str = ""
    """Free text."""
    experiments: list[ExperimentConfig]
    """The runs; a file without ``experiments`` has exactly one and ``single`` is true."""
    single: bool = True
    """True when the file describes one run (written to ``runs/<name>/`` directly)."""
    sweep: SweepConfig = Field(default_factory=SweepConfig)
    """Defaults for ``powergames sweep``."""
    overview: Overview | None = None
    """Optional headline figure over the experiments."""
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)
    """The resolved YAML data (overrides applied) that produced this suite."""

    def experiment(self, name: str) -> ExperimentConfig:
        """The experiment called ``name``."""
        for exp in self.experiments:
            if exp.name == name:
                return exp
        raise ConfigError(f"no experiment {name!r}; have {[e.name for e in self.experiments]}")


# ---------------------------------------------------------------------------------- validation
_TYPE_WORDS = {
    "int_type": "an integer",
    "float_type": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(value).__name__} {text}"


def did_you_mean(name: Any, known: Any) -> str:
    """`` (did you mean 'x'?)`` for the known name closest to a misspelt ``name``, else ``""``
    (as :func:`powergames.games.checks.did_you_mean`; this module imports none of the package)."""
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _error_message(
    err: Mapping[str, Any], model: type[BaseModel], errors: Sequence[Mapping[str, Any]] = ()
) -> str:
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, err["loc"][:-1])
        hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
        return f"unknown key{did_you_mean(err['loc'][-1], allowed)}{hint}"
    if kind == "missing":
        # a misspelt required key: an unknown sibling key close to the missing one
        siblings = [
            str(e["loc"][-1])
            for e in errors
            if e["type"] == "extra_forbidden" and tuple(e["loc"][:-1]) == tuple(err["loc"][:-1])
        ]
        name = str(err["loc"][-1]) if err["loc"] else ""
        close = [s for s in siblings if did_you_mean(s, [name])]
        if close:
            return f"required key is missing (is {close[0]!r} a misspelling of {name!r}?)"
        return "required key is missing"
    if kind in _TYPE_WORDS:
        return f"expected {_TYPE_WORDS[kind]}, got {_describe(value)}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')}, got {_describe(value)}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        op = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<"}.get(kind, "<=")
        bound = next(iter(ctx.values())) if ctx else ""
        return f"must be {op} {bound}, got {value!r}"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length', 1)} item(s)"
    return str(err.get("msg", kind)).replace("\n", " ")


def _allowed_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The field names of the (sub)model reached by ``loc``, for 'unknown key' hints."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(str(part))
        if field is None:
            return []
        current = _inner_model(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None


def validate_model(
    model: type[BaseModel], data: Any, where: Callable[[Sequence[str | int]], str] = format_path
) -> Any:
    """Validate ``data`` into ``model``; the first error becomes a one-line :class:`ConfigError`."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where(())}: expected a mapping, got {_describe(data)}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        err = errors[0]
        loc = tuple(p for p in err["loc"] if not str(p).startswith("function-"))
        raise ConfigError(f"{where(loc)}: {_error_message(err, model, errors)}") from None


def _has_path(data: Any, loc: Sequence[str | int]) -> bool:
    node = data
    for part in loc:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return False
    return True


def build_suite(data: Any, default_name: str = "run") -> Suite:
    """Validate YAML data (overrides already applied) into a :class:`Suite`.

    Raises:
        ConfigError: one line naming the dotted path of the first bad key.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(f"<top level>: expected a mapping, got {_describe(data)}")
    data = dict(data)
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name:
        raise ConfigError(f"name: expected a non-empty string, got {_describe(name)}")
    if "/" in name or name in (".", ".."):
        raise ConfigError(f"name: must be a plain directory name, got {name!r}")
    sweep = validate_model(
        SweepConfig, data.get("sweep") or {}, lambda loc: format_path(("sweep", *loc))
    )
    overview = None
    if data.get("overview") is not None:
        overview = validate_model(
            Overview, data["overview"], lambda loc: format_path(("overview", *loc))
        )
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ConfigError(f"description: expected a string, got {_describe(description)}")

    if "experiments" not in data:
        exp_data = {k: v for k, v in data.items() if k not in ("sweep", "overview")}
        exp_data["name"] = name
        exp = validate_model(ExperimentConfig, exp_data)
        if overview is not None:
            _check_overview(overview, [exp.name])
        return Suite(
            name=name,
            description=description,
            experiments=[exp],
            single=True,
            sweep=sweep,
            overview=overview,
            raw=dict(data),
        )

    experiments = data["experiments"]
    if not isinstance(experiments, Mapping) or not experiments:
        raise ConfigError(
            f"experiments: expected a non-empty mapping name -> experiment, got {_describe(experiments)}"
        )
    defaults = {k: v for k, v in data.items() if k not in SUITE_KEYS}
    allowed = [k for k in ExperimentConfig.model_fields if k != "name"]
    for key in defaults:
        if key not in allowed:
            names = dict.fromkeys([*SUITE_KEYS, *allowed])  # ordered, each once
            raise ConfigError(f"{key}: unknown key (allowed: {', '.join(names)})")
    exps = []
    for exp_name, exp_raw in experiments.items():
        if not isinstance(exp_name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", exp_name):
            raise ConfigError(f"experiments.{exp_name}: experiment names must be [A-Za-z0-9_.-]+")
        exp_raw = exp_raw or {}
        if not isinstance(exp_raw, Mapping):
            raise ConfigError(
                f"experiments.{exp_name}: expected a mapping, got {_describe(exp_raw)}"
            )
        if "name" in exp_raw:
            raise ConfigError(
                f"experiments.{exp_name}.name: unknown key (the mapping key is the name)"
            )
        merged = deep_merge(defaults, exp_raw)
        merged["name"] = exp_name

        def where(
            loc: Sequence[str | int], _raw: Mapping[str, Any] = exp_raw, _n: str = exp_name
        ) -> str:
            # Name the key where it was written: in the experiment, else the shared default.
            if loc and (_has_path(_raw, loc) or not _has_path(defaults, loc)):
                return format_path(("experiments", _n, *loc))
            return format_path(loc) if loc else format_path(("experiments", _n))

        exps.append(validate_model(ExperimentConfig, merged, where))
    if overview is not None:
        _check_overview(overview, [e.name for e in exps])
    return Suite(
        name=name,
        description=description,
        experiments=exps,
        single=False,
        sweep=sweep,
        overview=overview,
        raw=dict(data),
    )


def _check_overview(overview: Overview, names: list[str]) -> None:
    for p, panel in enumerate(overview.panels):
        for j, line in enumerate(panel.lines):
            where = f"overview.panels[{p}].lines[{j}]"
            if (line.metric is None) == (line.y is None):
                raise ConfigError(f"{where}: give exactly one of metric or y")
            if line.experiment is not None and line.experiment not in names:
                raise ConfigError(
                    f"{where}.experiment: unknown experiment {line.experiment!r}; have {names}"
                )


def load_config(path: str | Path, overrides: Sequence[str] = ()) -> Suite:
    """Load, override and validate an experiment file against the schema.

    Names (environment ids, agent kinds and their parameters) are resolved against the registries
    by :func:`powergames.training.build.load_suite`, which calls this first.

    Args:
        path: a YAML file.
        overrides: ``key.sub=value`` strings applied in order before validation.

    Raises:
        ConfigError: a one-line message naming the offending key.
        FileNotFoundError: ``path`` does not exist.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config file not found: {path}")
    data = parse_yaml(read_text(path), source=str(path))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping, got {_describe(data)}")
    data = apply_overrides(data, overrides)
    return build_suite(data, default_name=path.stem)


def read_text(path: str | Path) -> str:
    """A UTF-8 text file's content.

    Raises:
        ConfigError: the file is not UTF-8 text, naming it.
    """
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def parse_seeds(spec: str | int | Sequence[int]) -> list[int]:
    """``"0-9"`` → ``[0..9]``; ``"0,3,5"``, ``"0-2,7"``, a list or an int also work."""
    if isinstance(spec, bool):
        raise ConfigError(f"seeds: expected a range like 0-9, got {spec!r}")
    if isinstance(spec, int):
        return [spec]
    if isinstance(spec, Sequence) and not isinstance(spec, str):
        out = []
        for s in spec:
            out.extend(parse_seeds(s))
        return out
    seeds: list[int] = []
    for part in str(spec).split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise ConfigError(
                f"seeds: expected a range like 0-9 or a list like 0,3,5, got {spec!r}"
            )
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) else lo
        if hi < lo:
            raise ConfigError(f"seeds: empty range {part!r}")
        seeds.extend(range(lo, hi + 1))
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"seeds: repeated seed in {spec!r}")
    return seeds
