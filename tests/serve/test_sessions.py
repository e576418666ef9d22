"""RemoteParallelEnv against a live server: PettingZoo's API and seed tests, no hidden state."""

from __future__ import annotations

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test, parallel_seed_test

from powergames.envs import make

for _name in ("fastapi", "uvicorn", "httpx", "websockets"):
    pytest.importorskip(_name)


@pytest.mark.parametrize(
    ("env_id", "kwargs"),
    [
        ("powergames/majority-v0", {"n_players": 3, "n_actions": 2, "max_cycles": 3}),
        ("powergames/bayesian-v0", {"max_cycles": 2}),
        ("powergames/unit-sum-v0", {"max_cycles": 2, "history": "actions"}),
    ],
)
def test_parallel_api_and_seed(server, env_id, kwargs):
    from powergames.serve.remote import RemoteParallelEnv

    env = RemoteParallelEnv(server.url, env_id, **kwargs)
    parallel_api_test(env, num_cycles=20)
    env.close()
    parallel_seed_test(lambda: RemoteParallelEnv(server.url, env_id, **kwargs))


def test_same_observations_and_rewards_as_in_process(server):
    from powergames.serve.remote import RemoteParallelEnv

    kwargs = {"max_cycles": 4, "history": "actions"}
    remote = RemoteParallelEnv(server.url, "powergames/unit-sum-v0", **kwargs)
    local = make("powergames/unit-sum-v0", **kwargs)
    rng = np.random.default_rng(0)
    for episode in range(3):
        o1, i1 = remote.reset(seed=episode)
        o2, i2 = local.reset(seed=episode)
        for a in o2:
            assert o1[a].dtype == o2[a].dtype and np.array_equal(o1[a], o2[a])
            assert "state" in i2[a] and "state" not in i1[a]  # the hidden X stays on the server
        while local.agents:
            acts = {a: int(rng.integers(local.action_space(a).n)) for a in local.agents}
            r1 = remote.step(acts)
            r2 = local.step(acts)
            for a in acts:
                assert np.array_equal(r1[0][a], r2[0][a])
                assert r1[1][a] == r2[1][a] and r1[2][a] == r2[2][a]
                assert set(r1[4][a]) <= {"round", "joint_action"}
    remote.close()


def test_session_errors(server, client):
    from powergames.serve.client import ServeError
    from powergames.serve.remote import RemoteParallelEnv

    env = RemoteParallelEnv(server.url, "powergames/majority-v0", n_players=2)
    with pytest.raises(ServeError) as err:  # stepping before reset
        env.step({"player_0": 0, "player_1": 0})
    assert err.value.status == 409
    env.reset(seed=0)
    with pytest.raises(ServeError) as err:
        env.step({"player_0": 0})
    assert err.value.status == 422 and "live agents" in err.value.message
    with pytest.raises(ServeError) as err:
        env.step({"player_0": 0, "player_1": 7})
    assert err.value.status == 422 and "player_1" in err.value.message
    with pytest.raises(ServeError) as err:
        client.request("POST", f"/v1/envs/{env.session_id}/reset", "not-the-token", json={})
    assert err.value.status == 403
    with pytest.raises(ServeError) as err:
        client.request("POST", "/v1/envs", json={"id": "powergames/nope-v0"})
    assert err.value.status == 404
    with pytest.raises(ServeError) as err:
        client.request(
            "POST",
            "/v1/envs",
            json={"id": "powergames/majority-v0", "kwargs": {"render_mode": "ansi"}},
        )
    assert err.value.status == 422 and "render_mode" in err.value.message
    env.close()
