"""The protocol: OpenAPI generated from the models, strict validation, the CLI around it."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest
from pydantic import ValidationError

from powergames.serve import protocol

for _name in ("fastapi", "uvicorn", "httpx", "websockets"):
    pytest.importorskip(_name)


def test_openapi_is_generated_from_the_models(tmp_path):
    out = tmp_path / "openapi.json"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "powergames.cli",
            "serve",
            "powergames/majority-v0",
            "n_players=3",
            "--runs-dir",
            str(tmp_path / "runs"),
            "--openapi",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    schemas = doc["components"]["schemas"]
    for name in (
        "SeatObservation",
        "ActRequest",
        "ActResponse",
        "JoinRequest",
        "JoinResponse",
        "MatchInfo",
        "MatchResult",
        "ErrorResponse",
        "EnvCreated",
        "StepRequest",
        "EnvResult",
    ):
        assert name in schemas, name
        assert (
            schemas[name]["properties"].keys()
            == getattr(protocol, name).model_json_schema()["properties"].keys()
        )
    act = doc["paths"]["/v1/matches/{match_id}/seats/{seat}/act"]["post"]
    assert act["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ActRequest"
    )
    assert {"403", "409", "413", "422"} <= set(act["responses"])
    assert schemas["ActRequest"].get("additionalProperties") is False


def test_models_refuse_unknown_keys_and_bad_values():
    with pytest.raises(ValidationError):
        protocol.ActRequest.model_validate({"step": 0, "action": 1, "x": 0})
    with pytest.raises(ValidationError):
        protocol.ActRequest.model_validate({"step": 0, "action": -1})
    with pytest.raises(ValidationError):
        protocol.ActMeta.model_validate({"reply": "x" * (protocol.MAX_TEXT + 1)})
    msg = protocol.SeatObservation(match_id="m", seat=0, agent="a", status="act", step=0)
    assert json.loads(msg.model_dump_json())["protocol"] == protocol.PROTOCOL


def test_observation_never_carries_hidden_fields():
    fields = set(protocol.SeatObservation.model_fields)
    assert not fields & {"state", "types", "x", "hidden_state"}


def test_bare_env_cli_serves_every_seat_remote(tmp_path):
    from powergames.serve.client import RemoteAgent

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "powergames.cli",
            "serve",
            "powergames/matching-pennies-v0",
            "--runs-dir",
            str(tmp_path / "runs"),
            "--port",
            "0",
            "--budget",
            "8",
            "--exit-when-done",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        assert first.startswith("powergames serve on http://127.0.0.1:"), proc.stderr.read()
        url = first.split(" on ", 1)[1].strip().rstrip("/")
        line = proc.stdout.readline()
        assert "matching-pennies-v0" in line and "remote seats [0, 1]" in line
        agents = [RemoteAgent(url, "matching-pennies-v0", lambda o, s=s: s, seat=s) for s in (0, 1)]
        threads = [threading.Thread(target=a.play) for a in agents]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert proc.wait(60) == 0
    finally:
        proc.kill()
    summary = json.loads((tmp_path / "runs" / "matching-pennies-v0" / "summary.json").read_text())
    assert summary["status"] == "complete" and summary["steps"] == 8


def test_binds_loopback_and_warns_otherwise(capsys):
    from powergames.serve.server import bind

    sock = bind()
    assert sock.getsockname()[0] == "127.0.0.1"
    sock.close()
    assert capsys.readouterr().err == ""
    sock = bind("0.0.0.0", 0)
    sock.close()
    assert "not loopback" in capsys.readouterr().err
