# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read one user and judge it against an MFA policy, and sum up an audit run (cognito_user_mfa_info).

audit_user() is what each engine worker runs for one user. AuditReport counts every user but keeps rows
for all users or only for those out of line. The words (MFA states) are mfa.py's audit vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from . import mfa
from . import pool_mfa
from .engine import Abort, error_code, error_message
from .user_mfa import AWS_ERRORS, FAILED, NOT_ATTEMPTED, NOT_FOUND

DEFAULT_POLICY = {mfa.TOTP: mfa.MethodRequest(enabled=True, preferred=True)}
# Outcomes of reading one user; compliant + non_compliant + the rest = total.
COMPLIANT = mfa.COMPLIANT
NON_COMPLIANT = "non_compliant"
OUTCOMES = (COMPLIANT, NON_COMPLIANT, NOT_FOUND, FAILED, NOT_ATTEMPTED)


def policy_request(policy: Optional[Mapping[str, Any]]) -> Dict[str, mfa.MethodRequest]:
    """The policy option as method requests (what cognito_user_mfa would have to do: nothing = compliant)."""
    if policy is None:
        return dict(DEFAULT_POLICY)
    request = {
        method: mfa.method_request(policy[method], f"policy.{method}") for method in mfa.METHODS if policy.get(method) is not None
    }
    if not any(want.enabled is not None or want.preferred is not None for want in request.values()):
        raise mfa.InvalidRequest("policy: name at least one method with enabled and/or preferred")
    mfa.check_one_preferred(request, "policy")
    return request


@dataclass
class UserAudit:
    username: str
    outcome: str
    enabled: Optional[bool] = None
    user_status: Optional[str] = None
    state: Optional[mfa.MfaState] = None
    error_code: Optional[str] = None
    message: Optional[str] = None

    @property
    def compliant(self) -> bool:
        return self.outcome == COMPLIANT

    def as_row(self) -> Dict[str, Any]:
        state = self.state.as_dict() if self.state is not None else {"enabled_methods": None, "preferred_method": None}
        row = {
            "username": self.username,
            "compliant": self.compliant,
            "not_found": self.outcome == NOT_FOUND,
            "enabled": self.enabled,
            "user_status": self.user_status,
            "enabled_methods": state["enabled_methods"],
            "preferred_method": state["preferred_method"],
            "mfa_state": mfa.mfa_state(self.state) if self.state is not None else None,
        }
        if self.error_code:
            row["error_code"] = self.error_code
            row["message"] = self.message
        return row


def audit_user(read: Callable[[str], Mapping[str, Any]], username: str, policy: Mapping[str, mfa.MethodRequest]) -> UserAudit:
    """Read one user and judge it against the policy. Runs on an engine worker."""
    try:
        response = read(username)
    except AWS_ERRORS as exc:
        code = error_code(exc) or type(exc).__name__
        if code == "UserNotFoundException":
            return UserAudit(username, NOT_FOUND)
        return UserAudit(username, FAILED, error_code=code, message=error_message(exc))
    state = mfa.state_from_user(response)
    return UserAudit(
        username,
        COMPLIANT if mfa.satisfies(state, policy) else NON_COMPLIANT,
        enabled=response.get("Enabled"),
        user_status=response.get("UserStatus"),
        state=state,
    )


def not_attempted(username: str, abort: Abort) -> UserAudit:
    return UserAudit(username, NOT_ATTEMPTED, error_code=abort.code, message="not read: the run stopped early")


class AuditReport:
    """Counts every user; keeps rows for all users or only for those out of line."""

    def __init__(self, only_non_compliant: bool = False):
        self.counts = dict.fromkeys(OUTCOMES + (mfa.DISABLED,) + mfa.MFA_STATES, 0)
        self.rows: List[Dict[str, Any]] = []
        self.only_non_compliant = only_non_compliant

    def add(self, audit: UserAudit) -> None:
        self.counts[audit.outcome] += 1
        if audit.state is not None:
            self.counts[mfa.mfa_state(audit.state)] += 1
        if audit.enabled is False:
            self.counts[mfa.DISABLED] += 1
        if not (self.only_non_compliant and audit.compliant):
            self.rows.append(audit.as_row())

    def summary(self) -> str:
        parts = [f"{self.counts[outcome]} {outcome.replace('_', '-' if outcome == NON_COMPLIANT else ' ')}" for outcome in OUTCOMES[:4]]
        if self.counts[NOT_ATTEMPTED]:
            parts.append(f"{self.counts[NOT_ATTEMPTED]} not attempted")
        return f"{sum(self.counts[outcome] for outcome in OUTCOMES)} users: " + ", ".join(parts)

    def result(self, excluded: int = 0) -> Dict[str, Any]:
        counts = dict(self.counts, total=sum(self.counts[outcome] for outcome in OUTCOMES), excluded=excluded)
        self.rows.sort(key=lambda row: row["username"])
        return {"changed": False, "counts": counts, "users": self.rows}


def pool_config_result(response: Mapping[str, Any]) -> Dict[str, Any]:
    """GetUserPoolMfaConfig's answer as the audit returns it (user_pool_mfa_config)."""
    return camel_dict_to_snake_dict(pool_mfa.normalize(response))
