"""Scenarios for the interventions model: typed YAML configs and where ``b`` and its slopes come from.

A scenario file (``configs/interventions/*.yaml``)::

    name: nonlocal
    description: interactions ignore value class (db/dF_{C|V} ∝ F_V)
    params: {u_b: 1.0, u_not_b: 0.0, f_v: 0.1, ...}   # the seed's inputs (InterventionParams names)
    bargaining: {model: nonlocal, scale: 0.6}         # optional; default model: given
    sensitivity: {span: 0.5, points: 101, ranges: {f_v: [0.02, 0.5]}}

``bargaining.model`` says where ``b`` and its slopes come from:

* ``given`` — all four are inputs in ``params`` (the seed's model as written);
* ``nonlocal`` — the seed's non-local reading: ``db/dF_{C|V} = scale · F_V`` and
  ``db/dF_{C|¬V} = scale · (1 − F_V)``; ``b`` and ``db/dF_V`` stay inputs;
* ``population`` — ``b`` and all three slopes are the exact values of the population bargaining
  model (:mod:`powergames.theory.population`) at the scenario's landscape, with matching
  ``locality``.

Derived quantities move with their inputs in sweeps (sweeping ``f_v`` under ``nonlocal`` moves the
two slopes with it). YAML is read with ``yaml.safe_load``; unknown keys are rejected naming their
dotted path. YAML 1.1 reads ``1e-6`` (no dot) as a string, so numeric strings are accepted as numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from powergames.analysis.interventions import (
    _REAL,
    _UNIT,
    PARAM_NAMES,
    InterventionParams,
    marginal_values,
)
from powergames.theory.population import settlement_gradient

#: Bargaining models and the ``params`` keys each one derives (and so forbids as inputs).
DERIVED: dict[str, tuple[str, ...]] = {
    "given": (),
    "nonlocal": ("db_df_c_given_v", "db_df_c_given_not_v"),
    "population": ("b", "db_df_v", "db_df_c_given_v", "db_df_c_given_not_v"),
}

#: The extra inputs each bargaining model adds (scenario-level names).
MODEL_INPUTS: dict[str, tuple[str, ...]] = {
    "given": (),
    "nonlocal": ("scale",),
    "population": ("locality",),
}

#: Input groups that share a scale when a default sweep range is built around a zero base value.
GROUPS: dict[str, tuple[str, ...]] = {
    "utility": ("u_b", "u_not_b", "du_b_df_v", "du_not_b_df_v"),
    "b_slope": ("db_df_v", "db_df_c_given_v", "db_df_c_given_not_v", "scale"),
    "tractability": ("dp_v_da", "dp_c_given_v_da", "dp_c_given_not_v_da"),
}


def input_kind(name: str) -> str:
    """The domain of a scenario input: fraction, open fraction or real."""
    if name == "locality":
        return _UNIT
    if name == "scale":
        return _REAL
    return InterventionParams._KINDS.get(name, _REAL)


def _number(path: str, value: Any) -> float:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{path}: expected a number, got {value!r}")
    if not np.isfinite(value):
        raise ValueError(f"{path}: expected a finite number, got {value!r}")
    return float(value)


def _check_keys(path: str, data: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ValueError(f"{path or 'config'}: expected a mapping, got {type(data).__name__}")
    for key in data:
        if key not in allowed:
            where = f"{path}.{key}" if path else str(key)
            raise ValueError(f"{where}: unknown key (expected one of: {', '.join(allowed)})")
    return dict(data)


@dataclass(frozen=True)
class BargainingConfig:
    """Where ``b`` and its slopes come from (see the module docstring)."""

    model: str = "given"
    """``given``, ``nonlocal`` or ``population``."""
    scale: float | None = None
    """``nonlocal`` only: ``db/dF_{C|V} = scale·F_V``, ``db/dF_{C|¬V} = scale·(1 − F_V)``."""
    locality: float | None = None
    """``population`` only: probability ``λ ∈ [0, 1]`` of meeting one's own value class."""

    @classmethod
    def from_dict(cls, data: Any, path: str = "bargaining") -> BargainingConfig:
        """Validate a mapping; unknown keys and keys of another model are errors."""
        d = _check_keys(path, data, tuple(f.name for f in fields(cls)))
        model = d.get("model", "given")
        if model not in DERIVED:
            raise ValueError(f"{path}.model: expected one of {', '.join(DERIVED)}, got {model!r}")
        for key in ("scale", "locality"):
            if key in d and key not in MODEL_INPUTS[model]:
                raise ValueError(f"{path}.{key}: only used by model {_owner(key)!r}, not {model!r}")
        for key in MODEL_INPUTS[model]:
            if key not in d:
                raise ValueError(f"{path}.{key}: required by model {model!r}")
        scale = _number(f"{path}.scale", d["scale"]) if "scale" in d else None
        locality = _number(f"{path}.locality", d["locality"]) if "locality" in d else None
        if locality is not None and not 0 <= locality <= 1:
            raise ValueError(f"{path}.locality: must be in [0, 1], got {locality!r}")
        return cls(model=model, scale=scale, locality=locality)


def _owner(key: str) -> str:
    return next(m for m, keys in MODEL_INPUTS.items() if key in keys)


@dataclass(frozen=True)
class SensitivityConfig:
    """One-at-a-time sweeps: which inputs, over which ranges, how finely."""

    span: float = 0.5
    """Default range ``base·(1 ± span)`` (clipped to the input's domain) for inputs without one."""
    points: int = 101
    """Grid points per sweep (≥ 3)."""
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Explicit ``[low, high]`` per input name; must lie in the input's domain."""
    inputs: tuple[str, ...] | None = None
    """Which inputs to sweep (default: every free input of the scenario)."""

    @classmethod
    def from_dict(cls, data: Any, path: str = "sensitivity") -> SensitivityConfig:
        """Validate a mapping (input names are checked later, against the scenario)."""
        d = _check_keys(path, data, tuple(f.name for f in fields(cls)))
        span = _number(f"{path}.span", d.get("span", 0.5))
        if span <= 0:
            raise ValueError(f"{path}.span: must be > 0, got {span!r}")
        points = d.get("points", 101)
        if isinstance(points, bool) or not isinstance(points, int) or points < 3:
            raise ValueError(f"{path}.points: expected an integer >= 3, got {points!r}")
        ranges = {}
        raw = d.get("ranges") or {}
        if not isinstance(raw, Mapping):
            raise ValueError(f"{path}.ranges: expected a mapping input -> [low, high]")
        for name, pair in raw.items():
            p = f"{path}.ranges.{name}"
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise ValueError(f"{p}: expected [low, high], got {pair!r}")
            lo, hi = _number(f"{p}[0]", pair[0]), _number(f"{p}[1]", pair[1])
            if not lo < hi:
                raise ValueError(f"{p}: low must be < high, got [{lo}, {hi}]")
            ranges[str(name)] = (lo, hi)
        inputs = d.get("inputs")
        if inputs is not None:
            if not isinstance(inputs, list) or not all(isinstance(x, str) for x in inputs):
                raise ValueError(f"{path}.inputs: expected a list of input names")
            inputs = tuple(inputs)
        return cls(span=span, points=points, ranges=ranges, inputs=inputs)


@dataclass(frozen=True)
class InterventionsConfig:
    """A scenario of the interventions model, as read from YAML."""

    name: str
    """Short name (used for the output directory)."""
    params: dict[str, float]
    """The seed's inputs by :class:`InterventionParams` field name, minus the derived ones."""
    bargaining: BargainingConfig = field(default_factory=BargainingConfig)
    """Where ``b`` and its slopes come from."""
    sensitivity: SensitivityConfig = field(default_factory=SensitivityConfig)
    """The one-at-a-time sweeps."""
    description: str = ""
    """Free text shown above the table."""

    @classmethod
    def from_dict(cls, data: Any) -> InterventionsConfig:
        """Validate a parsed YAML mapping into a config (one-line errors naming the key)."""
        d = _check_keys("", data, tuple(f.name for f in fields(cls)))
        name = d.get("name")
        if not isinstance(name, str) or not name:
            raise ValueError("name: required, a non-empty string")
        description = d.get("description", "") or ""
        if not isinstance(description, str):
            raise ValueError("description: expected a string")
        bargaining = BargainingConfig.from_dict(d.get("bargaining"))
        derived = DERIVED[bargaining.model]
        raw = _check_keys("params", d.get("params"), PARAM_NAMES)
        params = {}
        for key in PARAM_NAMES:
            if key in derived:
                if key in raw:
                    raise ValueError(
                        f"params.{key}: derived by bargaining.model={bargaining.model!r}; remove it"
                    )
                continue
            if key not in raw:
                raise ValueError(f"params.{key}: required")
            params[key] = _number(f"params.{key}", raw[key])
        cfg = cls(
            name=name,
            params=params,
            bargaining=bargaining,
            sensitivity=SensitivityConfig.from_dict(d.get("sensitivity")),
            description=description,
        )
        scenario = Scenario(cfg)
        scenario.params()  # validate the base point
        for key in cfg.sensitivity.ranges:
            if key not in scenario.inputs:
                raise ValueError(
                    f"sensitivity.ranges.{key}: not a free input of this scenario "
                    f"(free: {', '.join(scenario.inputs)})"
                )
        for key in cfg.sensitivity.inputs or ():
            if key not in scenario.inputs:
                raise ValueError(
                    f"sensitivity.inputs: {key!r} is not a free input of this scenario "
                    f"(free: {', '.join(scenario.inputs)})"
                )
        return cfg


def load_config(path: str | Path) -> InterventionsConfig:
    """Read and validate a scenario file (``yaml.safe_load``); errors name the file and key."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such config file: {path}")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: invalid YAML ({str(exc).splitlines()[0]})") from None
    try:
        return InterventionsConfig.from_dict(data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


class Scenario:
    """A config turned into a function of its free inputs (vectorised).

    Args:
        config: the validated scenario.
    """

    def __init__(self, config: InterventionsConfig) -> None:
        self.config = config
        model = config.bargaining.model
        base = dict(config.params)
        for key in MODEL_INPUTS[model]:
            base[key] = getattr(config.bargaining, key)
        #: Free inputs and their base values, in a stable order.
        self.inputs: dict[str, float] = base

    def params(self, **overrides: Any) -> InterventionParams:
        """The :class:`InterventionParams` with some free inputs replaced (arrays broadcast).

        Derived inputs are recomputed from the overridden values.
        """
        unknown = set(overrides) - set(self.inputs)
        if unknown:
            raise ValueError(
                f"{sorted(unknown)[0]!r} is not a free input of this scenario "
                f"(free: {', '.join(self.inputs)})"
            )
        x = {**self.inputs, **overrides}
        model = self.config.bargaining.model
        kw = {k: x[k] for k in PARAM_NAMES if k in x}
        if model == "nonlocal":
            f_v = np.asarray(x["f_v"], dtype=np.float64)
            kw["db_df_c_given_v"] = x["scale"] * f_v
            kw["db_df_c_given_not_v"] = x["scale"] * (1 - f_v)
        elif model == "population":
            g = settlement_gradient(x["f_v"], x["f_c_given_v"], x["f_c_given_not_v"], x["locality"])
            kw.update(g)
        return InterventionParams(**kw)

    def values(self, **overrides: Any) -> dict[str, np.ndarray]:
        """:func:`marginal_values` at the base point with some inputs replaced."""
        return marginal_values(self.params(**overrides))
