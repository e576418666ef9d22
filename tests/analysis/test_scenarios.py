import json
from pathlib import Path

import numpy as np
import pytest
from conftest import seeds
from hypothesis import given

from powergames.analysis.grounding import (
    linear_form,
    nonlocal_check,
    population_params,
    simulated_marginal_values,
)
from powergames.analysis.interventions import INTERVENTIONS, marginal_values
from powergames.analysis.scenario import InterventionsConfig, Scenario, load_config
from powergames.analysis.sensitivity import default_range, sensitivity
from powergames.cli import main
from powergames.theory.population import ESTIMANDS, settlement_gradient

CONFIGS = sorted((Path(__file__).parents[2] / "configs" / "interventions").glob("*.yaml"))


def test_example_configs_are_shipped():
    names = {p.stem for p in CONFIGS}
    assert {"baseline", "nonlocal", "population_nonlocal", "population_local"} <= names


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_shipped_configs_load_and_sweep(path):
    cfg = load_config(path)
    scenario = Scenario(cfg)
    report = sensitivity(scenario)
    base = marginal_values(scenario.params())
    assert report.base_values == {k: float(base[k]) for k in INTERVENTIONS}
    assert report.best == max(INTERVENTIONS, key=lambda k: base[k])
    for s in report.sweeps.values():
        assert s.low <= s.base <= s.high or s.name in cfg.sensitivity.ranges
        # the vectorised sweep equals one-point evaluations (brute force at three grid points)
        for i in (0, len(s.grid) // 2, -1):
            one = scenario.values(**{s.name: s.grid[i]})
            for k in INTERVENTIONS:
                assert s.values[k][i] == pytest.approx(float(one[k]), rel=1e-12, abs=1e-300)
        # the reported switch points are where the best intervention really changes
        for x, before, after in s.switches:
            lo, hi = s.grid[0], s.grid[-1]
            eps = 1e-6 * (hi - lo)
            left = scenario.values(**{s.name: max(x - eps, lo)})
            right = scenario.values(**{s.name: min(x + eps, hi)})
            assert float(left[before]) >= float(left[after]) - 1e-12
            assert float(right[after]) >= float(right[before]) - 1e-12


def test_nonlocal_reading_cancels_f_v():
    # the seed's claim: with db/dF_{C|V} ∝ F_V and db/dF_{C|¬V} ∝ 1 − F_V every marginal value
    # is independent of F_V (the 1/F_V and 1/(1 − F_V) cancel)
    scenario = Scenario(load_config(CONFIGS[[p.stem for p in CONFIGS].index("nonlocal")]))
    f_v = np.linspace(0.01, 0.99, 50)
    p = scenario.params(f_v=f_v)
    np.testing.assert_allclose(p.db_df_c_given_v, scenario.inputs["scale"] * f_v)
    values = scenario.values(f_v=f_v)
    for k in INTERVENTIONS:
        np.testing.assert_allclose(values[k], values[k][0], rtol=1e-12)


def test_population_scenario_uses_the_exact_model():
    scenario = Scenario(load_config(CONFIGS[[p.stem for p in CONFIGS].index("population_local")]))
    p = scenario.params()
    g = settlement_gradient(p.f_v, p.f_c_given_v, p.f_c_given_not_v, 0.7)
    for k in ESTIMANDS:
        assert float(getattr(p, k)) == pytest.approx(float(g[k]))
    again = population_params(p.replace(b=0.0, db_df_v=9.0), 0.7)
    assert float(again.b) == pytest.approx(float(g["b"]))
    assert float(again.db_df_v) == pytest.approx(float(g["db_df_v"]))


def _cfg(**changes):
    d = load_config(CONFIGS[[p.stem for p in CONFIGS].index("baseline")])
    data = {
        "name": d.name,
        "params": dict(d.params),
        "sensitivity": {"points": 5},
    }
    for k, v in changes.items():
        if v is None:
            data.pop(k, None)
        else:
            data[k] = v
    return data


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda d: d.update(bogus=1), "bogus: unknown key"),
        (lambda d: d["params"].update(f_vv=0.1), "params.f_vv: unknown key"),
        (lambda d: d["params"].pop("u_b"), "params.u_b: required"),
        (lambda d: d["params"].update(f_v=1.5), "f_v must be a fraction strictly inside"),
        (lambda d: d["params"].update(b="high"), "params.b: expected a number"),
        (lambda d: d.update(sensitivity={"spam": 1}), "sensitivity.spam: unknown key"),
        (lambda d: d.update(sensitivity={"ranges": {"zz": [0, 1]}}), "sensitivity.ranges.zz"),
        (lambda d: d.update(sensitivity={"points": 2}), "sensitivity.points"),
        (lambda d: d.update(bargaining={"model": "magic"}), "bargaining.model"),
        (
            lambda d: d.update(bargaining={"model": "population", "locality": 0.5}),
            "params.b: derived",
        ),
        (lambda d: d.update(bargaining={"model": "nonlocal"}), "bargaining.scale: required"),
        (lambda d: d.update(bargaining={"locality": 0.5}), "bargaining.locality: only used"),
    ],
)
def test_config_errors_name_the_key(mutate, match):
    data = _cfg()
    mutate(data)
    with pytest.raises(ValueError, match=match):
        InterventionsConfig.from_dict(data)


def test_yaml_numbers_and_ranges(tmp_path):
    data = _cfg()
    data["params"]["f_v"] = "1e-3"  # YAML 1.1 reads 1e-3 as a string
    cfg = InterventionsConfig.from_dict(data)
    assert cfg.params["f_v"] == 1e-3
    scenario = Scenario(cfg)
    lo, hi = default_range(scenario, "p_c_given_v", 0.5)
    assert (lo, hi) == pytest.approx((0.35, 1.0))  # 0.7·1.5 clipped to the domain
    lo, hi = default_range(scenario, "f_v", 0.5)
    assert 0 < lo < 1e-3 < hi < 1
    bad = _cfg(sensitivity={"ranges": {"p_v": [0.5, 1.5]}})
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        sensitivity(Scenario(InterventionsConfig.from_dict(bad)))
    path = tmp_path / "x.yaml"
    path.write_text("name: x\nparams: [1, 2\n")
    with pytest.raises(ValueError, match="invalid YAML"):
        load_config(path)


@given(seed=seeds())
def test_linear_form_is_exact(seed):
    rng = np.random.default_rng(seed)
    p = Scenario(InterventionsConfig.from_dict(_cfg())).params()
    theta = np.array([rng.uniform(), *rng.normal(size=3)])
    mv = marginal_values(p.replace(**dict(zip(ESTIMANDS, theta))))
    offset, weights = linear_form(p)
    for k in INTERVENTIONS:
        assert offset[k] + weights[k] @ theta == pytest.approx(float(mv[k]), rel=1e-12, abs=1e-18)


def test_simulated_marginal_values_cover_exact():
    scenario = Scenario(
        load_config(CONFIGS[[p.stem for p in CONFIGS].index("population_nonlocal")])
    )
    p = scenario.params()
    sim, est = simulated_marginal_values(p, 0.0, 200_000, np.random.default_rng(3), 0.99)
    exact = marginal_values(p)
    for k in INTERVENTIONS:
        assert est[k].covers(float(exact[k])), (k, est[k], float(exact[k]))
    for k in ESTIMANDS:
        assert sim.estimates[k].covers(float(getattr(p, k)))


def test_nonlocal_check_partner_channel_is_the_seed_claim():
    p = Scenario(InterventionsConfig.from_dict(_cfg())).params()
    chk = nonlocal_check(p)
    assert chk.partner_channel_ratio == pytest.approx(chk.claimed_ratio, rel=1e-12)
    fv, fcv, fcnv = float(p.f_v), float(p.f_c_given_v), float(p.f_c_given_not_v)
    own = fv * fcv + (1 - fv) * fcnv
    assert chk.own_channel_share == pytest.approx(own / (own + fv * fcv))
    assert chk.model_ratio == pytest.approx(chk.claimed_ratio * (own + fv * fcv) / (fv * fcv))


def test_cli_table_json_and_plots(tmp_path, capsys):
    cfg = str(CONFIGS[[p.stem for p in CONFIGS].index("population_nonlocal")])
    assert main(["interventions", cfg, "--out", str(tmp_path), "--points", "7"]) == 0
    text = capsys.readouterr().out
    for header in ("intervention", "marginal value", "share", "rank", "ratio to best", "A(low)"):
        assert header in text
    assert (tmp_path / "tornado.png").stat().st_size > 1000
    assert (tmp_path / "sweeps.png").stat().st_size > 1000
    args = ["interventions", cfg, "--no-plots", "--json", "--simulate", "20000", "--points", "5"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    rows = {r["name"]: r for r in out["ranking"]}
    exact = Scenario(load_config(cfg)).values()
    for k in INTERVENTIONS:
        assert rows[k]["value"] == pytest.approx(float(exact[k]))
    assert sorted(r["rank"] for r in rows.values()) == [1, 2, 3]
    assert sum(abs(r["share"]) for r in rows.values()) == pytest.approx(1.0)
    assert set(out["simulation"]["marginal_values"]) == set(INTERVENTIONS)
    args = ["interventions", cfg, "--no-plots", "--json", "--env", "60", "--env-agents", "8"]
    assert main([*args, "--points", "5"]) == 0
    env = json.loads(capsys.readouterr().out)["environment"]
    assert env["n_agents"] == 8 and env["episodes"] == 60
    assert set(env["estimates"]) == set(ESTIMANDS)
    assert set(env["marginal_values"]) == set(INTERVENTIONS)
    assert main(["interventions", cfg, "--no-plots", "--env", "60", "--points", "5"]) == 0
    assert "exact (env)" in capsys.readouterr().out


def test_cli_errors(tmp_path, capsys):
    assert main(["interventions", str(tmp_path / "missing.yaml")]) == 2
    assert "no such config file" in capsys.readouterr().err
    cfg = str(CONFIGS[[p.stem for p in CONFIGS].index("baseline")])
    assert main(["interventions", cfg, "--no-plots", "--simulate", "100"]) == 2
    assert "bargaining.model: population" in capsys.readouterr().err
    assert main(["interventions", cfg, "--no-plots", "--env", "100"]) == 2
    assert "--env needs a scenario" in capsys.readouterr().err
    pop = str(CONFIGS[[p.stem for p in CONFIGS].index("population_nonlocal")])
    for flags, message in (
        (["--simulate", "-5"], "--simulate must be >= 2, got -5"),
        (["--env", "0"], "--env must be >= 2, got 0"),
        (["--env", "5", "--env-agents", "1"], "--env-agents must be >= 2, got 1"),
        (["--env", "5", "--env-rounds", "0"], "--env-rounds must be >= 1, got 0"),
    ):
        assert main(["interventions", pop, "--no-plots", *flags]) == 2
        assert message in capsys.readouterr().err


def test_sweep_argument_errors():
    from powergames.analysis.sensitivity import sweep

    scenario = Scenario(InterventionsConfig.from_dict(_cfg()))
    good = sweep(scenario, "f_v", 0.05, 0.5, 2, 0)
    assert good.grid.shape == (2,) and all(v.shape == (2,) for v in good.values.values())
    for points in (0, 1):
        with pytest.raises(ValueError, match="points must be >= 2"):
            sweep(scenario, "f_v", 0.05, 0.5, points, 0)
    with pytest.raises(ValueError, match="best must index INTERVENTIONS"):
        sweep(scenario, "f_v", 0.05, 0.5, 5, 7)
    with pytest.raises(TypeError, match="points must be an integer"):
        sweep(scenario, "f_v", 0.05, 0.5, 5.0, 0)
    with pytest.raises(ValueError, match="lo < hi"):
        sweep(scenario, "f_v", 0.5, 0.05, 5, 0)
    with pytest.raises(ValueError, match="one of the scenario's inputs"):
        sweep(scenario, "nope", 0.05, 0.5, 5, 0)


def test_simulate_interactions_rejects_array_fractions():
    from powergames.theory.population import sample_interactions, simulate_interactions

    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="f_v must be a single number"):
        simulate_interactions([0.5, 0.4], 0.5, 0.5, 0.0, 100, rng)
    with pytest.raises(ValueError, match="locality must be a single number"):
        sample_interactions(0.5, 0.5, 0.5, [0.0, 1.0], 100, rng)
