# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""OCSF 1.5.0 Detection Finding records (class_uid 2004): one per non-compliant user, one per pool finding.

The resource is the user pool (ARN) and, for a user finding, the user (ARN + username). OCSF's
Detection Finding has no compliance object (that is Compliance Finding, 2003), so the controls a
record supports are carried where a Detection Finding can hold them: remediation.references and
remediation.cis_controls, finding_info.types, and unmapped.compliance in the shape of OCSF's
compliance object. tests/unit/plugins/module_utils/test_findings.py validates every record against the OCSF schema.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping

from . import findings as f

OCSF_VERSION = "1.5.0"
CLASS_UID = 2004
CATEGORY_UID = 2
ACTIVITY_CREATE = 1
SEVERITY_IDS = {"informational": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}
STATUS_NEW = 1


def _record(pool: Mapping[str, Any], uid: str, title: str, desc: str, severity: str, resources: List[Dict[str, Any]],
            remediation: str, time_ms: int, version: str, message: str) -> Dict[str, Any]:
    return {
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Detection Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": "Detection Finding: Create",
        "severity_id": SEVERITY_IDS[f.severity(severity)],
        "severity": f.severity(severity).capitalize(),
        "status_id": STATUS_NEW,
        "status": "New",
        "time": int(time_ms),
        "message": message,
        "metadata": {
            "version": OCSF_VERSION,
            "profiles": ["cloud"],
            "product": {"name": f.PRODUCT, "vendor_name": f.VENDOR, "version": version},
        },
        "cloud": {"provider": "AWS", "region": pool["region"], "account": {"uid": pool["account_id"], "type": "AWS Account", "type_id": 10}},
        "finding_info": {
            "uid": uid,
            "title": title,
            "desc": desc,
            "types": ["MFA", *f.REFERENCES],
            "product": {"name": f.PRODUCT, "vendor_name": f.VENDOR, "version": version},
        },
        "resources": resources,
        "remediation": {
            "desc": remediation,
            "references": list(f.REFERENCES),
            "cis_controls": [{"name": "6.3", "version": "v8.1", "desc": "Require MFA for Externally-Exposed Applications"}],
        },
        "unmapped": {"compliance": f.compliance_requirements()},
    }


def _pool_resource(pool: Mapping[str, Any], arn: str) -> Dict[str, Any]:
    return {"uid": arn, "name": pool["user_pool_id"], "type": "AWS::Cognito::UserPool", "region": pool["region"],
            "cloud_partition": f.partition(pool["region"])}


def user_record(row: Mapping[str, Any], pool: Mapping[str, Any], time_ms: int, version: str = "0.1.0") -> Dict[str, Any]:
    """pool: {user_pool_id, region, account_id}; row: a cognito_user_mfa_info user row."""
    arn = f.user_pool_arn(pool["region"], pool["account_id"], pool["user_pool_id"])
    user = {
        "uid": f"{arn}/user/{row['username']}",
        "name": row["username"],
        "type": "AWS::Cognito::UserPoolUser",
        "region": pool["region"],
        "cloud_partition": f.partition(pool["region"]),
        "data": {"user_pool_arn": arn, "username": row["username"], "mfa_state": row.get("mfa_state"),
                 "enabled_methods": row.get("enabled_methods") or [], "user_status": row.get("user_status")},
    }
    if row.get("read_at"):  # runs with a state: when the verdict's read was made, and whether by this run
        user["data"].update(read_at=row["read_at"], read_this_run=bool(row.get("read_this_run")))
    return _record(pool, f.finding_id(arn, "user", row["username"]), f.user_title(row), f.user_description(row),
                   f.USER_SEVERITY, [_pool_resource(pool, arn), user], f.USER_REMEDIATION, time_ms, version,
                   f.user_title(row))


def pool_record(finding: Mapping[str, Any], pool: Mapping[str, Any], time_ms: int, version: str = "0.1.0") -> Dict[str, Any]:
    """finding: the audit report's {code, severity, message[, client_id, client_name]}."""
    arn = f.user_pool_arn(pool["region"], pool["account_id"], pool["user_pool_id"])
    resource = _pool_resource(pool, arn)
    resource["data"] = {k: finding[k] for k in ("code", "client_id", "client_name") if finding.get(k)}
    return _record(pool, f.finding_id(arn, "pool", f.pool_subject(finding)), f"Cognito user pool {pool['user_pool_id']}: {finding['code']}",
                   finding["message"], finding.get("severity"), [resource],
                   "Set the pool's MFA to ON with TOTP (mfaops.cognito.cognito_user_pool_mfa) and review its app clients.",
                   time_ms, version, finding["message"])


def records(rows: Iterable[Mapping[str, Any]], pool_findings: Iterable[Mapping[str, Any]], pool: Mapping[str, Any],
            time_ms: int, version: str = "0.1.0") -> List[Dict[str, Any]]:
    """All records of one pool: pool findings first, then one per non-compliant user."""
    out = [pool_record(finding, pool, time_ms, version) for finding in pool_findings]
    out += [user_record(row, pool, time_ms, version) for row in f.non_compliant_rows(list(rows))]
    return out
