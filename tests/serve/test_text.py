"""The text form for language-model agents: descriptions from the arrays, the strict parser, and
retries/fallbacks recorded in the run."""

from __future__ import annotations

import itertools
import json
import re
import threading

import numpy as np
import pytest

from powergames.envs import make
from powergames.serve.protocol import SeatObservation
from powergames.serve.text import (
    LanguageModelAgent,
    ReplyError,
    describe_env,
    parse_action,
    step_prompt,
)


def test_normal_form_table_is_the_payoffs():
    env = make("powergames/prisoners-dilemma-v0")
    text = describe_env(env)
    pay = env.game.payoffs
    for a in itertools.product(range(2), range(2)):
        line = next(x for x in text.splitlines() if x.strip().startswith(f"a={a}:"))
        values = [float(v) for v in re.findall(r"u_\d=([-0-9.e]+)", line)]
        np.testing.assert_allclose(values, pay[(slice(None), *a)], rtol=1e-3)


def test_unit_sum_text_gives_the_prior_and_expected_shares_never_x():
    env = make("powergames/unit-sum-v0")
    text = describe_env(env)
    game = env.game
    assert "no player ever observes X" in text
    expected = np.tensordot(game.prior, game.shares, axes=1)  # (n, k...)
    first = next(x for x in text.splitlines() if x.strip().startswith("a=(0, 0"))
    values = [float(v) for v in re.findall(r"s_\d=([-0-9.e]+)", first)]
    np.testing.assert_allclose(values, expected[(slice(None),) + (0,) * game.n_players], rtol=1e-3)


def test_bayesian_and_population_descriptions():
    b = make("powergames/bayesian-v0")
    text = describe_env(b)
    assert "observes only its own type" in text and "Prior over type profiles" in text
    p = make("powergames/population-bargaining-v0")
    text = describe_env(p)
    assert "0 = hold out, 1 = cooperate" in text
    assert f"both get {p.settlement:.4g}; otherwise both get {p.disagreement:.4g}" in text
    assert f"among {len(p.possible_agents)} agents" in text


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ("I pick 1", "no line"),
        ("ACTION: 1\nACTION: 0", "2 ACTION lines"),
        ("ACTION: one", "integer"),
        ("ACTION: -1", "integer"),
        ("ACTION: 5", "not legal"),
        ("ACTION: 1.0", "integer"),
    ],
)
def test_parser_is_strict(reply, error):
    with pytest.raises(ReplyError, match=error):
        parse_action(reply, [0, 1, 2])


def test_parser_accepts_one_action_line():
    assert parse_action("Thinking...\naction: 2\n", [0, 1, 2]) == 2
    with pytest.raises(TypeError):
        parse_action(None, [0])


def obs(**kw):
    base = dict(
        match_id="m",
        seat=0,
        agent="player_0",
        status="act",
        step=3,
        observation=[1.0, 0.5],
        legal_actions=[0, 1],
        last_reward=0.25,
        default_action=1,
    )
    return SeatObservation(**{**base, **kw})


def test_prompt_has_observation_and_legal_actions():
    p = step_prompt("RULES", obs(type_index=1, n_types=2))
    assert p.startswith("RULES") and "Legal actions: 0, 1" in p and "type is 1" in p and "0.25" in p


def test_retries_then_fallback():
    replies = iter(["no idea", "ACTION: 7", "ACTION: 0"])
    prompts = []
    agent = LanguageModelAgent(lambda p: prompts.append(p) or next(replies), "RULES", retries=2)
    action, meta = agent(obs())
    assert action == 0 and meta.attempts == 3 and not meta.fallback
    assert "refused: the reply has no line" in prompts[1] and "not legal" in prompts[2]
    agent = LanguageModelAgent(lambda p: "nope", "RULES", retries=1)
    action, meta = agent(obs())
    assert action == 1 and meta.fallback and meta.attempts == 2  # the observation's default action
    agent = LanguageModelAgent(lambda p: "nope", "RULES", retries=0, fallback=0)
    assert agent(obs())[0] == 0
    with pytest.raises(ValueError, match="retries"):
        LanguageModelAgent(lambda p: "", "", retries=-1)


def test_language_model_seat_is_recorded(server, client, make_config):
    pytest.importorskip("httpx")
    from powergames.serve.client import RemoteAgent

    cfg = make_config("llm", budget=6, every=3)
    cfg["agents"][1] = {"kind": "uniform", "seats": [1]}
    client.create_match(cfg)
    text = client.description("llm")
    seen = []

    def model(prompt):  # a stand-in for a user's model client: bad on even steps
        seen.append(prompt)
        step = int(re.search(r"Step (\d+)\.", prompt).group(1))
        return "ACTION: 1" if step % 2 else "hmm"

    agent = RemoteAgent(server.url, "llm", LanguageModelAgent(model, text, retries=1), seat=0)
    th = threading.Thread(target=agent.play)
    th.start()
    th.join(120)
    entries = [
        json.loads(x)
        for x in (server.matches.root / "llm" / "remote_actions.jsonl").read_text().splitlines()
    ]
    assert len(entries) == 6 and all(seen[0].startswith(text) for _ in [0])
    for e in entries:
        assert e["meta"]["fallback"] == (e["step"] % 2 == 0)
        assert e["meta"]["attempts"] == (2 if e["step"] % 2 == 0 else 1)
        assert e["action"] == (
            0 if e["step"] % 2 == 0 else 1
        )  # fallback: the seat's default action 0
    assert client.result("llm").remote[0].fallbacks == 3
