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
  - How the pool names its users (C(UsernameAttributes), C(AliasAttributes), C(UsernameConfiguration.CaseSensitive))
    is read once with C(DescribeUserPool) (quota C(UserPoolRead)) and returned as RV(user_pool_naming).
  - Users MFA does not apply to are V(not_applicable), with a reason, and outside the compliance counts - federated
    (C(EXTERNAL_PROVIDER); Cognito leaves their MFA to the identity provider), unconfirmed, password reset required,
    force change password, and disabled users unless O(count_disabled).
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
      - Users to read, by username, alias (for example the email in a pool that signs in with email) or C(sub).
      - Each is resolved to Cognito's canonical C(Username) with C(AdminGetUser); rows are keyed by it.
      - Can be combined with O(groups); a user named twice is read once. Two entries that are one user (an email and
        the user's UUID, or two spellings in a case-blind pool) fail the task, naming both.
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
      - Users never read or reported, whatever selected them. Exclusion always wins.
      - An entry matches a user by any of the user's names - username, C(sub), C(email), C(phone_number) or
        C(preferred_username) - case-blind where the pool compares names case-blind.
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
  count_disabled:
    description:
      - Count disabled users as compliant or non-compliant by their MFA settings.
      - By default they are V(not_applicable) with reason V(disabled), outside RV(counts.compliant) and
        RV(counts.non_compliant), like federated, unconfirmed, password-reset and force-change-password users,
        which are always V(not_applicable).
    type: bool
    default: false
  report:
    description:
      - Which users get a row in RV(users). The counts always cover every user.
      - V(all) gives a row for every user read.
      - V(non_compliant) gives rows only for users that do not meet the policy, do not exist, or could not
        be read, so a large compliant pool gives a small result.
    type: str
    choices: [all, non_compliant]
    default: all
  users_file:
    description:
      - Write the rows of RV(users) to this file on the managed node instead of returning them, one JSON object a line
        in the order the users were judged (not sorted), and return its path as RV(users_file); RV(users) is then empty.
      - An audit of a million users with O(report=all) then needs no million-row result, in the module or on the
        controller that receives it. P(mfaops.cognito.audit_pool#filter) reads the file when the pool host is the
        controller; the mfaops.cognito.audit_mfa role passes one in a private temporary directory and deletes it.
      - The file is replaced whole with mode 0600 (a symlink at the path is replaced, never followed); missing
        directories are made 0700. It holds usernames and emails, so keep it private and delete it once read.
      - A path that cannot be written fails the task before any user is read.
      - In check mode with O(state_dir), the task reads no user and writes no file.
    type: path
  attributes:
    description:
      - User attributes to return in each row (RV(users[].attributes)), for example V([email]) for a mail merge.
      - They come from the same C(AdminGetUser) answer as the MFA state, so they cost no extra call.
    type: list
    elements: str
    default: []
  auth_factors:
    description:
      - Also read each user's choice-based sign-in factors (C(AdminGetUserAuthFactors), one more call per user under
        the same UserRead quota and O(reads_per_second) pace as C(AdminGetUser)), and the pool's sign-in policy
        (C(DescribeUserPool), once), and report RV(users[].configured_user_auth_factors).
      - A user who can start a sign-in with a passkey (V(WEB_AUTHN)), an email or an SMS code (V(EMAIL_OTP),
        V(SMS_OTP)) that the pool allows as a first factor signs in without TOTP, so is not compliant under a policy
        that asks for TOTP (RV(users[].sign_in_without_totp)). App clients are not read here, so a factor counts
        whether or not an app client allows C(ALLOW_USER_AUTH) (the audit report's pool findings say which do).
      - Without it, such factors are not known per user and do not lower compliance; the pool findings report them.
    type: bool
    default: false
  lists_per_second:
    description:
      - Most listing calls (C(ListUsers), C(ListUsersInGroup); 60 users each) this task makes per second.
      - Cognito's C(UserList) quota is 30 requests per second per account and region and cannot be raised.
        The default takes half of it.
    type: float
    default: 15
extends_documentation_fragment:
  - mfaops.cognito.bulk
  - mfaops.cognito.budget
  - mfaops.cognito.state
  - mfaops.cognito.state.audit
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Needs the IAM permissions C(cognito-idp:GetUserPoolMfaConfig), C(cognito-idp:DescribeUserPool) and C(cognito-idp:AdminGetUser), plus
    C(cognito-idp:ListUsers) for O(all_users) or C(cognito-idp:ListUsersInGroup) for O(groups), and
    C(cognito-idp:AdminGetUserAuthFactors) for O(auth_factors), and C(cloudtrail:LookupEvents) for O(state_dir).
  - B(Compliant means what sign-in really demands) (docs/audit.md). In a pool whose MFA is V(OFF) no second
    factor is asked, whatever a user's settings, so no user of it is compliant. Under a policy that asks for TOTP,
    a user is compliant only if a password sign-in asks this user for TOTP (RV(users[].sign_in_asks) is V(totp))
    and, with O(auth_factors), no passwordless first factor lets the user in without it.
  - Legacy SMS MFA (C(MFAOptions) with C(DeliveryMedium=SMS), no longer set by Cognito but still returned) counts
    as SMS MFA. Such a user is V(other_mfa_only), not V(no_mfa).
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
    fail_msg: "{{ audit.counts.non_compliant | mfaops.cognito.counted('user') }} not on TOTP: {{ audit.users | map(attribute='username') | join(', ') }}"

- name: Who can sign in with a passkey or a one-time code instead of TOTP?
  mfaops.cognito.cognito_user_mfa_info:
    user_pool_id: us-east-1_AbCdEf123
    all_users: true
    auth_factors: true
    report: non_compliant
  register: audit

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
    web_authn_configuration:
      description: The passkey settings (C(factor_configuration), C(relying_party_id), C(user_verification)), when the pool has them.
      type: dict
  sample:
    mfa_configuration: OPTIONAL
    software_token_mfa_configuration: {enabled: true}
user_pool_naming:
  description: How the pool names its users, from C(DescribeUserPool); it decides how names are matched.
  returned: always
  type: dict
  contains:
    case_sensitive:
      description: Whether usernames, email and C(preferred_username) compare case-sensitively (V(true) when the pool does not say).
      type: bool
    username_attributes:
      description: The attributes users sign in with instead of a username (then C(Username) is a UUID).
      type: list
      elements: str
    alias_attributes:
      description: The attributes users can sign in with besides their username.
      type: list
      elements: str
  sample: {case_sensitive: false, username_attributes: [email], alias_attributes: []}
counts:
  description:
    - How many users are in each state.
    - RV(counts.compliant), RV(counts.non_compliant), RV(counts.not_applicable), RV(counts.not_found), RV(counts.failed)
      and RV(counts.not_attempted) add up to RV(counts.total).
    - RV(counts.totp_preferred), RV(counts.totp_enabled_not_preferred), RV(counts.other_mfa_only) and RV(counts.no_mfa)
      split the users that were read by MFA state, whatever the policy (a compliant user counts in RV(counts.compliant)
      and in RV(counts.totp_preferred)). The audit report splits only the users not compliant, under another key,
      C(counts.non_compliant_by_mfa_state).
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
    not_applicable:
      description: Users read that MFA does not apply to; not in RV(counts.compliant) or RV(counts.non_compliant).
      type: int
    not_applicable_reasons:
      description: RV(counts.not_applicable) by reason.
      type: dict
      contains:
        federated:
          description: C(EXTERNAL_PROVIDER) users.
          type: int
        unconfirmed:
          description: C(UNCONFIRMED) users.
          type: int
        password_reset_required:
          description: C(RESET_REQUIRED) users.
          type: int
        force_change_password:
          description: C(FORCE_CHANGE_PASSWORD) users.
          type: int
        disabled:
          description: Disabled users (0 with O(count_disabled=true)).
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
      description: Users read whose account is disabled (informational; in the compliance counts only with O(count_disabled=true)).
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
    non_compliant: 1
    not_applicable: 1
    not_applicable_reasons: {federated: 0, unconfirmed: 0, password_reset_required: 0, force_change_password: 0, disabled: 1}
    not_found: 1
    failed: 0
    not_attempted: 0
    disabled: 1
    excluded: 0
    totp_preferred: 2
    totp_enabled_not_preferred: 0
    other_mfa_only: 1
    no_mfa: 1
users_file:
  description:
    - The file the rows of RV(users) were written to, one JSON object a line, in the order the users were judged.
  returned: with O(users_file)
  type: str
  sample: /tmp/ansible.x1y2z3-mfa-audit/all.jsonl
users:
  description:
    - One row per user, sorted by username; with O(report=non_compliant), only users that are not compliant.
    - Empty with O(users_file), whose file holds the rows.
  returned: always
  type: list
  elements: dict
  contains:
    username:
      description: The user's canonical C(Username) (a UUID in pools that sign in with email or phone number); the name as listed when it could not be read.
      type: str
    email:
      description: The user's email, or null.
      type: str
    listed_as:
      description: The name the user was listed under in O(usernames); the username for group members and O(all_users).
      type: str
    compliant:
      description: Whether the user exists, is one MFA applies to, and meets the policy.
      type: bool
    not_found:
      description: V(true) when the user does not exist in the pool.
      type: bool
    applicable:
      description: V(false) for users MFA does not apply to (see RV(users[].reason)).
      type: bool
    reason:
      description: What kind of user this is, when not an ordinary confirmed, enabled one; null otherwise.
      type: str
      choices: [federated, unconfirmed, password_reset_required, force_change_password, disabled]
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
    read_at:
      description: With O(state_dir), when the user was last read (UTC); null when the read failed.
      type: str
    read_this_run:
      description: With O(state_dir), whether this run read the user (else the verdict is the state's, of C(read_at)).
      type: bool
    error_code:
      description: The AWS error code, when the user could not be read.
      type: str
    message:
      description: What went wrong, when the user could not be read.
      type: str
    attributes:
      description:
        - The attributes named in O(attributes), name to value (null when the user has no such attribute).
        - Only when O(attributes) names some and the user could be read.
      type: dict
      sample: {email: alice@example.com}
    sign_in_asks:
      description:
        - What a password sign-in asks this user as second factor, given the pool's MFA mode and the user's methods.
        - V(totp); V(choice) (several methods, none preferred - C(SELECT_MFA_TYPE)); V(other) (SMS or email);
          V(enrol) (pool V(ON), no method yet - C(MFA_SETUP)); V(none).
      type: str
      returned: when the user was read
      choices: [totp, choice, other, enrol, none]
    sign_in_compliant:
      description: Whether every way in that is known asks this user for TOTP.
      type: bool
      returned: when the user was read
    sign_in_reason:
      description: Why a sign-in does or does not ask this user for TOTP, in words.
      type: str
      returned: when the user was read
    sign_in_without_totp:
      description:
        - With O(auth_factors), the first factors (V(WEB_AUTHN), V(EMAIL_OTP), V(SMS_OTP)) that the pool allows and
          this user has, which sign the user in without TOTP.
      type: list
      elements: str
      returned: when there are any
    unchecked_first_factors:
      description:
        - Passwordless first factors the pool allows that were not checked for this user (O(auth_factors=false)).
      type: list
      elements: str
      returned: when there are any
    configured_user_auth_factors:
      description: With O(auth_factors), the user's C(ConfiguredUserAuthFactors) from C(AdminGetUserAuthFactors).
      type: list
      elements: str
      returned: when O(auth_factors=true) and the user was read
  sample:
    - username: 7f3c9a2e-1b4d-4e8f-9a6b-2c5d8e1f0a3b
      email: alice@example.com
      listed_as: Alice@Example.com
      compliant: true
      not_found: false
      applicable: true
      reason: null
      enabled: true
      user_status: CONFIRMED
      enabled_methods: [software_token_mfa]
      preferred_method: software_token_mfa
      mfa_state: totp_preferred
      sign_in_asks: totp
      sign_in_compliant: true
      sign_in_reason: a password sign-in asks for TOTP
    - username: ghost
      email: null
      listed_as: ghost
      compliant: false
      not_found: true
      applicable: true
      reason: null
      enabled: null
      user_status: null
      enabled_methods: null
      preferred_method: null
      mfa_state: null
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
calls:
  description: AWS calls made per operation, with retries and throttled replies.
  returned: always
  type: dict
  sample: {admin_get_user: {calls: 5000, retries: 2, throttled: 2}, list_users: {calls: 84, retries: 0, throttled: 0}}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mfaops.cognito.plugins.module_utils import connection
from ansible_collections.mfaops.cognito.plugins.module_utils import audit
from ansible_collections.mfaops.cognito.plugins.module_utils import budget
from ansible_collections.mfaops.cognito.plugins.module_utils import bulk
from ansible_collections.mfaops.cognito.plugins.module_utils import cognito
from ansible_collections.mfaops.cognito.plugins.module_utils import identity
from ansible_collections.mfaops.cognito.plugins.module_utils import mfa
from ansible_collections.mfaops.cognito.plugins.module_utils import quotas
from ansible_collections.mfaops.cognito.plugins.module_utils import selection
from ansible_collections.mfaops.cognito.plugins.module_utils import incremental
from ansible_collections.mfaops.cognito.plugins.module_utils import sign_in_policy
from ansible_collections.mfaops.cognito.plugins.module_utils import validate
from ansible_collections.mfaops.cognito.plugins.module_utils.engine import run_bulk
from ansible_collections.mfaops.cognito.plugins.module_utils.errors import CALL_ERRORS
from ansible_collections.mfaops.cognito.plugins.module_utils.errors import InvalidRequest
from ansible_collections.mfaops.cognito.plugins.module_utils.errors import fail_aws

RATED = (cognito.READ, cognito.LIST)
CATEGORIES = RATED + (cognito.POOL_READ, cognito.USER_POOL_READ)

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
    users_file=dict(type="path"),
    attributes=dict(type="list", elements="str", default=[]),
    auth_factors=dict(type="bool", default=False),
    count_disabled=dict(type="bool", default=False),
    workers=dict(type="int", default=8),
    retries=dict(type="int", default=10),
    **quotas.argspec(RATED),
    **budget.ARGUMENT_SPEC,
    **incremental.ARGUMENT_SPEC,
)
STATE_SELECTION = "state_dir works with all_users: true only (no usernames, groups or filter): the state is the whole pool's"


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    connection.settle(module)
    params = module.params
    pool = params["user_pool_id"]
    try:
        validate.check_bulk_options(params, quotas.rate_options(RATED))
        validate.check_user_pool_id(pool, module.region)
        chosen, policy = selection.from_params(params), audit.policy_request(params["policy"])
        budget.check_options(params)
        state = incremental.settings_from(params)
        if state is not None and (not params["all_users"] or params["usernames"] or params["groups"] or params["filter"]):
            raise InvalidRequest(STATE_SELECTION)
    except (InvalidRequest, ValueError) as e:
        module.fail_json(msg=str(e))

    client = module.client("cognito-idp", config=cognito.client_config(params["workers"]))
    call = cognito.caller(client, CATEGORIES, params, retries=params["retries"])
    budget.share(module, call)
    try:
        mfa_config = cognito.get_user_pool_mfa_config(call, pool)
        pool_config = audit.pool_config_result(mfa_config)
        described = cognito.describe_user_pool(call, pool)
        naming = identity.PoolNaming.from_user_pool(described)
    except CALL_ERRORS as e:
        fail_aws(module, e, f"Could not read the MFA configuration and sign-in names of user pool {pool}")
    sign_in = sign_in_policy.pool_sign_in(described if params["auth_factors"] else {}, mfa_config)

    def read(username):
        return cognito.admin_get_user(call, pool, username)

    def read_factors(username):
        return cognito.admin_get_user_auth_factors(call, pool, username)

    factors = read_factors if params["auth_factors"] else None
    if state is not None:
        audit_with_state(module, call, state, pool, policy, sign_in, factors, read, naming, pool_config,
                         incremental.pool_fingerprint(mfa_config, described))

    def judge(one):
        if one.error is not None:
            def read_failed(_username):
                raise one.error
            return audit.audit_user(read_failed, one.username, policy)
        return audit.audit_user(read, one.username, policy, sign_in, factors, params["attributes"],
                                count_disabled=params["count_disabled"], record=one.record, listed_as=one.entry.listed_as)

    report = audit.opened_report(module.fail_json, params["report"] == "non_compliant", params["users_file"])
    stats = selection.SelectionStats()
    listing_error = None
    try:
        # Lazy: pages are listed as the workers ask for users, side by side with the reads.
        users = selection.picked(
            chosen,
            lambda filter_, token: cognito.list_users(call, pool, filter_ or "", token),
            lambda group, token: cognito.list_users_in_group(call, pool, group, token),
            stats,
            naming,
            read,
        )
        for _one, outcome in run_bulk(users, judge, params["workers"], call, lambda one, abort: audit.not_attempted(one.username, abort)):
            report.add(outcome)
    except selection.SelectionError as e:
        listing_error = str(e)
    except InvalidRequest as e:
        module.fail_json(msg=str(e), user_pool_naming=naming.as_dict())

    result = dict(report.result(excluded=stats.excluded), user_pool_mfa_config=pool_config, user_pool_naming=naming.as_dict(),
                  calls=bulk.calls(call))
    if listing_error:
        module.fail_json(msg=f"{listing_error}. {report.summary()}", **result)
    bulk.finish(module, call, result, report.summary(), (), "")


def audit_with_state(module, call, state, pool, policy, sign_in, factors, read, naming, pool_config, pool_config_id):
    """The audit of the whole pool with a state (incremental.py): read only the users that may have changed."""
    params = module.params
    trail = incremental.signal_caller(module, call)
    with incremental.opened(state, pool, module.fail_json) as store:
        run = incremental.PoolRun(store, pool, state, lambda token: cognito.list_users(call, pool, "", token),
                                  lambda name, start, end, token: cognito.lookup_events(trail, name, start, end, token),
                                  exclusions=identity.Exclusions(params["exclude"], naming))

        def calls():
            return dict(bulk.calls(call), **bulk.calls(trail))

        try:
            facts = run.prepare(factors=params["auth_factors"], pool_config=pool_config_id)
            if run.signal_warning():
                module.warn(run.signal_warning())
            run.check_max_reads()
        except CALL_ERRORS as e:
            fail_aws(module, e, f"Could not list the users of user pool {pool}")
        except InvalidRequest as e:
            module.fail_json(msg=str(e), state=run.facts.as_dict(), calls=calls())
        if module.check_mode:
            module.exit_json(msg=f"Would read {facts.to_read} of {facts.listed} users (check mode: none read)",
                             state=facts.as_dict(), would_read=facts.to_read, user_pool_mfa_config=pool_config, calls=calls())

        def judge(username, reading, reading_factors, record):
            return audit.audit_user(reading, username, policy, sign_in, reading_factors, params["attributes"],
                                    count_disabled=params["count_disabled"], record=record)

        report = audit.opened_report(module.fail_json, params["report"] == "non_compliant", params["users_file"])
        work = incremental.audit_work(read, factors, judge)

        def skipped(item, abort):
            return audit.not_attempted(item.username, abort), None, None

        for item, (one, read_at, answer) in run_bulk(run.items(), work, params["workers"], call, skipped):
            run.saved(item, read_at, answer, None, gone=one.outcome == audit.NOT_FOUND)
            report.add(one)
        if not call.aborted:
            run.finish()
    result = dict(report.result(excluded=run.excluded), user_pool_mfa_config=pool_config, user_pool_naming=naming.as_dict(),
                  state=run.facts.as_dict(), calls=calls())
    bulk.finish(module, call, result, f"{report.summary()} ({run.facts.line()})",
                (), "")


if __name__ == "__main__":
    main()
