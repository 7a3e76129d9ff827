# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the mfa_campaign role checks and writes, in Python (filters in plugins/filter/campaign.py):
its options before any call, the nudge files (CSV and JSON, for a mail merge or a ticket import)
and the summary it publishes with set_stats."""

from __future__ import annotations

import csv
import html
import io
import json

from ansible_collections.mfaops.cognito.plugins.module_utils import campaign
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report.csv_report import FORMULA_STARTS

NUDGE_FIELDS = ("username", "email", "group", "deadline", "days_left", "days_on_list", "nudges_sent", "due")


def campaign_problems(options):
    """The campaign options' problem, as a list of at most one sentence (empty when none)."""
    o = dict(options or {})
    try:
        campaign.settings(o.get("mfa_campaign_today"), o.get("mfa_campaign_deadline"), o.get("mfa_campaign_switch_at_percent"),
                          o.get("mfa_campaign_groups") or {}, o.get("mfa_campaign_exclude") or (),
                          o.get("mfa_campaign_nudge_every_days", 7))
    except campaign.CampaignError as exc:
        return [str(exc)]
    return []


def _cell(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def nudge_csv(nudges):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(NUDGE_FIELDS)
    for nudge in nudges or []:
        writer.writerow([_cell(nudge.get(name)) for name in NUDGE_FIELDS])
    return out.getvalue()


def nudge_json(step, pool, user_pool_id, today):
    data = {"pool": pool, "user_pool_id": user_pool_id, "date": today, "coverage": step.get("coverage"),
            "nudges": [{name: n.get(name) for name in NUDGE_FIELDS} for n in step.get("nudges") or []]}
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def campaign_status(step, switched, emailed=None):
    """One pool's status for set_stats (AWX workflows can branch on it)."""
    cover = step.get("coverage") or {}
    return {
        "date": step.get("today"),
        "coverage_percent": cover.get("percent"),
        "users": cover.get("total"),
        "compliant": cover.get("compliant"),
        "groups": cover.get("groups") or {},
        "to_enrol": len(step.get("nudges") or []),
        "nudges_due": sum(1 for n in step.get("nudges") or [] if n.get("due")),
        "emailed": len(emailed or []),
        "removed": len(step.get("removed") or []),
        "restored": len(step.get("restored") or []),
        "switch": step.get("switch"),
        "switched": bool(switched),
        "pool_mfa_configuration": "ON" if switched else step.get("pool_mfa_configuration"),
        "lockout_risk": (step.get("lockout_risk") or {}).get("line"),
    }


W, H, LEFT, RIGHT, TOP, BOTTOM = 640, 260, 48, 16, 16, 40


def coverage_svg(history, deadline, threshold=None, groups=None):
    """Coverage over time (the state's history: date -> percent) as an inline SVG, with the pool's
    deadline (and the groups') as vertical lines and the switch threshold as a dashed line."""
    points = sorted((campaign.parse_date(day, "history"), float(value)) for day, value in (history or {}).items())
    end = campaign.parse_date(deadline, "mfa_campaign_deadline")
    marks = [(end, "deadline")] + sorted((campaign.parse_date(d, g), g) for g, d in (groups or {}).items())
    first = min([p[0] for p in points] + [m[0] for m in marks])
    last = max([p[0] for p in points] + [m[0] for m in marks])
    span = max(1, (last - first).days)

    def x(day):
        return round(LEFT + (W - LEFT - RIGHT) * (day - first).days / span, 1)

    def y(percent):
        return round(TOP + (H - TOP - BOTTOM) * (1 - percent / 100.0), 1)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" '
             f'aria-label="coverage over time">']
    for percent in (0, 25, 50, 75, 100):
        parts.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(percent)}" y2="{y(percent)}" stroke="#ddd"/>'
                     f'<text x="{LEFT - 6}" y="{y(percent) + 4}" font-size="11" text-anchor="end">{percent}%</text>')
    if threshold not in (None, ""):
        level = float(threshold)
        parts.append(f'<line class="threshold" x1="{LEFT}" x2="{W - RIGHT}" y1="{y(level)}" y2="{y(level)}" stroke="#d97706" '
                     f'stroke-dasharray="6 4"/><text x="{W - RIGHT}" y="{y(level) - 4}" font-size="11" text-anchor="end" '
                     f'fill="#d97706">switch at {level:g}%</text>')
    for day, label in marks:
        parts.append(f'<line class="deadline" x1="{x(day)}" x2="{x(day)}" y1="{TOP}" y2="{H - BOTTOM}" stroke="#dc2626"/>'
                     f'<text x="{x(day)}" y="{H - BOTTOM + 28}" font-size="11" text-anchor="middle" fill="#dc2626">'
                     f'{html.escape(label)} {day.isoformat()}</text>')
    if points:
        line = " ".join(f"{x(day)},{y(value)}" for day, value in points)
        parts.append(f'<polyline class="coverage" points="{line}" fill="none" stroke="#2563eb" stroke-width="2"/>')
        parts += [f'<circle cx="{x(day)}" cy="{y(value)}" r="3" fill="#2563eb"><title>{day.isoformat()}: {value:g}%</title></circle>'
                  for day, value in points]
        parts.append(f'<text x="{LEFT}" y="{H - BOTTOM + 14}" font-size="11">{points[0][0].isoformat()}</text>')
    parts.append("</svg>")
    return "".join(parts)


def coverage_html(step, pool, deadline, threshold=None, groups=None):
    """A self-contained page: the pool's coverage over time and today's figures."""
    cover = step.get("coverage") or {}
    title = f"MFA campaign: {pool}"
    rows = "".join(f"<tr><td>{html.escape(str(g))}</td><td>{c.get('compliant')}/{c.get('total')}</td><td>{c.get('percent')}%</td></tr>"
                   for g, c in sorted((cover.get("groups") or {}).items()))
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        '<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em}</style>'
        f'</head><body><h1>{html.escape(title)}</h1>'
        f"<p>{html.escape(str(step.get('today')))}: coverage {cover.get('percent')}% ({cover.get('compliant')}/{cover.get('total')}), "
        f"{len(step.get('nudges') or [])} to enrol. {html.escape((step.get('lockout_risk') or {}).get('line') or '')}.</p>"
        f"{coverage_svg(step.get('history') or {}, deadline, threshold, groups)}"
        f"<table><tr><th>group</th><th>enrolled</th><th>coverage</th></tr>{rows}</table></body></html>\n"
    )
