# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The audit report's data: one pool's record from the module results, the numbers and the chart.
The words (states and labels) live in module_utils/mfa.py, the audit vocabulary."""

from __future__ import annotations

import math
from fractions import Fraction

import ansible.template
from ansible.errors import AnsibleFilterError

from ansible_collections.mfaops.cognito.plugins.module_utils import files
from ansible_collections.mfaops.cognito.plugins.module_utils import mfa
from ansible_collections.mfaops.cognito.plugins.module_utils.words import counted
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report import findings

SCHEMA = "mfaops.cognito.audit_mfa/1"
CHART_STATES = tuple(state for state in mfa.AUDIT_STATES if state != mfa.NOT_FOUND)

if hasattr(ansible.template, "trust_as_template"):
    # ansible-core >= 2.19: results of filters are data and are never templated again.
    def as_data(value):
        return value

else:  # pragma: no cover - ansible-core < 2.19: usernames come from end users; never template them
    from ansible.utils.unsafe_proxy import wrap_var as as_data


# ---------------------------------------------------------------- numbers


def threshold(value, name):
    """A percentage threshold as an exact Fraction, or None when not set."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise AnsibleFilterError(f"{name} must be a number from 0 to 100, not {value!r}")
    try:
        exact = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        raise AnsibleFilterError(f"{name} must be a number from 0 to 100, not {value!r}") from None
    if not 0 <= exact <= 100:
        raise AnsibleFilterError(f"{name} must be a number from 0 to 100, not {value!r}")
    return exact


def exact_percent(part, whole):
    """part/whole as an exact percentage; 100 when there is nothing to count."""
    return Fraction(100 * part, whole) if whole else Fraction(100)


def compliance(counts):
    return exact_percent(counts[mfa.COMPLIANT], counts["considered"])


def shown(percent):
    """A percentage rounded down to two decimals, for people (never shows a pass that is not one)."""
    if percent is None:
        return None
    return math.floor(percent * 100) / 100


def number(value):
    """A threshold as given back in the report: an int when whole, else a float."""
    if value is None:
        return None
    return int(value) if value.denominator == 1 else float(value)


def chart(counts):
    """Bar segments over the users that exist: [{state, label, count, x, width}] in percent of the bar."""
    existing = sum(state_count(counts, state) for state in CHART_STATES)
    segments, x = [], 0.0
    for state in CHART_STATES:
        count = state_count(counts, state)
        if not count:
            continue
        width = round(100.0 * count / existing, 3)
        segments.append({"state": state, "label": mfa.STATE_LABELS[state], "count": count, "x": round(x, 3), "width": width})
        x += width
    return segments


# ---------------------------------------------------------------- one pool


def audit_row(row):
    entry = {
        "username": row["username"],
        "email": row.get("email"),
        "listed_as": row.get("listed_as") or row["username"],
        "state": mfa.audit_state(row),
        "enabled": row.get("enabled"),
        "user_status": row.get("user_status"),
        "enabled_methods": row.get("enabled_methods"),
        "preferred_method": row.get("preferred_method"),
        "mfa_state": row.get("mfa_state"),
    }
    if "read_at" in row:  # runs with a state: when the verdict's read was made, and whether by this run
        entry["read_at"] = row["read_at"]
        entry["read_this_run"] = row.get("read_this_run")
    if row.get("error_code"):
        entry["error_code"] = row["error_code"]
        entry["message"] = row.get("message")
    return entry


def count_states(rows):
    """Users per audit state. The users not compliant are split by MFA state under counts.non_compliant_by_mfa_state
    (mfa.NON_COMPLIANT_BY_MFA_STATE), never as counts.<MFA state>, which cognito_user_mfa_info uses for every user read."""
    states = dict.fromkeys(mfa.AUDIT_STATES, 0)
    for row in rows:
        states[row["state"]] += 1
    counts = {mfa.COMPLIANT: states[mfa.COMPLIANT], mfa.NON_COMPLIANT_BY_MFA_STATE: {state: states[state] for state in mfa.MFA_STATES}}
    counts.update((state, states[state]) for state in mfa.AUDIT_STATES if state not in counts and state not in mfa.MFA_STATES)
    counts["total"] = len(rows)
    counts["considered"] = sum(states[state] for state in (mfa.COMPLIANT,) + mfa.NON_COMPLIANT_STATES)
    counts["non_compliant"] = counts["considered"] - counts[mfa.COMPLIANT]
    return counts


def state_count(counts, state):
    """The users in one audit state, wherever count_states keeps them."""
    if state in mfa.MFA_STATES:
        return counts[mfa.NON_COMPLIANT_BY_MFA_STATE][state]
    return counts[state]


def add_counts(total, counts):
    """Add one pool's counts (count_states) into total, nested breakdown included."""
    for key, value in counts.items():
        if isinstance(value, dict):
            add_counts(total[key], value)
        else:
            total[key] += value


def module_results(registered):
    """Module results from a registered task: one result, a loop's results, or a list; skipped ones left out."""
    if registered is None:
        return []
    if isinstance(registered, dict):
        registered = registered.get("results", [registered])
    return [result for result in registered if isinstance(result, dict) and not result.get("skipped")]


def result_rows(result):
    """A result's user rows: its `users`, or the rows of its `users_file` (pool hosts run on the controller)."""
    if not result.get("users_file"):
        yield from result.get("users") or []
        return
    try:
        yield from files.read_rows(result["users_file"])
    except (OSError, ValueError) as e:
        raise AnsibleFilterError(f"cannot read the users_file {result['users_file']}: {e}") from e


def pool_message(counts, found):
    """One line for people: the users per state, the compliance percentage and the findings."""
    parts = [f"{counts[mfa.COMPLIANT]} compliant ({shown(compliance(counts)):g} %)"]
    parts += [f"{state_count(counts, state)} {mfa.STATE_LABELS[state]}" for state in mfa.AUDIT_STATES[1:] if state_count(counts, state)]
    line = f"{counted(counts['total'], 'user')}: " + ", ".join(parts)
    if found:
        line += "; findings: " + ", ".join(sorted({finding["code"] for finding in found}))
    return line


def audit_pool(results, host, user_pool_id, region=None, pool_info=None, required_groups=None, min_compliance_percent=None):
    """One pool's record from its cognito_user_mfa_info results (report=all), cognito_user_pool_info result and
    required-group results (report=non_compliant). A user read by more than one result counts once."""
    info = module_results(results)
    rows, seen = [], set()
    for result in info:
        for row in result_rows(result):
            if row["username"] not in seen:
                seen.add(row["username"])
                rows.append(audit_row(row))
    rows.sort(key=lambda row: row["username"])
    pool_info = (module_results(pool_info) or [{}])[0]
    mfa_config = next((result.get("user_pool_mfa_config") for result in info if result.get("user_pool_mfa_config")), {})
    groups = []
    for result in module_results(required_groups):
        members = [audit_row(row) for row in result.get("users") or []]
        groups.append(
            {
                "group": result.get("item"),
                "members": result.get("counts", {}).get("total", 0),
                "non_compliant": [
                    {"username": member["username"], "state": member["state"]}
                    for member in members
                    if member["state"] in mfa.NON_COMPLIANT_STATES
                ],
            }
        )
    counts = count_states(rows)
    minimum = threshold(min_compliance_percent, f"pool {host}: min_compliance_percent")
    user_pool = pool_info.get("user_pool") or {}
    found = findings.pool_findings(mfa_config, user_pool, pool_info.get("app_clients"))
    return as_data(
        {
            "message": pool_message(counts, found),
            "host": host,
            "user_pool_id": user_pool_id,
            "region": region or user_pool_id.split("_")[0],
            "account_id": (user_pool.get("arn") or "::::").split(":")[4] or None,
            "name": user_pool.get("name"),
            "error": None,
            "counts": counts,
            "compliance_percent": shown(compliance(counts)),
            "min_compliance_percent": number(minimum),
            "user_pool_mfa_config": mfa_config,
            "device_configuration": user_pool.get("device_configuration"),
            "app_clients": [
                {"client_id": client.get("client_id"), "client_name": client.get("client_name"),
                 "explicit_auth_flows": client.get("explicit_auth_flows") or []}
                for client in pool_info.get("app_clients") or []
            ],
            "findings": found,
            "state_run": next((result["state"] for result in info if result.get("state")), None),
            "required_groups": groups,
            "users": rows,
        }
    )


def audit_pool_error(host, user_pool_id, region=None, error="the audit of this pool did not finish"):
    """The record of a pool whose audit failed."""
    return as_data(
        {
            "message": f"not audited: {error}",
            "host": host,
            "user_pool_id": user_pool_id,
            "region": region or (user_pool_id or "").split("_")[0] or None,
            "error": str(error),
            "counts": count_states([]),
            "compliance_percent": None,
            "min_compliance_percent": None,
            "findings": [],
            "required_groups": [],
            "users": [],
        }
    )
