#!/usr/bin/env bash
# Ray tier: the Ray executor (sweeps and suites as Ray tasks, on a cluster started by the tests) and
# the RLlib route, with the [ray] extra (ray[rllib]) in its own venv beside torch; `pip check` must
# be clean. The tests start their own clusters on loopback and stop only what they started.
set -euo pipefail
cd "$(dirname "$0")/../.."

python3 -m venv .venv-ray
. .venv-ray/bin/activate
pip install -q torch==2.13.0
pip install -q ".[dev,ray]"
pip check
python -c "import ray, powergames.training.ray_executor; print('ray', ray.__version__)"

export RAY_USAGE_STATS_ENABLED=0
pytest -q -p no:cacheprovider --durations=5 tests/ray tests/training/test_executor_options.py
