# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The report as OCSF JSON Lines: one Detection Finding (class_uid 2004) per user not on TOTP and one
per pool finding, built by module_utils/ocsf.py. Pools whose audit failed have no records."""

from __future__ import annotations

import datetime
import json

from ansible_collections.mfaops.cognito.plugins.module_utils import mfa
from ansible_collections.mfaops.cognito.plugins.module_utils import ocsf

VERSION = "0.1.0"


def _time_ms(generated_at):
    try:
        when = datetime.datetime.strptime(generated_at or "", "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        when = datetime.datetime.now(datetime.timezone.utc)
    return int(when.timestamp() * 1000)


def _row(user):
    """A report user as the finding builders read it: a finding only in a known non-compliant MFA state."""
    return {"username": user["username"], "compliant": user["state"] not in mfa.KNOWN_NON_COMPLIANT,
            "not_found": user["state"] == mfa.NOT_FOUND, "mfa_state": user.get("mfa_state"),
            "user_status": user.get("user_status"), "read_at": user.get("read_at"), "read_this_run": user.get("read_this_run")}


def render(report):
    lines = []
    time_ms = _time_ms(report.get("generated_at"))
    for pool in report.get("pools") or []:
        if pool.get("error"):
            continue
        target = {"user_pool_id": pool["user_pool_id"], "region": pool["region"], "account_id": pool.get("account_id") or ""}
        rows = [_row(user) for user in pool.get("users") or []]
        for record in ocsf.records(rows, pool.get("findings") or [], target, time_ms, VERSION):
            lines.append(json.dumps(record, sort_keys=True, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)
