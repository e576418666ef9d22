"""Serve: host matches of an experiment (remote seats played over the network) or a bare env.

    powergames serve configs/remote_match.yaml                  # its kind: remote seats wait for clients
    powergames serve configs/remote_match.yaml --resume         # continue matches a killed server left
    powergames serve powergames/majority-v0 n_players=3 --budget 100   # every seat remote
    powergames serve configs/remote_match.yaml --openapi openapi.json  # write the schema and exit

Binds to 127.0.0.1 unless ``--host`` is given (then it warns). The page at the printed URL watches a
match and plays an open seat; the protocol is in docs/serve.md. Each match writes a run directory
under ``--runs-dir`` like ``powergames train`` (metrics, evaluators, plots, checkpoints) plus
``match.json`` and ``remote_actions.jsonl``. Needs the ``[serve]`` extra.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``powergames serve``."""
    parser.add_argument("target", help="experiment YAML file, or a registered environment id")
    parser.add_argument(
        "overrides", nargs="*", help="key.sub=value config overrides (env kwargs for an ENV_ID)"
    )
    parser.add_argument("--runs-dir", default="runs", help="parent of the run directories (runs)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (8000; 0 picks a free one)")
    parser.add_argument(
        "--resume", action="store_true", help="continue matches from their run dirs"
    )
    parser.add_argument("--overwrite", action="store_true", help="delete existing match runs first")
    parser.add_argument("--budget", type=int, default=100, help="steps of a bare-env match (100)")
    parser.add_argument("--seed", type=int, default=0, help="seed of a bare-env match (0)")
    parser.add_argument(
        "--deadline", type=float, default=30.0, help="seconds per step of a bare-env seat (30)"
    )
    parser.add_argument(
        "--no-create", action="store_true", help="refuse POST /v1/matches (only the given matches)"
    )
    parser.add_argument(
        "--exit-when-done", action="store_true", help="stop once every match has finished"
    )
    parser.add_argument("--openapi", metavar="PATH", help="write the OpenAPI document and exit")


def bare_env_config(
    env_id: str, kwargs: dict[str, Any], budget: int, seed: int, deadline: float
) -> dict[str, Any]:
    """An experiment in which every seat of ``env_id`` is remote."""
    from powergames.envs import make

    env = make(env_id, **kwargs)
    n = len(env.possible_agents)
    env.close()
    return {
        "name": env_id.split("/", 1)[-1],
        "seed": seed,
        "budget": budget,
        "eval": {"every": budget},
        "env": {"id": env_id, "kwargs": kwargs},
        "agents": [
            {"kind": "remote", "seats": [i], "params": {"deadline": deadline}} for i in range(n)
        ],
    }


def _matches_to_host(args: argparse.Namespace) -> tuple[Path, list[tuple[str, Any]]]:
    import powergames.serve.seats  # noqa: F401 - registers the remote and replay kinds
    from powergames.envs import registry
    from powergames.training.build import check_names, load_suite
    from powergames.training.config import build_suite, parse_override

    target = Path(args.target)
    if target.is_file():
        suite = load_suite(target, args.overrides)
        root = Path(args.runs_dir) if suite.single else Path(args.runs_dir) / suite.name
        return root, [(exp.name, exp) for exp in suite.experiments]
    if args.target in registry:
        kwargs: dict[str, Any] = {}
        for text in args.overrides:
            path, value = parse_override(text)
            if len(path) != 1:
                raise ValueError(f"{text!r}: give environment arguments as name=value")
            kwargs[str(path[0])] = value
        data = bare_env_config(args.target, kwargs, args.budget, args.seed, args.deadline)
        suite = build_suite(data)
        check_names(suite)
        exp = suite.experiments[0]
        return Path(args.runs_dir), [(exp.name, exp)]
    raise FileNotFoundError(
        f"{args.target!r} is neither a config file nor a registered environment id"
    )


def _created_matches(root: Path, known: set[str]) -> list[tuple[str, Any]]:
    """Unfinished matches in ``root`` (a ``match.json`` beside a ``config.yaml``) not in ``known``."""
    from powergames.serve.match import MATCH_FILE
    from powergames.training.config import build_suite, parse_yaml
    from powergames.training.rundir import CONFIG, SUMMARY

    out = []
    for path in sorted(root.glob(f"*/{MATCH_FILE}")):
        run_dir = path.parent
        if run_dir.name in known or not (run_dir / CONFIG).exists():
            continue
        summary = run_dir / SUMMARY
        if summary.exists() and json.loads(summary.read_text()).get("status") == "complete":
            continue
        data = parse_yaml((run_dir / CONFIG).read_text(), source=str(run_dir / CONFIG))
        out.append((run_dir.name, build_suite(data).experiments[0]))
    return out


def _clear(run_dir: Path) -> None:
    from powergames.serve.match import JOURNAL, MATCH_FILE
    from powergames.training.rundir import RunDir

    RunDir(run_dir).clear()
    for name in (JOURNAL, MATCH_FILE):
        (run_dir / name).unlink(missing_ok=True)
    shutil.rmtree(run_dir / "plots", ignore_errors=True)


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted (or, with ``--exit-when-done``, until every match finished)."""
    if args.resume and args.overwrite:
        raise ValueError("--resume and --overwrite exclude each other")
    try:
        from powergames.serve.app import create_app
        from powergames.serve.match import MatchManager
        from powergames.serve.server import bind, serve_forever
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            f"powergames serve needs the [serve] extra: pip install 'powergames[serve]' ({exc})"
        ) from None

    root, exps = _matches_to_host(args)
    manager = MatchManager(root)
    app = create_app(manager, allow_create=not args.no_create)
    if args.openapi:
        Path(args.openapi).write_text(json.dumps(app.openapi(), indent=2))
        print(f"wrote {args.openapi}")
        return 0
    if args.port < 0 or args.port > 65535:
        raise ValueError(f"--port must be in 0..65535, got {args.port}")
    for mid, exp in exps:
        if args.overwrite:
            _clear(root / mid)
        manager.create(exp, mid, resume=args.resume)
    if args.resume:  # matches created by clients (POST /v1/matches) before the crash
        for mid, exp in _created_matches(root, set(manager.matches)):
            manager.create(exp, mid, resume=True)
    sock = bind(args.host, args.port)
    host, port = sock.getsockname()[:2]
    print(f"powergames serve on http://{host}:{port}/", flush=True)
    for mid in manager.matches:
        info = manager.get(mid).info()
        remote = [s.seat for s in info.seats if s.kind == "remote"]
        print(
            f"  match {mid}: {info.env_id}, status {info.status}, remote seats {remote}", flush=True
        )
    if args.exit_when_done:

        def watch() -> None:
            while any(m.status not in ("finished", "failed") for m in manager.matches.values()):
                time.sleep(0.2)
            time.sleep(1.0)  # let clients read their results
            import os
            import signal

            os.kill(os.getpid(), signal.SIGINT)

        threading.Thread(target=watch, daemon=True).start()
    try:
        serve_forever(app, sock)
    except KeyboardInterrupt:  # pragma: no cover - uvicorn handles SIGINT itself
        pass
    finally:
        manager.stop()
    failed = [m.id for m in manager.matches.values() if m.status == "failed"]
    for mid in failed:
        print(f"match {mid} failed: {manager.get(mid).error}", file=sys.stderr)
    return 1 if failed else 0
