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
      - The user pool, for example V(us-east-1_AbCdEf123).
      - The task runs in the region of its prefix. O(region) (or E(AWS_REGION)) is not needed; if set, it must be the same.
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
  - Needs the IAM permissions C(cognito-idp:DescribeUserPool), C(cognito-idp:AdminGetUser),
    C(cognito-idp:AdminCreateUser), C(cognito-idp:AdminListGroupsForUser), C(cognito-idp:AdminAddUserToGroup),
    C(cognito-idp:AdminUpdateUserAttributes) and C(cognito-idp:AdminSetUserPassword); plus C(cognito-idp:ListGroups)
    and C(cognito-idp:CreateGroup) to create missing groups. The playbooks' policies are in docs/iam/.
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

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mfaops.cognito.plugins.module_utils import connection
from ansible_collections.mfaops.cognito.plugins.module_utils import bulk
from ansible_collections.mfaops.cognito.plugins.module_utils import cognito
from ansible_collections.mfaops.cognito.plugins.module_utils import onboarding
from ansible_collections.mfaops.cognito.plugins.module_utils import quotas
from ansible_collections.mfaops.cognito.plugins.module_utils import user_profile as profile
from ansible_collections.mfaops.cognito.plugins.module_utils.engine import run_bulk
from ansible_collections.mfaops.cognito.plugins.module_utils.errors import InvalidRequest

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
    fail_on=dict(type="list", elements="str", choices=[bulk.FAILED], default=[bulk.FAILED]),
    report_existing=dict(type="bool", default=False),
    workers=dict(type="int", default=8),
    retries=dict(type="int", default=10),
    **quotas.argspec(onboarding.CATEGORIES),
)


def main():
    module = AnsibleAWSModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        mutually_exclusive=[("username", "users")],
        required_one_of=[("username", "users")],
    )
    connection.settle(module)
    params = module.params
    pool = params["user_pool_id"]
    try:
        specs, mediums = onboarding.validated(params, module.region, no_log=module.no_log)
    except InvalidRequest as e:
        module.fail_json(msg=str(e))
    single = params["users"] is None

    client = module.client("cognito-idp", config=cognito.client_config(params["workers"]))
    call = cognito.caller(client, onboarding.CATEGORIES, params, retries=params["retries"])
    groups_created = onboarding.ensure_groups(module, call, pool, onboarding.wanted_groups(specs, params["groups"]))

    # The password policy is read through a Caller of its own: a refusal there (no DescribeUserPool permission)
    # must only mean a longer generated password, not the end of the run.
    policy_call = cognito.caller(client, (cognito.USER_POOL_READ,), retries=params["retries"])
    passwords = onboarding.Passwords(
        params["temporary_password"],
        lambda: cognito.describe_user_pool(policy_call, pool)["UserPool"].get("Policies", {}).get("PasswordPolicy") or {},
    )
    opts = onboarding.Options(
        invitation=params["invitation"],
        mediums=mediums,
        update_attributes=params["update_attributes"],
        update_groups=params["update_groups"],
        reset_temporary_password=params["reset_temporary_password"],
        check_mode=module.check_mode,
    )
    api = onboarding.UserApi(call, pool)
    report = onboarding.report(report_existing=params["report_existing"] or single, diff=module._diff)
    for _spec, outcome in run_bulk(
        specs, lambda spec: onboarding.converge(api, spec, opts, passwords), params["workers"], call, onboarding.not_attempted
    ):
        report.add(outcome)

    result, summary = bulk.shape(report, call, module.check_mode, single, params["report_existing"])
    result["changed"] = result["changed"] or bool(groups_created)
    result["groups_created"] = groups_created
    if params["return_temporary_passwords"]:
        result["temporary_passwords"] = dict(sorted(report.secrets.items()))
    else:
        module.no_log_values.update(report.secrets.values())
    for warning in onboarding.warnings(params, passwords, report.secrets):
        module.warn(warning)
    bulk.finish(module, call, result, summary, params["fail_on"], onboarding.UNMET_WORDS)


if __name__ == "__main__":
    main()
