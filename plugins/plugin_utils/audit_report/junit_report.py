# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The report as JUnit XML: a suite of the pools, and a suite per pool of its users that are not compliant."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ansible_collections.mfaops.cognito.plugins.module_utils import mfa
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report.model import as_data
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report.model import state_count

LABELS = mfa.STATE_LABELS
# What XML 1.0 does not allow in a document (https://www.w3.org/TR/xml/#charsets); ElementTree writes it as it is.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _legal(text):
    """Every character XML 1.0 does not allow, written as \\uXXXX text instead."""
    return NOT_XML.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def _testcase(suite, classname, name, failure=None, kind="failure", failure_type="", text=None):
    case = ET.SubElement(suite, "testcase", {"classname": classname, "name": name, "time": "0"})
    if failure is not None:
        element = ET.SubElement(case, kind, {"message": failure, "type": failure_type})
        element.text = text or failure
    return case


def _properties(case, values):
    """JUnit <properties> of a test case: name/value pairs, those that are None left out."""
    kept = [(name, value) for name, value in values if value is not None]
    if kept:
        properties = ET.Element("properties")
        for name, value in kept:
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)
            ET.SubElement(properties, "property", {"name": name, "value": text})
        case.insert(0, properties)


def _state_properties(case, run):
    """A run with a state: the pool's users read and carried, the signal's window and why the whole pool was read."""
    if run:
        window = run.get("signal_window") or {}
        _properties(case, [("users_read", run.get("users_read")), ("users_carried", run.get("users_carried")),
                           ("signal_window_start", window.get("start")), ("signal_window_end", window.get("end")),
                           ("full_read_reason", run.get("full_read_reason"))])


def _user_suite(pool, generated_at):
    suite = ET.Element("testsuite", {"name": f"mfa-audit.{pool['host']}", "timestamp": generated_at})
    for user in pool.get("users") or []:
        if user["state"] not in mfa.NON_COMPLIANT_STATES:
            continue
        methods = ", ".join(user.get("enabled_methods") or []) or "none"
        message = f"{LABELS[user['state']]} (enabled: {methods}; preferred: {user.get('preferred_method') or 'none'})"
        if user.get("error_code"):
            message = f"{LABELS[user['state']]}: {user['error_code']}: {user.get('message') or ''}"
        kind = "error" if user["state"] == mfa.UNREADABLE else "failure"
        case = _testcase(suite, f"mfa-audit.{pool['host']}", user["username"], message, kind, user["state"])
        if "read_at" in user:  # runs with a state: when the verdict's read was made, and whether by this run
            _properties(case, [("read_at", user["read_at"]), ("read_this_run", bool(user.get("read_this_run")))])
    return suite


def render(report):
    """JUnit XML: a suite of the pools (one test case each, plus one for the overall threshold) and, for each
    pool, a suite with one failed test case per user that is not compliant."""
    generated_at = report.get("generated_at") or ""
    root = ET.Element("testsuites", {"name": "mfaops.cognito audit_mfa"})
    pools_suite = ET.SubElement(root, "testsuite", {"name": "mfa-audit.pools", "timestamp": generated_at})
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
        details = [f"{LABELS[state]}: {state_count(pool['counts'], state)}" for state in mfa.AUDIT_STATES] + [
            f"finding {finding['code']} ({finding['severity']}): {finding['message']}" for finding in pool.get("findings") or []
        ]
        problems = "; ".join(pool["problems"]) if pool["problems"] else None
        if pool.get("error"):
            _testcase(pools_suite, "mfa-audit.pools", pool["host"], problems, "error", "audit_error")
        else:
            case = _testcase(pools_suite, "mfa-audit.pools", pool["host"], problems, failure_type="threshold",
                             text="\n".join(pool["problems"] + details))
            _state_properties(case, pool.get("state_run"))
        suite = _user_suite(pool, generated_at)
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
    return as_data(_legal('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"))
