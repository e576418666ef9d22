"""End to end: the quickstart with a tiny budget, its run directory, and eval / plot commands."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.image
import pytest

from powergames.cli import main
from powergames.training.logging import read_tensorboard
from powergames.training.rundir import MetricsTable

#: Every test here trains agents or starts a subprocess.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "configs" / "quickstart.yaml"
TINY = [
    "budget=512",
    "eval.every=256",
    "eval.samples=200",
    "experiments.scarcity.budget=512",
    "experiments.scarcity.eval.every=256",
]

SHARE_COLUMNS = ["mean", "min_x", "x0", "x1", "fair", "empirical", "ci_low", "ci_high"]
POWER_COLUMNS = [
    "p0", "p1", "p0/t0", "p0/t1", "achieved/p0", "achieved/p1", "sum", "c", "sum_minus_c", "nash_conv",
]  # fmt: skip


@pytest.fixture(scope="module")
def quickstart_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    runs = tmp_path_factory.mktemp("runs")
    code = main(
        ["train", str(QUICKSTART), *TINY, "--runs-dir", str(runs), "--jobs", "1", "--quiet"]
    )
    assert code == 0
    return runs / "quickstart"


def is_png(path: Path) -> bool:
    if path.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
        return False
    image = matplotlib.image.imread(path)
    return image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100


def test_run_directory_holds_every_file(quickstart_run: Path) -> None:
    root = quickstart_run
    for name in ("config.yaml", "summary.json", "overview.png"):
        assert (root / name).is_file(), name
    assert is_png(root / "overview.png")
    plots = {"exploit": "shares.png", "copying": "shares.png", "scarcity": "power.png"}
    for exp, plot in plots.items():
        d = root / exp
        for name in ("config.yaml", "metrics.csv", "summary.json", "checkpoints/latest.json"):
            assert (d / name).is_file(), f"{exp}/{name}"
        assert list((d / "tb").glob("events.out.tfevents.*")), exp
        pngs = list((d / "plots").glob("*.png"))
        assert (d / "plots" / plot) in pngs
        assert all(is_png(p) for p in pngs)


def test_metrics_columns_and_steps(quickstart_run: Path) -> None:
    for exp in ("exploit", "copying"):
        table = MetricsTable.load(quickstart_run / exp / "metrics.csv")
        assert table.steps == [0, 256, 512]
        for j in (0, 1):
            for col in SHARE_COLUMNS:
                assert f"share/c{j}/{col}" in table.columns, (exp, j, col)
    copying = MetricsTable.load(quickstart_run / "copying" / "metrics.csv")
    assert copying.column("share/c1/thm2_bound") == [0.5] * 3
    assert copying.column("share/c0/thm2_cap") == [0.5] * 3
    assert all(v >= 0.5 - 1e-9 for v in copying.column("share/c1/min_x"))
    scarcity = MetricsTable.load(quickstart_run / "scarcity" / "metrics.csv")
    for prefix in ("power", "power_avg"):
        for col in POWER_COLUMNS:
            assert f"{prefix}/{col}" in scarcity.columns, (prefix, col)
    assert scarcity.column("power/c") == [pytest.approx(1.0)] * 3


def test_summary_matches_metrics(quickstart_run: Path) -> None:
    top = json.loads((quickstart_run / "summary.json").read_text())
    assert set(top["experiments"]) == {"exploit", "copying", "scarcity"}
    for exp, summary in top["experiments"].items():
        own = json.loads((quickstart_run / exp / "summary.json").read_text())
        assert own == summary
        table = MetricsTable.load(quickstart_run / exp / "metrics.csv")
        assert summary["status"] == "complete"
        assert summary["evaluations"] == len(table.rows)
        assert summary["steps"] == table.steps[-1] == 512
        assert summary["final"] == table.rows[-1]  # exact: floats round-trip through repr


def test_tensorboard_has_every_evaluation(quickstart_run: Path) -> None:
    scalars = read_tensorboard(quickstart_run / "scarcity" / "tb")
    assert [s for s, _ in scalars["eval/power/sum"]] == [0, 256, 512]
    table = MetricsTable.load(quickstart_run / "scarcity" / "metrics.csv")
    assert [v for _, v in scalars["eval/power/sum"]] == pytest.approx(table.column("power/sum"))


def test_eval_recomputes_the_last_row(
    quickstart_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", str(quickstart_run), "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert len(results) == 3
    for path, summary in results.items():
        last = MetricsTable.load(Path(path) / "metrics.csv").rows[-1]
        assert summary["final"] == pytest.approx(last, rel=1e-12, abs=1e-12)


def test_plot_command_redraws(quickstart_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = quickstart_run / "exploit" / "plots" / "shares.png"
    target.unlink()
    assert main(["plot", str(quickstart_run)]) == 0
    out = capsys.readouterr().out
    assert str(target) in out and is_png(target)
    assert str(quickstart_run / "overview.png") in out


def test_existing_run_needs_resume_or_overwrite(quickstart_run: Path) -> None:
    runs = quickstart_run.parent
    args = ["train", str(QUICKSTART), *TINY, "--runs-dir", str(runs), "--jobs", "1", "--quiet"]
    assert main(args) == 2
    assert main([*args, "--resume"]) == 0  # complete: nothing to do
    changed = ["train", str(QUICKSTART), *TINY, "budget=1024", "--runs-dir", str(runs), "--resume"]
    assert main([*changed, "--jobs", "1", "--quiet"]) == 2  # a different config is not a resume
