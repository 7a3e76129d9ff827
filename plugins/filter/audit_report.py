# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The audit_mfa role's report as pure functions: the filters audit_pool, audit_pool_error, audit_report,
audit_csv and audit_junit (documented in the .yml file of each beside this one)."""

from __future__ import annotations

import csv
import io
import json
import math
import xml.etree.ElementTree as ET
from fractions import Fraction

import ansible.template
from ansible.errors import AnsibleFilterError

SCHEMA = "mfaops.cognito.audit_mfa/1"
TOTP = "software_token_mfa"

# A user's state in the audit, one for each user; the first six make up the users that exist.
COMPLIANT = "compliant"
DISABLED = "disabled"
UNREADABLE = "unreadable"
NOT_FOUND = "not_found"
STATES = (COMPLIANT, "totp_enabled_not_preferred", "other_mfa_only", "no_mfa", DISABLED, UNREADABLE, NOT_FOUND)
# Counted in the compliance percentage as not compliant; the comparison goes by the known ones only.
NON_COMPLIANT_STATES = ("totp_enabled_not_preferred", "other_mfa_only", "no_mfa", UNREADABLE)
KNOWN_NON_COMPLIANT = NON_COMPLIANT_STATES[:-1]
STATE_LABELS = {
    COMPLIANT: "TOTP enabled and preferred",
    "totp_enabled_not_preferred": "TOTP enabled but not preferred",
    "other_mfa_only": "other MFA only",
    "no_mfa": "no MFA",
    DISABLED: "disabled",
    UNREADABLE: "could not be read",
    NOT_FOUND: "not found",
}
CHART_STATES = STATES[:-1]

# Authentication flows that send the password itself instead of an SRP proof (the old names too).
PASSWORD_FLOWS = ("ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH")
FINDINGS = {
    "mfa_off": "high",
    "mfa_optional": "medium",
    "totp_not_offered": "high",
    "sms_mfa_allowed": "medium",
    "remembered_devices_skip_mfa": "medium",
    "password_auth_without_srp": "low",
}
LISTED_NAMES = 10  # names given in one failure sentence

CSV_FIELDS = (
    "pool",
    "user_pool_id",
    "region",
    "username",
    "state",
    "compliant",
    "enabled",
    "user_status",
    "enabled_methods",
    "preferred_method",
    "error_code",
)
# A cell starting with one of these is a formula to a spreadsheet: it gets a leading apostrophe in the CSV.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

if hasattr(ansible.template, "trust_as_template"):
    # ansible-core >= 2.19: results of filters are data and are never templated again.
    def _as_data(value):
        return value

else:  # pragma: no cover - ansible-core < 2.19: usernames come from end users; never template them
    from ansible.utils.unsafe_proxy import wrap_var as _as_data


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
    existing = sum(counts[state] for state in CHART_STATES)
    segments, x = [], 0.0
    for state in CHART_STATES:
        if not counts[state]:
            continue
        width = round(100.0 * counts[state] / existing, 3)
        segments.append({"state": state, "label": STATE_LABELS[state], "count": counts[state], "x": round(x, 3), "width": width})
        x += width
    return segments


# ---------------------------------------------------------------- one pool


def user_state(row):
    """A cognito_user_mfa_info row's state in the audit (STATES)."""
    if row.get("not_found"):
        return NOT_FOUND
    if row.get("mfa_state") is None:
        return UNREADABLE
    if row.get("enabled") is False:
        return DISABLED
    return COMPLIANT if row["mfa_state"] == "totp_preferred" else row["mfa_state"]


def audit_row(row):
    entry = {
        "username": row["username"],
        "state": user_state(row),
        "enabled": row.get("enabled"),
        "user_status": row.get("user_status"),
        "enabled_methods": row.get("enabled_methods"),
        "preferred_method": row.get("preferred_method"),
        "mfa_state": row.get("mfa_state"),
    }
    if row.get("error_code"):
        entry["error_code"] = row["error_code"]
        entry["message"] = row.get("message")
    return entry


def count_states(rows):
    counts = dict.fromkeys(STATES, 0)
    for row in rows:
        counts[row["state"]] += 1
    counts["total"] = len(rows)
    counts["considered"] = sum(counts[state] for state in (COMPLIANT,) + NON_COMPLIANT_STATES)
    counts["non_compliant"] = counts["considered"] - counts[COMPLIANT]
    return counts


def _results(registered):
    """Module results from a registered task: one result, a loop's results, or a list; skipped ones left out."""
    if registered is None:
        return []
    if isinstance(registered, dict):
        registered = registered.get("results", [registered])
    return [result for result in registered if isinstance(result, dict) and not result.get("skipped")]


def pool_findings(mfa_config, user_pool=None, app_clients=None):
    """Pool settings that weaken MFA: [{code, severity, message}] (app client findings name the client)."""
    mfa_config = mfa_config or {}
    user_pool = user_pool or {}
    findings = []

    def add(code, message, **more):
        findings.append(dict({"code": code, "severity": FINDINGS[code], "message": message}, **more))

    configuration = mfa_config.get("mfa_configuration") or user_pool.get("mfa_configuration")
    if configuration == "OFF":
        add("mfa_off", "MFA is OFF: no user is asked for a second factor")
    elif configuration == "OPTIONAL":
        add("mfa_optional", "MFA is OPTIONAL: users without an MFA method sign in with a password alone")
    if configuration != "OFF" and mfa_config and not (mfa_config.get("software_token_mfa_configuration") or {}).get("enabled"):
        add("totp_not_offered", "TOTP (authenticator app) MFA is not enabled in the pool: users cannot set it up")
    if mfa_config.get("sms_mfa_configuration"):
        add("sms_mfa_allowed", "SMS is allowed as an MFA factor (open to SIM swapping and interception)")
    devices = user_pool.get("device_configuration") or {}
    if devices.get("challenge_required_on_new_device"):
        who = "when the user chooses so" if devices.get("device_only_remembered_on_user_prompt") else "always"
        add(
            "remembered_devices_skip_mfa",
            f"Remembered devices sign in without MFA (ChallengeRequiredOnNewDevice); devices are remembered {who}",
        )
    for client in app_clients or []:
        flows = [flow for flow in client.get("explicit_auth_flows") or [] if flow in PASSWORD_FLOWS]
        if flows:
            name = client.get("client_name") or client.get("client_id")
            add(
                "password_auth_without_srp",
                f"App client {name} ({client.get('client_id')}) allows password sign-in without SRP: {', '.join(flows)}",
                client_id=client.get("client_id"),
                client_name=client.get("client_name"),
            )
    return findings


def pool_message(counts, findings):
    """One line for people: the users per state, the compliance percentage and the findings."""
    percent = shown(exact_percent(counts[COMPLIANT], counts["considered"]))
    parts = [f"{counts[COMPLIANT]} compliant ({percent:g} %)"]
    parts += [f"{counts[state]} {STATE_LABELS[state]}" for state in STATES[1:] if counts[state]]
    line = f"{counts['total']} users: " + ", ".join(parts)
    if findings:
        line += "; findings: " + ", ".join(sorted({finding["code"] for finding in findings}))
    return line


def audit_pool(results, host, user_pool_id, region=None, pool_info=None, required_groups=None, min_compliance_percent=None):
    """One pool's record from its cognito_user_mfa_info results (report=all), cognito_user_pool_info result and
    required-group results (report=non_compliant). A user read by more than one result counts once."""
    info = _results(results)
    rows, seen = [], set()
    for result in info:
        for row in result.get("users") or []:
            if row["username"] not in seen:
                seen.add(row["username"])
                rows.append(audit_row(row))
    rows.sort(key=lambda row: row["username"])
    pool_info = (_results(pool_info) or [{}])[0]
    mfa_config = next((result.get("user_pool_mfa_config") for result in info if result.get("user_pool_mfa_config")), {})
    groups = []
    for result in _results(required_groups):
        members = [audit_row(row) for row in result.get("users") or []]
        groups.append(
            {
                "group": result.get("item"),
                "members": result.get("counts", {}).get("total", 0),
                "non_compliant": [
                    {"username": member["username"], "state": member["state"]}
                    for member in members
                    if member["state"] in NON_COMPLIANT_STATES
                ],
            }
        )
    counts = count_states(rows)
    minimum = threshold(min_compliance_percent, f"pool {host}: min_compliance_percent")
    user_pool = pool_info.get("user_pool") or {}
    findings = pool_findings(mfa_config, user_pool, pool_info.get("app_clients"))
    return _as_data(
        {
            "message": pool_message(counts, findings),
            "host": host,
            "user_pool_id": user_pool_id,
            "region": region or user_pool_id.split("_")[0],
            "name": user_pool.get("name"),
            "error": None,
            "counts": counts,
            "compliance_percent": shown(exact_percent(counts[COMPLIANT], counts["considered"])),
            "min_compliance_percent": number(minimum),
            "user_pool_mfa_config": mfa_config,
            "device_configuration": user_pool.get("device_configuration"),
            "app_clients": [
                {"client_id": client.get("client_id"), "client_name": client.get("client_name"),
                 "explicit_auth_flows": client.get("explicit_auth_flows") or []}
                for client in pool_info.get("app_clients") or []
            ],
            "findings": findings,
            "required_groups": groups,
            "users": rows,
        }
    )


def audit_pool_error(host, user_pool_id, region=None, error="the audit of this pool did not finish"):
    """The record of a pool whose audit failed."""
    return _as_data(
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


# ---------------------------------------------------------------- the report


def _names(users):
    names = [f"{user['username']} ({STATE_LABELS[user['state']]})" for user in users[:LISTED_NAMES]]
    more = len(users) - LISTED_NAMES
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def _percent_sentence(counts, minimum):
    value = exact_percent(counts[COMPLIANT], counts["considered"])
    return (
        f"{shown(value):g} % compliant ({counts[COMPLIANT]} of {counts['considered']} users), "
        f"below the minimum of {number(minimum):g} %"
    )


def _pool_problems(pool, fail_on_findings):
    """The sentences that fail this pool (empty when it passes)."""
    label = f"pool {pool['host']}" + (f" ({pool['user_pool_id']})" if pool.get("user_pool_id") else "")
    if pool.get("error"):
        return [f"{label}: the audit failed: {pool['error']}"]
    problems = []
    minimum = threshold(pool.get("min_compliance_percent"), f"pool {pool['host']}: min_compliance_percent")
    counts = pool["counts"]
    if minimum is not None and exact_percent(counts[COMPLIANT], counts["considered"]) < minimum:
        problems.append(f"{label}: {_percent_sentence(counts, minimum)}")
    for group in pool.get("required_groups") or []:
        if group["non_compliant"]:
            problems.append(
                f"{label}: group {group['group']}: {len(group['non_compliant'])} of {group['members']} members "
                f"not compliant: {_names(group['non_compliant'])}"
            )
    for finding in pool.get("findings") or []:
        if finding["code"] in fail_on_findings:
            problems.append(f"{label}: finding {finding['code']}: {finding['message']}")
    return problems


def _user_index(pools):
    return {
        (pool["user_pool_id"], user["username"]): (pool, user)
        for pool in pools
        if not pool.get("error")
        for user in pool.get("users") or []
    }


def compare(pools, previous):
    """Who became compliant, who fell out, and who is new and not compliant, since the previous report.
    Pools are matched by id; a user that could not be read in either report is in none of the lists."""
    empty = {
        "available": False,
        "previous_generated_at": None,
        "became_compliant": [],
        "fell_out": [],
        "new_non_compliant": [],
        "counts": {"became_compliant": 0, "fell_out": 0, "new_non_compliant": 0},
        "previous_compliance_percent": None,
        "pools": {},
    }
    if isinstance(previous, (str, bytes)):
        try:
            previous = json.loads(previous) if previous.strip() else None
        except ValueError:
            return dict(empty, note="The previous report is not valid JSON: not compared")
    if not previous:
        return dict(empty, note="No previous report")
    if not isinstance(previous, dict) or previous.get("schema") != SCHEMA:
        return dict(empty, note=f"The previous report is not a {SCHEMA} report: not compared")
    before_pools = [pool for pool in previous.get("pools") or [] if isinstance(pool, dict) and not pool.get("error")]
    before = _user_index(before_pools)
    compared_ids = {pool["user_pool_id"] for pool in before_pools}
    became, fell, new = [], [], []
    for (pool_id, username), (pool, user) in sorted(_user_index(pools).items()):
        if pool_id not in compared_ids:
            continue
        entry = {"pool": pool["host"], "user_pool_id": pool_id, "username": username, "after": user["state"]}
        old = before.get((pool_id, username))
        if old is None:
            if user["state"] in KNOWN_NON_COMPLIANT:
                new.append(dict(entry, before=None))
            continue
        old_state = old[1]["state"]
        if old_state in KNOWN_NON_COMPLIANT and user["state"] == COMPLIANT:
            became.append(dict(entry, before=old_state))
        elif old_state == COMPLIANT and user["state"] in KNOWN_NON_COMPLIANT:
            fell.append(dict(entry, before=old_state))
    by_id = {pool["user_pool_id"]: pool for pool in before_pools}
    return dict(
        empty,
        available=True,
        note=f"Compared with the report of {previous.get('generated_at') or 'an unknown time'}",
        previous_generated_at=previous.get("generated_at"),
        became_compliant=became,
        fell_out=fell,
        new_non_compliant=new,
        counts={"became_compliant": len(became), "fell_out": len(fell), "new_non_compliant": len(new)},
        previous_compliance_percent=(previous.get("overall") or {}).get("compliance_percent"),
        pools={
            pool["host"]: {"previous_compliance_percent": by_id[pool["user_pool_id"]].get("compliance_percent")}
            for pool in pools
            if pool["user_pool_id"] in by_id and not pool.get("error")
        },
    )


def audit_report(pools, hosts=(), previous=None, min_compliance_percent=None, fail_on_findings=(), generated_at=""):
    hosts = list(hosts or [])
    records = []
    for index, pool in enumerate(pools or []):
        if not pool:
            host = hosts[index] if index < len(hosts) else f"pool {index + 1}"
            pool = audit_pool_error(host, None)
        records.append(dict(pool))
    unknown = sorted(set(fail_on_findings or ()) - set(FINDINGS))
    if unknown:
        raise AnsibleFilterError(f"fail_on_findings: unknown finding(s) {', '.join(unknown)}; known: {', '.join(FINDINGS)}")

    audited = [pool for pool in records if not pool.get("error")]
    counts = count_states([])
    for pool in audited:
        for key in counts:
            counts[key] += pool["counts"][key]
    minimum = threshold(min_compliance_percent, "min_compliance_percent")

    failures = []
    if minimum is not None and exact_percent(counts[COMPLIANT], counts["considered"]) < minimum:
        failures.append(f"overall: {_percent_sentence(counts, minimum)}")
    for pool in records:
        pool["problems"] = _pool_problems(pool, set(fail_on_findings or ()))
        pool["passed"] = not pool["problems"]
        pool["chart"] = chart(pool["counts"])
        failures.extend(pool["problems"])

    overall = {
        "pools": len(records),
        "pools_audited": len(audited),
        "counts": counts,
        "compliance_percent": shown(exact_percent(counts[COMPLIANT], counts["considered"])),
        "min_compliance_percent": number(minimum),
        "chart": chart(counts),
    }
    comparison = compare(records, previous)
    report = {
        "schema": SCHEMA,
        "generated_at": generated_at,
        "passed": not failures,
        "failures": failures,
        "overall": overall,
        "fail_on_findings": sorted(set(fail_on_findings or ())),
        "pools": records,
        "comparison": comparison,
    }
    report["summary"] = {
        "generated_at": generated_at,
        "passed": report["passed"],
        "failures": failures,
        "counts": counts,
        "compliance_percent": overall["compliance_percent"],
        "pools": {
            pool["host"]: {
                "user_pool_id": pool["user_pool_id"],
                "passed": pool["passed"],
                "error": pool.get("error"),
                "counts": pool["counts"],
                "compliance_percent": pool["compliance_percent"],
                "findings": [finding["code"] for finding in pool.get("findings") or []],
            }
            for pool in records
        },
        "comparison": dict(comparison["counts"], available=comparison["available"]),
    }
    return _as_data(report)


# ---------------------------------------------------------------- renderings


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        value = " ".join(str(item) for item in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def audit_csv(report):
    """One row per user of every pool audited (CSV_FIELDS); a cell a spreadsheet would run as a formula starts with an apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for pool in report.get("pools") or []:
        for user in pool.get("users") or []:
            row = dict(user, pool=pool["host"], user_pool_id=pool["user_pool_id"], region=pool.get("region"))
            row["compliant"] = user["state"] == COMPLIANT
            writer.writerow([_cell(row.get(field)) for field in CSV_FIELDS])
    return _as_data(out.getvalue())


def _testcase(suite, classname, name, failure=None, kind="failure", failure_type="", text=None):
    case = ET.SubElement(suite, "testcase", {"classname": classname, "name": name, "time": "0"})
    if failure is not None:
        element = ET.SubElement(case, kind, {"message": failure, "type": failure_type})
        element.text = text or failure
    return case


def audit_junit(report):
    """JUnit XML: a suite of the pools (one test case each, plus one for the overall threshold) and, for each
    pool, a suite with one failed test case per user that is not compliant."""
    root = ET.Element("testsuites", {"name": "mfaops.cognito audit_mfa"})
    pools_suite = ET.SubElement(root, "testsuite", {"name": "mfa-audit.pools", "timestamp": report.get("generated_at") or ""})
    overall_failures = [failure for failure in report.get("failures") or [] if failure.startswith("overall: ")]
    _testcase(
        pools_suite,
        "mfa-audit.pools",
        "overall",
        "; ".join(overall_failures) if overall_failures else None,
        failure_type="min_compliance_percent",
    )
    user_suites = []
    for pool in report.get("pools") or []:
        details = [f"{STATE_LABELS[state]}: {pool['counts'][state]}" for state in STATES] + [
            f"finding {finding['code']} ({finding['severity']}): {finding['message']}" for finding in pool.get("findings") or []
        ]
        if pool.get("error"):
            _testcase(pools_suite, "mfa-audit.pools", pool["host"], "; ".join(pool["problems"]), "error", "audit_error")
        else:
            _testcase(
                pools_suite,
                "mfa-audit.pools",
                pool["host"],
                "; ".join(pool["problems"]) if pool["problems"] else None,
                failure_type="threshold",
                text="\n".join(pool["problems"] + details),
            )
        suite = ET.Element("testsuite", {"name": f"mfa-audit.{pool['host']}", "timestamp": report.get("generated_at") or ""})
        for user in pool.get("users") or []:
            if user["state"] in NON_COMPLIANT_STATES:
                methods = ", ".join(user.get("enabled_methods") or []) or "none"
                message = f"{STATE_LABELS[user['state']]} (enabled: {methods}; preferred: {user.get('preferred_method') or 'none'})"
                if user.get("error_code"):
                    message = f"{STATE_LABELS[user['state']]}: {user['error_code']}: {user.get('message') or ''}"
                _testcase(
                    suite,
                    f"mfa-audit.{pool['host']}",
                    user["username"],
                    message,
                    "error" if user["state"] == UNREADABLE else "failure",
                    user["state"],
                )
        if len(suite):
            user_suites.append(suite)
    root.extend(user_suites)
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in root:
        cases = suite.findall("testcase")
        counted = {
            "tests": len(cases),
            "failures": sum(1 for case in cases if case.find("failure") is not None),
            "errors": sum(1 for case in cases if case.find("error") is not None),
        }
        for key, value in counted.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return _as_data('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n")


class FilterModule:
    def filters(self):
        return {
            "audit_pool": audit_pool,
            "audit_pool_error": audit_pool_error,
            "audit_report": audit_report,
            "audit_csv": audit_csv,
            "audit_junit": audit_junit,
        }
