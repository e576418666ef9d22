"""Security and robustness: tokens, bad messages, silent and vanished clients, a killed server.

Each refusal has the status docs/serve.md states, changes nothing, and the match goes on: after
every probe the seats still finish the match and its journal holds every step exactly once.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from powergames.serve.seats import read_journal
from powergames.training.config import build_suite
from powergames.training.experiment import run_experiment
from powergames.training.rundir import read_metrics

for _name in ("fastapi", "uvicorn", "httpx", "websockets"):
    pytest.importorskip(_name)
httpx = pytest.importorskip("httpx")
websockets = pytest.importorskip("websockets")


def journal(server, mid):
    path = server.matches.root / mid / "remote_actions.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()]


def wait_for(pred, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def status_of(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    assert body["type"] == "error" and body["protocol"] == "powergames.serve/1"
    return response.status_code, body["error"]["code"]


def test_tokens_and_bad_messages(server, client, make_config):
    from powergames.serve.client import RemoteAgent

    client.create_match(make_config("a", budget=12, every=6))
    client.create_match(make_config("b", budget=12, every=6))
    t0 = client.join("a", 0).token
    t1 = client.join("a", 1).token
    tb = client.join("b", 0).token
    http = httpx.Client(base_url=server.url)
    obs = "/v1/matches/a/seats/0/observe"
    act = "/v1/matches/a/seats/0/act"

    def bearer(t):
        return {"Authorization": f"Bearer {t}"}

    assert status_of(http.get(obs)) == (401, "unauthorized")
    assert status_of(http.get(obs, headers=bearer(t1))) == (403, "forbidden")  # another seat's
    assert status_of(http.get(obs, headers=bearer(tb))) == (403, "forbidden")  # another match's
    assert status_of(http.get(obs, headers=bearer(t0[:-1] + "x"))) == (403, "forbidden")
    assert status_of(http.get("/v1/matches/zzz/seats/0/observe", headers=bearer(t0))) == (
        404,
        "not_found",
    )
    assert status_of(http.get("/v1/matches/a/seats/2/observe", headers=bearer(t0))) == (
        404,
        "not_found",
    )
    assert status_of(http.post("/v1/matches/a/join", json={"seat": 0})) == (409, "conflict")
    assert status_of(
        http.get(obs, headers={**bearer(t0), "Powergames-Protocol": "powergames.serve/2"})
    ) == (400, "bad_request")

    # wait until seat 0 is asked for step 0, then send bad actions
    wait_for(lambda: client.observe("a", 0, t0).status == "act")
    assert status_of(http.post(act, json={"step": 0, "action": 1}, headers=bearer(t1))) == (
        403,
        "forbidden",
    )
    assert status_of(http.post(act, json={"step": 0, "action": 1}, headers=bearer(tb))) == (
        403,
        "forbidden",
    )
    big = {"step": 0, "action": 1, "pad": "x" * 100_000}
    assert status_of(http.post(act, json=big, headers=bearer(t0))) == (413, "too_large")
    chunks = (b"x" * 10_000 for _ in range(10))  # no Content-Length: counted while streaming
    assert status_of(http.post(act, content=chunks, headers=bearer(t0)))[0] == 413
    bad = http.post(
        act,
        content=b'{"step": 0, "action": ',
        headers={**bearer(t0), "Content-Type": "application/json"},
    )
    assert status_of(bad) == (400, "bad_request")
    for body, field in [
        ({"step": 0, "action": 1, "extra": 1}, "extra"),
        ({"step": -1, "action": 1}, "step"),
        ({"step": 0, "action": "one"}, "action"),
        ({"step": 0}, "action"),
    ]:
        r = http.post(act, json=body, headers=bearer(t0))
        assert status_of(r) == (422, "invalid") and field in r.json()["error"]["message"]
    r = http.post(act, json={"step": 0, "action": 2}, headers=bearer(t0))  # k = 2
    assert status_of(r) == (422, "invalid") and "[0, 2)" in r.json()["error"]["message"]
    r = http.post(act, json={"step": 3, "action": 1}, headers=bearer(t0))
    assert status_of(r) == (409, "conflict")
    assert journal(server, "a") == []  # nothing above was recorded

    # the match goes on: both seats play it to the end with their tokens
    agents = [
        RemoteAgent(server.url, "a", lambda o: 1, seat=s, token=t) for s, t in ((0, t0), (1, t1))
    ]
    threads = [threading.Thread(target=a.play) for a in agents]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert client.result("a").status == "finished"
    entries = journal(server, "a")
    assert sorted((e["seat"], e["step"]) for e in entries) == [
        (s, k) for s in (0, 1) for k in range(12)
    ]
    assert {e["source"] for e in entries} == {"client"}
    # once finished, an action is refused and nothing changes
    assert status_of(http.post(act, json={"step": 12, "action": 1}, headers=bearer(t0)))[0] == 409


def test_websocket_refusals(server, client, make_config):
    client.create_match(make_config("w", budget=6, every=6))
    t0 = client.join("w", 0).token
    client.join("w", 1)
    url = server.url.replace("http", "ws") + "/v1/matches/w/seats/0/ws"

    async def run():
        async with websockets.connect(url) as ws:  # wrong token
            await ws.send(json.dumps({"type": "hello", "token": "nope"}))
            msg = json.loads(await ws.recv())
            assert msg["type"] == "error" and msg["error"]["code"] == "forbidden"
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd.code == 1008
        async with websockets.connect(url, max_size=None) as ws:
            await ws.send(json.dumps({"type": "hello", "token": t0}))
            first = json.loads(await ws.recv())
            assert first["type"] == "observation"
            await ws.send("{not json")
            msg = json.loads(await ws.recv())
            while msg["type"] == "observation":
                msg = json.loads(await ws.recv())
            assert msg["type"] == "error" and msg["error"]["code"] == "bad_request"
            await ws.send(json.dumps({"type": "act", "step": 0, "action": 1, "bogus": True}))
            msg = json.loads(await ws.recv())
            while msg["type"] == "observation":
                msg = json.loads(await ws.recv())
            assert msg["type"] == "error" and msg["error"]["code"] == "invalid"
            await ws.send("x" * 100_000)  # over the 64 KiB limit: the server closes
            with pytest.raises(websockets.ConnectionClosed) as closed:
                while True:
                    await ws.recv()
            assert closed.value.rcvd.code == 1009

    asyncio.run(asyncio.wait_for(run(), 60))
    assert client.match("w").status in ("running", "waiting_for_players")  # the match goes on


def _replayed_metrics(cfg, journal_path, tmp_path):
    out = json.loads(json.dumps(cfg))
    for i, a in enumerate(out["agents"]):
        if a["kind"] == "remote":
            out["agents"][i] = {
                "kind": "replay",
                "seats": a["seats"],
                "params": {"journal": str(journal_path), "seat": i},
            }
    run_experiment(
        build_suite(out).experiments[0],
        tmp_path / "replay",
        progress=False,
        quiet=True,
        plots=False,
    )
    return read_metrics(tmp_path / "replay" / "metrics.csv")


@pytest.mark.parametrize("policy", ["default", "forfeit"])
def test_client_that_never_answers(server, client, make_config, tmp_path, policy):
    cfg = make_config("silent", budget=8, every=4)
    cfg["agents"][0]["params"] = {"deadline": 0.3, "on_timeout": policy, "default_action": 1}
    cfg["agents"][1] = {"kind": "uniform", "seats": [1]}
    client.create_match(cfg)
    token = client.join("silent", 0).token
    wait_for(lambda: client.match("silent").status == "finished", 60)
    entries = journal(server, "silent")
    assert [e["step"] for e in entries] == list(range(8))
    assert all(e["action"] == 1 for e in entries)
    if policy == "default":
        assert {e["source"] for e in entries} == {"timeout"}
        assert all(e["ms"] >= 300 for e in entries)
        assert client.observe("silent", 0, token).status == "finished"  # the token still works
    else:
        assert [e["source"] for e in entries] == ["timeout"] + ["forfeit"] * 7
        with pytest.raises(Exception) as err:
            client.observe("silent", 0, token)
        assert err.value.status == 403
        assert json.loads((server.matches.root / "silent" / "match.json").read_text())["seats"][
            "0"
        ]["forfeited"]
    result = client.result("silent")
    assert result.remote[0].timeouts == 8 and result.remote[0].forfeited == (policy == "forfeit")
    cols, local = _replayed_metrics(
        cfg, server.matches.root / "silent" / "remote_actions.jsonl", tmp_path
    )
    cols2, served = read_metrics(server.matches.root / "silent" / "metrics.csv")
    assert cols == cols2 and all(np.array_equal(local[c], served[c]) for c in cols)


def test_client_that_disconnects_mid_step(server, client, make_config):
    from powergames.serve.client import RemoteAgent

    cfg = make_config("gone", budget=6, every=3)
    cfg["agents"][0]["params"] = {"deadline": 1.0}
    cfg["agents"][1] = {"kind": "uniform", "seats": [1]}
    client.create_match(cfg)
    token = client.join("gone", 0).token
    url = server.url.replace("http", "ws") + "/v1/matches/gone/seats/0/ws"

    async def connect_and_vanish():
        async with websockets.connect(url) as ws:
            await ws.send(json.dumps({"type": "hello", "token": token}))
            while True:
                msg = json.loads(await ws.recv())
                if msg["type"] == "observation" and msg["status"] == "act":
                    return msg["step"]  # leave without acting

    assert asyncio.run(asyncio.wait_for(connect_and_vanish(), 60)) == 0
    path = server.matches.root / "gone" / "remote_actions.jsonl"
    wait_for(lambda: len(path.read_text().splitlines()) >= 1, 30)  # the deadline passed
    RemoteAgent(server.url, "gone", lambda o: 0, seat=0, token=token).play()  # comes back
    entries = journal(server, "gone")
    assert [e["step"] for e in entries] == list(range(6))
    assert entries[0]["source"] == "timeout" and entries[0]["ms"] >= 1000
    assert {e["source"] for e in entries[1:]} == {"client"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(config: Path, runs: Path, port: int, resume: bool) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "powergames.cli",
        "serve",
        str(config),
        "--runs-dir",
        str(runs),
        "--port",
        str(port),
        "--exit-when-done",
    ] + (["--resume"] if resume else [])
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("powergames serve on"), proc.stderr.read()
    return proc


def test_killed_server_resumes(tmp_path, make_config):
    from powergames.serve.client import RemoteAgent, ServeClient
    from powergames.training.config import dump_yaml

    cfg = make_config("crash", budget=60, every=10)
    cfg["agents"][1] = {"kind": "uniform", "seats": [1]}
    config = tmp_path / "crash.yaml"
    config.write_text(dump_yaml(cfg))
    runs = tmp_path / "runs"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _start_server(config, runs, port, resume=False)
    api_cfg = make_config("api", budget=30, every=10)
    api_cfg["agents"][1] = {"kind": "uniform", "seats": [1]}
    with ServeClient(url) as c:
        c.create_match(api_cfg)  # a match created by a client, not in the config file
    agent = RemoteAgent(url, "crash", lambda o: (o.step * 7) % 3 % 2, seat=0, reconnect=120)
    api_agent = RemoteAgent(url, "api", lambda o: 1, seat=0, reconnect=120)
    done = {}
    th = threading.Thread(target=lambda: done.setdefault("result", agent.play()))
    th_api = threading.Thread(target=lambda: done.setdefault("api", api_agent.play()))
    th.start()
    th_api.start()
    jpath = runs / "crash" / "remote_actions.jsonl"
    wait_for(lambda: jpath.exists() and len(jpath.read_text().splitlines()) >= 25, 120)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    before = read_metrics(runs / "crash" / "metrics.csv")[1]["step"]
    checkpoint = json.loads((runs / "crash" / "checkpoints" / "latest.json").read_text())["step"]
    assert 20 <= checkpoint < 60 and before[-1] in (checkpoint, checkpoint + 10)
    proc = _start_server(config, runs, port, resume=True)
    th.join(180)
    th_api.join(180)
    assert proc.wait(60) == 0
    assert done["api"].status == "finished" and done["api"].steps == 30
    api_steps = [
        json.loads(x)["step"]
        for x in (runs / "api" / "remote_actions.jsonl").read_text().splitlines()
    ]
    assert api_steps == list(range(30))
    result = done["result"]
    assert result.status == "finished" and result.steps == 60
    entries = [json.loads(x) for x in jpath.read_text().splitlines()]
    assert [e["step"] for e in entries] == list(range(60))  # each step once, none lost
    assert read_journal(jpath, 0) == [(s * 7) % 3 % 2 for s in range(60)]
    summary = json.loads((runs / "crash" / "summary.json").read_text())
    assert summary["status"] == "complete" and summary["resumed_from_step"] == checkpoint
    cols, local = _replayed_metrics(cfg, jpath, tmp_path)
    cols2, served = read_metrics(runs / "crash" / "metrics.csv")
    assert cols == cols2
    for c in cols:
        np.testing.assert_array_equal(local[c], served[c], err_msg=c)
    with ServeClient(url) as c, pytest.raises(httpx.TransportError):
        c.match("crash")  # the server exited once the match was done


def test_finished_matches_leave_memory_not_disk(server, client, make_config):
    """A long-running server keeps only the newest ``keep_finished`` finished matches in memory."""
    from powergames.serve.client import RemoteAgent, ServeError

    server.matches.keep_finished = 1
    for name in ("old", "new"):
        cfg = make_config(name, budget=2, every=2)
        cfg["agents"][1] = {"kind": "uniform", "seats": [1]}
        client.create_match(cfg)
        RemoteAgent(server.url, name, lambda o: 0, seat=0).play()
        wait_for(lambda n=name: client.match(n).status == "finished")
    cfg = make_config("third", budget=2, every=2)
    client.create_match(cfg)  # creating prunes: "old" leaves memory
    with pytest.raises(ServeError) as err:
        client.match("old")
    assert err.value.status == 404
    assert client.match("new").status == "finished"
    assert (
        json.loads((server.matches.root / "old" / "summary.json").read_text())["status"]
        == "complete"
    )
    with pytest.raises(ServeError) as err:  # its run directory is not overwritten
        client.create_match(make_config("old", budget=2, every=2))
    assert err.value.status == 409
