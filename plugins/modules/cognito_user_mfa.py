#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cognito_user_mfa
short_description: Set the MFA methods of Amazon Cognito users, one or thousands at a time
version_added: 0.1.0
description:
  - Sets which MFA methods a Cognito user pool user has enabled and which one is preferred, as
    C(aws cognito-idp admin-set-user-mfa-preference) does, for one user (O(username)) or for a whole
    list (O(users)) in one task.
  - Idempotent. Each user's current settings are read with C(AdminGetUser); only the settings blocks
    that differ are sent with C(AdminSetUserMFAPreference), and the user is read again to prove the
    change took effect. A second identical run makes no write call.
  - Methods you do not name are left as they are, and their settings blocks are not sent, so asking for
    TOTP never disables SMS or email MFA.
  - An administrator cannot enrol a user in TOTP. Enabling TOTP works only for users who have already
    verified an authenticator app; the others end as V(not_enrolled). To make them enrol, put the pool's
    MFA configuration to C(ON) with software-token MFA enabled; each of them then meets an C(MFA_SETUP)
    challenge at the next sign-in.
  - Reading a user with C(AdminGetUser) makes that user a billable monthly active user for the month.
  - With O(access_token) it works as C(aws cognito-idp set-user-mfa-preference --access-token) does,
    on the token owner's own settings (C(GetUser), C(SetUserMFAPreference)). The token is never returned.
  - Many users are worked on by concurrent workers, with reads and writes each under its own rate
    limit. Throttling and transient errors are retried and slow the pace down; they fail a user only
    when its retries run out. One user's failure never stops the others.
  - Rows are keyed by Cognito's canonical C(Username), as read with C(AdminGetUser) (a UUID in pools that sign
    in with email or phone number), with the name as listed in RV(users[].listed_as) and the email.
  - Users MFA does not apply to get no write and end as V(not_applicable), with the reason V(federated)
    (C(EXTERNAL_PROVIDER), the identity provider does their MFA and Cognito offers none), V(unconfirmed),
    V(password_reset_required) or V(force_change_password). Disabled users are still set, so that a
    user enabled again is already on TOTP.
author:
  - mfaops.cognito contributors (@mfaops)
options:
  user_pool_id:
    description:
      - The user pool, for example V(us-east-1_AbCdEf123).
      - The task runs in the region of its prefix. O(region) (or E(AWS_REGION)) is not needed; if set, it must be the same.
      - Required with O(username) or O(users).
    type: str
  username:
    description:
      - One user to set. The task fails if this user does not reach the desired settings, unless O(fail_on) says otherwise.
      - Mutually exclusive with O(users) and O(access_token).
    type: str
  users:
    description:
      - Many users to set in one task.
      - Each entry is a username, or a dict with C(username) and that user's own O(software_token_mfa),
        O(sms_mfa) or O(email_mfa), which refine the task-wide settings key by key.
      - Duplicates, unknown keys and bad values are rejected before any call, naming the entry.
      - Mutually exclusive with O(username) and O(access_token).
    type: list
    elements: raw
  exclude:
    description:
      - Users never written, whatever selected them (O(users), O(groups), O(all_users)), matched by any of their names (username, C(sub), C(email),
        C(phone_number) or C(preferred_username)), case-blind where the pool is case-insensitive
        (C(UsernameConfiguration.CaseSensitive=false)). Each user is checked on the record read right before
        its write, so an exclusion holds under whatever name the user was listed; such a user ends as V(excluded).
      - The pool's naming is read once with C(DescribeUserPool) (quota C(UserPoolRead)) when this is not empty. Then two
        entries of O(users) that are one user fail the task before any write, naming both - two spellings in a
        case-blind pool, or (in a pool that signs in with email, phone number or aliases, where every user is read
        first) an email and the user's UUID. Without it, the second such entry fails with error code C(DuplicateUser)
        and is not written.
      - Email and phone numbers are unique only where they are sign-in names, so an entry may exclude several users.
    type: list
    elements: str
    default: []
  handled:
    description:
      - With O(groups) or O(all_users), users that an earlier task of the same run has handled already (the
        enforce_mfa role passes the users of its batches). The selection skips them, matching any of their names as
        O(exclude) does, and counts them neither as excluded nor again.
    type: list
    elements: str
    default: []
  access_token:
    description:
      - A user's access token. Sets that user's own preference, without administrator credentials.
      - Mutually exclusive with O(user_pool_id), O(username) and O(users).
    type: str
  software_token_mfa:
    description:
      - TOTP (authenticator app) MFA. Left as it is when omitted.
    type: dict
    suboptions:
      enabled:
        description:
          - Whether TOTP MFA is enabled. Left as it is when omitted.
          - Enabling works only for users with a verified authenticator.
        type: bool
      preferred:
        description:
          - Whether TOTP is the preferred method. V(true) implies O(software_token_mfa.enabled=true).
          - Only one method can be preferred.
        type: bool
  sms_mfa:
    description:
      - SMS text message MFA. Left as it is when omitted. Cognito refuses to enable it for a user with no phone number.
    type: dict
    suboptions:
      enabled:
        description: Whether SMS MFA is enabled. Left as it is when omitted.
        type: bool
      preferred:
        description: Whether SMS is the preferred method. V(true) implies O(sms_mfa.enabled=true).
        type: bool
  email_mfa:
    description:
      - Email one-time code MFA. Left as it is when omitted. Needs a pool on the Essentials or Plus feature plan.
    type: dict
    suboptions:
      enabled:
        description: Whether email MFA is enabled. Left as it is when omitted.
        type: bool
      preferred:
        description: Whether email is the preferred method. V(true) implies O(email_mfa.enabled=true).
        type: bool
  reset_software_token:
    description:
      - Delete the TOTP authenticator (software token) of each user whose TOTP MFA is enabled, with
        C(AdminDeleteSoftwareToken), the lost-phone reset. TOTP and any preference for it are removed;
        other methods stay as they are.
      - The user then enrols a new authenticator; in a pool whose MFA is C(ON), Cognito asks for it with an
        C(MFA_SETUP) challenge at the next sign-in.
      - Users whose TOTP is not enabled are left alone (a token that was verified but never enabled cannot be
        seen by an administrator).
      - Needs botocore 1.43.82 or newer. Cannot be combined with O(software_token_mfa) or O(access_token).
    type: bool
    default: false
  fail_on:
    description:
      - Which outcomes make the task fail.
      - Defaults to all of them with O(username) or O(access_token), and to V(failed) alone with O(users),
        where some users not yet enrolled is the normal state of a pool.
      - A run that had to stop early (expired credentials, missing pool, unreachable endpoint) always fails.
    type: list
    elements: str
    choices: [not_enrolled, not_found, failed]
  report_unchanged:
    description:
      - Also return a row for every user that was already as requested.
      - Off by default so that a large compliant pool gives a small result.
    type: bool
    default: false
  groups:
    description:
      - Also set the members of these Cognito groups (C(ListUsersInGroup)), with the task-wide settings.
      - Each member is read once, by the task itself, so no separate selection (M(mfaops.cognito.cognito_user_mfa_info))
        reads them first. Members also named in O(users) keep their own settings.
      - A group that does not exist fails the task before any user is read.
    type: list
    elements: str
  all_users:
    description:
      - Also set every user of the pool (C(ListUsers)), or those matching O(filter), with the task-wide settings.
      - Cannot be combined with O(groups). Default V(false).
    type: bool
  filter:
    description:
      - Cognito's C(ListUsers) filter, for example V(status = "Enabled"). Only with O(all_users=true).
    type: str
  lists_per_second:
    description:
      - Most listing calls (C(ListUsers), C(ListUsersInGroup); 60 users each) this task makes per second, with O(groups)
        or O(all_users).
    type: float
    default: 15
  audit:
    description:
      - Also return RV(audit), the audit of every user the task worked on, as
        M(mfaops.cognito.cognito_user_mfa_info) with O(mfaops.cognito.cognito_user_mfa_info#module:report=all) would
        return it after the run, from the states the task read and read back, and the pool's MFA configuration
        (one C(GetUserPoolMfaConfig)). No user is read again.
      - A user is compliant when it has the settings the task asks for.
      - P(mfaops.cognito.audit_pool#filter) takes it, so an enforcement can write the compliance report of
        the mfaops.cognito.audit_mfa role in the same pass.
    type: bool
    default: false
  users_file:
    description:
      - With O(audit=true), write the rows of RV(audit.users) to this file on the managed node instead of returning
        them, one JSON object a line in the order the users were worked on, and return its path as
        RV(audit.users_file); RV(audit.users) is then empty.
      - An audit of a million users then needs no million-row result, in the module or on the controller that receives
        it. P(mfaops.cognito.audit_pool#filter) reads the file when the pool host is the controller.
      - The file is replaced whole with mode 0600 (a symlink at the path is replaced, never followed); missing
        directories are made 0700. It holds usernames and emails, so keep it private and delete it once read.
      - A path that cannot be written fails the task before any user is read.
    type: path
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - mfaops.cognito.bulk
  - mfaops.cognito.bulk.writes
  - mfaops.cognito.budget
  - mfaops.cognito.state
  - mfaops.cognito.state.enforce
  - mfaops.cognito.budget.not_enrolled_state
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Needs the IAM permissions C(cognito-idp:AdminGetUser) and C(cognito-idp:AdminSetUserMFAPreference); plus
    C(cognito-idp:DescribeUserPool), C(cognito-idp:ListUsers) and C(cognito-idp:ListUsersInGroup) to pick users
    (O(all_users), O(groups), O(exclude)), C(cognito-idp:GetUserPoolMfaConfig) for O(audit), and
    C(cognito-idp:AdminDeleteSoftwareToken) for O(reset_software_token), C(cloudtrail:LookupEvents) for O(state_dir).
    With O(access_token) the calls are
    authorised by the token, not IAM. The playbooks' policies are in docs/iam/.
  - Check mode reads every user and makes no write call. Whether a user has a verified authenticator cannot be
    read, so in check mode such users show as V(changed) (would change) rather than V(not_enrolled).
  - Cognito pools whose MFA configuration is C(ON) do not let users disable MFA; such calls may succeed without
    effect. The read-back reports them as V(failed) with error code C(NotApplied).
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The diff shows the enabled methods and the preferred method, before and after, of exactly the users that change.
  idempotent:
    description: When run twice in a row outside check mode, with the same arguments, the second run changes nothing.
    support: full
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: Make TOTP enabled and preferred for one user
  mfaops.cognito.cognito_user_mfa:
    user_pool_id: us-east-1_AbCdEf123
    username: alice
    software_token_mfa:
      enabled: true
      preferred: true

- name: Put a list of users on TOTP; report who has not enrolled yet
  mfaops.cognito.cognito_user_mfa:
    user_pool_id: us-east-1_AbCdEf123
    users:
      - alice
      - bob
      - username: carol
        sms_mfa:
          enabled: true
    software_token_mfa:
      enabled: true
      preferred: true
  register: enforced

- name: Show who still has to enrol an authenticator
  ansible.builtin.debug:
    msg: "{{ enforced.users | selectattr('outcome', '==', 'not_enrolled') | map(attribute='username') | list }}"

- name: A gentler pace beside other jobs, and fail on anyone not reaching TOTP
  mfaops.cognito.cognito_user_mfa:
    user_pool_id: us-east-1_AbCdEf123
    users: "{{ lookup('ansible.builtin.file', 'users.yml') | from_yaml }}"
    software_token_mfa:
      preferred: true
    writes_per_second: 5
    fail_on: [not_enrolled, not_found, failed]

- name: Lost phone - remove Bob's authenticator so that he enrols a new one at his next sign-in
  mfaops.cognito.cognito_user_mfa:
    user_pool_id: us-east-1_AbCdEf123
    username: bob
    reset_software_token: true

- name: A user sets their own preference with their access token
  mfaops.cognito.cognito_user_mfa:
    access_token: "{{ my_access_token }}"
    software_token_mfa:
      enabled: true
      preferred: true
"""

RETURN = r"""
state:
  description:
    - With O(state_dir), what the run did with the state; its keys are listed here.
    - C(users_listed), C(users_to_read), C(users_read), C(users_carried) (judged from the state without a read),
      C(users_forgotten) (gone from the pool), C(read_reasons) (users to read by reason), C(users_past_max_age)
      (users read longer ago than O(max_age) and not read for another reason, before this run's re-reads), C(full_read) and
      C(full_read_reason), C(signal_window) (C(start), C(end), C(signal_delay_seconds)), C(signal_calls)
      (C(LookupEvents) calls), C(own_write_events) (events recognised as this collection's own writes),
      C(complete) (the signal's mark moved), C(path).
  returned: with state_dir
  type: dict
  sample: {users_listed: 100000, users_to_read: 1012, users_read: 1012, users_carried: 98988, full_read: false,
           full_read_reason: null, signal_window: {start: "2026-12-02T06:45:00Z", end: "2026-12-03T07:00:00Z"}}
would_read:
  description: With O(state_dir) in check mode, how many users the run would read (none is read).
  returned: with state_dir in check mode
  type: int
  sample: 1012
msg:
  description: A one-line summary of the outcomes.
  returned: always
  type: str
  sample: "1000 users: 12 unchanged, 950 changed, 38 not enrolled"
counts:
  description: How many users ended in each outcome.
  returned: always
  type: dict
  contains:
    total:
      description: Users in the task.
      type: int
    unchanged:
      description: Users already as requested.
      type: int
    changed:
      description: Users changed (in check mode, users that would change).
      type: int
    not_enrolled:
      description: Users for whom TOTP was requested but who have no verified authenticator.
      type: int
    not_applicable:
      description: Users MFA does not apply to (federated, unconfirmed, password reset required, force change password); no write.
      type: int
    excluded:
      description: Users that matched O(exclude) under one of their names; no write.
      type: int
    not_found:
      description: Users that do not exist in the pool.
      type: int
    failed:
      description: Users whose change failed, with an AWS error code in their row.
      type: int
    not_attempted:
      description: Users not worked on because the run stopped early.
      type: int
  sample: {total: 4, unchanged: 1, changed: 2, not_enrolled: 1, not_applicable: 0, excluded: 0, not_found: 0, failed: 0, not_attempted: 0}
users:
  description:
    - One row for each user that changed, would change, or did not reach the requested settings,
      sorted by username. With O(report_unchanged=true), a row for every user.
  returned: always
  type: list
  elements: dict
  contains:
    username:
      description: The user's canonical C(Username) (the name as listed when the user could not be read).
      type: str
    listed_as:
      description: The name the user was listed under.
      type: str
    email:
      description: The user's email, when it has one.
      type: str
    outcome:
      description: What happened to the user.
      type: str
      choices: [unchanged, changed, not_enrolled, not_applicable, excluded, not_found, failed, not_attempted]
    reason:
      description: Why MFA does not apply to a V(not_applicable) user.
      type: str
      choices: [federated, unconfirmed, password_reset_required, force_change_password]
    before:
      description: The user's MFA settings before the task, when they could be read.
      type: dict
      contains:
        enabled_methods:
          description: Enabled methods, among V(software_token_mfa), V(sms_mfa), V(email_mfa).
          type: list
          elements: str
        preferred_method:
          description: The preferred method, or null.
          type: str
    after:
      description: The settings read back after the change (in check mode, the settings it would set). Same keys as RV(users[].before).
      type: dict
    error_code:
      description: The AWS error code, for V(failed), V(not_enrolled) and V(not_attempted) users.
      type: str
    message:
      description: What went wrong, in words.
      type: str
    known_since:
      description:
        - For a V(not_enrolled) user whose write was skipped because O(state_dir) remembers the refusal,
          when Cognito first refused it (ISO 8601, UTC). Such a row has no RV(users[].error_code).
      type: str
      returned: with O(state_dir), for users skipped
      sample: "2026-03-01T12:00:00Z"
  sample:
    - username: alice
      outcome: changed
      before: {enabled_methods: [software_token_mfa, sms_mfa], preferred_method: sms_mfa}
      after: {enabled_methods: [software_token_mfa, sms_mfa], preferred_method: software_token_mfa}
    - username: bob
      outcome: not_enrolled
      before: {enabled_methods: [], preferred_method: null}
      after: {enabled_methods: [], preferred_method: null}
      error_code: InvalidParameterException
      message: "no verified TOTP authenticator: the user must enrol at sign-in"
user:
  description: The row of the one user, with O(username) or O(access_token), whatever its outcome.
  returned: with O(username) or O(access_token)
  type: dict
  sample:
    username: alice
    outcome: unchanged
    before: {enabled_methods: [software_token_mfa], preferred_method: software_token_mfa}
    after: {enabled_methods: [software_token_mfa], preferred_method: software_token_mfa}
calls:
  description: AWS calls made per operation, with retries and throttled replies.
  returned: always
  type: dict
  sample: {admin_get_user: {calls: 1900, retries: 3, throttled: 3}, admin_set_user_mfa_preference: {calls: 950, retries: 0, throttled: 0}}
audit:
  description:
    - The audit of the users worked on, in the shape of M(mfaops.cognito.cognito_user_mfa_info)'s result (RV(audit.users),
      RV(audit.counts), RV(audit.user_pool_mfa_config)), each user's state as it is after the run (in check mode, as it was).
  returned: with O(audit=true)
  type: dict
  contains:
    users:
      description:
        - One row per user, the keys of M(mfaops.cognito.cognito_user_mfa_info)'s RV(mfaops.cognito.cognito_user_mfa_info#module:users).
        - Empty with O(users_file), whose file holds the rows (RV(audit.users_file)).
      type: list
      elements: dict
    users_file:
      description: The file the rows were written to, one JSON object a line.
      type: str
      returned: with O(users_file)
    counts:
      description: Users per audit outcome and per MFA state, as M(mfaops.cognito.cognito_user_mfa_info) counts them.
      type: dict
    user_pool_mfa_config:
      description: The pool's MFA configuration, as M(mfaops.cognito.cognito_user_mfa_info) returns it.
      type: dict
    state:
      description:
        - With O(state_dir) on the whole pool, RV(state) again, so that the report made from this audit says what the run
          read and carried; each row of RV(audit.users) then has C(read_at) and C(read_this_run).
      type: dict
      returned: with O(state_dir) and O(all_users=true)
  sample: {counts: {compliant: 2, non_compliant: 1, total: 3}, users: [], user_pool_mfa_config: {mfa_configuration: "OPTIONAL"}}
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mfaops.cognito.plugins.module_utils import audit
from ansible_collections.mfaops.cognito.plugins.module_utils import connection
from ansible_collections.mfaops.cognito.plugins.module_utils import bulk
from ansible_collections.mfaops.cognito.plugins.module_utils import budget
from ansible_collections.mfaops.cognito.plugins.module_utils import cognito
from ansible_collections.mfaops.cognito.plugins.module_utils import enrol_memory
from ansible_collections.mfaops.cognito.plugins.module_utils import identity
from ansible_collections.mfaops.cognito.plugins.module_utils import mfa
from ansible_collections.mfaops.cognito.plugins.module_utils import incremental
from ansible_collections.mfaops.cognito.plugins.module_utils import one_pass
from ansible_collections.mfaops.cognito.plugins.module_utils import quotas
from ansible_collections.mfaops.cognito.plugins.module_utils import selection
from ansible_collections.mfaops.cognito.plugins.module_utils import user_mfa
from ansible_collections.mfaops.cognito.plugins.module_utils.engine import run_bulk
from ansible_collections.mfaops.cognito.plugins.module_utils.errors import CALL_ERRORS, InvalidRequest, fail_aws

CATEGORIES = (cognito.READ, cognito.WRITE, cognito.LIST, cognito.USER_POOL_READ)
METHOD_OPTION = dict(type="dict", no_log=False, options=dict(enabled=dict(type="bool"), preferred=dict(type="bool")))
ARGUMENT_SPEC = dict(
    user_pool_id=dict(type="str"),
    username=dict(type="str"),
    users=dict(type="list", elements="raw"),
    exclude=dict(type="list", elements="str", default=[]),
    access_token=dict(type="str", no_log=True),
    fail_on=dict(type="list", elements="str", choices=list(user_mfa.UNMET_OUTCOMES)),
    reset_software_token=dict(type="bool", default=False),
    report_unchanged=dict(type="bool", default=False),
    groups=dict(type="list", elements="str"),
    all_users=dict(type="bool"),
    filter=dict(type="str"),
    handled=dict(type="list", elements="str", default=[]),
    audit=dict(type="bool", default=False),
    users_file=dict(type="path"),
    workers=dict(type="int", default=8),
    retries=dict(type="int", default=10),
    **{method: METHOD_OPTION for method in mfa.METHODS},
    **quotas.argspec(CATEGORIES),
    **budget.ARGUMENT_SPEC,
    **enrol_memory.ARGUMENT_SPEC,
    **dict(incremental.ARGUMENT_SPEC, state_dir=dict(type="path", aliases=["not_enrolled_state_dir"])),
)


MUTUALLY_EXCLUSIVE = [
    ("username", "users", "access_token"),
    ("access_token", "audit"),
    ("access_token", "user_pool_id"),
    ("reset_software_token", "software_token_mfa"),
    ("reset_software_token", "access_token"),
    ("access_token", "exclude"),
    ("access_token", "state_dir"),
]
WHOLE_POOL_ONLY = "{} works with all_users: true only (no username, users, groups or filter): listed users are all read"


def checked_input(module):
    """(selection, validated requests, task request, state settings, whether the state drives a whole-pool run); fails
    the task on bad input."""
    params = module.params
    try:
        chosen = one_pass.selection_of(params)
        listed = dict(params, users=params["users"] or []) if chosen is not None else params
        requests = user_mfa.validated_requests(listed, module.region, quotas.rate_options(CATEGORIES))
        base = mfa.task_request(params)
        if chosen is not None and not base:
            raise InvalidRequest("groups / all_users: no MFA setting requested for them (set software_token_mfa, sms_mfa or email_mfa)")
        budget.check_options(params)
        state = incremental.settings_from(params)
        whole_pool = state is not None and chosen is not None and chosen.all_users and not (
            chosen.groups or chosen.filter or params["users"])
        for option in ("max_reads", "max_age"):
            if state is not None and not whole_pool and params[option] is not None:
                raise InvalidRequest(WHOLE_POOL_ONLY.format(option))
        if params["users_file"] and not params["audit"]:
            raise InvalidRequest("users_file holds the rows of the audit: it needs audit: true")
        if whole_pool and params["reset_software_token"]:
            raise InvalidRequest("reset_software_token works with listed users only, not with state_dir and all_users")
    except (InvalidRequest, ValueError) as e:
        module.fail_json(msg=str(e))
    return chosen, requests, base, state, whole_pool


def user_api(module, call, requests):
    """The admin or token API (and the requests: a token names its own user), with the one-pass recorder."""
    params = module.params
    if params["access_token"] is not None:
        token = params["access_token"]
        try:
            username = cognito.get_user(call, token)["Username"]
        except CALL_ERRORS as e:
            fail_aws(module, e, "Could not read the token owner's settings (GetUser)")
        requests = [mfa.UserRequest(username=username, methods=requests[0].methods)]
        api = user_mfa.token_api(call, token)
    else:
        api = user_mfa.admin_api(call, params["user_pool_id"])
    recorder = one_pass.Recorder(api.read) if params["audit"] else None
    if recorder is not None:
        api = user_mfa.UserApi(read=recorder.read, write=api.write, delete_token=api.delete_token)
    return api, requests, recorder


def pool_naming(module, call, api, requests, chosen):
    """(exclusions, naming, records read to resolve names) for tasks that list or exclude users."""
    params, pool = module.params, module.params["user_pool_id"]
    exclusions, naming, records = None, None, {}
    if params["exclude"] or chosen is not None:
        try:
            naming = identity.PoolNaming.from_user_pool(cognito.describe_user_pool(call, pool))
            identity.check_listed_names([request.username for request in requests], naming, "users[{}]".format)
            if len(requests) > 1 and (naming.generated_usernames or naming.alias_attributes):
                resolved = user_mfa.resolve(api, requests, naming, lambda items, work, skip: run_bulk(items, work, params["workers"], call, skip))
                records = {requests[index].username: record for index, record in resolved.items()}
        except CALL_ERRORS as e:
            fail_aws(module, e, f"Could not read how user pool {pool} names its users (DescribeUserPool)")
        except InvalidRequest as e:
            module.fail_json(msg=str(e), calls=bulk.calls(call))
        exclusions = identity.Exclusions(params["exclude"], naming)
    return exclusions, naming, records


def main():
    module = AnsibleAWSModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        mutually_exclusive=MUTUALLY_EXCLUSIVE,
        required_one_of=[("username", "users", "access_token", "groups", "all_users")],
        required_by={"username": "user_pool_id", "users": "user_pool_id", "groups": "user_pool_id", "all_users": "user_pool_id"},
    )
    connection.settle(module)
    params = module.params
    chosen, requests, base, state, whole_pool = checked_input(module)
    single = params["users"] is None and chosen is None
    fail_on = params["fail_on"] if params["fail_on"] is not None else (
        list(user_mfa.UNMET_OUTCOMES) if single else [bulk.FAILED]
    )

    client = module.client("cognito-idp", config=cognito.client_config(params["workers"]))
    if params["reset_software_token"] and not cognito.supports(client, "AdminDeleteSoftwareToken"):
        module.fail_json(
            msg=f"reset_software_token needs botocore {cognito.ADMIN_DELETE_SOFTWARE_TOKEN_BOTOCORE} or newer "
            f"(AdminDeleteSoftwareToken); this controller has botocore {botocore.__version__}"
        )
    call = cognito.caller(client, CATEGORIES + ((cognito.POOL_READ,) if params["audit"] else ()), params, retries=params["retries"])
    budget.share(module, call)
    pool = params["user_pool_id"]
    pool_config = None
    if params["audit"]:
        try:
            pool_config = audit.pool_config_result(cognito.get_user_pool_mfa_config(call, pool))
        except CALL_ERRORS as e:
            fail_aws(module, e, f"Could not read the MFA configuration of user pool {pool}")
    api, requests, recorder = user_api(module, call, requests)
    exclusions, naming, records = pool_naming(module, call, api, requests, chosen)
    claims = user_mfa.Claims(naming)
    if whole_pool:
        enforce_with_state(module, call, state, api, base, exclusions, claims, recorder, pool_config)
    if state is None:
        enforce_listed(module, call, chosen, requests, base, naming, api, None, exclusions, claims, records, recorder,
                       pool_config, single, fail_on)
    with incremental.opened(state, params["user_pool_id"], module.fail_json) as store:  # listed users: the memory
        enforce_listed(module, call, chosen, requests, base, naming, api, incremental.StoreMemory(store, state.retry_after),
                       exclusions, claims, records, recorder, pool_config, single, fail_on)


def enforce_listed(module, call, chosen, requests, base, naming, api, memory, exclusions, claims, records, recorder,
                   pool_config, single, fail_on):
    """Every listed and selected user read, converged and reported (memory: the state's not-enrolled memory, or None)."""
    params, pool = module.params, module.params["user_pool_id"]
    stats = selection.SelectionStats()
    try:
        requests = one_pass.requests(
            requests, chosen, params["exclude"], base,
            lambda filter_, token: cognito.list_users(call, pool, filter_ or "", token),
            lambda group, token: cognito.list_users_in_group(call, pool, group, token),
            stats, params["reset_software_token"], naming,
        )
    except selection.SelectionError as e:
        module.fail_json(msg=str(e), calls=bulk.calls(call))
    report = user_mfa.report(report_unchanged=params["report_unchanged"] or single, diff=module._diff)
    audited = audit.opened_report(module.fail_json, users_file=params["users_file"]) if recorder is not None else None
    listing_error = None
    try:
        for request, outcome in run_bulk(
            requests,
            lambda request: user_mfa.converge(
                api, request, module.check_mode, memory, exclusions, claims, records.pop(request.username, None)
            ),
            params["workers"],
            call,
            user_mfa.not_attempted,
        ):
            report.add(outcome)
            if audited is not None:
                audited.add(one_pass.audit_of(outcome, request.methods, recorder.pop(request.username), module.check_mode))
            if memory is not None and not module.check_mode:
                memory.record(outcome)
    except selection.SelectionError as e:  # the users converged so far are recorded above, one by one
        listing_error = str(e)
    if memory is not None and not module.check_mode:
        try:
            memory.save()
        except incremental.SAVE_ERRORS as e:
            module.warn(f"Could not save the not-enrolled users in the state of user pool {pool} ({params['state_dir']}): {e}")

    result, summary = bulk.shape(report, call, module.check_mode, single, params["report_unchanged"])
    if audited is not None:
        result["audit"] = dict(audited.result(excluded=stats.excluded), user_pool_mfa_config=pool_config)
    if listing_error:
        module.fail_json(msg=f"{listing_error}. {summary}", **result)
    bulk.finish(module, call, result, summary, fail_on, user_mfa.UNMET_WORDS)


def enforce_with_state(module, call, state, api, base, exclusions, claims, recorder, pool_config):
    """The whole pool with a state (incremental.py): no read and no write for a user known compliant and unchanged,
    or known not enrolled with no event since."""
    params, pool = module.params, module.params["user_pool_id"]
    trail = incremental.signal_caller(module, call)
    handled = identity.Exclusions(tuple(params["exclude"]) + tuple(params["handled"]), exclusions.naming)
    with incremental.opened(state, pool, module.fail_json) as store:
        run = incremental.PoolRun(store, pool, state, lambda token: cognito.list_users(call, pool, "", token),
                                  lambda name, start, end, token: cognito.lookup_events(trail, name, start, end, token),
                                  exclusions=handled)
        try:
            facts = run.prepare()
            if run.signal_warning():
                module.warn(run.signal_warning())
            run.check_max_reads()
        except CALL_ERRORS as e:
            fail_aws(module, e, f"Could not list the users of user pool {pool}")
        except InvalidRequest as e:
            module.fail_json(msg=str(e), state=run.facts.as_dict(), calls=dict(bulk.calls(call), **bulk.calls(trail)))
        if module.check_mode:
            module.exit_json(msg=f"Would read {facts.to_read} of {facts.listed} users (check mode: none read or written)",
                             state=facts.as_dict(), would_read=facts.to_read, calls=dict(bulk.calls(call), **bulk.calls(trail)))
        report = user_mfa.report(report_unchanged=params["report_unchanged"], diff=module._diff)
        audited = audit.opened_report(module.fail_json, users_file=params["users_file"]) if recorder is not None else None
        work = incremental.enforce_work(api, base, lambda wrapped, request: user_mfa.converge(
            wrapped, request, False, None, exclusions, claims))
        for item, result in run_bulk(run.items(), work, params["workers"], call,
                                     lambda item, abort: (bulk.not_attempted(item.username, abort), None, None, (), False)):
            incremental.enforce_saved(run, item, result)
            report.add(result[0])
            if audited is not None:
                read_now, kept = result[4], item.record if item.carried and not result[4] else None
                facts = (kept.get("Enabled"), kept.get("UserStatus")) if kept else recorder.pop(item.username)
                audited.add(incremental.stamped(one_pass.audit_of(result[0], base, facts, False),
                                                result[1] if read_now else item.read_at if kept else None, read_now))
        if not call.aborted:
            run.finish()
    result, summary = bulk.shape(report, call, False, False, params["report_unchanged"])
    result["calls"] = dict(result["calls"], **bulk.calls(trail))
    result["state"] = run.facts.as_dict()
    if audited is not None:
        result["audit"] = dict(audited.result(excluded=run.excluded), user_pool_mfa_config=pool_config, state=result["state"])
    bulk.finish(module, call, result, f"{summary} ({run.facts.line()})",
                [bulk.FAILED] if params["fail_on"] is None else params["fail_on"], user_mfa.UNMET_WORDS)


if __name__ == "__main__":
    main()
