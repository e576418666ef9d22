"""Tournament files end to end: the shipped config, run-directory policies, user factories, errors."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from powergames.cli import main
from powergames.games import majority_game
from powergames.theory.coalition_policies import IndependentPolicy
from powergames.theory.coalition_values import coalition_values
from powergames.theory.theorem_policies import theorem1_policy
from powergames.training.config import ConfigError
from powergames.training.tournament import load_tournament, run_tournament

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "configs" / "tournaments" / "majority.yaml"
THEOREM1 = ROOT / "configs" / "theorem1.yaml"
TINY = [
    "experiments.hedge_outsiders.budget=512",
    "experiments.ppo_outsiders.budget=512",
    "eval.every=256",
    "eval.samples=100",
    "experiments.ppo_outsiders.agents[1].params.n_steps=256",
    "experiments.ppo_outsiders.agents[1].params.batch_size=64",
]


def is_png(path: Path) -> bool:
    image = matplotlib.image.imread(path)
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and image.shape[0] > 100


def test_shipped_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["tournament", str(SHIPPED), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "optimal guarantee G" in printed
    for name in ("tournament.json", "tournament.txt", "tournament.png"):
        assert (out / name).is_file()
    assert is_png(out / "tournament.png")
    data = json.loads((out / "tournament.json").read_text())
    cfg = load_tournament(SHIPPED)
    assert data["focal"] == [s.name for s in cfg.focal]
    assert data["opponents"] == [s.name for s in cfg.opponents]
    k = cfg.game.params["n_actions"]
    t1 = data["focal"].index("Theorem 1 (shared uniform action)")
    assert all(v >= 1 - 1 / k - 1e-12 for v in data["min_over_x"][t1])  # Theorem 1
    assert data["worst_case"][t1][0] >= 1 - 1 / k - 1e-12
    g = data["guarantee"]["value"]
    assert all(g >= row[0] - 1e-9 for row in data["worst_case"] if row[0] is not None)
    # an exact cell against an independent evaluation
    game = majority_game(cfg.game.params["n_players"], k)
    uniform = data["opponents"].index("uniform i.i.d.")
    want = coalition_values(
        game, cfg.coalitions, [theorem1_policy(4, k), IndependentPolicy(3, np.full(k, 1 / k))]
    )[0, 0]
    assert data["min_over_x"][t1][uniform] == pytest.approx(want, abs=1e-12)
    sampled = data["focal"].index("Theorem 1 (sampled: Monte Carlo)")
    assert not any(data["exact"][sampled])
    for o, hw in enumerate(data["half_width"][sampled]):
        assert abs(data["values"][sampled][o][0] - data["values"][t1][o][0]) <= 4 * hw[0] + 1e-12


@pytest.fixture(scope="module")
def theorem1_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    runs = tmp_path_factory.mktemp("runs")
    code = main(["train", str(THEOREM1), *TINY, "--runs-dir", str(runs), "--jobs", "1", "--quiet"])
    assert code == 0
    return runs / "theorem1"


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


def test_policies_from_run_directories(theorem1_runs: Path, tmp_path: Path) -> None:
    """Classic learners (native checkpoints) and PPO (SB3 checkpoints) as opponents and focal."""
    hedge, ppo = theorem1_runs / "hedge_outsiders", theorem1_runs / "ppo_outsiders"
    cfg_hedge = write(
        tmp_path / "hedge.yaml",
        f"""
        name: hedge
        game: {{name: majority, params: {{n_players: 5, n_actions: 4}}}}
        coalitions: [[0, 1, 2], [3], [4]]
        focal:
          - {{name: Theorem 1, kind: theorem1}}
          - {{name: majority from run, kind: run, params: {{run_dir: {hedge}}}}}
        opponents:
          - {{name: Hedge, kind: run, params: {{run_dir: {hedge}}}}}
          - {{name: Hedge average, kind: run, params: {{run_dir: {hedge}, average: true}}}}
        """,
    )
    res = run_tournament(load_tournament(cfg_hedge))
    final = json.loads((hedge / "summary.json").read_text())["final"]
    # the newest checkpoint holds the strategies of the last evaluation
    assert res.min_over_x[0, 0] == pytest.approx(final["share/c0/min_x"], abs=1e-12)
    np.testing.assert_allclose(res.values[1], res.values[0], atol=1e-12)
    assert res.exact.all()
    assert np.all(res.best_response >= res.min_over_x.max(axis=0) - 1e-9)
    cfg_ppo = write(
        tmp_path / "ppo.yaml",
        f"""
        name: ppo
        game: {{name: majority, params: {{n_players: 5, n_actions: 4}}}}
        coalitions: [[0, 1, 2], [3, 4]]
        samples: 4000
        focal:
          - {{name: Theorem 1, kind: theorem1}}
          - {{name: best response, kind: best_response}}
        opponents:
          - {{name: PPO, kind: run, params: {{run_dir: {ppo}}}}}
          - {{name: PPO sampled, kind: run, params: {{run_dir: {ppo}}}, sampled: true}}
        """,
    )
    res = run_tournament(load_tournament(cfg_ppo))
    final = json.loads((ppo / "summary.json").read_text())["final"]
    assert res.min_over_x[0, 0] == pytest.approx(final["share/c0/min_x"], abs=1e-9)
    assert res.exact[0].tolist() == [True, False]
    assert abs(res.values[0, 1, 0] - res.values[0, 0, 0]) <= 4 * res.half_width[0, 1, 0]
    assert np.isnan(res.values[1, 1]).all()  # the best response needs the opponent's strategy
    assert res.min_over_x[1, 0] >= res.min_over_x[0, 0] - 1e-9
    bad = write(
        tmp_path / "bad.yaml",
        f"""
        name: bad
        game: {{name: majority, params: {{n_players: 5, n_actions: 3}}}}
        coalitions: [[0, 1, 2], [3, 4]]
        focal: [{{name: t, kind: theorem1}}]
        opponents: [{{name: r, kind: run, params: {{run_dir: {ppo}}}}}]
        """,
    )
    with pytest.raises(ValueError, match="plays"):
        run_tournament(load_tournament(bad))


def test_user_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my_policies.py").write_text(
        textwrap.dedent(
            """
            import numpy as np
            from powergames.theory.coalition_policies import IndependentPolicy

            def lean(n_members, p0):
                return IndependentPolicy(n_members, [p0, 1 - p0])

            def sampler(action):
                return lambda n, rng: np.full((n, 2), action)
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg = write(
        tmp_path / "user.yaml",
        """
        name: user
        game: {name: majority, params: {n_players: 4, n_actions: 2}}
        coalitions: [[0, 1], [2, 3]]
        samples: 500
        focal:
          - {name: lean, kind: "my_policies:lean", params: {n_members: 2, p0: 0.7}}
          - {name: all zero, kind: "my_policies:sampler", params: {action: 0}}
        opponents:
          - {name: lean, kind: "my_policies:lean", params: {n_members: 2, p0: 0.2}}
        """,
    )
    res = run_tournament(load_tournament(cfg))
    assert res.exact.tolist() == [[True], [False]]
    assert res.half_width[1, 0, 0] > 0


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"focal": [{"name": "a", "kind": "nope"}]}, r"focal\[0\]\.kind: unknown focal kind"),
        (
            {"focal": [{"name": "a", "kind": "theorem1", "oops": 1}]},
            r"focal\.0\.oops|focal\[0\]\.oops",
        ),
        (
            {"opponents": [{"name": "a", "kind": "worst_case", "params": {"of": "zz"}}]},
            r"opponents\[0\]\.params\.of",
        ),
        (
            {"focal": [{"name": "a", "kind": "uniform"}, {"name": "a", "kind": "theorem1"}]},
            "repeats",
        ),
        ({"coalitions": [[0, 1], [1, 2]]}, "coalitions: .*overlap"),
        ({"focal": [{"name": "a", "kind": "mixed"}]}, r"params\.strategy"),
        ({"focal": [{"name": "a", "kind": "uniform", "params": {"x": 1}}]}, r"params\.x"),
        ({"focal": [{"name": "a", "kind": "no_module_here:f"}]}, "cannot import"),
    ],
)
def test_config_errors(tmp_path: Path, edit: dict, message: str) -> None:
    base = {
        "name": "t",
        "game": {"name": "majority", "params": {"n_players": 3, "n_actions": 2}},
        "coalitions": [[0, 1], [2]],
        "focal": [{"name": "t1", "kind": "theorem1"}],
        "opponents": [{"name": "u", "kind": "uniform"}],
    }
    base.update(edit)
    path = tmp_path / "t.yaml"
    path.write_text(json.dumps(base))
    with pytest.raises(ConfigError, match=message):
        run_tournament(load_tournament(path))


def test_cli_error_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tournament", str(tmp_path / "missing.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no tournament file" in err
