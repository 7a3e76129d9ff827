# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Bring one user's MFA settings to the requested state, and sum up a bulk run.

converge() is what each engine worker runs for one user: read, plan, write only what
differs, read back. Report keeps counts of every outcome but rows only for users worth
reading about, so a 100,000-user pool that is compliant yields a tiny result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional

from . import mfa
from .engine import Abort, error_code, error_message

try:
    import botocore.exceptions

    AWS_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
except ImportError:  # handled by AnsibleAWSModule's own boto3 check
    AWS_ERRORS = ()

UNCHANGED = "unchanged"
CHANGED = "changed"
NOT_ENROLLED = "not_enrolled"
NOT_FOUND = "not_found"
FAILED = "failed"
NOT_ATTEMPTED = "not_attempted"
OUTCOMES = (UNCHANGED, CHANGED, NOT_ENROLLED, NOT_FOUND, FAILED, NOT_ATTEMPTED)
UNMET_OUTCOMES = (NOT_ENROLLED, NOT_FOUND, FAILED)


@dataclass
class Outcome:
    username: str
    outcome: str
    before: Optional[mfa.MfaState] = None
    after: Optional[mfa.MfaState] = None
    error_code: Optional[str] = None
    message: Optional[str] = None
    cognito_message: Optional[str] = None

    def as_row(self) -> Dict[str, Any]:
        row: Dict[str, Any] = {"username": self.username, "outcome": self.outcome}
        if self.before is not None:
            row["before"] = self.before.as_dict()
        if self.after is not None:
            row["after"] = self.after.as_dict()
        if self.error_code:
            row["error_code"] = self.error_code
        if self.message:
            row["message"] = self.message
        if self.cognito_message:
            row["cognito_message"] = self.cognito_message
        return row


@dataclass
class UserApi:
    """How to read and write one user's MFA settings: admin calls, or the user's own token."""

    read: Callable[[str], Mapping[str, Any]]
    write: Callable[[str, Mapping[str, Mapping[str, bool]]], None]
    delete_token: Optional[Callable[[str], None]] = None


def _failed(username: str, exc: BaseException, before: Optional[mfa.MfaState] = None) -> Outcome:
    code = error_code(exc) or type(exc).__name__
    return Outcome(username, FAILED, before=before, error_code=code, message=error_message(exc))


def converge(api: UserApi, request: mfa.UserRequest, check_mode: bool) -> Outcome:
    username = request.username
    try:
        before = mfa.state_from_user(api.read(username))
    except AWS_ERRORS as exc:
        if error_code(exc) == "UserNotFoundException":
            return Outcome(username, NOT_FOUND, message="no such user in the pool")
        return _failed(username, exc)

    step = mfa.plan(before, request.methods, request.reset_totp)
    if not step.needed:
        return Outcome(username, UNCHANGED, before=before, after=before)
    if check_mode:
        return Outcome(username, CHANGED, before=before, after=step.expected)

    try:
        if step.delete_token:
            api.delete_token(username)
        if step.blocks:
            api.write(username, step.blocks)
    except AWS_ERRORS as exc:
        code = error_code(exc)
        if code == "UserNotFoundException":
            return Outcome(username, NOT_FOUND, before=before, message="user deleted during the run")
        if mfa.not_enrolled(step, before, code):
            said = (getattr(exc, "response", None) or {}).get("Error", {}).get("Message") or str(exc)
            return Outcome(
                username,
                NOT_ENROLLED,
                before=before,
                after=before,
                error_code=code,
                message="no verified TOTP authenticator: the user must enrol at sign-in",
                cognito_message=None if mfa.known_not_enrolled_wording(said) else said,
            )
        return _failed(username, exc, before)

    try:
        after = mfa.state_from_user(api.read(username))
    except AWS_ERRORS as exc:
        return _failed(username, exc, before)
    except Abort as abort:
        return Outcome(username, FAILED, before=before, error_code=abort.code, message="written, but the run stopped before the read-back")
    if not mfa.satisfies(after, request.methods, request.reset_totp):
        # Cognito answers 200 to some changes it does not make (e.g. disabling MFA in a pool where MFA is ON).
        return Outcome(
            username,
            FAILED,
            before=before,
            after=after,
            error_code="NotApplied",
            message="Cognito accepted the change, but reading the user back shows it was not applied",
        )
    return Outcome(username, CHANGED, before=before, after=after)


def not_attempted(request: mfa.UserRequest, abort: Abort) -> Outcome:
    return Outcome(
        request.username,
        NOT_ATTEMPTED,
        error_code=abort.code,
        message="not attempted: the run stopped early",
    )


class Report:
    """Counts every outcome; keeps rows for users that changed or missed the desired state."""

    def __init__(self, report_unchanged: bool = False, diff: bool = False):
        self.counts = {outcome: 0 for outcome in OUTCOMES}
        self.rows: List[Dict[str, Any]] = []
        self.report_unchanged = report_unchanged
        self.diff: Optional[Dict[str, Dict[str, Any]]] = {"before": {}, "after": {}} if diff else None

    def add(self, result: Outcome) -> None:
        self.counts[result.outcome] += 1
        if result.outcome != UNCHANGED or self.report_unchanged:
            self.rows.append(result.as_row())
        if self.diff is not None and result.outcome == CHANGED:
            self.diff["before"][result.username] = result.before.as_dict()
            self.diff["after"][result.username] = result.after.as_dict()

    @property
    def changed(self) -> bool:
        return self.counts[CHANGED] > 0

    def summary(self, check_mode: bool) -> str:
        labels = {CHANGED: "would change" if check_mode else "changed"}
        parts = [
            f"{self.counts[outcome]} {labels.get(outcome, outcome.replace('_', ' '))}"
            for outcome in OUTCOMES
            if self.counts[outcome] or outcome in (UNCHANGED, CHANGED)
        ]
        return f"{sum(self.counts.values())} users: " + ", ".join(parts)

    def result(self) -> Dict[str, Any]:
        counts = dict(self.counts, total=sum(self.counts.values()))
        self.rows.sort(key=lambda row: row["username"])
        return {"changed": self.changed, "counts": counts, "users": self.rows}
