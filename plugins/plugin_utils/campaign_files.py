# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the mfa_campaign role checks and writes, in Python (filters in plugins/filter/campaign.py):
its options before any call, the nudge files (CSV and JSON, for a mail merge or a ticket import)
and the summary it publishes with set_stats. The campaign's page is campaign_page.py."""

from __future__ import annotations

import csv
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
