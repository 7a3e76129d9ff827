# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The whole audit report from the pools' records: totals, thresholds, failures, comparison and summary."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.mfaops.cognito.plugins.module_utils import mfa
from ansible_collections.mfaops.cognito.plugins.module_utils.words import counted
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report import model
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report.comparison import compare
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report.findings import FINDINGS

LISTED_NAMES = 10  # names given in one failure sentence


def _names(users):
    names = [f"{user['username']} ({mfa.STATE_LABELS[user['state']]})" for user in users[:LISTED_NAMES]]
    more = len(users) - LISTED_NAMES
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def _percent_sentence(counts, minimum):
    return (
        f"{model.shown(model.compliance(counts)):g} % compliant ({counts[mfa.COMPLIANT]} of {counted(counts['considered'], 'user')}), "
        f"below the minimum of {model.number(minimum):g} %"
    )


def _pool_problems(pool, fail_on_findings):
    """The sentences that fail this pool (empty when it passes)."""
    label = f"pool {pool['host']}" + (f" ({pool['user_pool_id']})" if pool.get("user_pool_id") else "")
    if pool.get("error"):
        return [f"{label}: the audit failed: {pool['error']}"]
    problems = []
    minimum = model.threshold(pool.get("min_compliance_percent"), f"pool {pool['host']}: min_compliance_percent")
    counts = pool["counts"]
    if minimum is not None and model.compliance(counts) < minimum:
        problems.append(f"{label}: {_percent_sentence(counts, minimum)}")
    for group in pool.get("required_groups") or []:
        if group["non_compliant"]:
            problems.append(
                f"{label}: group {group['group']}: {len(group['non_compliant'])} of {counted(group['members'], 'member')} "
                f"not compliant: {_names(group['non_compliant'])}"
            )
    for finding in pool.get("findings") or []:
        if finding["code"] in fail_on_findings:
            problems.append(f"{label}: finding {finding['code']}: {finding['message']}")
    return problems


def audit_report(pools, hosts=(), previous=None, min_compliance_percent=None, fail_on_findings=(), generated_at=""):
    hosts = list(hosts or [])
    records = []
    for index, pool in enumerate(pools or []):
        if not pool:
            host = hosts[index] if index < len(hosts) else f"pool {index + 1}"
            pool = model.audit_pool_error(host, None)
        records.append(dict(pool))
    unknown = sorted(set(fail_on_findings or ()) - set(FINDINGS))
    if unknown:
        raise AnsibleFilterError(f"fail_on_findings: unknown finding(s) {', '.join(unknown)}; known: {', '.join(FINDINGS)}")

    audited = [pool for pool in records if not pool.get("error")]
    counts = model.count_states([])
    for pool in audited:
        model.add_counts(counts, pool["counts"])
    minimum = model.threshold(min_compliance_percent, "min_compliance_percent")

    failures = []
    if minimum is not None and model.compliance(counts) < minimum:
        failures.append(f"overall: {_percent_sentence(counts, minimum)}")
    for pool in records:
        pool["problems"] = _pool_problems(pool, set(fail_on_findings or ()))
        pool["passed"] = not pool["problems"]
        pool["chart"] = model.chart(pool["counts"])
        failures.extend(pool["problems"])

    overall = {
        "pools": len(records),
        "pools_audited": len(audited),
        "counts": counts,
        "compliance_percent": model.shown(model.compliance(counts)),
        "min_compliance_percent": model.number(minimum),
        "chart": model.chart(counts),
    }
    comparison = compare(records, previous)
    report = {
        "schema": model.SCHEMA,
        "generated_at": generated_at,
        "message": (
            f"{counted(counts['total'], 'user')} in {counted(len(records), 'pool')}: {overall['compliance_percent']:g} % compliant. "
            f"{comparison['note']}: {comparison['counts']['became_compliant']} became compliant, "
            f"{comparison['counts']['fell_out']} fell out."
        ),
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
    return model.as_data(report)
