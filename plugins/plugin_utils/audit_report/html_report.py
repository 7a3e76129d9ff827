# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The report as one self-contained HTML page: no script, no external file, readable offline.
Every value from the report is escaped (_e): usernames and names come from the pools."""

from __future__ import annotations

from html import escape

from ansible_collections.mfaops.cognito.plugins.module_utils import mfa
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report.model import CHART_STATES
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report.model import as_data

LABELS = mfa.STATE_LABELS
CHANGES = (("became_compliant", "Became compliant"), ("fell_out", "Fell out of compliance"), ("new_non_compliant", "New and not compliant"))
STYLE = """\
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem; color: #1b1b1b; max-width: 78rem; }
  h1 { font-size: 1.6rem; margin-bottom: .2rem; }
  h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
  .meta { color: #555; margin-top: 0; }
  .verdict { display: inline-block; padding: .3rem .8rem; border-radius: .3rem; font-weight: bold; color: #fff; }
  .verdict.pass { background: #2e7d32; } .verdict.fail { background: #c62828; }
  table { border-collapse: collapse; width: 100%; font-size: .9rem; }
  th, td { border: 1px solid #ddd; padding: .3rem .5rem; text-align: left; vertical-align: top; }
  th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
  tr.overall td { font-weight: bold; background: #fafafa; }
  .bar-row { display: flex; align-items: center; gap: .8rem; margin: .35rem 0; }
  .bar-label { width: 14rem; overflow-wrap: anywhere; } .bar-value { width: 5rem; text-align: right; font-variant-numeric: tabular-nums; }
  svg.bar { flex: 1; height: 1.4rem; border: 1px solid #bbb; }
  .legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 1rem; font-size: .85rem; }
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
  code { font-size: .85rem; }
"""


def _e(value):
    return escape("" if value is None else str(value))


def _percent(value):
    return "n/a" if value is None else f"{value:g}"


def _minimum(value):
    return value if value else ""


def _bar(name, block, minimum):
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
  <span class="bar-value">{_percent(block["compliance_percent"])} %</span>
</div>"""


def _cells(counts):
    return "".join(f'<td class="num">{counts[state]}</td>' for state in mfa.AUDIT_STATES)


def _summary(r):
    rows = []
    for pool in r["pools"]:
        previous = r["comparison"]["pools"].get(pool["host"])
        result = "error" if pool.get("error") else ("passed" if pool["passed"] else "failed")
        rows.append(
            f"""      <tr class="pool">
        <td>{_e(pool["host"])}</td><td><code>{_e(pool.get("user_pool_id") or "")}</code></td><td>{_e(pool.get("region") or "")}</td>
        <td class="num">{pool["counts"]["total"]}</td>{_cells(pool["counts"])}
        <td class="num">{_percent(pool["compliance_percent"])}</td>
        <td class="num">{_minimum(pool["min_compliance_percent"])}</td>
        <td class="num">{_percent(previous["previous_compliance_percent"]) if previous else ""}</td>
        <td class="num">{len(pool.get("findings") or [])}</td>
        <td class="{"ok" if pool["passed"] else "bad"}">{result}</td>
      </tr>"""
        )
    overall, comparison = r["overall"], r["comparison"]
    heads = "".join(f"<th>{_e(LABELS[state])}</th>" for state in mfa.AUDIT_STATES)
    return f"""<section id="summary">
  <h2>Summary</h2>
  <table>
    <thead>
      <tr><th>Pool</th><th>Pool id</th><th>Region</th><th>Users</th>{heads}
        <th>Compliance %</th><th>Minimum %</th><th>Previous %</th><th>Findings</th><th>Result</th></tr>
    </thead>
    <tbody>
{chr(10).join(rows)}
      <tr class="overall">
        <td colspan="3">All pools</td><td class="num">{overall["counts"]["total"]}</td>{_cells(overall["counts"])}
        <td class="num">{_percent(overall["compliance_percent"])}</td>
        <td class="num">{_minimum(overall["min_compliance_percent"])}</td>
        <td class="num">{_percent(comparison["previous_compliance_percent"]) if comparison["available"] else ""}</td>
        <td></td><td></td>
      </tr>
    </tbody>
  </table>
</section>"""


def _chart(r):
    bars = [_bar(pool["host"], pool, pool["min_compliance_percent"]) for pool in r["pools"] if not pool.get("error")]
    bars.append(_bar("All pools", r["overall"], r["overall"]["min_compliance_percent"]))
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


def _findings(r):
    parts = []
    for pool in r["pools"]:
        if pool.get("error"):
            continue
        parts.append(f"  <h3>{_e(pool['host'])}</h3>")
        if pool["findings"]:
            items = "".join(
                f'\n    <li><span class="sev-{_e(f["severity"])}">{_e(f["severity"])}</span> <code>{_e(f["code"])}</code>: {_e(f["message"])}</li>'
                for f in pool["findings"]
            )
            parts.append(f"  <ul>{items}\n  </ul>")
        else:
            parts.append('  <p class="ok">None.</p>')
        for group in pool.get("required_groups") or []:
            verdict = (
                f'<span class="bad">{len(group["non_compliant"])} not compliant</span>'
                if group["non_compliant"] else '<span class="ok">all compliant</span>'
            )
            parts.append(f"  <p>Group <strong>{_e(group['group'])}</strong> ({group['members']} members):\n    {verdict}</p>")
    for pool in r["pools"]:
        if pool.get("error"):
            parts.append(f"  <h3>{_e(pool['host'])}</h3>\n  <p class=\"bad\">Not audited: {_e(pool['error'])}</p>")
    return '<section id="findings">\n  <h2>Pool settings that weaken MFA</h2>\n' + "\n".join(parts) + "\n</section>"


def _who(user):
    """A username cell: the canonical username, the email (in email pools the username is a UUID) as its title."""
    email = user.get("email")
    return (f'<td title="{_e(email)}">' if email else "<td>") + f"{_e(user['username'])}</td>"


def _changes(r):
    comparison = r["comparison"]
    parts = [f"  <p>{_e(comparison['note'])}.</p>"]
    if comparison["available"]:
        for key, title in CHANGES:
            parts.append(f"  <h3>{title} ({len(comparison[key])})</h3>")
            if comparison[key]:
                rows = "".join(
                    f"\n      <tr><td>{_e(c['pool'])}</td>{_who(c)}"
                    f"<td>{_e(LABELS[c['before']]) if c['before'] else 'new'}</td><td>{_e(LABELS[c['after']])}</td></tr>"
                    for c in comparison[key]
                )
                parts.append(
                    f'  <table id="{key}">\n    <thead><tr><th>Pool</th><th>Username</th><th>Before</th><th>Now</th></tr></thead>\n'
                    f"    <tbody>{rows}\n    </tbody>\n  </table>"
                )
    return '<section id="changes">\n  <h2>Since the previous report</h2>\n' + "\n".join(parts) + "\n</section>"


def _non_compliant(r):
    rows = "".join(
        f"\n      <tr><td>{_e(pool['host'])}</td>{_who(user)}"
        f"<td><span class=\"swatch s-{user['state']}\"></span>{_e(LABELS[user['state']])}</td>"
        f"\n        <td>{_e(', '.join(user.get('enabled_methods') or []))}</td><td>{_e(user.get('preferred_method') or '')}</td>"
        f"\n        <td>{_e(user.get('user_status') or '')}</td><td>{_e(user.get('error_code') or '')}</td></tr>"
        for pool in r["pools"]
        for user in pool.get("users") or []
        if user["state"] in mfa.NON_COMPLIANT_STATES
    )
    return f"""<section id="non-compliant">
  <h2>Users not compliant</h2>
  <table id="non-compliant-users">
    <thead><tr><th>Pool</th><th>Username</th><th>State</th><th>Enabled MFA</th><th>Preferred</th><th>User status</th><th>Error</th></tr></thead>
    <tbody>{rows}
    </tbody>
  </table>
</section>"""


def render(r):
    failures = "".join(f"\n    <li>{_e(failure)}</li>" for failure in r["failures"])
    failures = f'\n  <ul id="failures">{failures}\n  </ul>' if r["failures"] else ""
    verdict = "pass" if r["passed"] else "fail"
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
  <p class="meta">Generated {_e(r["generated_at"])} &middot; {r["overall"]["pools"]} pools &middot; {r["overall"]["counts"]["total"]} users &middot;
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
