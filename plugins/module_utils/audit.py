# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read one user and judge it against an MFA policy, and sum up an audit run (cognito_user_mfa_info).

audit_user() is what each engine worker runs for one user. AuditReport counts every user but keeps rows
for all users or only for those out of line. The words (MFA states) are mfa.py's audit vocabulary.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Mapping, Optional, Sequence

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from . import bulk
from . import files
from . import mfa
from . import pool_mfa
from . import sign_in_policy
from . import user_kind
from .identity import identity_from_user
from .bulk import FAILED, NOT_ATTEMPTED
from .errors import AWS_ERRORS, Abort, error_code, error_message

DEFAULT_POLICY = {mfa.TOTP: mfa.MethodRequest(enabled=True, preferred=True)}
# Outcomes of reading one user; compliant + non_compliant + the rest = total.
COMPLIANT = mfa.COMPLIANT
NON_COMPLIANT = "non_compliant"
NOT_FOUND = mfa.NOT_FOUND
# Not in the compliance denominator (user_kind.py: federated, unconfirmed, ..., disabled unless counted).
NOT_APPLICABLE = user_kind.NOT_APPLICABLE
OUTCOMES = (COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE, NOT_FOUND, FAILED, NOT_ATTEMPTED)


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


class UserAudit(bulk.Outcome):
    """One user's audit: the bulk Outcome, with the account's facts and its MFA state (after)."""

    def __init__(self, username: str, outcome: str, enabled: Optional[bool] = None, user_status: Optional[str] = None,
                 state: Optional[mfa.MfaState] = None, error_code: Optional[str] = None, message: Optional[str] = None,
                 attributes: Optional[Dict[str, Optional[str]]] = None, sign_in: Optional[Dict[str, Any]] = None,
                 email: Optional[str] = None, listed_as: Optional[str] = None, reason: Optional[str] = None):
        super().__init__(username, outcome, error_code=error_code, message=message, after=state,
                         fields={"enabled": enabled, "user_status": user_status, "email": email,
                                 "listed_as": listed_as or username, "reason": reason, "attributes": attributes})
        self.sign_in = sign_in or {}

    @property
    def compliant(self) -> bool:
        return self.outcome == COMPLIANT

    def as_row(self, with_states: bool = False) -> Dict[str, Any]:
        """The info module's row: every key always there (null when unknown), no outcome key."""
        state = self.after.as_dict() if self.after is not None else {"enabled_methods": None, "preferred_method": None}
        row = {
            "username": self.username,
            "email": self.fields["email"],
            "listed_as": self.fields["listed_as"],
            "compliant": self.compliant,
            "not_found": self.outcome == NOT_FOUND,
            "applicable": self.outcome != NOT_APPLICABLE,
            "reason": self.fields["reason"],
            "enabled": self.fields["enabled"],
            "user_status": self.fields["user_status"],
            "enabled_methods": state["enabled_methods"],
            "preferred_method": state["preferred_method"],
            "mfa_state": mfa.mfa_state(self.after) if self.after is not None else None,
        }
        if self.fields["attributes"] is not None:
            row["attributes"] = self.fields["attributes"]
        for key in ("read_at", "read_this_run"):  # runs with a state (incremental.py)
            if key in self.fields:
                row[key] = self.fields[key]
        row.update(self.sign_in)
        if self.error_code:
            row["error_code"] = self.error_code
            row["message"] = self.message
        return row


def requires_totp(policy: Mapping[str, mfa.MethodRequest]) -> bool:
    want = policy.get(mfa.TOTP)
    return bool(want and (want.enabled or want.preferred))


def compliant(state: mfa.MfaState, policy: Mapping[str, mfa.MethodRequest], verdict: sign_in_policy.SignInVerdict,
              mode: str) -> bool:
    """The policy, and what sign-in really demands: an OFF pool asks no second factor, so nobody in it is
    compliant; a policy that asks for TOTP also needs every way in to ask for it (sign_in_policy.verdict)."""
    if not mfa.satisfies(state, policy) or mode not in ("ON", "OPTIONAL"):
        return False
    return verdict.compliant or not requires_totp(policy)


def audit_user(read: Callable[[str], Mapping[str, Any]], username: str, policy: Mapping[str, mfa.MethodRequest],
               pool: Optional[sign_in_policy.PoolSignIn] = None,
               read_factors: Optional[Callable[[str], Mapping[str, Any]]] = None,
               attributes: Sequence[str] = (), count_disabled: bool = False,
               record: Optional[Mapping[str, Any]] = None, listed_as: Optional[str] = None) -> UserAudit:
    """Judge one user against the policy and the pool's sign-in, reading it unless its AdminGetUser record is given.
    Runs on an engine worker.

    read_factors (AdminGetUserAuthFactors), when given, is one more call: the user's ConfiguredUserAuthFactors.
    attributes: the user attributes to keep from the same AdminGetUser answer (null when the user has none).
    Users outside the compliance denominator (user_kind: federated, unconfirmed, password reset required,
    force change password; disabled unless count_disabled) are not_applicable, with their reason.
    """
    listed_as = listed_as or username
    try:
        if record is None:
            record = read(username)
        factors = read_factors(record.get("Username") or username) if read_factors else None
    except AWS_ERRORS as exc:
        code = error_code(exc) or type(exc).__name__
        if code == "UserNotFoundException":
            return UserAudit(username, NOT_FOUND, listed_as=listed_as)
        return UserAudit(username, FAILED, error_code=code, message=error_message(exc), listed_as=listed_as)
    methods = sign_in_policy.methods_from_user(record)  # legacy MFAOptions SMS counted
    state = mfa.MfaState(enabled=methods.enabled, preferred=methods.preferred)
    if pool is None:  # the pool's sign-in not known: the policy alone
        ok, sign_in = mfa.satisfies(state, policy), {}
    else:
        configured = list((factors or {}).get("ConfiguredUserAuthFactors") or []) if factors is not None else None
        verdict = sign_in_policy.verdict(pool, methods, configured)
        ok = compliant(state, policy, verdict, pool.mode)
        sign_in = {key: value for key, value in verdict.as_dict().items() if key != "mfa_state"}
        if configured is not None:
            sign_in["configured_user_auth_factors"] = configured
    kind = user_kind.classify(record)
    if not kind.counted(count_disabled):
        outcome = NOT_APPLICABLE
    else:
        outcome = COMPLIANT if ok else NON_COMPLIANT
    return UserAudit(
        record.get("Username") or username,
        outcome,
        enabled=record.get("Enabled"),
        user_status=record.get("UserStatus"),
        state=state,
        attributes=user_attributes(record, attributes) if attributes else None,
        sign_in=sign_in,
        email=identity_from_user(record).email if record.get("Username") else None,
        listed_as=listed_as,
        reason=kind.reason,
    )


def user_attributes(response: Mapping[str, Any], names: Sequence[str]) -> Dict[str, Optional[str]]:
    held = {item.get("Name"): item.get("Value") for item in response.get("UserAttributes") or []}
    return {name: held.get(name) for name in names}


def not_attempted(username: str, abort: Abort) -> UserAudit:
    return UserAudit(username, NOT_ATTEMPTED, error_code=abort.code, message=f"not read: {bulk.STOPPED_EARLY}")


class AuditReport(bulk.Report):
    """Counts every user, by outcome and by MFA state; keeps rows for all users or only for those out of line.

    users_file: write the rows there (files.RowsFile) instead of keeping them; the result then names the file.
    """

    def __init__(self, only_non_compliant: bool = False, users_file: Optional[str] = None):
        self.rows_file = files.RowsFile(users_file) if users_file else None
        super().__init__(
            OUTCOMES,
            quiet=(COMPLIANT, NOT_APPLICABLE),
            shown=(COMPLIANT, NON_COMPLIANT, NOT_FOUND, FAILED),
            check_labels={NON_COMPLIANT: "non-compliant"},
            report_quiet=not only_non_compliant,
            sink=self.rows_file.write if self.rows_file else None,
        )
        self.states = dict.fromkeys((mfa.DISABLED,) + mfa.MFA_STATES, 0)
        self.reasons = dict.fromkeys(user_kind.REASONS, 0)

    def add(self, audit: UserAudit) -> None:
        super().add(audit)
        if audit.outcome == NOT_APPLICABLE:
            self.reasons[audit.fields["reason"]] += 1
        if audit.after is not None:
            self.states[mfa.mfa_state(audit.after)] += 1
        if audit.fields["enabled"] is False:
            self.states[mfa.DISABLED] += 1

    def summary(self, check_mode: bool = True) -> str:
        # Read only: what the audit would say in check mode is what it says.
        return super().summary(True)

    def result(self, excluded: int = 0) -> Dict[str, Any]:
        result = super().result()
        result["counts"] = dict(result["counts"], **self.states, excluded=excluded, not_applicable_reasons=dict(self.reasons))
        if self.rows_file:
            self.rows_file.close()
            result["users_file"] = self.rows_file.path
        return result


def opened_report(fail: Callable[..., Any], only_non_compliant: bool = False, users_file: Optional[str] = None) -> AuditReport:
    """The run's AuditReport; a users_file that cannot be written is the task's one error, before any user is read."""
    try:
        return AuditReport(only_non_compliant, users_file)
    except OSError as e:
        fail(msg=f"users_file {users_file}: cannot write it: {e}")
        raise  # fail does not return


def pool_config_result(response: Mapping[str, Any]) -> Dict[str, Any]:
    """GetUserPoolMfaConfig's answer as the audit returns it (user_pool_mfa_config)."""
    return camel_dict_to_snake_dict(pool_mfa.normalize(response))
