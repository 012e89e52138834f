"""report.html: one self-contained page per run (no network): outcome, test metrics, rows, leaderboard, plots,
versions, and links to the Ray dashboard, the MLflow run and the Optuna study when the run has them."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from tuner.outputs.leaderboard import TrialRow
from tuner.safe_io import atomic_write_text

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
h1{font-size:1.5rem;margin:0 0 .2rem} h2{font-size:1.1rem;margin:1.6rem 0 .4rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.3rem 0} td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}
th{background:#f5f5f5} .completed{color:#176f2c} .pruned{color:#8a6d00} .failed{color:#b00020}
.big{font-size:1.25rem;font-weight:600} .muted{color:#777} img{max-width:100%;border:1px solid #eee;margin:.3rem 0}
code{background:#f5f5f5;padding:0 .2rem}
"""


def write_report(summary: dict, rows: list[TrialRow], tuned: list[str], metrics: tuple[str, ...], folder: Path,
                 path: Path) -> Path:
    """Write ``path`` (report.html) from the run's summary, its leaderboard rows (best first) and the PNGs
    under ``folder/plots`` (embedded as data URIs, so the file can be mailed or opened offline).

    Returns:
        ``path``.
    """
    parts = [_head(summary), _outcome(summary), _pareto(summary), _rows(summary.get("rows") or {}),
             _leaderboard(rows, tuned, metrics, summary["metric"], summary.get("pareto")), _plots(folder / "plots"),
             _links(summary), _versions(summary.get("versions") or {})]
    page = ("<!doctype html><html lang=en><head><meta charset=utf-8>"
            f"<title>tuner: {_e(summary['experiment'])}</title><style>{_CSS}</style></head><body>"
            + "".join(parts) + "</body></html>\n")
    atomic_write_text(path, page)
    return path


def _e(value) -> str:
    return html.escape(str(value))


def _fmt(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else _e(value)


def _table(head: list[str], body: list[list], cls: list[str] | None = None) -> str:
    out = ["<table><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>"]
    for i, row in enumerate(body):
        attr = f' class="{cls[i]}"' if cls else ""
        out.append(f"<tr{attr}>" + "".join(f"<td>{_fmt(v)}</td>" for v in row) + "</tr>")
    return "".join(out) + "</table>"


def _head(s: dict) -> str:
    return (f"<h1>{_e(s['experiment'])}</h1><div class=muted>{_e(s.get('model_type'))} · {_e(s.get('num_samples'))} "
            f"trials x {_e(s.get('folds'))} folds · status <b>{_e(s['status'])}</b> · "
            f"{_e(s.get('wall_seconds'))} s</div>")


def _outcome(s: dict) -> str:
    out = ["<h2>Outcome</h2>"]
    if s.get("best_cv_metric") is not None:
        out.append(f"<p class=big>Best CV {_e(s['metric'])}: {s['best_cv_metric']:.4f} ({_e(s['mode'])}imised)</p>")
        out.append(_table(["param", "value"], [[k, v] for k, v in (s.get("best_params") or {}).items()]))
    if s.get("test_metrics"):
        out.append("<p>Test metrics of the refit model</p>")
        out.append(_table(list(s["test_metrics"]), [list(s["test_metrics"].values())]))
    t = s.get("trials") or {}
    out.append(f"<p>Trials: {_e(t.get('completed', 0))} completed, {_e(t.get('pruned', 0))} pruned, "
               f"{_e(t.get('failed', 0))} failed</p>")
    if s.get("model_path"):
        out.append(f"<p>Model: <code>{_e(s['model_path'])}</code></p>")
    for reason, n in (s.get("failure_reasons") or {}).items():
        out.append(f"<p class=failed>{_e(n)} x {_e(reason)}</p>")
    return "".join(out)


def _rows(r: dict) -> str:
    if not r:
        return ""
    body = [["read", r.get("read")], ["kept", r.get("kept")]]
    body += [[f"dropped: {k.replace('_', ' ')}", v] for k, v in (r.get("dropped") or {}).items()]
    body += [[k, r[k]] for k in ("train", "test", "test_dropped_cold_start", "users", "items", "source") if k in r]
    return "<h2>Rows</h2>" + _table(["", "rows"], body)


def _leaderboard(rows: list[TrialRow], tuned: list[str], metrics: tuple[str, ...], metric: str,
                 pareto: dict | None = None) -> str:
    if not rows:
        return ""
    shown = [metric] + [m for m in metrics if m != metric]
    front = {m["trial_id"] for m in pareto["front"]} if pareto else None
    also = [o["metric"] for o in pareto["objectives"] if o["metric"] not in shown] if pareto else []
    mark = ["pareto"] if front is not None else []
    head = ["#", "trial", "status", *mark, *tuned, *[f"cv {m}" for m in shown], *also, "folds", "seconds", "error"]
    body = [[i, r.trial_id, r.status, *(["yes" if r.trial_id in front else ""] if front is not None else []),
             *[r.params.get(p, "") for p in tuned], *[r.metrics.get(m, "") for m in (*shown, *also)],
             r.folds_done, round(r.seconds, 1), r.error] for i, r in enumerate(rows, 1)]
    return "<h2>Leaderboard</h2>" + _table(head, body, [r.status for r in rows])


def _plots(folder: Path) -> str:
    pngs = sorted(folder.glob("*.png")) if folder.is_dir() else []
    if not pngs:
        return ""
    out = ["<h2>Plots</h2>"]
    for png in pngs:
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        out.append(f'<figure><img alt="{_e(png.stem)}" src="data:image/png;base64,{data}">'
                   f"<figcaption class=muted>{_e(png.name)}</figcaption></figure>")
    return "".join(out)


def _links(s: dict) -> str:
    items = []
    if s.get("dashboard_url"):
        items.append(f'<li>Ray dashboard (while the run was up): <a href="{_e(s["dashboard_url"])}">'
                     f"{_e(s['dashboard_url'])}</a></li>")
    mlflow = s.get("mlflow") or {}
    if mlflow.get("run_id"):
        items.append(_mlflow_item(mlflow))
    study = s.get("study") or {}
    if study.get("storage"):
        file = study.get("file") or ""
        where = f'<a href="{_e(Path(file).as_uri())}">{_e(file)}</a>' if file.startswith("/") else ""
        items.append(f"<li>Optuna study <code>{_e(study.get('name'))}</code> {where}: "
                     f"<code>optuna-dashboard {_e(study['storage'])}</code></li>")
    return "<h2>Links</h2><ul>" + "".join(items) + "</ul>" if items else ""


def _mlflow_item(m: dict) -> str:
    """The parent run: a link into the MLflow UI for a server URI, else the command that serves the local store."""
    uri, run = str(m.get("tracking_uri") or ""), f"<code>{_e(m['run_id'])}</code>"
    if uri.startswith(("http://", "https://")):
        url = f"{uri.rstrip('/')}/#/experiments/{m.get('experiment_id')}/runs/{m['run_id']}"
        return f'<li>MLflow run <a href="{_e(url)}">{_e(url)}</a></li>'
    return (f"<li>MLflow run {run} (experiment {_e(m.get('experiment_id'))}) in <code>{_e(uri)}</code>: "
            f"<code>mlflow ui --backend-store-uri {_e(uri)}</code></li>")


def _pareto(s: dict) -> str:
    p = s.get("pareto") or {}
    if not p:
        return ""
    names = [o["metric"] for o in p.get("objectives", [])]
    body = [[m["trial_id"], *[m["values"].get(n) for n in names]] for m in p.get("front", [])]
    return (f"<h2>Pareto front</h2><p>{_e(p.get('selection', ''))}</p>"
            + _table(["trial", *names], body))


def _versions(v: dict) -> str:
    return "<h2>Versions</h2>" + _table(list(v), [list(v.values())]) if v else ""

