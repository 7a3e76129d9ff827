# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The mfa_campaign role's page of one pool (filter campaign_coverage_html): today's figures, coverage over time as
an inline SVG, the privileged groups. Self-contained, no script; every value from the pool is escaped.

Every number from the campaign step (cognito_mfa_campaign's result) carries its JSON pointer in data-json (a list's
length in data-json-count), so a test maps what the page shows to the step's numbers; the two numbers the step does
not hold (the days left and the switch threshold) carry data-campaign."""

from __future__ import annotations

import html

from ansible_collections.mfaops.cognito.plugins.module_utils import campaign
from ansible_collections.mfaops.cognito.plugins.module_utils.words import agreed

W, LEFT, RIGHT, TOP, PLOT = 640, 44, 12, 22, 200
ROW = 15  # one line of labels under the plot
CHAR = 6.4  # a generous width of one character at font-size 11, to keep labels inside the SVG
STYLE = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem;color:#1b1b1b;max-width:60rem}"
    "h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:1.6rem}.meta{color:#555;margin-top:0}"
    ".figures{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0;padding:0}"
    ".figures div{border:1px solid #ddd;border-radius:.3rem;padding:.5rem .8rem;min-width:9rem}"
    ".figures dt{font-size:.8rem;color:#555}.figures dd{margin:0;font-size:1.3rem;font-weight:600}"
    ".figures small{font-size:.8rem;font-weight:normal;color:#555}"
    "figure{margin:0}svg.coverage-chart{width:100%;max-width:640px;height:auto;display:block}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .6rem;text-align:left}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}"
)


def _e(value):
    return html.escape("" if value is None else str(value))


def _pointer(*parts):
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _number(value, *where, count=False):
    shown = len(value) if count else (f"{value:g}" if isinstance(value, float) else _e(value))
    return f'<span data-json{"-count" if count else ""}="{_e(_pointer(*where))}">{shown}</span>'


def _width(text):
    return CHAR * len(text)


def _anchored(x, text, y, color, extra="", markup=None, beside=False):
    """A label at x that stays inside the SVG: centred on x when it fits (beside: just right of x), else started or
    ended at x. A label longer than the SVG is cut in the middle (its end is a date), whole in its tooltip.
    markup: the label as SVG markup (tspans mapping its number), when it is not cut."""
    room = int((W - 4) / CHAR)
    title = ""
    if len(text) > room:
        title, text, markup = f"<title>{_e(text)}</title>", text[:room - 12] + "\u2026" + text[-11:], None
    width = _width(text)
    if beside:
        x, anchor = (x + 7, "start") if x + 7 + width <= W - 2 else (x - 7, "end")
    elif x - width / 2 >= 2 and x + width / 2 <= W - 2:
        anchor = "middle"
    elif x + width <= W - 2:
        anchor = "start"
    else:
        anchor = "end"
        x = max(x, min(W - 2, width + 2))
    return f'<text x="{x}" y="{y}" font-size="11" text-anchor="{anchor}" fill="{color}"{extra}>{markup or _e(text)}{title}</text>'


def _scale(points, marks):
    days = [p[0] for p in points] + [m[0] for m in marks]
    first, last = min(days), max(days)
    span = max(1, (last - first).days)

    def x(day):
        return round(LEFT + (W - LEFT - RIGHT) * (day - first).days / span, 1)

    def y(percent):
        return round(TOP + PLOT * (1 - percent / 100.0), 1)

    return first, x, y


def _tspan(value, attribute, where):
    return f'<tspan {attribute}="{_e(where)}">{_e(value)}</tspan>'


def _grid(y, threshold):
    parts = [f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(p)}" y2="{y(p)}" stroke="#e5e5e5"/>'
             f'<text x="{LEFT - 6}" y="{y(p) + 4}" font-size="11" text-anchor="end" fill="#555">{p}%</text>' for p in (0, 25, 50, 75, 100)]
    if threshold is not None:
        parts.append(f'<line class="threshold" x1="{LEFT}" x2="{W - RIGHT}" y1="{y(threshold)}" y2="{y(threshold)}" stroke="#b45309" '
                     f'stroke-width="1.5" stroke-dasharray="6 4"/><text x="{W - RIGHT}" y="{max(11, y(threshold) - 4)}" font-size="11" '
                     f'text-anchor="end" fill="#b45309">switch at {threshold:g}%</text>')
    return parts


def _today(x, y, today, value, end):
    """Today's value as a number beside its point, and the days left as a band from today to the deadline, labelled
    on the row under the dates."""
    parts = []
    left = (end - today).days
    if left > 0:
        parts.append(f'<rect class="days-left" x="{x(today)}" y="{TOP}" width="{round(x(end) - x(today), 1)}" height="{PLOT}" fill="#eff6ff"/>')
        middle = round((x(today) + x(end)) / 2, 1)
        words = f" {agreed(left, 'day')} left"
        parts.append(_anchored(middle, f"{left}{words}", TOP + PLOT + 2 * ROW, "#1d4ed8",
                               markup=_tspan(left, "data-campaign", "days_left") + _e(words)))
    words = "% today"
    above = y(value) - 8 if y(value) - 8 > TOP + 12 else y(value) + 16
    parts.append(_anchored(x(today), f"{value:g}{words}", above, "#1d4ed8", ' font-weight="bold" class="today-value"',
                           markup=_tspan(f"{value:g}", "data-json", _pointer("history", today.isoformat())) + _e(words), beside=True))
    return parts


def coverage_svg(history, deadline, threshold=None, groups=None):
    """Coverage over time (the state's history: date -> percent) as an inline SVG: the pool's deadline and the groups'
    as vertical lines, each labelled on a row of its own under the plot; the switch threshold as a dashed line;
    today's value as a number and the days left to the deadline."""
    points = sorted((campaign.parse_date(day, "history"), float(value)) for day, value in (history or {}).items())
    end = campaign.parse_date(deadline, "mfa_campaign_deadline")
    marks = [(end, "deadline")] + sorted((campaign.parse_date(d, g), str(g)) for g, d in (groups or {}).items())
    first, x, y = _scale(points, marks)
    level = None if threshold in (None, "") else float(threshold)
    bottom = TOP + PLOT
    height = bottom + ROW * (3 + len(marks))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="coverage-chart" viewBox="0 0 {W} {height}" width="{W}" height="{height}" '
             f'role="img" aria-label="coverage over time">']
    if points:
        last_day, last_value = points[-1]
        parts += _today(x, y, last_day, last_value, end)
    parts += _grid(y, level)
    parts.append(_anchored(x(first), first.isoformat(), bottom + ROW, "#555"))
    if points and points[-1][0] != first and x(points[-1][0]) - x(first) > _width(first.isoformat()) + 8:
        parts.append(_anchored(x(points[-1][0]), points[-1][0].isoformat(), bottom + ROW, "#1d4ed8"))
    for row, (day, label) in enumerate(marks, start=3):
        parts.append(f'<line class="deadline" x1="{x(day)}" x2="{x(day)}" y1="{TOP}" y2="{bottom + ROW * row - 11}" stroke="#dc2626"/>')
        parts.append(_anchored(x(day), f"{label} {day.isoformat()}", bottom + ROW * row, "#dc2626"))
    if points:
        line = " ".join(f"{x(day)},{y(value)}" for day, value in points)
        parts.append(f'<polyline class="coverage" points="{line}" fill="none" stroke="#2563eb" stroke-width="2"/>')
        parts += [f'<circle cx="{x(day)}" cy="{y(value)}" r="3.5" fill="#2563eb"><title>{day.isoformat()}: {value:g}%</title></circle>'
                  for day, value in points]
    parts.append("</svg>")
    return "".join(parts)


def _figures(step, deadline, threshold):
    cover = step.get("coverage") or {}
    today = campaign.parse_date(step.get("today"), "today")
    left = (campaign.parse_date(deadline, "mfa_campaign_deadline") - today).days
    total, nudges = cover.get("total") or 0, step.get("nudges") or []
    switch = (f'at <span data-campaign="threshold">{float(threshold):g}</span> % or on {_e(deadline)}'
              if threshold not in (None, "") else f"on {_e(deadline)}")
    return (
        '<dl class="figures">'
        f'<div><dt>Coverage today</dt><dd>{_number(cover.get("percent"), "coverage", "percent")} % '
        f'<small>({_number(cover.get("compliant"), "coverage", "compliant")} of {_number(total, "coverage", "total")} '
        f'{agreed(total, "user")})</small></dd></div>'
        f'<div><dt>Days left</dt><dd><span data-campaign="days_left">{left}</span> <small>{agreed(left, "day")} to {_e(deadline)}</small></dd></div>'
        f'<div><dt>Switch to MFA ON</dt><dd><small>{switch}</small></dd></div>'
        f'<div><dt>To enrol</dt><dd>{_number(nudges, "nudges", count=True)} <small>{agreed(len(nudges), "user")}</small></dd></div>'
        "</dl>"
    )


def _groups(step, groups):
    cover = (step.get("coverage") or {}).get("groups") or {}
    if not cover:
        return '<p id="no-groups">No privileged groups in this campaign.</p>'
    rows = "".join(
        f'<tr><td>{_e(g)}</td><td>{_e((groups or {}).get(g, ""))}</td>'
        f'<td class="num">{_number(c.get("compliant"), "coverage", "groups", g, "compliant")}</td>'
        f'<td class="num">{_number(c.get("total"), "coverage", "groups", g, "total")}</td>'
        f'<td class="num">{_number(c.get("percent"), "coverage", "groups", g, "percent")} %</td></tr>'
        for g, c in sorted(cover.items())
    )
    return ('<table id="groups"><thead><tr><th>Group</th><th>Deadline</th><th>Enrolled</th><th>Members</th><th>Coverage</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def _lockout_risk(risk):
    """The lockout-risk line, its count mapped to the step's mfa_setup_users."""
    line = risk.get("line") or ""
    count, rest = (line.split(" ", 1) + [""])[:2]
    if count != str(risk.get("mfa_setup_users")):
        return _e(line)
    return f'{_number(risk["mfa_setup_users"], "lockout_risk", "mfa_setup_users")} {_e(rest)}'


def coverage_html(step, pool, deadline, threshold=None, groups=None):
    """A self-contained page of one pool's campaign: today's figures, coverage over time, the privileged groups."""
    title = f"MFA campaign: {pool}"
    risk = _lockout_risk(step.get("lockout_risk") or {})
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>"
        f'<h1>{_e(title)}</h1><p class="meta">{_e(step.get("today"))} &middot; pool MFA {_e(step.get("pool_mfa_configuration"))}</p>'
        f"{_figures(step, deadline, threshold)}"
        f'<p id="lockout-risk">{risk}.</p>'
        f'<h2>Coverage over time</h2><figure>{coverage_svg(step.get("history") or {}, deadline, threshold, groups)}</figure>'
        f"<h2>Privileged groups</h2>{_groups(step, groups)}</body></html>\n"
    )
