# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The report as CSV: one row per user of every pool audited.

audit_state is the user's state in the audit (the JSON report's users[].state): compliant, else the MFA state of a user
who is NOT compliant, or why MFA does not apply. mfa_state is the user's MFA methods in one word whatever the policy, as
cognito_user_mfa_info gives it: a compliant user has audit_state compliant and mfa_state totp_preferred."""

from __future__ import annotations

import csv
import io

from ansible_collections.mfaops.cognito.plugins.module_utils import mfa
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report.model import as_data

CSV_FIELDS = (
    "pool",
    "user_pool_id",
    "region",
    "username",
    "email",
    "listed_as",
    "audit_state",
    "compliant",
    "mfa_state",
    "enabled",
    "user_status",
    "enabled_methods",
    "preferred_method",
    "error_code",
    "read_at",
    "read_this_run",
)
# A cell starting with one of these is a formula to a spreadsheet: it gets a leading apostrophe in the CSV.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        value = " ".join(str(item) for item in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def render(report):
    """One row per user of every pool audited (CSV_FIELDS); a cell a spreadsheet would run as a formula starts with an apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for pool in report.get("pools") or []:
        for user in pool.get("users") or []:
            row = dict(user, pool=pool["host"], user_pool_id=pool["user_pool_id"], region=pool.get("region"))
            row["audit_state"] = user["state"]
            row["compliant"] = user["state"] == mfa.COMPLIANT
            writer.writerow([_cell(row.get(field)) for field in CSV_FIELDS])
    return as_data(out.getvalue())
