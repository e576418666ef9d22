"""A match on a live server: a remote Python agent, the docs' JavaScript client and a Hedge
learner play to the end; the run directory equals an in-process run replaying the same actions."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

from powergames.agents.fixed import MixedPolicy
from powergames.serve.seats import read_journal
from powergames.training.config import build_suite
from powergames.training.experiment import run_experiment
from powergames.training.rundir import read_metrics

for _name in ("fastapi", "uvicorn", "httpx", "websockets"):
    pytest.importorskip(_name)

ROOT = Path(__file__).resolve().parents[2]


def docs_js(tmp_path: Path) -> Path:
    text = (ROOT / "docs" / "serve.md").read_text()
    code = re.search(r"```js\n(.*?)```", text, re.S).group(1)
    path = tmp_path / "play.mjs"
    path.write_text(code)
    return path


def replay_config(cfg: dict, journal: Path) -> dict:
    """The match's config with every remote seat replaced by the replay of its journal."""
    out = json.loads(json.dumps(cfg))
    for i, agent in enumerate(out["agents"]):
        if agent["kind"] == "remote":
            out["agents"][i] = {
                "kind": "replay",
                "seats": agent["seats"],
                "params": {"journal": str(journal), "seat": i},
            }
    return out


def play_match(server, client, tmp_path, cfg, require):
    from powergames.serve.client import RemoteAgent

    node = shutil.which("node")
    if node is None:
        require("node")
    client.create_match(cfg)
    py = RemoteAgent(server.url, cfg["name"], MixedPolicy(np.array([0.3, 0.7])), seat=0, seed=11)
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("py", py.play()))
    t.start()
    js = subprocess.run(
        [node, str(docs_js(tmp_path)), server.url, cfg["name"]],
        capture_output=True,
        text=True,
        timeout=300,
    )
    t.join(300)
    assert js.returncode == 0, js.stderr
    return out["py"], json.loads(js.stdout.strip().splitlines()[-1]), py


def test_match_equals_in_process_replay(server, client, tmp_path, make_config, require):
    cfg = make_config("acceptance", budget=40, every=10)
    result, js_result, py = play_match(server, client, tmp_path, cfg, require)
    assert result.status == "finished" and js_result == {"status": "finished", "steps": 40}
    run_dir = server.matches.root / "acceptance"
    journal = run_dir / "remote_actions.jsonl"
    entries = [json.loads(x) for x in journal.read_text().splitlines()]
    assert len(entries) == 2 * 40 and {e["source"] for e in entries} == {"client"}
    # the JavaScript client's rule, and the Python agent's own record, are what the run recorded
    assert read_journal(journal, 1) == [s % 2 for s in range(40)]
    assert read_journal(journal, 0) == [a for _, a in py.actions]
    # the remote seats' evaluated strategies are their empirical frequencies
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "complete" and summary["steps"] == 40
    assert {p.name for p in (run_dir / "plots").glob("*.png")}

    exp = build_suite(replay_config(cfg, journal)).experiments[0]
    local = tmp_path / "local"
    run_experiment(exp, local, progress=False, quiet=True, plots=False)
    cols_a, a = read_metrics(run_dir / "metrics.csv")
    cols_b, b = read_metrics(local / "metrics.csv")
    assert cols_a == cols_b
    for col in cols_a:
        np.testing.assert_array_equal(a[col], b[col], err_msg=col)
    local_summary = json.loads((local / "summary.json").read_text())
    assert local_summary["final"] == summary["final"]


def test_remote_seat_strategy_is_empirical(server, client, tmp_path, make_config):
    """POWER/NashConv columns are computed at the remote seats' empirical strategies: a replay whose
    actions have the same frequencies but in another order gives the same final metrics."""
    cfg = make_config(
        "empirical",
        budget=20,
        every=20,
        agents=[
            {"kind": "remote", "seats": [0]},
            {"kind": "pure", "seats": [1], "params": {"action": 0}},
            {"kind": "pure", "seats": [2], "params": {"action": 0}},
        ],
    )
    from powergames.serve.client import RemoteAgent

    client.create_match(cfg)
    acts = [0] * 5 + [1] * 15
    agent = RemoteAgent(server.url, "empirical", lambda obs: acts[obs.step], seat=0)
    agent.play()
    final = json.loads((server.matches.root / "empirical" / "summary.json").read_text())["final"]
    shuffled = json.loads(json.dumps(cfg))
    shuffled["agents"][0] = {"kind": "replay", "seats": [0], "params": {"actions": acts[::-1]}}
    exp = build_suite(shuffled).experiments[0]
    run_experiment(exp, tmp_path / "rev", progress=False, quiet=True, plots=False)
    rev = json.loads((tmp_path / "rev" / "summary.json").read_text())["final"]
    for key in final:
        if key.startswith(("power/", "share/c0/mean", "share/c1/mean")):
            assert final[key] == pytest.approx(rev[key], abs=1e-12), key
    # ... and not the strategy of a seat that always played 1
    always = json.loads(json.dumps(cfg))
    always["agents"][0] = {"kind": "pure", "seats": [0], "params": {"action": 1}}
    run_experiment(
        build_suite(always).experiments[0],
        tmp_path / "pure",
        progress=False,
        quiet=True,
        plots=False,
    )
    pure = json.loads((tmp_path / "pure" / "summary.json").read_text())["final"]
    assert pure["share/c0/mean"] == pytest.approx(0.0, abs=1e-12)  # always in the minority
    # playing 0 (all three agree, 1/3 each) with frequency 5/20, else in the minority (0)
    assert final["share/c0/mean"] == pytest.approx(0.25 / 3, abs=1e-12)


@pytest.mark.parametrize("history", ["none", "actions"])
def test_watch_stream_and_description(server, client, make_config, history):
    import asyncio

    import websockets

    from powergames.serve.client import RemoteAgent
    from powergames.serve.protocol import MatchResult, WatchUpdate

    cfg = make_config("watched", budget=10, every=5)
    cfg["env"]["kwargs"]["history"] = history
    client.create_match(cfg)
    text = client.description("watched")
    assert "3 players" in text and "ACTION" not in text
    players = [
        threading.Thread(target=RemoteAgent(server.url, "watched", lambda o: 1, seat=s).play)
        for s in (0, 1)
    ]

    async def watch():
        seen = []
        url = server.url.replace("http", "ws") + "/v1/matches/watched/watch"
        async with websockets.connect(url) as ws:
            for th in players:
                th.start()
            async for raw in ws:
                data = json.loads(raw)
                if data["type"] == "result":
                    return seen, MatchResult.model_validate(data)
                seen.append(WatchUpdate.model_validate(data))

    seen, result = asyncio.run(asyncio.wait_for(watch(), 120))
    for th in players:
        th.join()
    assert result.status == "finished" and result.steps == 10
    assert seen[-1].status == "finished" and "share/c0/mean" in seen[-1].metrics
    shown = [u.last_joint_action for u in seen if u.last_joint_action is not None]
    if history == "none":  # the agents do not see each other's actions: neither do spectators
        assert not shown
    else:
        assert shown and all(a[:2] == [1, 1] and len(a) == 3 for a in shown)


def test_seat_sees_what_its_agent_sees_in_process(server, client, make_config, monkeypatch):
    """Bayesian game: the remote seat's observations are exactly the in-process agent's (own type
    only), and no message field holds the hidden type profile."""
    from powergames.serve import seats
    from powergames.serve.client import RemoteAgent

    cfg = make_config("bayes", budget=30, every=15)
    cfg["env"] = {"id": "powergames/bayesian-v0", "kwargs": {"max_cycles": 3, "history": "actions"}}
    cfg["agents"] = [
        {"kind": "remote", "seats": [0], "params": {"deadline": 20}},
        {"kind": "regret_matching", "seats": [1]},
    ]
    client.create_match(cfg)
    got = []

    def policy(obs):
        got.append(obs)
        return obs.step % 2

    RemoteAgent(server.url, "bayes", policy, seat=0).play()
    for o in got:
        dumped = o.model_dump()
        assert not {"state", "types"} & set(dumped)
        block = slice(*o.layout["type"])
        assert o.type_index == int(np.argmax(o.observation[block])) and o.n_types >= 2
    seen = []
    real_act = seats.ReplayPolicy.act
    monkeypatch.setattr(
        seats.ReplayPolicy,
        "act",
        lambda self, ob, rng: seen.append(np.asarray(ob).tolist()) or real_act(self, ob, rng),
    )
    journal = server.matches.root / "bayes" / "remote_actions.jsonl"
    exp = build_suite(replay_config(cfg, journal)).experiments[0]
    run_experiment(
        exp, server.matches.root.parent / "bayes_local", progress=False, quiet=True, plots=False
    )
    assert [o.observation for o in got] == seen
    assert [o.round for o in got] == [s % 3 for s in range(30)]
