# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Bring one user's MFA settings to the requested state, and sum up a bulk run.

converge() is what each engine worker runs for one user: read, plan, write only what
differs, read back. Report keeps counts of every outcome but rows only for users worth
reading about, so a 100,000-user pool that is compliant yields a tiny result.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

from . import cognito
from . import mfa
from . import user_kind
from .identity import Exclusions, PoolNaming, Roster, identity_from_user, may_write
from .bulk import FAILED, NOT_ATTEMPTED, Outcome, Report, not_attempted as _not_attempted
from .errors import AWS_ERRORS, Abort, InvalidRequest, aws_message, error_code, error_message
from .validate import check_bulk_options, check_user_pool_id

UNCHANGED = "unchanged"
CHANGED = "changed"
NOT_ENROLLED = "not_enrolled"
NOT_FOUND = "not_found"
# Never written: the user matches the exclusion list under one of its names, or is not a user MFA applies to
# (user_kind: federated, unconfirmed, password reset required, force change password), with its reason.
EXCLUDED = "excluded"
NOT_APPLICABLE = user_kind.NOT_APPLICABLE
OUTCOMES = (UNCHANGED, CHANGED, NOT_ENROLLED, NOT_APPLICABLE, EXCLUDED, NOT_FOUND, FAILED, NOT_ATTEMPTED)
UNMET_OUTCOMES = (NOT_ENROLLED, NOT_FOUND, FAILED)
UNMET_WORDS = "did not reach the requested MFA settings"


class Claims:
    """The canonical usernames a task has reached, by the entry that reached each first (thread safe).

    Two entries of one task that turn out to be one person (an email and the user's UUID) must not both be
    written: the second is refused, naming both entries.
    """

    def __init__(self, naming: Optional[PoolNaming] = None):
        self.naming = naming or PoolNaming()
        self._by_key: Dict[str, str] = {}
        self._lock = threading.Lock()

    def claim(self, username: str, listed_as: str) -> Optional[str]:
        """None if this entry is the first to reach the user, else the entry that was."""
        key = self.naming.normalize(username)
        with self._lock:
            first = self._by_key.setdefault(key, listed_as)
        return None if first == listed_as else first


@dataclass
class UserApi:
    """How to read and write one user's MFA settings: admin calls, or the user's own token."""

    read: Callable[[str], Mapping[str, Any]]
    write: Callable[[str, Mapping[str, Mapping[str, bool]]], None]
    delete_token: Optional[Callable[[str], None]] = None


def admin_api(call: Any, user_pool_id: str) -> UserApi:
    """Read and write with the admin calls of one pool."""
    return UserApi(
        read=lambda name: cognito.admin_get_user(call, user_pool_id, name),
        write=lambda name, blocks: cognito.admin_set_user_mfa_preference(call, user_pool_id, name, blocks),
        delete_token=lambda name: cognito.admin_delete_software_token(call, user_pool_id, name),
    )


def token_api(call: Any, access_token: str) -> UserApi:
    """Read and write as the user whose access token it is."""
    return UserApi(
        read=lambda _name: cognito.get_user(call, access_token),
        write=lambda _name, blocks: cognito.set_user_mfa_preference(call, access_token, blocks),
    )


def validated_requests(params: Mapping[str, Any], region: Optional[str], rate_options: Sequence[str]) -> List[mfa.UserRequest]:
    """All input checks of cognito_user_mfa, before any call. Returns the list of user requests."""
    check_bulk_options(params, rate_options)
    base = mfa.task_request(params)
    reset = params["reset_software_token"]
    if params["access_token"] is not None:
        if not base:
            raise InvalidRequest("no MFA setting requested (set software_token_mfa, sms_mfa or email_mfa)")
        return [mfa.UserRequest(username="", methods=base)]
    check_user_pool_id(params["user_pool_id"], region)
    if params["username"] is not None:
        return mfa.user_requests([params["username"]], base, reset_totp=reset, label=lambda _index: "username")
    return mfa.user_requests(params["users"], base, reset_totp=reset)


def _failed(username: str, exc: BaseException, before: Optional[mfa.MfaState] = None) -> Outcome:
    code = error_code(exc) or type(exc).__name__
    return Outcome(username, FAILED, before=before, error_code=code, message=error_message(exc))


def converge(api: UserApi, request: mfa.UserRequest, check_mode: bool, memory: Any = None,
             exclusions: Optional[Exclusions] = None, claims: Optional[Claims] = None,
             record: Optional[Mapping[str, Any]] = None) -> Outcome:
    """memory: an enrol_memory.Memory; users it knows as not enrolled get no write (wrote=False).

    exclusions: the task's exclusion list, the last guard: the record just read carries every name of
    the user, so a user excluded under any of them gets no write whatever name it was listed under.
    The outcome is keyed by Cognito's canonical Username (the record's), with the name as listed.
    claims: the task's Claims; an entry that is the same user as an earlier one fails with no write.
    record: the user's AdminGetUser response when resolve() has just read it (then it is not read again).
    """
    listed_as = request.username
    try:
        user = record if record is not None else api.read(listed_as)
        before = mfa.state_from_user(user)
    except AWS_ERRORS as exc:
        if error_code(exc) == "UserNotFoundException":
            return Outcome(listed_as, NOT_FOUND, message="no such user in the pool")
        return _failed(listed_as, exc)
    username = user.get("Username") or listed_as
    if user.get("Username"):
        names = identity_from_user(user).row(listed_as)
        names.pop("username")
    else:
        names = {"listed_as": listed_as}
    forbidden = may_write(user, exclusions) if exclusions else None
    if forbidden is not None:
        return Outcome(username, EXCLUDED, before=before, message=f"excluded by {forbidden!r}: no write sent", fields=names)
    first = claims.claim(username, listed_as) if claims is not None else None
    if first is not None:
        return Outcome(username, FAILED, before=before, error_code="DuplicateUser", fields=names,
                       message=f"{listed_as} is the same user as {first} (Cognito username {username}): not written twice")
    kind = user_kind.classify(user)
    if not kind.writable:
        return Outcome(username, NOT_APPLICABLE, before=before, message=kind.message, fields=dict(names, reason=kind.reason))
    outcome = _converge(api, request, check_mode, memory, username, user, before)
    outcome.fields = dict(names, **outcome.fields)
    return outcome


def _converge(api: UserApi, request: mfa.UserRequest, check_mode: bool, memory: Any, username: str, user: Any,
              before: mfa.MfaState) -> Outcome:
    """The plan, the write and the read-back of a user just read, by its canonical username."""
    step = mfa.plan(before, request.methods, request.reset_totp)
    if not step.needed:
        return Outcome(username, UNCHANGED, before=before, after=before)
    known_since = memory.known_since(username, user) if memory is not None and step.enables_totp else None
    if known_since:
        return Outcome(
            username,
            NOT_ENROLLED,
            before=before,
            after=before,
            message=f"not written: refused as not enrolled since {known_since} (state_dir)",
            fields={"known_since": known_since},
            wrote=False,
        )
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
            said = aws_message(exc) or str(exc)
            return Outcome(
                username,
                NOT_ENROLLED,
                before=before,
                after=before,
                error_code=code,
                message="no verified TOTP authenticator: the user must enrol at sign-in",
                fields={"cognito_message": None if mfa.known_not_enrolled_wording(said) else said},
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


def resolve(api: UserApi, requests: Sequence[mfa.UserRequest], naming: PoolNaming, run: Callable[..., Any]) -> Dict[int, Mapping[str, Any]]:
    """Read every listed user before any write, so that two entries that are one person (an email and the user's
    UUID) fail the task (identity.DuplicateUser, naming both) before anything is written. Returns the records by
    entry index, for converge (no second read). run: engine.run_bulk with its workers and caller bound."""

    def read(item):
        try:
            return api.read(item[1].username)
        except AWS_ERRORS:
            return None  # converge reads it again and reports it

    records: Dict[int, Mapping[str, Any]] = {}
    roster = Roster(naming, Exclusions((), naming))
    for (index, request), user in sorted(run(list(enumerate(requests)), read, lambda _item, _abort: None), key=lambda done: done[0][0]):
        if user is not None:
            records[index] = user
            roster.add(user, listed_as=request.username, source=f"users[{index}]", explicit=True)
    return records


def not_attempted(request: mfa.UserRequest, abort: Abort) -> Outcome:
    return _not_attempted(request.username, abort)


def report(report_unchanged: bool = False, diff: bool = False) -> Report:
    """Counts every outcome; keeps rows (with the states before and after) for users that changed or missed."""
    return Report(
        OUTCOMES,
        quiet=(UNCHANGED,),
        changing=(CHANGED,),
        shown=(UNCHANGED, CHANGED),
        check_labels={CHANGED: "would change"},
        report_quiet=report_unchanged,
        diff=diff,
        with_states=True,
    )
