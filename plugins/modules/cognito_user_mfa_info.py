#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cognito_user_mfa_info
short_description: Read the MFA state of Amazon Cognito users at pool scale and check it against a policy
version_added: 0.1.0
description:
  - Reads, for a list of users, the members of Cognito groups, or every user of a user pool, whether the
    user is enabled, the user status, the enabled MFA methods and the preferred method, and whether the
    user meets an MFA policy (O(policy), by default TOTP enabled and preferred).
  - Returns the pool's own MFA configuration (C(GetUserPoolMfaConfig)) as well, and counts of users
    per state, so that an audit of a large pool needs no pool-sized output (see O(report)).
  - Read only. It never changes anything, and works the same in check mode.
  - B(Cost:) reading a user with C(AdminGetUser) makes that user a billable monthly active user (MAU)
    for the month, whether or not the user signs in. Auditing a whole pool once a month makes every
    user of the pool an MAU.
  - Users are listed with C(ListUsers) or C(ListUsersInGroup), 60 a page, under their own rate limit
    (O(lists_per_second)), and read with C(AdminGetUser) by concurrent workers under O(reads_per_second).
    Listing and reading run side by side, so a pool of any size streams through without being listed first.
  - Throttling and transient errors are retried and slow the pace down. A user that does not exist is
    reported (RV(users[].not_found)), not an error.
author:
  - mfaops.cognito contributors (@mfaops)
options:
  user_pool_id:
    description:
      - The user pool, for example V(us-east-1_AbCdEf123).
      - The task runs in the region of its prefix. O(region) (or E(AWS_REGION)) is not needed; if set, it must be the same.
    type: str
    required: true
  usernames:
    description:
      - Users to read, by username.
      - Can be combined with O(groups); a user named twice is read once.
    type: list
    elements: str
  groups:
    description:
      - Cognito groups whose members are read (C(ListUsersInGroup)).
      - A group that does not exist fails the task before any user is read.
    type: list
    elements: str
  all_users:
    description:
      - Read every user of the pool (C(ListUsers)), or those matching O(filter).
      - Cannot be combined with O(usernames) or O(groups).
    type: bool
    default: false
  filter:
    description:
      - Cognito's C(ListUsers) filter, one attribute compared with V(=) (exact) or V(^=) (starts with), the
        value in double quotes, for example V(status = "Enabled") or V(email ^= "ops-").
      - Only with O(all_users=true).
    type: str
  exclude:
    description:
      - Usernames never read or reported, whatever selected them. Exclusion always wins.
    type: list
    elements: str
    default: []
  policy:
    description:
      - The MFA settings a user must have to count as compliant, in the same shape as the settings of
        M(mfaops.cognito.cognito_user_mfa). Methods not named are not checked.
      - Defaults to O(policy.software_token_mfa.enabled=true) and O(policy.software_token_mfa.preferred=true),
        that is TOTP enabled and preferred.
    type: dict
    suboptions:
      software_token_mfa:
        description: TOTP (authenticator app) MFA.
        type: dict
        suboptions:
          enabled:
            description: Whether TOTP must be enabled (V(true)) or disabled (V(false)). Not checked when omitted.
            type: bool
          preferred:
            description: Whether TOTP must be the preferred method. V(true) implies O(policy.software_token_mfa.enabled=true).
            type: bool
      sms_mfa:
        description: SMS text message MFA.
        type: dict
        suboptions:
          enabled:
            description: Whether SMS MFA must be enabled or disabled. Not checked when omitted.
            type: bool
          preferred:
            description: Whether SMS must be the preferred method. V(true) implies O(policy.sms_mfa.enabled=true).
            type: bool
      email_mfa:
        description: Email one-time code MFA.
        type: dict
        suboptions:
          enabled:
            description: Whether email MFA must be enabled or disabled. Not checked when omitted.
            type: bool
          preferred:
            description: Whether email must be the preferred method. V(true) implies O(policy.email_mfa.enabled=true).
            type: bool
  report:
    description:
      - Which users get a row in RV(users). The counts always cover every user.
      - V(all) gives a row for every user read.
      - V(non_compliant) gives rows only for users that do not meet the policy, do not exist, or could not
        be read, so a large compliant pool gives a small result.
    type: str
    choices: [all, non_compliant]
    default: all
  lists_per_second:
    description:
      - Most listing calls (C(ListUsers), C(ListUsersInGroup); 60 users each) this task makes per second.
      - Cognito's C(UserList) quota is 30 requests per second per account and region and cannot be raised.
        The default takes half of it.
    type: float
    default: 15
extends_documentation_fragment:
  - mfaops.cognito.bulk
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Needs the IAM permissions C(cognito-idp:GetUserPoolMfaConfig) and C(cognito-idp:AdminGetUser), plus
    C(cognito-idp:ListUsers) for O(all_users) or C(cognito-idp:ListUsersInGroup) for O(groups).
  - Cognito does not say whether a user has verified an authenticator app until TOTP is enabled, so a
    user with a verified but not yet enabled token shows as V(no_mfa).
  - Rows and counts cover the users that existed when they were listed and read; users added while the
    task runs may or may not be included.
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: none
  idempotent:
    description: When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
    support: full
    details: Read only, never reports a change.
seealso:
  - module: mfaops.cognito.cognito_user_mfa
  - module: mfaops.cognito.cognito_user_pool_mfa
"""

EXAMPLES = r"""
- name: Audit a few users against the default policy (TOTP enabled and preferred)
  mfaops.cognito.cognito_user_mfa_info:
    user_pool_id: us-east-1_AbCdEf123
    usernames: [alice, bob]
  register: audit

- name: Audit the members of two groups, leaving out the break-glass account
  mfaops.cognito.cognito_user_mfa_info:
    user_pool_id: us-east-1_AbCdEf123
    groups: [admins, operators]
    exclude: [breakglass]

- name: Audit the whole pool; only list users who are out of line
  mfaops.cognito.cognito_user_mfa_info:
    user_pool_id: us-east-1_AbCdEf123
    all_users: true
    filter: 'status = "Enabled"'
    report: non_compliant
  register: audit

- name: Fail when anyone is not on TOTP
  ansible.builtin.assert:
    that: audit.counts.non_compliant == 0
    fail_msg: "{{ audit.counts.non_compliant }} users are not on TOTP: {{ audit.users | map(attribute='username') | join(', ') }}"

- name: Any MFA at all counts (SMS enabled is also fine)
  mfaops.cognito.cognito_user_mfa_info:
    user_pool_id: us-east-1_AbCdEf123
    all_users: true
    policy:
      sms_mfa:
        enabled: true
"""

RETURN = r"""
msg:
  description: A one-line summary of the counts.
  returned: always
  type: str
  sample: "5000 users: 4800 compliant, 190 non-compliant, 0 not found, 10 failed"
user_pool_mfa_config:
  description:
    - The pool's MFA configuration, from C(GetUserPoolMfaConfig), with snake_case keys.
    - Blocks the pool does not have are left out; RV(user_pool_mfa_config.software_token_mfa_configuration) is always there.
  returned: always
  type: dict
  contains:
    mfa_configuration:
      description: V(OFF), V(OPTIONAL) or V(ON).
      type: str
    software_token_mfa_configuration:
      description: Whether TOTP MFA is offered, as C(enabled).
      type: dict
    sms_mfa_configuration:
      description: The SMS MFA settings, when SMS MFA is on.
      type: dict
    email_mfa_configuration:
      description: The email MFA settings, when email MFA is on.
      type: dict
  sample:
    mfa_configuration: OPTIONAL
    software_token_mfa_configuration: {enabled: true}
counts:
  description:
    - How many users are in each state.
    - RV(counts.compliant), RV(counts.non_compliant), RV(counts.not_found), RV(counts.failed) and RV(counts.not_attempted)
      add up to RV(counts.total).
    - RV(counts.totp_preferred), RV(counts.totp_enabled_not_preferred), RV(counts.other_mfa_only) and RV(counts.no_mfa)
      split the users that were read by MFA state, whatever the policy.
  returned: always
  type: dict
  contains:
    total:
      description: Users selected (after exclusions).
      type: int
    compliant:
      description: Users read that meet the policy.
      type: int
    non_compliant:
      description: Users read that do not meet the policy.
      type: int
    not_found:
      description: Users that do not exist in the pool.
      type: int
    failed:
      description: Users that could not be read (retries exhausted, or an error other than throttling).
      type: int
    not_attempted:
      description: Users not read because the run stopped early.
      type: int
    disabled:
      description: Users read whose account is disabled (also counted as compliant or non-compliant).
      type: int
    excluded:
      description: Users left out by O(exclude) (each time one was selected).
      type: int
    totp_preferred:
      description: Users with TOTP enabled and preferred.
      type: int
    totp_enabled_not_preferred:
      description: Users with TOTP enabled but another method or no method preferred.
      type: int
    other_mfa_only:
      description: Users with SMS or email MFA enabled, but not TOTP.
      type: int
    no_mfa:
      description: Users with no MFA method enabled.
      type: int
  sample:
    total: 5
    compliant: 2
    non_compliant: 2
    not_found: 1
    failed: 0
    not_attempted: 0
    disabled: 1
    excluded: 0
    totp_preferred: 2
    totp_enabled_not_preferred: 0
    other_mfa_only: 1
    no_mfa: 1
users:
  description:
    - One row per user, sorted by username; with O(report=non_compliant), only users that are not compliant.
  returned: always
  type: list
  elements: dict
  contains:
    username:
      description: The user.
      type: str
    compliant:
      description: Whether the user exists and meets the policy.
      type: bool
    not_found:
      description: V(true) when the user does not exist in the pool.
      type: bool
    enabled:
      description: Whether the user account is enabled; null when the user could not be read.
      type: bool
    user_status:
      description: The user status, for example V(CONFIRMED) or V(FORCE_CHANGE_PASSWORD); null when the user could not be read.
      type: str
    enabled_methods:
      description: Enabled MFA methods, among V(software_token_mfa), V(sms_mfa), V(email_mfa); null when the user could not be read.
      type: list
      elements: str
    preferred_method:
      description: The preferred MFA method, or null.
      type: str
    mfa_state:
      description: The user's MFA state; null when the user could not be read.
      type: str
      choices: [totp_preferred, totp_enabled_not_preferred, other_mfa_only, no_mfa]
    error_code:
      description: The AWS error code, when the user could not be read.
      type: str
    message:
      description: What went wrong, when the user could not be read.
      type: str
  sample:
    - username: alice
      compliant: true
      not_found: false
      enabled: true
      user_status: CONFIRMED
      enabled_methods: [software_token_mfa]
      preferred_method: software_token_mfa
      mfa_state: totp_preferred
    - username: ghost
      compliant: false
      not_found: true
      enabled: null
      user_status: null
      enabled_methods: null
      preferred_method: null
      mfa_state: null
calls:
  description: AWS calls made per operation, with retries and throttled replies.
  returned: always
  type: dict
  sample: {admin_get_user: {calls: 5000, retries: 2, throttled: 2}, list_users: {calls: 84, retries: 0, throttled: 0}}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mfaops.cognito.plugins.module_utils import connection
from ansible_collections.mfaops.cognito.plugins.module_utils import audit
from ansible_collections.mfaops.cognito.plugins.module_utils import bulk
from ansible_collections.mfaops.cognito.plugins.module_utils import cognito
from ansible_collections.mfaops.cognito.plugins.module_utils import mfa
from ansible_collections.mfaops.cognito.plugins.module_utils import quotas
from ansible_collections.mfaops.cognito.plugins.module_utils import selection
from ansible_collections.mfaops.cognito.plugins.module_utils import validate
from ansible_collections.mfaops.cognito.plugins.module_utils.engine import run_bulk
from ansible_collections.mfaops.cognito.plugins.module_utils.errors import CALL_ERRORS
from ansible_collections.mfaops.cognito.plugins.module_utils.errors import InvalidRequest
from ansible_collections.mfaops.cognito.plugins.module_utils.errors import fail_aws

RATED = (cognito.READ, cognito.LIST)
CATEGORIES = RATED + (cognito.POOL_READ,)

METHOD_OPTION = dict(type="dict", options=dict(enabled=dict(type="bool"), preferred=dict(type="bool")))
# "token" in the name is not a secret: no_log=False says so to the no-log sanity check.
POLICY_OPTIONS = {method: dict(METHOD_OPTION, no_log=False) if "token" in method else METHOD_OPTION for method in mfa.METHODS}
ARGUMENT_SPEC = dict(
    user_pool_id=dict(type="str", required=True),
    usernames=dict(type="list", elements="str"),
    groups=dict(type="list", elements="str"),
    all_users=dict(type="bool", default=False),
    filter=dict(type="str"),
    exclude=dict(type="list", elements="str", default=[]),
    policy=dict(type="dict", options=POLICY_OPTIONS),
    report=dict(type="str", choices=["all", "non_compliant"], default="all"),
    workers=dict(type="int", default=8),
    retries=dict(type="int", default=10),
    **quotas.argspec(RATED),
)


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    connection.settle(module)
    params = module.params
    pool = params["user_pool_id"]
    try:
        validate.check_bulk_options(params, quotas.rate_options(RATED))
        validate.check_user_pool_id(pool, module.region)
        chosen, policy = selection.from_params(params), audit.policy_request(params["policy"])
    except InvalidRequest as e:
        module.fail_json(msg=str(e))

    client = module.client("cognito-idp", config=cognito.client_config(params["workers"]))
    call = cognito.caller(client, CATEGORIES, params, retries=params["retries"])
    try:
        pool_config = audit.pool_config_result(cognito.get_user_pool_mfa_config(call, pool))
    except CALL_ERRORS as e:
        fail_aws(module, e, f"Could not read the MFA configuration of user pool {pool}")

    def read(username):
        return cognito.admin_get_user(call, pool, username)

    report = audit.AuditReport(only_non_compliant=params["report"] == "non_compliant")
    stats = selection.SelectionStats()
    listing_error = None
    try:
        # Lazy: pages are listed as the workers ask for users, side by side with the reads.
        names = selection.usernames(
            chosen,
            lambda filter_, token: cognito.list_users(call, pool, filter_ or "", token),
            lambda group, token: cognito.list_users_in_group(call, pool, group, token),
            stats,
        )
        for _name, outcome in run_bulk(names, lambda name: audit.audit_user(read, name, policy), params["workers"], call, audit.not_attempted):
            report.add(outcome)
    except selection.SelectionError as e:
        listing_error = str(e)

    result = dict(report.result(excluded=stats.excluded), user_pool_mfa_config=pool_config, calls=bulk.calls(call))
    if listing_error:
        module.fail_json(msg=f"{listing_error}. {report.summary()}", **result)
    bulk.finish(module, call, result, report.summary(), (), "")


if __name__ == "__main__":
    main()
