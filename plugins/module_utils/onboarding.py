# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Onboarding (cognito_user): create each user, or bring an existing one up to date, and sum up the run.

converge() is what each engine worker runs for one user: read it, then create it, or update only what
the task asks for (attributes, groups, a resent invitation or a new temporary password). The writes of
one user are made in order; the first error stops that user, and its row says what was done before.
The decisions about attributes, groups and passwords are in user_profile.py.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

from . import cognito
from .words import agreed, counted
from . import quotas
from . import user_profile as profile
from .bulk import FAILED, NOT_ATTEMPTED, Outcome, Report
from .bulk import not_attempted as _not_attempted
from .engine import Caller
from .errors import AWS_ERRORS, CALL_ERRORS, Abort, InvalidRequest, code_of, error_code, fail_aws
from .validate import check_bulk_options, check_user_pool_id

CREATED = "created"
EXISTING = "existing"
UPDATED = "updated"
OUTCOMES = (CREATED, EXISTING, UPDATED, FAILED, NOT_ATTEMPTED)
CATEGORIES = (cognito.READ, cognito.CREATE, cognito.RESOURCE_READ, cognito.WRITE, cognito.POOL_READ, cognito.POOL_WRITE)
UNMET_WORDS = "could not be created or updated"

# What each action is called in rows, and in failure messages.
ACTION_WORDS = {
    "create": "creating the user",
    "update_attributes": "updating its attributes",
    "add_to_groups": "adding it to group",
    "resend_invitation": "resending the invitation",
    "reset_temporary_password": "setting a new temporary password",
}


@dataclass
class Options:
    """The task-wide choices that decide what happens to each user."""

    invitation: str = profile.SEND
    mediums: Mapping[str, List[str]] = field(default_factory=dict)
    update_attributes: bool = False
    update_groups: bool = False
    reset_temporary_password: bool = False
    check_mode: bool = False


def outcome(
    username: str,
    result: str,
    user_status: Optional[str] = None,
    actions: Sequence[str] = (),
    attributes: Sequence[str] = (),
    groups_added: Sequence[str] = (),
    invitation: Optional[str] = None,
    temporary_password: Optional[str] = None,
    **common: Any,
) -> Outcome:
    """One user's bulk.Outcome with the onboarding fields (a generated temporary password is its secret)."""
    fields = {
        "user_status": user_status,
        "actions": list(actions),
        "attributes": list(attributes),
        "groups_added": list(groups_added),
        "invitation": invitation,
    }
    return Outcome(username, result, fields=fields, wrote=bool(actions), secret=temporary_password, **common)


def report(report_existing: bool = False, diff: bool = False) -> Report:
    """Counts every outcome; keeps rows for users created, updated or failed; collects generated passwords."""
    return Report(
        OUTCOMES,
        quiet=(EXISTING,),
        changing=(CREATED, UPDATED),
        shown=(CREATED, EXISTING, UPDATED),
        check_labels={CREATED: "would be created", UPDATED: "would be updated"},
        report_quiet=report_existing,
        diff=diff,
    )


class Passwords:
    """Temporary passwords: the one given, or a new one per user for the pool's policy, read once when first needed."""

    def __init__(self, given: Optional[str], read_policy: Callable[[], Optional[Mapping[str, Any]]]):
        self.given = given
        self._read_policy = read_policy
        self._lock = threading.Lock()
        self._policy: Optional[Mapping[str, Any]] = None
        self._read = False
        self.unreadable: Optional[str] = None  # why the policy could not be read

    def new(self):
        """(password, generated)."""
        if self.given:
            return self.given, False
        with self._lock:
            if not self._read:
                self._read = True
                try:
                    self._policy = self._read_policy()
                except CALL_ERRORS as exc:
                    self.unreadable = code_of(exc)
        return profile.generate_password(self._policy), True


class UserApi:
    """The calls for one pool, each through the engine's Caller."""

    def __init__(self, call: Caller, user_pool_id: str):
        self.call = call
        self.pool = user_pool_id

    def get(self, username: str) -> Dict[str, Any]:
        return cognito.admin_get_user(self.call, self.pool, username)

    def create(self, username: str, **params: Any) -> Dict[str, Any]:
        return cognito.admin_create_user(self.call, self.pool, username, **params)

    def groups_of(self, username: str) -> List[str]:
        return cognito.groups_of_user(self.call, self.pool, username)

    def add_to_group(self, username: str, group: str) -> None:
        cognito.admin_add_user_to_group(self.call, self.pool, username, group)

    def update_attributes(self, username: str, attributes: Mapping[str, str]) -> None:
        cognito.admin_update_user_attributes(self.call, self.pool, username, attributes)

    def set_temporary_password(self, username: str, password: str) -> None:
        cognito.admin_set_user_password(self.call, self.pool, username, password, permanent=False)


def _failed(username: str, exc: BaseException, doing: str, **done: Any) -> Outcome:
    return outcome(username, FAILED, error_code=code_of(exc), message=f"{doing} failed: {exc}", **done)


def _run_steps(result: Outcome, steps: List[Any], done: Optional[List[str]] = None) -> Outcome:
    """Make the writes of one user in order; on the first error the user fails, with what was done before it.

    Each step is (action, group or None, call); done lists what was written already. An Abort before the
    first write is passed on (the user was not attempted); after it, the user fails, as something was written.
    """
    done = list(done or [])
    groups: List[str] = []
    for action, group, step in steps:
        try:
            step()
        except CALL_ERRORS as exc:
            if isinstance(exc, Abort) and not done:
                raise
            doing = ACTION_WORDS[action] + (f" {group}" if group else "")
            already = f" (already done: {', '.join(dict.fromkeys(done))})" if done else ""
            if isinstance(exc, Abort):
                message = f"{doing}: not attempted, the run stopped{already}: {exc.message}"
            else:
                message = f"{doing} failed{already}: {exc}"
            return outcome(
                result.username,
                FAILED,
                user_status=result.user_status,
                actions=list(dict.fromkeys(done)),
                groups_added=groups,
                temporary_password=result.secret,
                error_code=code_of(exc),
                message=message,
            )
        done.append(action)
        if group:
            groups.append(group)
    return result


def _create(api: UserApi, spec: profile.UserSpec, opts: Options, passwords: Passwords) -> Outcome:
    username = spec.username
    result = outcome(
        username,
        CREATED,
        user_status=profile.PENDING_STATUS,
        actions=["create"] + (["add_to_groups"] if spec.groups else []),
        attributes=sorted(spec.attributes),
        groups_added=list(spec.groups),
        invitation="suppressed" if opts.invitation == profile.SUPPRESS else "sent",
        after={"status": profile.PENDING_STATUS, "attributes": dict(spec.attributes), "groups": sorted(spec.groups)},
    )
    if opts.check_mode:
        return result
    password, generated = passwords.new()
    params: Dict[str, Any] = {"TemporaryPassword": password}
    if spec.attributes:
        params["UserAttributes"] = [{"Name": name, "Value": value} for name, value in spec.attributes.items()]
    if opts.invitation == profile.SUPPRESS:
        params["MessageAction"] = "SUPPRESS"
    else:
        params["DesiredDeliveryMediums"] = list(opts.mediums[username])
    try:
        created = api.create(username, **params)
    except AWS_ERRORS as exc:
        if error_code(exc) != "UsernameExistsException":
            return _failed(username, exc, ACTION_WORDS["create"])
        # Created by someone else since it was read: it is an existing user now.
        try:
            return _update(api, spec, opts, passwords, api.get(username))
        except AWS_ERRORS as again:
            return _failed(username, again, "reading the user")
    result.fields["user_status"] = created.get("User", {}).get("UserStatus", profile.PENDING_STATUS)
    result.secret = password if generated else None
    steps = [("add_to_groups", group, lambda group=group: api.add_to_group(username, group)) for group in spec.groups]
    return _run_steps(result, steps, done=["create"])


def _update(api: UserApi, spec: profile.UserSpec, opts: Options, passwords: Passwords, current: Mapping[str, Any]) -> Outcome:
    username = spec.username
    status = current.get("UserStatus")
    now = profile.attributes_of(current)
    changes = profile.attribute_changes(now, spec.attributes) if opts.update_attributes else {}
    groups_now: List[str] = []
    to_add: List[str] = []
    if opts.update_groups and spec.groups:
        try:
            groups_now = api.groups_of(username)
        except AWS_ERRORS as exc:
            return _failed(username, exc, "reading its groups", user_status=status)
        to_add = profile.missing_groups(groups_now, spec.groups)
    password_action = profile.password_action(status, opts.invitation, opts.reset_temporary_password)
    if not (changes or to_add or password_action):
        return outcome(username, EXISTING, user_status=status)

    result = outcome(username, UPDATED, user_status=status, attributes=sorted(changes), groups_added=to_add)
    before: Dict[str, Any] = {"status": status}
    after: Dict[str, Any] = {"status": status}
    steps: List[Any] = []
    if changes:
        before["attributes"] = {name: now.get(name) for name in sorted(changes)}
        after["attributes"] = dict(sorted(changes.items()))
        steps.append(("update_attributes", None, lambda: api.update_attributes(username, changes)))
    if to_add:
        before["groups"] = sorted(groups_now)
        after["groups"] = sorted(set(groups_now) | set(to_add))
        steps += [("add_to_groups", group, lambda group=group: api.add_to_group(username, group)) for group in to_add]
    if password_action == "resend":
        result.fields["invitation"] = "resent"
        after["invitation"] = "resent"
        steps.append(("resend_invitation", None, lambda: _resend(api, username, opts, passwords, result)))
    elif password_action == "reset":
        after["temporary_password"] = "new"
        steps.append(("reset_temporary_password", None, lambda: _reset(api, username, passwords, result)))
    result.fields["actions"] = list(dict.fromkeys(action for action, _group, _step in steps))
    result.before, result.after = before, after
    if opts.check_mode:
        return result
    return _run_steps(result, steps)


def _resend(api: UserApi, username: str, opts: Options, passwords: Passwords, result: Outcome) -> None:
    password, generated = passwords.new()
    api.create(username, MessageAction="RESEND", TemporaryPassword=password, DesiredDeliveryMediums=list(opts.mediums[username]))
    result.secret = password if generated else None


def _reset(api: UserApi, username: str, passwords: Passwords, result: Outcome) -> None:
    password, generated = passwords.new()
    api.set_temporary_password(username, password)
    result.secret = password if generated else None


def converge(api: UserApi, spec: profile.UserSpec, opts: Options, passwords: Passwords) -> Outcome:
    """What each engine worker runs for one user: read it, then create it, or update what was asked for."""
    try:
        current = api.get(spec.username)
    except AWS_ERRORS as exc:
        if error_code(exc) != "UserNotFoundException":
            return _failed(spec.username, exc, "reading the user")
        return _create(api, spec, opts, passwords)
    return _update(api, spec, opts, passwords, current)


def not_attempted(spec: profile.UserSpec, abort: Abort) -> Outcome:
    return _not_attempted(spec.username, abort)


def validated(params: Mapping[str, Any], region: Optional[str], no_log: bool = False):
    """All input checks, before any call: (user specs, invitation mediums by username).

    no_log: whether the task has no_log set, which returning passwords requires.
    """
    if params["return_temporary_passwords"] and not no_log:
        raise InvalidRequest(
            "return_temporary_passwords needs no_log: true on the task, so that the passwords stay out of the output and logs"
        )
    check_bulk_options(params, quotas.rate_options(CATEGORIES))
    check_user_pool_id(params["user_pool_id"], region)
    base_groups = profile.check_groups(params["groups"] or [], "groups")
    base_attributes = profile.check_attributes(params["attributes"] or {}, "attributes")
    if params["username"] is not None:
        entry = {key: params[key] for key in ("username",) + profile.ATTRIBUTE_KEYS if params[key] is not None}
        specs = [profile.user_spec(entry, "", base_attributes, base_groups, profile.MODULE_ENTRY_KEYS)]
        labels = ["username"]
    else:
        for key in profile.ATTRIBUTE_KEYS:
            if params[key] is not None:
                raise InvalidRequest(f"{key} goes with username; with users, give it in each entry")
        specs = profile.user_specs(params["users"], base_attributes, base_groups)
        labels = [f"users[{index}] ({spec.username})" for index, spec in enumerate(specs)]
    if params["invitation"] == profile.RESEND and params["reset_temporary_password"]:
        raise InvalidRequest(
            "reset_temporary_password cannot be combined with invitation=resend, which gives a new temporary password too"
        )
    mediums: Dict[str, List[str]] = {}
    if params["invitation"] != profile.SUPPRESS:
        for spec, label in zip(specs, labels):
            mediums[spec.username] = profile.delivery_mediums(spec, params["delivery_mediums"] or [], label)
    return specs, mediums


def wanted_groups(specs: Sequence[profile.UserSpec], task_groups: Optional[Sequence[str]]) -> List[str]:
    groups = list(dict.fromkeys(group for spec in specs for group in spec.groups))
    return groups + [group for group in (task_groups or []) if group not in groups]


def ensure_groups(module: Any, call: Caller, user_pool_id: str, wanted: List[str]) -> List[str]:
    """Check the groups before any write; create the missing ones if asked. Returns the groups created."""
    if not wanted:
        return []
    try:
        existing = set(cognito.pool_groups(call, user_pool_id))
    except CALL_ERRORS as exc:
        fail_aws(module, exc, f"Could not list the groups of user pool {user_pool_id} (ListGroups)")
    missing = [group for group in wanted if group not in existing]
    if missing and not module.params["create_groups"]:
        module.fail_json(
            msg=f"Unknown group(s) in user pool {user_pool_id}: {', '.join(missing)}. Create them first, or set "
            "create_groups: true. No user was created or changed.",
            groups_missing=missing,
        )
    if not module.check_mode:
        for group in missing:
            try:
                cognito.create_group(call, user_pool_id, group)
            except CALL_ERRORS as exc:
                if error_code(exc) != "GroupExistsException":
                    fail_aws(module, exc, f"Could not create group {group} in user pool {user_pool_id}")
    return missing


def warnings(params: Mapping[str, Any], passwords: Passwords, made: Mapping[str, str]) -> List[str]:
    """What the task should warn about once the users are done."""
    found = []
    if passwords.unreadable:
        found.append(
            f"Could not read the password policy of user pool {params['user_pool_id']} ({passwords.unreadable}): the "
            f"generated temporary passwords have {profile.UNKNOWN_POLICY_LENGTH} characters of every kind"
        )
    if params["invitation"] == profile.SUPPRESS and made and not params["return_temporary_passwords"]:
        found.append(
            f"{counted(len(made), 'user')} got a generated temporary password that was neither sent "
            f"(invitation: suppress) nor returned: {agreed(len(made), 'this user', 'they')} cannot sign in until an administrator sets "
            f"{agreed(len(made), 'a password', 'their passwords')}"
        )
    return found
