"""
A remote agent
==============

``powergames serve`` hosts a match — an ordinary experiment config in which some seats have
``kind: remote`` — and agents in other processes (any language, a browser, a language model) play
those seats over a versioned JSON protocol (:doc:`/guide/external-agents`). The library's agents
fill the other seats and the server runs the evaluators, so the remote seat's exact share is
recorded just as in ``powergames train``.

Here the server runs on a loopback port in a thread of this process, and the remote agent is a
separate Python process: a :class:`~powergames.serve.client.RemoteAgent` playing a fixed mixed
strategy in the 3-player majority game against two Hedge learners.
"""

import csv
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from powergames.serve.client import ServeClient
from powergames.serve.server import ServerThread

config = {
    "name": "remote_demo",
    "seed": 0,
    "budget": 300,
    "eval": {"every": 25, "samples": 300},
    "env": {"id": "powergames/majority-v0", "kwargs": {"n_players": 3, "n_actions": 2}},
    "agents": [
        {"kind": "remote", "seats": [0], "params": {"deadline": 60}},
        {"name": "hedge 1", "kind": "hedge", "seats": [1]},
        {"name": "hedge 2", "kind": "hedge", "seats": [2]},
    ],
}

AGENT = """
import sys
from powergames.agents import MixedPolicy
from powergames.serve.client import RemoteAgent

agent = RemoteAgent(sys.argv[1], "remote_demo", MixedPolicy([0.3, 0.7]), seat=0, seed=1)
result = agent.play()
print(f"remote agent played {len(agent.actions)} steps")
"""

root = Path(tempfile.mkdtemp(prefix="powergames-serve-"))
with ServerThread(root / "runs") as server, ServeClient(server.url) as client:
    client.create_match(config)
    out = subprocess.run(
        [sys.executable, "-c", AGENT, server.url], capture_output=True, text=True, timeout=600
    )
    print(out.stdout.strip())
    if out.returncode != 0:
        raise RuntimeError(out.stderr)

# %%
# The match wrote a run directory like ``powergames train``; its ``metrics.csv`` holds the exact
# shares of every seat at each evaluation. The remote seat plays a fixed 30/70 mix, and the two
# Hedge learners learn to exploit it: its share falls well below the fair third.
with open(root / "runs" / "remote_demo" / "metrics.csv", newline="") as f:
    rows = list(csv.DictReader(f))
step = np.array([float(r["step"]) for r in rows])
fig, ax = plt.subplots(figsize=(6.4, 3.8))
for seat, label in ((0, "remote agent (seat 0)"), (1, "Hedge (seat 1)"), (2, "Hedge (seat 2)")):
    col = f"share/c{seat}/mean"
    if col in rows[0]:
        ax.plot(step, [float(r[col]) for r in rows], "-o", markersize=3, label=label)
ax.axhline(1 / 3, color="grey", ls=":", label="fair share 1/3")
ax.set_xlabel("steps")
ax.set_ylabel("exact expected share")
ax.set_title("A remote seat in the majority game")
ax.legend(fontsize=8)
fig.tight_layout()
