# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The report as one self-contained HTML page: no script, no external file, readable offline.
Every value from the report is escaped (_e): usernames and names come from the pools."""

from __future__ import annotations

from collections import namedtuple
from html import escape

from ansible_collections.mfaops.cognito.plugins.module_utils import mfa
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report.model import CHART_STATES
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report.model import as_data
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report.model import state_count
from ansible_collections.mfaops.cognito.plugins.module_utils.words import agreed

LABELS = mfa.STATE_LABELS
CHANGES = (("became_compliant", "Became compliant"), ("fell_out", "Fell out of compliance"), ("new_non_compliant", "New and not compliant"))
# The summary's column groups: a heading over its states (none over a single column), and what the heading means.
Group = namedtuple("Group", "heading states note")
GROUPS = (
    Group("", (mfa.COMPLIANT,), ""),
    Group("Not compliant, by MFA state", mfa.NON_COMPLIANT_STATES,
          "users who do not meet the policy, by the MFA methods they have (counts.non_compliant_by_mfa_state in the JSON "
          "report; unreadable users count as not compliant)"),
    Group("MFA does not apply", (mfa.DISABLED,) + mfa.NOT_APPLICABLE_STATES,
          "disabled users (unless counted), federated, unconfirmed and password-reset users: outside the percentage"),
    Group("", (mfa.NOT_FOUND,), ""),
)
STYLE = """\
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem; color: #1b1b1b; max-width: 78rem; }
  h1 { font-size: 1.6rem; margin-bottom: .2rem; }
  h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
  .meta { color: #555; margin-top: 0; }
  .verdict { display: inline-block; padding: .3rem .8rem; border-radius: .3rem; font-weight: bold; color: #fff; }
  .verdict.pass { background: #2e7d32; } .verdict.fail { background: #c62828; }
  .table-scroll { overflow-x: auto; max-width: 100%; border: 1px solid #ddd; }
  .table-scroll:focus { outline: 2px solid #1565c0; }
  table { border-collapse: collapse; font-size: .9rem; }
  .table-scroll > table { min-width: 100%; }
  th, td { border: 1px solid #ddd; padding: .3rem .5rem; text-align: left; vertical-align: top; }
  th { background: #f4f4f4; font-weight: 600; min-width: 3.5rem; max-width: 7rem; vertical-align: bottom; }
  th.group { text-align: center; max-width: none; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  td.pool, th.pool { position: sticky; left: 0; background: #fff; max-width: 18rem; min-width: 12rem; overflow-wrap: anywhere; }
  th.pool { background: #f4f4f4; }
  td.zero { color: #999; }
  tr.overall td { font-weight: bold; background: #fafafa; }
  td code { white-space: nowrap; } code.pool-id { color: #555; font-size: .75rem; white-space: normal; overflow-wrap: anywhere; }
  #non-compliant-users td, #changes td { white-space: nowrap; } #non-compliant-users td.user, #changes td.user { white-space: normal; }
  td.user { overflow-wrap: anywhere; min-width: 10rem; }
  .bar-row { display: flex; align-items: center; gap: .8rem; margin: .35rem 0; }
  .bar-label { flex: 0 0 14rem; overflow-wrap: anywhere; } .bar-value { flex: 0 0 5rem; text-align: right; font-variant-numeric: tabular-nums; }
  svg.bar { flex: 1 1 auto; min-width: 4rem; height: 1.4rem; border: 1px solid #bbb; }
  .legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .3rem 1rem; font-size: .85rem; }
  .notes { font-size: .85rem; color: #333; } .notes dt { font-weight: 600; } .notes dd { margin: 0 0 .4rem 1rem; }
  .swatch { display: inline-block; width: .9rem; height: .9rem; vertical-align: middle; margin-right: .3rem; border: 1px solid #999; }
  .s-empty { fill: #fff; } .threshold { stroke: #000; stroke-width: 2px; vector-effect: non-scaling-stroke; stroke-dasharray: 3 2; }
  .s-compliant { fill: #2e7d32; background: #2e7d32; }
  .s-totp_preferred { fill: #9e9d24; background: #9e9d24; }
  .s-totp_enabled_not_preferred { fill: #f9a825; background: #f9a825; }
  .s-other_mfa_only { fill: #ef6c00; background: #ef6c00; }
  .s-no_mfa { fill: #c62828; background: #c62828; }
  .s-disabled { fill: #9e9e9e; background: #9e9e9e; }
  .s-federated, .s-unconfirmed, .s-password_reset_required, .s-force_change_password { fill: #cfd8dc; background: #cfd8dc; }
  .s-unreadable { fill: #6a1b9a; background: #6a1b9a; }
  .sev-high { color: #c62828; font-weight: bold; } .sev-medium { color: #ef6c00; font-weight: bold; } .sev-low { color: #555; }
  .ok { color: #2e7d32; } .bad { color: #c62828; }
  .carried { color: #555; font-size: .8rem; } ul.state-run { font-size: .9rem; margin: .3rem 0 .6rem; }
  code { font-size: .85rem; }
"""


NBSP_PERCENT = "\u00a0%"  # a percentage never wraps before its sign


def _e(value):
    return escape("" if value is None else str(value))


def _percent(value):
    return "n/a" if value is None else f"{value:g}"


def _pointer(*parts):
    """The JSON pointer (RFC 6901) of a value in the JSON report, for data-json: a test (or a reader's tool) maps
    every number the page shows to the report's number for the same thing."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _num(value, *where):
    """A table cell with a number from the report at the JSON pointer `where`."""
    zero = " zero" if value == 0 else ""
    return f'<td class="num{zero}" data-json="{_e(_pointer(*where))}">{value}</td>'


def _scroll(label, table):
    """A wide table in its own scroll container, so the page never scrolls sideways."""
    return f'<div class="table-scroll" role="region" aria-label="{_e(label)}" tabindex="0">\n{table}\n</div>'


def _count_key(state):
    return (mfa.NON_COMPLIANT_BY_MFA_STATE, state) if state in mfa.MFA_STATES else (state,)


def _bar(name, block, minimum, where):
    segments = "".join(
        f'\n    <rect x="{segment["x"]}" y="0" width="{segment["width"]}" height="10" class="s-{segment["state"]}">'
        f'<title>{_e(segment["label"])}: {segment["count"]}</title></rect>'
        for segment in block["chart"]
    )
    line = (
        f'\n    <line x1="{minimum}" x2="{minimum}" y1="0" y2="10" class="threshold"><title>minimum {minimum} %</title></line>'
        if minimum else ""
    )
    return f"""<div class="bar-row">
  <span class="bar-label">{_e(name)}</span>
  <svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img"
       aria-label="{_e(name)}: {_percent(block["compliance_percent"])} % compliant">
    <rect x="0" y="0" width="100" height="10" class="s-empty"/>{segments}{line}
  </svg>
  <span class="bar-value"><span data-json="{_e(_pointer(*where, "compliance_percent"))}">{_percent(block["compliance_percent"])}</span>&nbsp;%</span>
</div>"""


def _columns(r):
    """The state columns of the summary, by group: states no user of any pool is in are left out (listed in the notes)."""
    total = r["overall"]["counts"]
    return [group._replace(states=[s for s in group.states if s == mfa.COMPLIANT or state_count(total, s)]) for group in GROUPS]


def _cells(counts, columns, where):
    return "".join(_num(state_count(counts, s), *where, "counts", *_count_key(s)) for group in columns for s in group.states)


def _summary_row(r, index, pool, columns):
    previous = r["comparison"]["pools"].get(pool["host"])
    result = "error" if pool.get("error") else ("passed" if pool["passed"] else "failed")
    where = ("pools", index)
    previous_cell = (
        _num(_percent(previous["previous_compliance_percent"]), "comparison", "pools", pool["host"], "previous_compliance_percent")
        if previous else '<td class="num"></td>'
    )
    minimum = pool["min_compliance_percent"]
    return f"""      <tr class="pool">
        <td class="pool">{_e(pool["host"])}<br><code class="pool-id">{_e(pool.get("user_pool_id") or "")}</code></td>
        {_num(pool["counts"]["total"], *where, "counts", "total")}
        {_num(_percent(pool["compliance_percent"]), *where, "compliance_percent")}
        {_num(minimum, *where, "min_compliance_percent") if minimum else '<td class="num"></td>'}
        {previous_cell}
        <td class="{"ok" if pool["passed"] else "bad"}">{result}</td>
        {_cells(pool["counts"], columns, where)}
        <td class="num" data-json-count="{_e(_pointer(*where, "findings"))}">{len(pool.get("findings") or [])}</td>
      </tr>"""


def _summary_notes(columns):
    """The legend of the summary: what each column group counts, and the states left out."""
    shown = {state for group in columns for state in group.states}
    notes = (
        "\n    <dt>Compliant</dt><dd>users who meet the audit's policy (by default TOTP enabled and preferred), in no other "
        "column. cognito_user_mfa_info's counts.totp_preferred counts every user with TOTP enabled and preferred, "
        "compliant or not; this report never uses that key for a count.</dd>"
    )
    notes += "".join(f"\n    <dt>{_e(heading)}</dt><dd>{_e(note)}.</dd>" for heading, _states, note in GROUPS if note)
    if mfa.TOTP_PREFERRED in shown:
        notes += (
            f"\n    <dt>{_e(mfa.STATE_HEADINGS[mfa.TOTP_PREFERRED])}, not compliant</dt><dd>{_e(LABELS[mfa.TOTP_PREFERRED])}: the "
            "pool's MFA is OFF, a passwordless first factor signs the user in without TOTP, or the policy asks for another method.</dd>"
        )
    left_out = [LABELS[state] for group in GROUPS for state in group.states if state not in shown]
    if left_out:
        notes += f"\n    <dt>Left out</dt><dd>No user is in these states: {_e(', '.join(left_out))}.</dd>"
    return f'  <dl class="notes">{notes}\n  </dl>'


def _summary(r):
    columns = _columns(r)
    rows = [_summary_row(r, index, pool, columns) for index, pool in enumerate(r["pools"])]
    overall, comparison = r["overall"], r["comparison"]
    groups = "".join(
        f'<th class="group" colspan="{len(states)}">{_e(heading)}</th>' if heading else f'<th rowspan="2">{_e(mfa.STATE_HEADINGS[states[0]])}</th>'
        for heading, states, _note in columns if states
    )
    heads = "".join(f'<th title="{_e(LABELS[s])}">{_e(mfa.STATE_HEADINGS[s])}</th>' for heading, states, _note in columns if heading for s in states)
    previous = (
        _num(_percent(comparison["previous_compliance_percent"]), "comparison", "previous_compliance_percent")
        if comparison["available"] else '<td class="num"></td>'
    )
    minimum = overall["min_compliance_percent"]
    table = f"""  <table id="summary-table">
    <thead>
      <tr><th class="pool" rowspan="2">Pool <small>(pool id)</small></th><th rowspan="2">Users</th><th rowspan="2">Compliance %</th>
        <th rowspan="2">Minimum %</th><th rowspan="2">Previous %</th><th rowspan="2">Result</th>{groups}<th rowspan="2">Findings</th></tr>
      <tr>{heads}</tr>
    </thead>
    <tbody>
{chr(10).join(rows)}
      <tr class="overall">
        <td class="pool">All pools</td>{_num(overall["counts"]["total"], "overall", "counts", "total")}
        {_num(_percent(overall["compliance_percent"]), "overall", "compliance_percent")}
        {_num(minimum, "overall", "min_compliance_percent") if minimum else '<td class="num"></td>'}
        {previous}<td></td>
        {_cells(overall["counts"], columns, ("overall",))}
        <td></td>
      </tr>
    </tbody>
  </table>"""
    return f"""<section id="summary">
  <h2>Summary</h2>
  {_scroll("Summary per pool", table)}
{_summary_notes(columns)}
</section>"""


def _chart(r):
    bars = [_bar(pool["host"], pool, pool["min_compliance_percent"], ("pools", index)) for index, pool in enumerate(r["pools"]) if not pool.get("error")]
    bars.append(_bar("All pools", r["overall"], r["overall"]["min_compliance_percent"], ("overall",)))
    legend = "".join(f'\n        <li><span class="swatch s-{state}"></span>{_e(LABELS[state])}</li>' for state in CHART_STATES)
    return f"""<section id="chart">
  <h2>Compliance per pool</h2>
  <figure>
    {chr(10).join(bars)}
    <figcaption>
      <ul class="legend">{legend}
        <li><span class="swatch" style="border-style: dashed; border-color: #000"></span>minimum</li>
      </ul>
      Bars show every user that exists; the percentage leaves disabled users out.
    </figcaption>
  </figure>
</section>"""


def _number(value, *where, count=False):
    """A number in running text, mapped to the JSON report (data-json, or data-json-count for a list's length)."""
    return f'<span data-json{"-count" if count else ""}="{_e(_pointer(*where))}">{len(value) if count else value}</span>'


def _read_at(user):
    """When the user's verdict was read (runs with a state), marked when carried from the state and not read by this run."""
    if not user.get("read_at"):
        return '<td class="read"></td>'
    carried = "" if user.get("read_this_run") else ' <span class="carried" title="carried from the state: not read by this run">carried</span>'
    when = _e(user["read_at"]).replace("T", " ")
    return f'<td class="read"><time datetime="{_e(user["read_at"])}">{when}</time>{carried}</td>'


def _state_run(pool, index):
    """A run with a state: users read and carried, the change signal's window, and why the whole pool was read."""
    run = pool.get("state_run")
    if not run:
        return ""
    where = ("pools", index, "state_run")
    window = run.get("signal_window") or {}
    start = _e(window.get("start") or "none (the whole pool is read)")
    full = (f'whole pool read: {_e(run["full_read_reason"])}' if run.get("full_read_reason")
            else "only users that may have changed were read")
    return (f'  <ul class="state-run">\n    <li>Run with a state: {_number(run.get("users_read"), *where, "users_read")} '
            f'{agreed(run.get("users_read") or 0, "user")} read, {_number(run.get("users_carried"), *where, "users_carried")} '
            f'carried from the state; {full}.</li>\n'
            f'    <li>Change signal window: {start} to {_e(window.get("end"))}.</li>\n  </ul>')


def _findings(r):
    parts = []
    for index, pool in enumerate(r["pools"]):
        if pool.get("error"):
            continue
        parts.append(f"  <h3>{_e(pool['host'])}</h3>")
        if pool.get("state_run"):
            parts.append(_state_run(pool, index))
        if pool["findings"]:
            items = "".join(
                f'\n    <li><span class="sev-{_e(f["severity"])}">{_e(f["severity"])}</span> <code>{_e(f["code"])}</code>: {_e(f["message"])}</li>'
                for f in pool["findings"]
            )
            parts.append(f"  <ul>{items}\n  </ul>")
        else:
            parts.append('  <p class="ok">None.</p>')
        for number, group in enumerate(pool.get("required_groups") or []):
            where = ("pools", index, "required_groups", number)
            verdict = (
                f'<span class="bad">{_number(group["non_compliant"], *where, "non_compliant", count=True)} not compliant</span>'
                if group["non_compliant"] else '<span class="ok">all compliant</span>'
            )
            members = f'{_number(group["members"], *where, "members")} {agreed(group["members"], "member")}'
            parts.append(f"  <p>Group <strong>{_e(group['group'])}</strong> ({members}):\n    {verdict}</p>")
    for pool in r["pools"]:
        if pool.get("error"):
            parts.append(f"  <h3>{_e(pool['host'])}</h3>\n  <p class=\"bad\">Not audited: {_e(pool['error'])}</p>")
    return '<section id="findings">\n  <h2>Pool settings that weaken MFA</h2>\n' + "\n".join(parts) + "\n</section>"


def _who(user):
    """A username cell: the canonical username, the email (in email pools the username is a UUID) as its title."""
    email = user.get("email")
    return (f'<td class="user" title="{_e(email)}">' if email else '<td class="user">') + f"{_e(user['username'])}</td>"


def _changes(r):
    comparison = r["comparison"]
    parts = [f"  <p>{_e(comparison['note'])}.</p>"]
    if comparison["available"]:
        for key, title in CHANGES:
            parts.append(f"  <h3>{title} ({_number(comparison[key], 'comparison', key, count=True)})</h3>")
            if comparison[key]:
                rows = "".join(
                    f"\n      <tr><td>{_e(c['pool'])}</td>{_who(c)}"
                    f"<td>{_e(LABELS[c['before']]) if c['before'] else 'new'}</td><td>{_e(LABELS[c['after']])}</td></tr>"
                    for c in comparison[key]
                )
                parts.append(_scroll(
                    title,
                    f'  <table id="{key}">\n    <thead><tr><th>Pool</th><th>Username</th><th>Before</th><th>Now</th></tr></thead>\n'
                    f"    <tbody>{rows}\n    </tbody>\n  </table>"
                ))
    return '<section id="changes">\n  <h2>Since the previous report</h2>\n' + "\n".join(parts) + "\n</section>"


def _non_compliant(r):
    with_state = any("read_at" in user for pool in r["pools"] for user in pool.get("users") or [])
    rows = "".join(
        f"\n      <tr><td>{_e(pool['host'])}</td>{_who(user)}"
        f"<td><span class=\"swatch s-{user['state']}\"></span>{_e(LABELS[user['state']])}</td>"
        f"\n        <td>{_e(', '.join(user.get('enabled_methods') or []))}</td><td>{_e(user.get('preferred_method') or '')}</td>"
        f"\n        <td>{_e(user.get('user_status') or '')}</td><td>{_e(user.get('error_code') or '')}</td>"
        f"{_read_at(user) if with_state else ''}</tr>"
        for pool in r["pools"]
        for user in pool.get("users") or []
        if user["state"] in mfa.NON_COMPLIANT_STATES
    )
    read = '<th title="when the verdict was read; carried: from the state, not read by this run">Read</th>' if with_state else ""
    table = f"""  <table id="non-compliant-users">
    <thead><tr><th>Pool</th><th>Username</th><th>State</th><th>Enabled MFA</th><th>Preferred</th><th>User status</th><th>Error</th>{read}</tr></thead>
    <tbody>{rows}
    </tbody>
  </table>"""
    return f"""<section id="non-compliant">
  <h2>Users not compliant</h2>
  {_scroll("Users not compliant", table)}
</section>"""


def render(r):
    failures = "".join(f"\n    <li>{_e(failure).replace(' %', NBSP_PERCENT)}</li>" for failure in r["failures"])
    failures = f'\n  <ul id="failures">{failures}\n  </ul>' if r["failures"] else ""
    verdict = "pass" if r["passed"] else "fail"
    pools, users = r["overall"]["pools"], r["overall"]["counts"]["total"]
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MFA audit of Cognito user pools, {_e(r["generated_at"])}</title>
<style>
{STYLE}</style>
</head>
<body>
<header>
  <h1>MFA audit of Cognito user pools</h1>
  <p class="meta">Generated {_e(r["generated_at"])} &middot; {_number(pools, "overall", "pools")} {agreed(pools, "pool")} &middot;
    {_number(users, "overall", "counts", "total")} {agreed(users, "user")} &middot;
    compliant means meeting the audit's MFA policy (by default TOTP enabled and preferred); the percentage counts
    enabled users that exist, and users that could not be read as not compliant.</p>
  <p id="verdict" class="verdict {verdict}">{"PASSED" if r["passed"] else "FAILED"}</p>{failures}
</header>

{_summary(r)}

{_chart(r)}

{_findings(r)}

{_changes(r)}

{_non_compliant(r)}

<footer><p class="meta">mfaops.cognito audit_mfa &middot; {_e(r["schema"])}</p></footer>
</body>
</html>
"""
    return as_data(page)
