#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cognito_user
short_description: Create Amazon Cognito users and add them to their groups, one or thousands at a time
version_added: 0.1.0
description:
  - Creates the users of a Cognito user pool that do not exist yet, as C(aws cognito-idp admin-create-user) does,
    for one user (O(username)) or a whole list (O(users)) in one task, and adds them to their groups.
  - Idempotent. Each user is read with C(AdminGetUser). A user that does not exist is created with
    C(AdminCreateUser), with a temporary password (O(temporary_password), or one generated for the pool's
    password policy) and the invitation message sent or suppressed (O(invitation)).
  - Users that exist are left alone - their attributes, groups and password - unless O(update_attributes),
    O(update_groups), O(invitation=resend) or O(reset_temporary_password) ask otherwise. A password a user
    has chosen is never touched.
  - Groups are checked with C(ListGroups) before any write. A group that does not exist fails the task
    before any user is created, unless O(create_groups=true).
  - Temporary passwords never appear in the result, unless O(return_temporary_passwords=true) asks for the
    generated ones on a task with C(no_log).
  - Many users are worked on by concurrent workers, each kind of call under its own rate limit. Throttling
    and transient errors are retried and slow the pace down; one user's failure never stops the others.
  - Reading a user with C(AdminGetUser) makes that user a billable monthly active user for the month.
  - With an empty O(users) list, the task only checks the groups in O(groups) (or creates them, with
    O(create_groups=true)). That is how a playbook checks every group before it changes anything.
author:
  - mfaops.cognito contributors (@mfaops)
options:
  user_pool_id:
    description:
      - The user pool, for example V(us-east-1_AbCdEf123). Its region prefix must match the region the task runs in.
    type: str
    required: true
  username:
    description:
      - One user. The task fails if this user cannot be created or updated.
      - Mutually exclusive with O(users).
    type: str
  users:
    description:
      - Many users in one task.
      - Each entry is a username, or a dict with C(username) and any of C(email), C(phone_number), C(name),
        C(attributes) (a dict) and C(groups) (a list), as the task-wide options of the same names.
      - An entry's C(attributes) refine the task's O(attributes) key by key; its C(groups) add to the task's O(groups).
      - Duplicates, unknown keys, invalid e-mail addresses or phone numbers and unknown attribute names are
        rejected before any call, naming the entry.
      - Mutually exclusive with O(username).
    type: list
    elements: raw
  email:
    description:
      - The e-mail address of O(username) (the C(email) attribute). Only with O(username).
    type: str
  phone_number:
    description:
      - The phone number of O(username) (the C(phone_number) attribute), in E.164 form, for example V(+14155550123).
        Only with O(username).
    type: str
  name:
    description:
      - The full name of O(username) (the C(name) attribute). Only with O(username).
    type: str
  attributes:
    description:
      - User attributes, by name - standard ones such as V(given_name) or V(email_verified), or custom ones
        written V(custom:<name>). Booleans and numbers are sent as text.
      - With O(username), that user's attributes; with O(users), attributes every user gets, refined by each entry.
      - Set on users that are created; on existing users only with O(update_attributes=true).
      - Attributes not named here are never touched, and never deleted.
    type: dict
  groups:
    description:
      - Groups to add the users to. With O(users), every user joins these besides the groups of its own entry.
      - New users are always added to their groups; existing users only with O(update_groups=true).
        Users are never removed from a group.
    type: list
    elements: str
  create_groups:
    description:
      - Create the groups that do not exist yet (C(CreateGroup)). When V(false), a group that does not exist
        fails the task before any write.
    type: bool
    default: false
  invitation:
    description:
      - V(send) - Cognito sends new users the invitation message with their temporary password
        (by e-mail or SMS, see O(delivery_mediums)). Each user then needs an e-mail address or a phone number.
      - V(resend) - as V(send), and existing users who have not signed in yet (status C(FORCE_CHANGE_PASSWORD))
        get the invitation again with a new temporary password (C(AdminCreateUser) C(RESEND)), which also
        renews an expired temporary password. Every run resends it to users still in that state.
      - V(suppress) - no message; the temporary password must reach the user another way.
    type: str
    choices: [send, resend, suppress]
    default: send
  delivery_mediums:
    description:
      - How the invitation is sent, V(EMAIL), V(SMS) or both; each needs the matching attribute.
      - By default by e-mail when the user has an e-mail address, else by SMS.
    type: list
    elements: str
    choices: [EMAIL, SMS]
  temporary_password:
    description:
      - The temporary password of every user created (and of every invitation resent).
      - By default each user gets its own, generated with Python's C(secrets) module for the pool's password
        policy (read with C(DescribeUserPool)) - at least 16 characters, with upper and lower case letters,
        digits and symbols. When the policy cannot be read, 32 characters.
    type: str
  reset_temporary_password:
    description:
      - Give existing users who have not signed in yet (status C(FORCE_CHANGE_PASSWORD)) a new temporary
        password, without a message (C(AdminSetUserPassword), not permanent). Meant for service accounts whose
        first sign-in the playbook completes. Users who have signed in are never touched.
      - Cannot be combined with O(invitation=resend), which renews the temporary password too.
    type: bool
    default: false
  return_temporary_passwords:
    description:
      - Return the generated temporary passwords of the users created (or given a new one) in this run, as
        RV(temporary_passwords).
      - Only on a task with C(no_log) set, so that they never reach the output or the logs; the task fails otherwise.
    type: bool
    default: false
  update_attributes:
    description:
      - Set the attributes of existing users that differ from O(attributes) (C(AdminUpdateUserAttributes)).
      - Changing an e-mail address or phone number may make Cognito send a verification code and mark it unverified.
    type: bool
    default: false
  update_groups:
    description:
      - Add existing users to the groups they are missing (C(AdminListGroupsForUser), C(AdminAddUserToGroup)).
    type: bool
    default: false
  fail_on:
    description:
      - Which outcomes make the task fail. With V([]) the task never fails because of single users, and the
        result tells who failed.
      - A run that had to stop early (expired credentials, missing pool, unreachable endpoint) always fails.
    type: list
    elements: str
    choices: [failed]
    default: [failed]
  report_existing:
    description:
      - Also return a row for every user that existed and needed nothing.
      - Off by default so that a large pool gives a small result.
    type: bool
    default: false
  creates_per_second:
    description:
      - Most C(AdminCreateUser) calls this task makes per second.
      - Cognito's C(UserCreation) quota is 50 requests per second per account and region (adjustable), shared with
        sign-ups. The default takes half of it.
    type: float
    default: 25
  group_reads_per_second:
    description:
      - Most C(AdminListGroupsForUser) calls per second (with O(update_groups=true)). Cognito's C(UserResourceRead)
        quota is 50 requests per second per account and region; the default takes half of it.
    type: float
    default: 25
  writes_per_second:
    description:
      - Most per-user updates this task makes per second - C(AdminAddUserToGroup), C(AdminUpdateUserAttributes),
        C(AdminSetUserPassword).
      - Cognito's quotas for such updates are 25 requests per second per account and region, shared with every
        other job and with live users. The default takes about half.
    type: float
    default: 12
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - mfaops.cognito.bulk
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Cognito's default e-mail sender sends at most 50 messages a day. To invite many users by e-mail, configure the
    pool to send through Amazon SES, or suppress the invitations.
  - The invitation message carries the temporary password. A user who does not sign in within the pool's
    temporary password validity (7 days by default) needs a new one - O(invitation=resend).
  - Check mode reads every user (and, with O(update_groups=true), their groups) and makes no write call.
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff shows, for exactly the users that are created or change, their status, the attributes set and
        the groups before and after. Passwords are never shown.
  idempotent:
    description: When run twice in a row outside check mode, with the same arguments, the second run changes nothing.
    support: partial
    details:
      - O(invitation=resend) and O(reset_temporary_password=true) act on every run for users who have still not signed in.
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: Create one user and send the invitation by e-mail
  mfaops.cognito.cognito_user:
    user_pool_id: us-east-1_AbCdEf123
    username: alice
    email: alice@example.com
    attributes:
      given_name: Alice
      email_verified: true
    groups: [staff]

- name: Onboard a list of users, all in the staff group, some in more
  mfaops.cognito.cognito_user:
    user_pool_id: us-east-1_AbCdEf123
    users:
      - username: bob
        email: bob@example.com
      - username: carol
        email: carol@example.com
        phone_number: "+14155550123"
        groups: [admins]
    groups: [staff]
    creates_per_second: 10
  register: onboarded

- name: Show who was created
  ansible.builtin.debug:
    msg: "{{ onboarded.users | selectattr('outcome', '==', 'created') | map(attribute='username') }}"

- name: Resend the invitation to users who have not signed in yet, and add existing users to missing groups
  mfaops.cognito.cognito_user:
    user_pool_id: us-east-1_AbCdEf123
    users: "{{ lookup('ansible.builtin.file', 'users.yml') | from_yaml }}"
    invitation: resend
    update_groups: true

- name: Check that the groups exist, before anything is changed
  mfaops.cognito.cognito_user:
    user_pool_id: us-east-1_AbCdEf123
    users: []
    groups: [staff, admins]

- name: A service account, no invitation; keep its generated temporary password for its first sign-in
  mfaops.cognito.cognito_user:
    user_pool_id: us-east-1_AbCdEf123
    username: svc-reports
    invitation: suppress
    reset_temporary_password: true
    return_temporary_passwords: true
  register: service_account
  no_log: true
"""

RETURN = r"""
msg:
  description: A one-line summary of the outcomes.
  returned: always
  type: str
  sample: "500 users: 480 created, 18 existing, 2 updated"
counts:
  description: How many users ended in each outcome.
  returned: always
  type: dict
  contains:
    total:
      description: Users in the task.
      type: int
    created:
      description: Users created (in check mode, users that would be created).
      type: int
    existing:
      description: Users that existed and were left as they were.
      type: int
    updated:
      description: Existing users changed (attributes, groups, a new temporary password); in check mode, that would change.
      type: int
    failed:
      description: Users whose creation or change failed, with an AWS error code in their row.
      type: int
    not_attempted:
      description: Users not worked on because the run stopped early.
      type: int
  sample: {total: 500, created: 480, existing: 18, updated: 2, failed: 0, not_attempted: 0}
users:
  description:
    - One row for each user created, updated or failed (in check mode, that would be), sorted by username.
      With O(report_existing=true), a row for every user.
  returned: always
  type: list
  elements: dict
  contains:
    username:
      description: The user.
      type: str
    outcome:
      description: What happened to the user.
      type: str
      choices: [created, existing, updated, failed, not_attempted]
    user_status:
      description: The user's status in Cognito, for example V(FORCE_CHANGE_PASSWORD) or V(CONFIRMED).
      type: str
    actions:
      description:
        - What was done (in check mode, what would be done); for a failed user, what was done before the failure.
      type: list
      elements: str
      choices: [create, update_attributes, add_to_groups, resend_invitation, reset_temporary_password]
    attributes:
      description: The names of the attributes set (created users) or changed (updated users).
      type: list
      elements: str
    groups_added:
      description: The groups the user was added to.
      type: list
      elements: str
    invitation:
      description: V(sent), V(suppressed) or V(resent), for users created or invited again.
      type: str
    error_code:
      description: The AWS error code, for V(failed) and V(not_attempted) users.
      type: str
    message:
      description: What went wrong, in words.
      type: str
  sample:
    - username: bob
      outcome: created
      user_status: FORCE_CHANGE_PASSWORD
      actions: [create, add_to_groups]
      attributes: [email]
      groups_added: [staff]
      invitation: sent
user:
  description: The row of the one user, with O(username), whatever its outcome.
  returned: with O(username)
  type: dict
  sample: {username: alice, outcome: existing, user_status: CONFIRMED}
groups_created:
  description: The groups created (in check mode, that would be created) with O(create_groups=true).
  returned: always
  type: list
  elements: str
  sample: [staff]
temporary_passwords:
  description: The generated temporary passwords of the users created or given a new one in this run, by username.
  returned: with O(return_temporary_passwords=true)
  type: dict
  sample: {svc-reports: "generated-password"}
calls:
  description: AWS calls made per operation, with retries and throttled replies.
  returned: always
  type: dict
  sample: {admin_get_user: {calls: 500, retries: 0, throttled: 0}, admin_create_user: {calls: 480, retries: 2, throttled: 2}}
"""

import threading
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Callable
from typing import Dict
from typing import List
from typing import Mapping
from typing import Optional

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mfaops.cognito.plugins.module_utils import cognito
from ansible_collections.mfaops.cognito.plugins.module_utils import mfa
from ansible_collections.mfaops.cognito.plugins.module_utils import user_profile as profile
from ansible_collections.mfaops.cognito.plugins.module_utils.engine import Abort
from ansible_collections.mfaops.cognito.plugins.module_utils.engine import Caller
from ansible_collections.mfaops.cognito.plugins.module_utils.engine import RateLimiter
from ansible_collections.mfaops.cognito.plugins.module_utils.engine import error_code
from ansible_collections.mfaops.cognito.plugins.module_utils.engine import run_bulk
from ansible_collections.mfaops.cognito.plugins.module_utils.user_mfa import AWS_ERRORS

CREATED = "created"
EXISTING = "existing"
UPDATED = "updated"
FAILED = "failed"
NOT_ATTEMPTED = "not_attempted"
OUTCOMES = (CREATED, EXISTING, UPDATED, FAILED, NOT_ATTEMPTED)
POOL_CALLS_PER_SECOND = 5
RATE_OPTIONS = ("reads_per_second", "creates_per_second", "group_reads_per_second", "writes_per_second")

ARGUMENT_SPEC = dict(
    user_pool_id=dict(type="str", required=True),
    username=dict(type="str"),
    users=dict(type="list", elements="raw"),
    email=dict(type="str"),
    phone_number=dict(type="str"),
    name=dict(type="str"),
    attributes=dict(type="dict"),
    groups=dict(type="list", elements="str"),
    create_groups=dict(type="bool", default=False),
    invitation=dict(type="str", choices=[profile.SEND, profile.RESEND, profile.SUPPRESS], default=profile.SEND),
    delivery_mediums=dict(type="list", elements="str", choices=[profile.EMAIL_MEDIUM, profile.SMS_MEDIUM]),
    temporary_password=dict(type="str", no_log=True),
    reset_temporary_password=dict(type="bool", default=False, no_log=False),
    return_temporary_passwords=dict(type="bool", default=False, no_log=False),
    update_attributes=dict(type="bool", default=False),
    update_groups=dict(type="bool", default=False),
    fail_on=dict(type="list", elements="str", choices=[FAILED], default=[FAILED]),
    report_existing=dict(type="bool", default=False),
    reads_per_second=dict(type="float", default=60),
    creates_per_second=dict(type="float", default=25),
    group_reads_per_second=dict(type="float", default=25),
    writes_per_second=dict(type="float", default=12),
    workers=dict(type="int", default=8),
    retries=dict(type="int", default=10),
)

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


@dataclass
class Outcome:
    username: str
    outcome: str
    user_status: Optional[str] = None
    actions: List[str] = field(default_factory=list)
    attributes: List[str] = field(default_factory=list)
    groups_added: List[str] = field(default_factory=list)
    invitation: Optional[str] = None
    error_code: Optional[str] = None
    message: Optional[str] = None
    before: Optional[Dict[str, Any]] = None
    after: Optional[Dict[str, Any]] = None
    # A generated temporary password now set on the user; never part of a row.
    temporary_password: Optional[str] = field(default=None, repr=False)

    def as_row(self) -> Dict[str, Any]:
        row: Dict[str, Any] = {"username": self.username, "outcome": self.outcome}
        for key in ("user_status", "actions", "attributes", "groups_added", "invitation", "error_code", "message"):
            value = getattr(self, key)
            if value:
                row[key] = list(value) if isinstance(value, list) else value
        return row


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
                except Abort as abort:
                    self.unreadable = abort.code
                except AWS_ERRORS as exc:
                    self.unreadable = error_code(exc) or type(exc).__name__
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
        names: List[str] = []
        token = ""
        while True:
            page = cognito.admin_list_groups_for_user(self.call, self.pool, username, token)
            names += [group["GroupName"] for group in page.get("Groups", [])]
            token = page.get("NextToken") or ""
            if not token:
                return names

    def add_to_group(self, username: str, group: str) -> None:
        cognito.admin_add_user_to_group(self.call, self.pool, username, group)

    def update_attributes(self, username: str, attributes: Mapping[str, str]) -> None:
        cognito.admin_update_user_attributes(self.call, self.pool, username, attributes)

    def set_temporary_password(self, username: str, password: str) -> None:
        cognito.admin_set_user_password(self.call, self.pool, username, password, permanent=False)


def _failed(username: str, exc: BaseException, doing: str, **done: Any) -> Outcome:
    code = error_code(exc) or type(exc).__name__
    return Outcome(username, FAILED, error_code=code, message=f"{doing} failed: {exc}", **done)


def _run_steps(outcome: Outcome, steps: List[Any], done: Optional[List[str]] = None) -> Outcome:
    """Make the writes of one user in order; on the first error the user fails, with what was done before it.

    Each step is (action, group or None, call); done lists what was written already. An Abort before the
    first write is passed on (the user was not attempted); after it, the user fails, as something was written.
    """
    done = list(done or [])
    groups: List[str] = []
    for action, group, step in steps:
        try:
            step()
        except (Abort,) + AWS_ERRORS as exc:
            if isinstance(exc, Abort) and not done:
                raise
            doing = ACTION_WORDS[action] + (f" {group}" if group else "")
            already = f" (already done: {', '.join(dict.fromkeys(done))})" if done else ""
            failure = Outcome(
                outcome.username,
                FAILED,
                user_status=outcome.user_status,
                actions=list(dict.fromkeys(done)),
                groups_added=groups,
                temporary_password=outcome.temporary_password,
            )
            if isinstance(exc, Abort):
                failure.error_code, failure.message = exc.code, f"{doing}: not attempted, the run stopped{already}: {exc.message}"
            else:
                failure.error_code = error_code(exc) or type(exc).__name__
                failure.message = f"{doing} failed{already}: {exc}"
            return failure
        done.append(action)
        if group:
            groups.append(group)
    return outcome


def _create(api: UserApi, spec: profile.UserSpec, opts: Options, passwords: Passwords) -> Outcome:
    username = spec.username
    outcome = Outcome(
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
        return outcome
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
    outcome.user_status = created.get("User", {}).get("UserStatus", profile.PENDING_STATUS)
    outcome.temporary_password = password if generated else None
    steps = [("add_to_groups", group, lambda group=group: api.add_to_group(username, group)) for group in spec.groups]
    return _run_steps(outcome, steps, done=["create"])


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
        return Outcome(username, EXISTING, user_status=status)

    outcome = Outcome(username, UPDATED, user_status=status, attributes=sorted(changes), groups_added=to_add)
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
        outcome.invitation = "resent"
        after["invitation"] = "resent"
        steps.append(("resend_invitation", None, lambda: _resend(api, username, opts, passwords, outcome)))
    elif password_action == "reset":
        after["temporary_password"] = "new"
        steps.append(("reset_temporary_password", None, lambda: _reset(api, username, passwords, outcome)))
    outcome.actions = list(dict.fromkeys(action for action, _group, _step in steps))
    outcome.before, outcome.after = before, after
    if opts.check_mode:
        return outcome
    return _run_steps(outcome, steps)


def _resend(api: UserApi, username: str, opts: Options, passwords: Passwords, outcome: Outcome) -> None:
    password, generated = passwords.new()
    api.create(
        username,
        MessageAction="RESEND",
        TemporaryPassword=password,
        DesiredDeliveryMediums=list(opts.mediums[username]),
    )
    outcome.temporary_password = password if generated else None


def _reset(api: UserApi, username: str, passwords: Passwords, outcome: Outcome) -> None:
    password, generated = passwords.new()
    api.set_temporary_password(username, password)
    outcome.temporary_password = password if generated else None


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
    return Outcome(spec.username, NOT_ATTEMPTED, error_code=abort.code, message="not attempted: the run stopped early")


class Report:
    """Counts every outcome; keeps rows for users created, updated or failed; collects generated passwords."""

    def __init__(self, report_existing: bool = False, diff: bool = False):
        self.counts = {outcome: 0 for outcome in OUTCOMES}
        self.rows: List[Dict[str, Any]] = []
        self.report_existing = report_existing
        self.diff: Optional[Dict[str, Dict[str, Any]]] = {"before": {}, "after": {}} if diff else None
        self.temporary_passwords: Dict[str, str] = {}
        self.wrote = False

    def add(self, result: Outcome) -> None:
        self.counts[result.outcome] += 1
        if result.outcome != EXISTING or self.report_existing:
            self.rows.append(result.as_row())
        if result.outcome in (CREATED, UPDATED) or result.actions:
            self.wrote = True
        if self.diff is not None and result.outcome in (CREATED, UPDATED):
            if result.before is not None:
                self.diff["before"][result.username] = result.before
            self.diff["after"][result.username] = result.after
        if result.temporary_password:
            self.temporary_passwords[result.username] = result.temporary_password

    def summary(self, check_mode: bool) -> str:
        labels = {CREATED: "would be created", UPDATED: "would be updated"} if check_mode else {}
        parts = [
            f"{self.counts[outcome]} {labels.get(outcome, outcome.replace('_', ' '))}"
            for outcome in OUTCOMES
            if self.counts[outcome] or outcome in (CREATED, EXISTING, UPDATED)
        ]
        return f"{sum(self.counts.values())} users: " + ", ".join(parts)

    def result(self) -> Dict[str, Any]:
        counts = dict(self.counts, total=sum(self.counts.values()))
        self.rows.sort(key=lambda row: row["username"])
        return {"changed": self.wrote, "counts": counts, "users": self.rows}


def validated(params: Mapping[str, Any], region: Optional[str], no_log: bool = False):
    """All input checks, before any call: (user specs, invitation mediums by username).

    no_log: whether the task has no_log set, which returning passwords requires.
    """
    if params["return_temporary_passwords"] and not no_log:
        raise mfa.InvalidRequest(
            "return_temporary_passwords needs no_log: true on the task, so that the passwords stay out of the output and logs"
        )
    mfa.check_bulk_options(params, RATE_OPTIONS)
    mfa.check_user_pool_id(params["user_pool_id"], region)
    base_groups = profile.check_groups(params["groups"] or [], "groups")
    base_attributes = profile.check_attributes(params["attributes"] or {}, "attributes")
    if params["username"] is not None:
        entry = {key: params[key] for key in ("username",) + profile.ATTRIBUTE_KEYS if params[key] is not None}
        specs = [profile.user_spec(entry, "", base_attributes, base_groups, profile.MODULE_ENTRY_KEYS)]
        labels = ["username"]
    else:
        for key in profile.ATTRIBUTE_KEYS:
            if params[key] is not None:
                raise mfa.InvalidRequest(f"{key} goes with username; with users, give it in each entry")
        specs = profile.user_specs(params["users"], base_attributes, base_groups)
        labels = [f"users[{index}] ({spec.username})" for index, spec in enumerate(specs)]
    if params["invitation"] == profile.RESEND and params["reset_temporary_password"]:
        raise mfa.InvalidRequest(
            "reset_temporary_password cannot be combined with invitation=resend, which gives a new temporary password too"
        )
    mediums: Dict[str, List[str]] = {}
    if params["invitation"] != profile.SUPPRESS:
        for spec, label in zip(specs, labels):
            mediums[spec.username] = profile.delivery_mediums(spec, params["delivery_mediums"] or [], label)
    return specs, mediums


def pool_groups(call: Caller, user_pool_id: str) -> List[str]:
    names: List[str] = []
    token = ""
    while True:
        page = cognito.list_groups(call, user_pool_id, token)
        names += [group["GroupName"] for group in page.get("Groups", [])]
        token = page.get("NextToken") or ""
        if not token:
            return names


def ensure_groups(module, call: Caller, user_pool_id: str, wanted: List[str]) -> List[str]:
    """Check the groups before any write; create the missing ones if asked. Returns the groups created."""
    if not wanted:
        return []
    try:
        existing = set(pool_groups(call, user_pool_id))
    except Abort as abort:
        module.fail_json(msg=f"Could not list the groups of user pool {user_pool_id}: {abort.code}: {abort.message}")
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Could not list the groups of user pool {user_pool_id} (ListGroups)")
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
            except Abort as abort:
                module.fail_json(msg=f"Could not create group {group}: {abort.code}: {abort.message}")
            except AWS_ERRORS as e:
                if error_code(e) != "GroupExistsException":
                    module.fail_json_aws(e, msg=f"Could not create group {group} in user pool {user_pool_id}")
    return missing


def unmet_message(rows: List[Dict[str, Any]]) -> str:
    unmet = [row for row in rows if row["outcome"] in (FAILED, NOT_ATTEMPTED)]
    shown = ", ".join(f"{row['username']} ({row['outcome']}: {row.get('error_code', '')})" for row in unmet[:10])
    more = f" and {len(unmet) - 10} more" if len(unmet) > 10 else ""
    return f"{len(unmet)} user(s) could not be created or updated: {shown}{more}"


def main():
    module = AnsibleAWSModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        mutually_exclusive=[("username", "users")],
        required_one_of=[("username", "users")],
    )
    params = module.params
    pool = params["user_pool_id"]
    try:
        specs, mediums = validated(params, module.region, no_log=module.no_log)
    except mfa.InvalidRequest as e:
        module.fail_json(msg=str(e))
    single = params["users"] is None

    client = module.client("cognito-idp", config=cognito.client_config(params["workers"]))
    call = Caller(
        client,
        {
            cognito.READ: RateLimiter(params["reads_per_second"]),
            cognito.CREATE: RateLimiter(params["creates_per_second"]),
            cognito.RESOURCE_READ: RateLimiter(params["group_reads_per_second"]),
            cognito.WRITE: RateLimiter(params["writes_per_second"]),
            cognito.POOL_READ: RateLimiter(POOL_CALLS_PER_SECOND),
            cognito.POOL_WRITE: RateLimiter(POOL_CALLS_PER_SECOND),
        },
        retries=params["retries"],
    )
    wanted_groups = list(dict.fromkeys(group for spec in specs for group in spec.groups))
    wanted_groups += [group for group in (params["groups"] or []) if group not in wanted_groups]
    groups_created = ensure_groups(module, call, pool, wanted_groups)

    # The password policy is read through a Caller of its own: a refusal there (no DescribeUserPool permission)
    # must only mean a longer generated password, not the end of the run.
    policy_call = Caller(client, {cognito.POOL_READ: RateLimiter(POOL_CALLS_PER_SECOND)}, retries=params["retries"])
    passwords = Passwords(
        params["temporary_password"],
        lambda: cognito.describe_user_pool(policy_call, pool)["UserPool"].get("Policies", {}).get("PasswordPolicy") or {},
    )
    opts = Options(
        invitation=params["invitation"],
        mediums=mediums,
        update_attributes=params["update_attributes"],
        update_groups=params["update_groups"],
        reset_temporary_password=params["reset_temporary_password"],
        check_mode=module.check_mode,
    )
    api = UserApi(call, pool)
    report = Report(report_existing=params["report_existing"] or single, diff=module._diff)
    for _spec, outcome in run_bulk(
        specs,
        lambda spec: converge(api, spec, opts, passwords),
        workers=params["workers"],
        caller=call,
        on_not_attempted=not_attempted,
    ):
        report.add(outcome)

    result = report.result()
    result["changed"] = result["changed"] or bool(groups_created)
    result["groups_created"] = groups_created
    result["calls"] = {operation: asdict(stats) for operation, stats in sorted(call.stats.items())}
    summary = report.summary(module.check_mode)
    if single and result["users"]:
        result["user"] = result["users"][0]
        if result["user"]["outcome"] == EXISTING and not params["report_existing"]:
            result["users"] = []
    if report.diff is not None:
        result["diff"] = report.diff
    if params["return_temporary_passwords"]:
        result["temporary_passwords"] = dict(sorted(report.temporary_passwords.items()))
    else:
        module.no_log_values.update(report.temporary_passwords.values())
    if passwords.unreadable:
        module.warn(
            f"Could not read the password policy of user pool {pool} ({passwords.unreadable}): the generated temporary "
            f"passwords have {profile.UNKNOWN_POLICY_LENGTH} characters of every kind"
        )
    if params["invitation"] == profile.SUPPRESS and report.temporary_passwords and not params["return_temporary_passwords"]:
        module.warn(
            f"{len(report.temporary_passwords)} user(s) got a generated temporary password that was neither sent "
            "(invitation: suppress) nor returned: they cannot sign in until an administrator sets their password"
        )

    if call.aborted:
        module.fail_json(msg=f"Stopped early: {call.aborted.code}: {call.aborted.message}. {summary}", **result)
    if FAILED in params["fail_on"] and (result["counts"][FAILED] or result["counts"][NOT_ATTEMPTED]):
        module.fail_json(msg=f"{unmet_message(result['users'])}. {summary}", **result)
    module.exit_json(msg=summary, **result)


if __name__ == "__main__":
    main()
