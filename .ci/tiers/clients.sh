#!/usr/bin/env bash
# The clients tier: real third-party MARL clients drive the registered environments (tests/clients/).
# Two venvs, because AgileRL's pins (gymnasium 1.4, pettingzoo 1.26) and Tianshou's (gymnasium < 1.3)
# do not install together:
#   .venv-clients          TorchRL, SuperSuit + SB3, Tianshou, RL Zoo, Ray RLlib   (extra "clients")
#   .venv-clients-agilerl  AgileRL                                                 (extra "agilerl")
set -euo pipefail
cd "$(dirname "$0")/../.."

run_tier() {  # venv, extra, test files...
    local venv=$1 extra=$2
    shift 2
    echo "== clients tier: $venv (.[dev,$extra])"
    python3 -m venv "$venv"
    (
        . "$venv/bin/activate"
        pip install -q torch==2.13.0
        pip install -q ".[dev,$extra]"
        python -m pytest -q -p no:cacheprovider "$@"
    )
}

run_tier .venv-clients clients \
    tests/clients/test_torchrl.py tests/clients/test_supersuit_sb3.py tests/clients/test_tianshou.py \
    tests/clients/test_rl_zoo.py tests/clients/test_rllib.py
run_tier .venv-clients-agilerl agilerl tests/clients/test_agilerl.py
