"""The data-quality report as one self-contained HTML page: inline CSS and inline SVG charts."""

from __future__ import annotations

import time
from html import escape
from pathlib import Path

import dagster as dg

from dataops_platform.observability.report import charts
from dataops_platform.observability.report.figures import QualityReport, TableReport, build_report

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;background:#f3f4f6;margin:0}
main{max-width:1220px;margin:0 auto;padding:20px 24px 40px}
h1{font-size:24px;margin:0}
h2{font-size:18px;margin:0 0 4px}
h3{font-size:13px;margin:14px 0 8px;color:#374151;text-transform:uppercase;letter-spacing:.04em}
section{background:#fff;border-radius:8px;padding:16px;margin-bottom:16px;box-shadow:0 1px 2px #0001}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e5e7eb;vertical-align:top}
th{font-size:12px;color:#6b7280;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
a{color:#2563eb;text-decoration:none}
.sub{color:#6b7280;margin:2px 0 16px}
.cards{display:flex;gap:12px;margin-bottom:16px;flex-wrap:wrap}
.card{background:#fff;border-radius:8px;padding:10px 16px;min-width:150px;box-shadow:0 1px 2px #0001}
.card b{display:block;font-size:22px}
.card span{color:#6b7280;font-size:12px}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:4px 24px;margin-top:4px}
.panel{min-width:0}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff;
vertical-align:middle;white-space:nowrap}
.PASS,.OK{background:#16a34a}
.FAIL{background:#dc2626}
.WARN{background:#d97706}
.NEVER,.NONE,.NO_POLICY{background:#9ca3af}
.desc{color:#4b5563;margin:0}
.nowrap{white-space:nowrap}
.tag{font-size:11px;color:#6b7280;border:1px solid #d1d5db;border-radius:8px;padding:0 5px}
.note{color:#6b7280;font-size:12px;margin:4px 0 0}
.empty{color:#9ca3af;font-style:italic}
.legend span{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 10px}
svg .grid{stroke:#e5e7eb}
svg .tick{font-size:10px;fill:#6b7280}
"""
LEGEND = (("PASS", "passed"), ("WARN", "failed (WARN)"), ("FAIL", "failed (ERROR)"), ("NONE", "not evaluated"))


def number(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def age(hours: float | None) -> str:
    if hours is None:
        return "never"
    if hours < 1:
        return f"{hours * 60:.0f} min ago"
    return f"{hours:.1f} h ago" if hours < 48 else f"{hours / 24:.1f} d ago"


def when(timestamp: float | None) -> str:
    return "–" if timestamp is None else time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(timestamp))


def short(timestamp: float) -> str:
    return time.strftime("%m-%d %H:%M", time.gmtime(timestamp))


def anchor(key: str) -> str:
    return key.replace("/", "-")


def badge(status: str, text: str | None = None) -> str:
    return f'<span class="badge {escape(status)}">{escape(text or status)}</span>'


def note(html: str, css: str = "note") -> str:
    return f'<p class="{css}">{html}</p>'


def head(*names: str) -> str:
    return "<tr>" + "".join(f"<th>{escape(n)}</th>" for n in names) + "</tr>"


def panel(title: str, body: str) -> str:
    return f'<div class="panel"><h3>{escape(title)}</h3>{body}</div>'


def run_link(ui_url: str, run_id: str, text: str, title: str = "") -> str:
    return f'<a href="{escape(ui_url)}/runs/{escape(run_id)}" title="{escape(title)}">{escape(text)}</a>'


def _cards(report: QualityReport) -> str:
    tables = report.tables
    figures = [
        (len(tables), "tables"),
        (sum(len(t.failing) for t in tables), "failing checks (latest)"),
        (sum(t.freshness.status in ("FAIL", "NEVER") for t in tables), "stale or never updated"),
        (sum(t.volume_anomaly for t in tables), "volume anomalies"),
        (sum(t.quarantine_rows or 0 for t in tables), "rows in quarantine"),
    ]
    cards = "".join(f'<div class="card"><b>{number(v)}</b><span>{escape(n)}</span></div>' for v, n in figures)
    return f'<div class="cards">{cards}</div>'


def _checks_badge(t: TableReport) -> str:
    if t.failing:
        return badge("FAIL", f"{len(t.failing)} failing")
    evaluated = sum(c.latest is not None for c in t.checks)
    return badge("PASS", f"{evaluated} passing") if evaluated else badge("NONE", "not run")


def _overview(report: QualityReport) -> str:
    rows = []
    for t in report.tables:
        last_quarantine = number(t.quarantine[-1].rows) if t.quarantine else "–"
        volume = badge("FAIL", "anomaly") if t.volume_anomaly else ("normal" if t.volume.band else "–")
        seconds = "–" if t.spark_task_seconds is None else f"{t.spark_task_seconds:,.1f}"
        rows.append(
            f'<tr><td><a href="#{anchor(t.key)}">{escape(t.key)}</a></td><td class="num">{number(t.row_count)}</td>'
            f"<td>{when(t.last_update)}</td><td>{badge(t.freshness.status)} {age(t.freshness.lag_hours)}</td>"
            f'<td>{_checks_badge(t)}</td><td class="num">{last_quarantine}</td><td>{volume}</td>'
            f'<td class="num">{seconds}</td></tr>'
        )
    header = head(
        "Table",
        "Rows",
        "Last update",
        "Freshness",
        "Checks",
        "Quarantined (last run)",
        "Volume",
        "Spark task s (last run)",
    )
    return f"<section><h2>Overview</h2><table>{header}{''.join(rows)}</table></section>"


def _check_table(t: TableReport, ui_url: str) -> str:
    rows = []
    for c in t.checks:
        latest = c.latest
        blocking = ' <span class="tag">blocking</span>' if c.blocking else ""
        cells = [badge("NONE", "not run"), "", ""]
        if latest:
            link = run_link(
                ui_url,
                latest.run_id,
                latest.partition or short(latest.timestamp),
                f"run {latest.run_id[:8]}, {when(latest.timestamp)}",
            )
            cells = [badge(latest.status), escape(latest.summary), link]
        rows.append(
            f'<tr><td title="{escape(c.rule)}">{escape(c.name)}{blocking}</td><td>{cells[0]}</td>'
            f'<td>{cells[1]}</td><td class="nowrap">{cells[2]}</td></tr>'
        )
    table = f"<table>{head('Check', 'Status', 'Result', 'Run')}{''.join(rows)}</table>"
    return table + note("A failed blocking check stops the assets downstream.")


def _trend(t: TableReport, ui_url: str) -> str:
    columns = [(run_id, label, f"{ui_url}/runs/{run_id}") for run_id, label in t.trend_runs]
    grid = charts.status_grid([c.name for c in t.checks], columns, t.trend, label=f"{t.key} checks over recent runs")
    failures = sum(status != "PASS" for status in t.trend.values())
    legend = "".join(f'<span style="background:{charts.COLORS[s]}"></span>{n}' for s, n in LEGEND)
    summary = (
        f"{failures} failed evaluation(s) in the last {len(columns)} run(s); oldest on the left. "
        "A cell links to its run."
    )
    return grid + note(legend, "note legend") + note(summary)


def _volume(t: TableReport) -> str:
    v = t.volume
    band = (max(v.band[0], 0.0), v.band[1]) if v.band else None  # row counts are never negative
    chart = charts.line_chart(v.points, band, v.anomalous, label=f"{t.key} {v.metric} per run")
    if band:
        text = f"Band: mean ± {v.sigmas:g}σ of the previous runs = {number(band[0])} to {number(band[1])}."
        text += " Latest run is outside the band." if v.anomalous else " Latest run is within the band."
    else:
        text = v.note
    latest = f" Latest: {number(v.points[-1][1])}." if v.points else ""
    return chart + note(escape(text) + latest)


def _freshness(t: TableReport) -> str:
    f = t.freshness
    gauge = charts.gauge(f.lag_hours, f.warn_hours, f.fail_hours, f.status)
    policy = f"fails after {f.fail_hours:g} h" if f.fail_hours else "no freshness policy"
    return gauge + note(f"{badge(f.status)} last update {age(f.lag_hours)} ({policy}).")


def _quarantine(t: TableReport) -> str:
    if not t.quarantine:
        return ""
    bars = []
    for q in t.quarantine:
        share = f" ({q.fraction:.1%} of rows read)" if q.fraction is not None else ""
        bars.append((q.label, q.rows, f"{q.label}: {q.rows:,.0f} rows{share}"))
    chart = charts.bar_chart(bars, label=f"{t.key} quarantined rows per run")
    total = note(f"{number(t.quarantine_rows)} rows in quarantine in total.")
    return f"<h3>Quarantined rows per run</h3>{chart}{total}"


def _table_section(t: TableReport, ui_url: str) -> str:
    title = f'<section id="{anchor(t.key)}"><h2>{escape(t.key)} '
    description = note(escape(t.description), "desc")
    if t.last_update is None and not t.trend_runs:
        checks = ", ".join(c.name for c in t.checks) or "none"
        declared = note(f"Checks declared: {escape(checks)}.")
        return f"{title}{badge('NEVER', 'not materialized yet')}</h2>{description}{declared}</section>"
    failing = badge("FAIL", f"{len(t.failing)} failing") if t.failing else badge("PASS", "checks pass")
    panels = (
        panel("Latest check results", _check_table(t, ui_url))
        + panel("Checks over recent runs", _trend(t, ui_url))
        + panel(f"Rows per run ({t.volume.metric})", _volume(t))
        + panel("Freshness", _freshness(t) + _quarantine(t))
    )
    return f'{title}{failing}</h2>{description}<div class="grid">{panels}</div></section>'


def _needs_attention_last(t: TableReport) -> bool:
    """Sort key: tables with a failing check, a volume anomaly or a stale update come first."""
    return not (t.failing or t.volume_anomaly or t.freshness.status == "FAIL")


def render(report: QualityReport) -> str:
    """The whole page."""
    sections = "".join(_table_section(t, report.ui_url) for t in sorted(report.tables, key=_needs_attention_last))
    subtitle = (
        f"Generated {when(report.generated_at)} from the Dagster instance · {len(report.tables)} tables · "
        "regenerate with <code>dataops quality report</code>"
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Data quality report</title>'
        f"<style>{CSS}</style></head><body><main><h1>Data quality report</h1>{note(subtitle, 'sub')}"
        f"{_cards(report)}{_overview(report)}{sections}</main></body></html>\n"
    )


def write_report(path: Path, graph, instance: dg.DagsterInstance, ui_url: str) -> QualityReport:
    """Render the report of the graph's tables into one self-contained HTML file; returns the figures."""
    report = build_report(graph, instance, ui_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(report), encoding="utf-8")
    return report
