"""``report.html``: the report as one self-contained page that reads offline.

Everything is inline (CSS, SVG charts, the outputs); nothing is fetched: no script, font,
stylesheet or image, and a Content-Security-Policy of ``default-src 'none'`` makes a browser
refuse anything that slipped in. Every string from a dataset or a model is escaped.

>>> Path("out/report.html").write_text(render_html(report), encoding="utf-8")
"""

from __future__ import annotations

import json
from collections.abc import Callable
from html import escape
from typing import Any

from .charts import Bar, bar_chart
from .formats import percent, seconds
from .record import RunRecord
from .report import Report
from .summary import Rate, VariantSummary

#: Outputs longer than this are folded (``<details>``) in the side-by-side view.
FOLD_CHARS = 600

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1600px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 8px;
vertical-align:top;text-align:left}th{background:#f3f3f3}.num{text-align:right}
.chart text{font:12px system-ui,sans-serif}.meta td:first-child{color:#666}
.ok{color:#176117;font-weight:600}.fail{color:#a11;font-weight:600}.muted{color:#777}
pre{white-space:pre-wrap;word-break:break-word;margin:4px 0;font-size:12px;max-width:560px}
.side td{min-width:280px}ul{margin:4px 0;padding-left:18px}
"""


def render_html(report: Report) -> str:
    body = "".join(section(report) for section in SECTIONS)
    title = escape(f"aigc eval: {report.meta.generator}")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'\">"
            f"<title>{title}</title><style>{_CSS}</style></head><body>{body}</body></html>\n")


# -- sections, in page order -------------------------------------------------------------
def _header(report: Report) -> str:
    meta = report.meta
    rows = {"dataset": f"{meta.dataset} (sha256 {meta.dataset_sha256[:12]})",
            "run": f"{meta.mode}, repeat {meta.repeat}, id {meta.run_id}",
            "started": str(meta.started_at), "finished": str(meta.finished_at),
            "aigc": meta.aigc_version, "cases": str(len(report.cases))}
    return (f"<h1>aigc eval: {escape(meta.generator)}</h1>"
            + _table(["", ""], [[k, v] for k, v in rows.items()], css="meta", show_head=False))


def _summary(report: Report) -> str:
    head = ["variant", "runs", "succeeded [95% CI]", "accepted [95% CI]", "assertions held",
            "attempts (mean)", "tokens prompt / completion", "tokens per run",
            "latency p50", "latency p95"]
    rows = [[v.name, str(v.runs), str(v.succeeded), str(v.accepted), str(v.assertions),
             _number(v.attempts.mean), f"{v.tokens.prompt} / {v.tokens.completion}",
             _number(v.tokens.mean_per_run), seconds(v.latency_ms.p50), seconds(v.latency_ms.p95)]
            for v in report.variants]
    return ("<h2>Summary</h2><p class=\"muted\">succeeded: the generator's own verdict; "
            "accepted: succeeded and every assertion of the case held. Intervals are Wilson "
            "95% intervals.</p>" + _table(head, rows))


def _charts(report: Report) -> str:
    variants = report.variants
    charts = [
        ("Succeeded rate, 95% interval",
         bar_chart(_rate_bars(variants, lambda v: v.succeeded), 1.0, percent)),
        ("Accepted rate (assertions held), 95% interval",
         bar_chart(_rate_bars(variants, lambda v: v.accepted), 1.0, percent)
         if any(v.assertions.total for v in variants) else ""),
        ("Attempts per job",
         bar_chart([Bar(f"{v.name}: {k}", n, series=i) for i, v in enumerate(variants)
                    for k, n in v.attempts.histogram.items()])),
        ("Latency p50 and p95",
         bar_chart([Bar(f"{v.name} {q}", value, series=i) for i, v in enumerate(variants)
                    for q, value in (("p50", v.latency_ms.p50), ("p95", v.latency_ms.p95))
                    if value is not None], fmt=seconds)),
        ("Tokens per run (mean)",
         bar_chart([Bar(v.name, v.tokens.mean_per_run, series=i)
                    for i, v in enumerate(variants) if v.tokens.mean_per_run is not None])),
    ]
    return "<h2>Charts</h2>" + "".join(f"<h3>{escape(t)}</h3>{svg}" for t, svg in charts if svg)


def _failures(report: Report) -> str:
    parts = ["<h2>Failures</h2>"]
    for index, v in enumerate(report.variants):
        f = v.failures
        if not f.by_error_kind:
            parts.append(f"<h3>{escape(v.name)}</h3><p>No failed runs.</p>")
            continue
        parts.append(
            f"<h3>{escape(v.name)}</h3>"
            + bar_chart([Bar(code, n, series=index) for code, n in list(f.by_code.items())[:12]],
                        title="problems by code")
            + "<div style=\"display:flex;gap:24px;flex-wrap:wrap\">"
            + _counts("error kind", f.by_error_kind) + _counts("problem code", f.by_code)
            + _counts("field", f.by_field) + "</div>")
    return "".join(parts)


def _assertions(report: Report) -> str:
    kinds = sorted({k for v in report.variants for k in v.assertions_by_kind})
    if not kinds:
        return ""
    rows = [[v.name, *(str(v.assertions_by_kind[k]) if k in v.assertions_by_kind else "—"
                       for k in kinds)] for v in report.variants]
    return ("<h2>Assertions</h2><p class=\"muted\">The dataset's own rules, checked on "
            "succeeded runs, apart from the generator's validators.</p>"
            + _table(["variant", *kinds], rows))


def _side_by_side(report: Report) -> str:
    names = [v.name for v in report.variants]
    rows = []
    for case in report.cases:
        cells = [f"<b>{escape(case.id)}</b> <span class=\"muted\">line {case.line}</span>"
                 + (f"<br>{escape(case.note)}" if case.note else "")
                 + _fold("input", _json(case.input), open_=False)]
        for name in names:
            cells.append("".join(_run(run) for run in case.runs if run.variant == name))
        rows.append(cells)
    return ("<h2>Outputs side by side</h2>"
            + _table(["case", *names], rows, css="side", escaped=True))


SECTIONS: tuple[Callable[[Report], str], ...] = (
    _header, _summary, _charts, _failures, _assertions, _side_by_side)


# -- pieces ------------------------------------------------------------------------------
def _run(run: RunRecord) -> str:
    ok = run.status == "succeeded"
    head = (f"<div><span class=\"{'ok' if ok else 'fail'}\">{escape(run.status)}</span>"
            f"{escape(f' ({run.error_kind})' if run.error_kind else '')}"
            f" <span class=\"muted\">#{run.repeat} · {run.attempts} attempt(s) · "
            f"{escape(seconds(run.latency_ms))}</span></div>")
    parts = [head]
    if run.output is not None:
        parts.append(_fold("output", _json(run.output)))
    if run.rejected and run.rejected != _json(run.output):  # a text job shows it as output
        parts.append(_fold("last rejected answer", run.rejected, open_=False))
    if run.problems:
        parts.append(_list(f"{p.code}: {p}" for p in run.problems))
    elif run.error and not ok:
        parts.append(_list([run.error]))
    if run.assertions:
        parts.append(_list(f"{'✓' if a.passed else '✗'} {a.kind}"
                           f"{' ' + a.field if a.field else ''}"
                           f"{': ' + a.message if a.message else ''}" for a in run.assertions))
    return "".join(parts)


def _fold(summary: str, text: str, open_: bool = True) -> str:
    if open_ and len(text) <= FOLD_CHARS:
        return f"<pre>{escape(text)}</pre>"
    return f"<details><summary>{escape(summary)}</summary><pre>{escape(text)}</pre></details>"


def _list(items: Any) -> str:
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"


def _counts(title: str, counts: dict[str, int]) -> str:
    return _table([title, "runs" if title == "error kind" else "problems"],
                  [[k, str(n)] for k, n in counts.items()])


def _table(head: list[str], rows: list[list[str]], css: str = "", show_head: bool = True,
           escaped: bool = False) -> str:
    """``escaped``: the cells are HTML already (built from escaped pieces)."""

    def cell(value: str) -> str:
        return value if escaped else escape(value)

    thead = "<tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>" if show_head else ""
    body = "".join("<tr>" + "".join(f"<td>{cell(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    attribute = f' class="{css}"' if css else ""
    return f"<table{attribute}>{thead}{body}</table>"


def _rate_bars(variants: list[VariantSummary], pick: Callable[[VariantSummary], Rate]
               ) -> list[Bar]:
    return [Bar(v.name, pick(v).rate or 0.0, pick(v).low, pick(v).high, series=i)
            for i, v in enumerate(variants) if pick(v).total]


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
