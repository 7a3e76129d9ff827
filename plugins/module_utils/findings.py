# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the OCSF and ASFF builders share: the compliance references, stable finding ids, ARNs.

A finding is either a user's (a user who is not on TOTP) or a pool's (a pool setting that weakens
MFA: the audit report's {code, severity, message} findings). Its id is stable across runs, so a
rerun updates the same finding instead of adding one.
"""

from __future__ import annotations

import hashlib
from typing import Any, Dict, List, Mapping, Optional

PRODUCT = "mfaops.cognito"
VENDOR = "mfaops"
GENERATOR_USER = "mfaops.cognito/user-totp-mfa"
GENERATOR_POOL = "mfaops.cognito/pool-mfa-setting"
# Controls that ask for MFA, each as (standard, requirement).
COMPLIANCE = (
    ("CIS Controls v8.1", "6.3"),
    ("PCI DSS v4.0", "8.4.2"),
    ("NIST SP 800-53", "IA-2(1)"),
)
REFERENCES = tuple(f"{standard} {requirement}" for standard, requirement in COMPLIANCE)
SEVERITIES = ("informational", "low", "medium", "high", "critical")
USER_SEVERITY = "medium"
USER_REMEDIATION = (
    "The user must set up an authenticator app (TOTP) and verify it; then make TOTP enabled and preferred "
    "(mfaops.cognito.enforce_mfa). Pool MFA ON makes the user enrol at the next sign-in (MFA_SETUP)."
)
STATE_TEXT = {
    "no_mfa": "has no MFA method",
    "other_mfa_only": "uses SMS or email MFA, not TOTP",
    "totp_enabled_not_preferred": "has TOTP enabled but not preferred",
}


def partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def user_pool_arn(region: str, account_id: str, user_pool_id: str) -> str:
    return f"arn:{partition(region)}:cognito-idp:{region}:{account_id}:userpool/{user_pool_id}"


def finding_id(arn: str, kind: str, subject: str) -> str:
    """Stable: the same pool, kind and subject (username or finding code/client) give the same id."""
    digest = hashlib.sha256(f"{arn}|{kind}|{subject}".encode()).hexdigest()[:32]
    return f"{arn}/mfaops-{kind}/{digest}"


def user_title(row: Mapping[str, Any]) -> str:
    return f"Cognito user {row['username']} is not on TOTP MFA"


def user_description(row: Mapping[str, Any]) -> str:
    state = STATE_TEXT.get(row.get("mfa_state") or "", "is not compliant with the TOTP policy")
    return f"User {row['username']} {state} (user status {row.get('user_status') or 'unknown'})."


def non_compliant_rows(rows: List[Mapping[str, Any]]) -> List[Mapping[str, Any]]:
    """Users read that do not meet the policy (not found and unread users are not findings)."""
    return [r for r in rows if not r.get("compliant") and not r.get("not_found") and r.get("mfa_state")]


def pool_subject(finding: Mapping[str, Any]) -> str:
    client: Optional[str] = finding.get("client_id")
    return f"{finding['code']}/{client}" if client else finding["code"]


def severity(name: Any) -> str:
    name = str(name or "").lower()
    return name if name in SEVERITIES else "medium"


def compliance_requirements() -> Dict[str, List[str]]:
    return {"standards": [pair[0] for pair in COMPLIANCE], "requirements": list(REFERENCES)}
