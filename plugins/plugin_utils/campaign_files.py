# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the mfa_campaign role checks and writes, in Python (filters in plugins/filter/campaign.py, the action
plugin cognito_mfa_nudge_list): its options before any call, the nudge files (CSV and JSON, for a mail merge or a
ticket import), recording the nudges they hand over, and the summary it publishes with set_stats. The campaign's
page is campaign_page.py."""

from __future__ import annotations

import csv
import io
import json
import os

from ansible_collections.mfaops.cognito.plugins.module_utils import campaign
from ansible_collections.mfaops.cognito.plugins.module_utils import campaign_state
from ansible_collections.mfaops.cognito.plugins.module_utils import files
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
    """A CSV cell: numbers stay numbers (days_left is negative after the deadline), text a spreadsheet would read as a
    formula gets a leading apostrophe."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
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


def nudge_list_files(directory, pool):
    """The paths of a pool's nudge files: ``<pool>-nudges.csv`` and ``.json`` in ``directory``."""
    if not isinstance(pool, str) or not pool or pool in (".", "..") or "/" in pool or "\0" in pool:
        raise ValueError(f"pool: {pool!r} cannot name a nudge file (one plain file-name part)")
    return {ext: os.path.join(directory, f"{pool}-nudges.{ext}") for ext in ("csv", "json")}


def write_nudge_list(step, directory, pool, user_pool_id, state_dir, record=True, write=True):
    """Hand over the day's nudges: write the pool's nudge list (CSV and JSON, each replaced atomically, 0600, and only
    when its content changes; ``directory`` made 0700 when missing), then, with ``record``, record every due nudge of
    the list in the campaign state (under its lock). A failure or a kill before the files are written records
    nothing; one after leaves files that the same day's rerun writes again byte for byte, and records then.
    With write=False nothing is written or recorded: the answer says what would be.
    Returns (files, written, recorded): every file's path, the files replaced, the usernames recorded."""
    day = campaign.parse_date(step.get("today"), "step.today")
    paths = nudge_list_files(directory, pool)
    if os.path.lexists(directory) and not os.path.isdir(directory):
        raise ValueError(f"{directory} exists and is not a directory")
    content = {"csv": nudge_csv(step.get("nudges")), "json": nudge_json(step, pool, user_pool_id, day.isoformat())}
    written = [paths[ext] for ext in ("csv", "json") if _differs(paths[ext], content[ext])]
    due = [n["username"] for n in step.get("nudges") or [] if n.get("due") and n.get("username")] if record else []
    if not write:
        state = campaign_state.load(state_dir, user_pool_id)
        return list(paths.values()), written, [u for u in due if not campaign.nudged_on(state, u, day)]
    files.make_dirs(directory)
    for path in written:
        files.write_private(path, content[path.rsplit(".", 1)[1]])
    recorded = []
    if due:
        with campaign_state.Lock(state_dir, user_pool_id):
            state = campaign_state.load(state_dir, user_pool_id)
            recorded = [u for u in due if not campaign.nudged_on(state, u, day)]
            for username in recorded:
                campaign.record_nudge(state, username, day)
            if recorded:
                campaign_state.save(state_dir, user_pool_id, state)
    return list(paths.values()), written, recorded


def _differs(path, text):
    try:
        with open(path, "rb") as handle:
            return handle.read() != text.encode("utf-8")
    except FileNotFoundError:
        return True


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
