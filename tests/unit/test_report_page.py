"""report.html rendered by a real headless Chromium (Debian's package): its tables and embedded images show."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tuner.config import load_experiment
from tuner.outputs import RunResult, TrialRow, new_record, write_run_dir
from tuner.search import flat_space

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Appended to a copy of the page: after load, record what the browser actually rendered.
PROBE = """<script>window.addEventListener('load', () => {
  const imgs = [...document.images];
  document.body.setAttribute('data-images-ok', imgs.filter(i => i.complete && i.naturalWidth > 0).length);
  document.body.setAttribute('data-images', imgs.length);
  document.body.setAttribute('data-rows', document.querySelectorAll('table tr').length);
});</script>"""


def _run_result(tmp_path) -> RunResult:
    exp = load_experiment(ROOT / "experiments" / "quickstart.yaml", [f"output.dir={tmp_path}"])
    record = new_record(exp, exp.search.metric, exp.search.mode)
    rows = [TrialRow(f"t{i}", status, {"rank": 4 + 4 * i, "regParam": 0.01 * (i + 1), "maxIter": 10},
                     {"rmse": 0.6 + 0.02 * i, "mae": 0.45 + 0.01 * i}, {}, 3 if status == "completed" else 1,
                     20.0 + i, "" if status != "failed" else "rmse is nan on fold 0")
            for i, status in enumerate(["completed", "completed", "completed", "pruned", "failed"])]
    record = record.but(status="completed", best_params=rows[0].params, best_cv_metric=0.6,
                        test_metrics={"rmse": 0.61, "mae": 0.46}, trials={"completed": 3, "pruned": 1, "failed": 1},
                        rows={"read": 1000, "kept": 990, "dropped": {"duplicate": 10}, "train": 792, "test": 198},
                        dashboard_url="http://127.0.0.1:8265", versions={"python": "3.11", "ray": "2.60.0"},
                        wall_seconds=12.5)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    space = flat_space(exp.model.params)
    return RunResult(exp, run_dir, record, rows, space, ("rmse", "mae"))


def _render(page: Path, tmp_path: Path) -> str:
    assert CHROMIUM, "Chromium is needed for this test: apt-get install chromium (.ci/run installs it)"
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000",
                           "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_the_report_renders_its_tables_and_images_in_chromium(tmp_path):
    result = _run_result(tmp_path)
    write_run_dir(result)
    page = result.run_dir / "report.html"
    text = page.read_text()
    assert "http" not in re.sub(r'href="[^"]*"|http://127\.0\.0\.1:8265', "", text)  # no network resource
    dom = _render(page, tmp_path)
    body = re.search(r"<body[^>]*>", dom).group(0)
    images = int(re.search(r'data-images="(\d+)"', body).group(1))
    assert images == 2 and f'data-images-ok="{images}"' in body  # history + importance PNGs, decoded
    assert int(re.search(r'data-rows="(\d+)"', body).group(1)) >= 5 + 1  # the leaderboard's rows at least
    for needle in ("Best CV rmse: 0.6000", "Leaderboard", "rmse is nan on fold 0", "http://127.0.0.1:8265",
                   "dropped: duplicate"):
        assert needle in dom, needle
    shot = tmp_path / "report.png"
    subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile2'}", "--window-size=1200,1600",
                    f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 10_000  # a real picture of the page, not an empty canvas
