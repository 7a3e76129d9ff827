# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS Security Finding Format (ASFF) findings for Security Hub's BatchImportFindings.

Ids are stable (findings.finding_id), so a rerun updates the same findings. A user who became
compliant gets Compliance.Status PASSED. After a finding exists, BatchImportFindings cannot change
its Workflow (Security Hub API reference, BatchImportFindings); Workflow.Status RESOLVED is then set
with BatchUpdateFindings (workflow_updates). Both calls take at most 100 findings.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Sequence

from . import findings as f

SCHEMA_VERSION = "2018-10-08"
BATCH = 100
TYPES = ["Software and Configuration Checks/Industry and Regulatory Standards"]
FAILED = "FAILED"
PASSED = "PASSED"


def product_arn(region: str, account_id: str) -> str:
    return f"arn:{f.partition(region)}:securityhub:{region}:{account_id}:product/{account_id}/default"


def _finding(pool: Mapping[str, Any], uid: str, generator: str, title: str, desc: str, severity: str,
             resources: List[Dict[str, Any]], remediation: str, now: str, passed: bool) -> Dict[str, Any]:
    return {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": uid,
        "ProductArn": product_arn(pool["region"], pool["account_id"]),
        "GeneratorId": generator,
        "AwsAccountId": pool["account_id"],
        "Types": list(TYPES),
        "CreatedAt": now,
        "UpdatedAt": now,
        "Severity": {"Label": "INFORMATIONAL" if passed else f.severity(severity).upper()},
        "Title": title,
        "Description": desc[:1024],
        "Remediation": {"Recommendation": {"Text": remediation[:512]}},
        "ProductFields": {"ProviderName": f.PRODUCT},
        "Resources": resources,
        "Compliance": {"Status": PASSED if passed else FAILED, "RelatedRequirements": list(f.REFERENCES)},
        "Workflow": {"Status": "RESOLVED" if passed else "NEW"},
        "RecordState": "ACTIVE",
    }


def _pool_resource(pool: Mapping[str, Any], arn: str, other: Mapping[str, str]) -> Dict[str, Any]:
    return {"Type": "Other", "Id": arn, "Partition": f.partition(pool["region"]), "Region": pool["region"],
            "Details": {"Other": dict({"UserPoolId": pool["user_pool_id"]}, **other)}}


def user_finding(row: Mapping[str, Any], pool: Mapping[str, Any], now: str, passed: bool = False) -> Dict[str, Any]:
    """now: ISO 8601 UTC time (2027-01-15T08:00:00Z); passed: the user is compliant now."""
    arn = f.user_pool_arn(pool["region"], pool["account_id"], pool["user_pool_id"])
    other = {"Username": row["username"]}
    if row.get("mfa_state"):
        other["MfaState"] = row["mfa_state"]
    title = f.user_title(row)
    desc = f"User {row['username']} is now on TOTP MFA." if passed else f.user_description(row)
    return _finding(pool, f.finding_id(arn, "user", row["username"]), f.GENERATOR_USER, title, desc, f.USER_SEVERITY,
                    [_pool_resource(pool, arn, other)], f.USER_REMEDIATION, now, passed)


def pool_finding(finding: Mapping[str, Any], pool: Mapping[str, Any], now: str, passed: bool = False) -> Dict[str, Any]:
    arn = f.user_pool_arn(pool["region"], pool["account_id"], pool["user_pool_id"])
    other = {"Code": finding["code"]}
    if finding.get("client_id"):
        other["ClientId"] = finding["client_id"]
    return _finding(pool, f.finding_id(arn, "pool", f.pool_subject(finding)), f.GENERATOR_POOL,
                    f"Cognito user pool {pool['user_pool_id']}: {finding['code']}", finding.get("message") or finding["code"],
                    finding.get("severity"), [_pool_resource(pool, arn, other)],
                    "Set the pool's MFA to ON with TOTP and review its app clients.", now, passed)


def findings_for_run(rows: Iterable[Mapping[str, Any]], pool_findings: Iterable[Mapping[str, Any]], pool: Mapping[str, Any],
                     now: str, open_ids: Iterable[str] = ()) -> List[Dict[str, Any]]:
    """This run's findings: FAILED for every current finding, PASSED for every finding open before
    (open_ids, from GetFindings) whose user is now compliant. Users not read this run are left alone."""
    rows = list(rows)
    current = [pool_finding(p, pool, now) for p in pool_findings]
    current += [user_finding(r, pool, now) for r in f.non_compliant_rows(rows)]
    current_ids = {c["Id"] for c in current}
    open_ids = set(open_ids)
    arn = f.user_pool_arn(pool["region"], pool["account_id"], pool["user_pool_id"])
    passed = [user_finding(r, pool, now, passed=True) for r in rows
              if r.get("compliant") and f.finding_id(arn, "user", r["username"]) in open_ids]
    return current + [p for p in passed if p["Id"] not in current_ids]


def batches(items: Sequence[Any], size: int = BATCH) -> List[List[Any]]:
    if not 1 <= size <= BATCH:
        raise ValueError(f"batch size {size} is not 1 to {BATCH}")
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def workflow_updates(resolved: Iterable[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """BatchUpdateFindings requests that set Workflow.Status RESOLVED on the PASSED findings, 100 a call."""
    ids = [{"Id": x["Id"], "ProductArn": x["ProductArn"]} for x in resolved if x["Compliance"]["Status"] == PASSED]
    return [{"FindingIdentifiers": chunk, "Workflow": {"Status": "RESOLVED"},
             "Note": {"Text": "The user is on TOTP MFA now.", "UpdatedBy": f.PRODUCT}} for chunk in batches(ids)]
