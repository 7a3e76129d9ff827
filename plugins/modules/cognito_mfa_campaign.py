#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cognito_mfa_campaign
short_description: Run one day of a staged TOTP enrolment campaign on an Amazon Cognito user pool
version_added: 0.1.0
description:
  - One day's step of the campaign of the role C(mfaops.cognito.mfa_campaign) for one user pool, from the users'
    MFA states read by M(mfaops.cognito.cognito_user_mfa_info) (O(users)) and the campaign state kept in O(state_dir).
  - Measures coverage (overall and per campaign group), lists the users still to enrol (RV(nudges)), says whether
    the pool must go to MFA V(ON) today (RV(switch)), and prints the lockout-risk line (RV(lockout_risk)).
  - B(Privileged groups first.) After a group's deadline in O(groups), members who have not enrolled are removed
    from that group (C(AdminRemoveUserFromGroup)); a removed member who has enrolled since is put back
    (C(AdminAddUserToGroup)). Users in O(exclude) are never touched.
  - B(Kill-safe.) Each group change is recorded in the state as pending before the call and confirmed after it,
    the state file being written atomically at both points; the next run finishes whatever a killed run left.
  - B(Nudges.) RV(nudges) says who is due a nudge today, from the nudges recorded before today only; this module
    records none. A nudge is recorded once it is handed over - by M(mfaops.cognito.cognito_mfa_nudge_list) once the
    list that carries it is written, or by M(mfaops.cognito.cognito_mfa_nudge_email) once SES accepted the email - so
    a run that fails or is killed before that records nothing, and every run of one day lists the same nudges.
  - Checks every option first, then reads the pool's groups. A bad date, a deadline already past on the
    campaign's first run or a group the pool does not have fails the task before any write (and before
    O(state_dir) is created).
  - The module does not change the pool's MFA configuration; the role does that with
    M(mfaops.cognito.cognito_user_pool_mfa) when RV(switch) says so.
author:
  - mfaops.cognito contributors (@mfaops)
options:
  user_pool_id:
    description:
      - The user pool, for example V(us-east-1_AbCdEf123). Its region prefix must match the region the task runs in.
    type: str
    required: true
  today:
    description:
      - The campaign's date for this run, V(YYYY-MM-DD). The role passes C(mfa_campaign_today) (default the
        current UTC date), so a run for any day can be simulated with C(--check).
    type: str
    required: true
  deadline:
    description: The pool's deadline, V(YYYY-MM-DD). On that day the pool goes to MFA V(ON) (RV(switch=deadline)).
    type: str
    required: true
  switch_at_percent:
    description: The coverage (percent of the users read who are compliant) at which the pool goes to V(ON) before its deadline.
    type: float
  groups:
    description:
      - Privileged groups, each with its own deadline (V(YYYY-MM-DD)), the same as or earlier than O(deadline).
      - Every group must exist in the pool.
    type: dict
    default: {}
  exclude:
    description: Usernames (break-glass accounts) never nudged, counted or removed from a group.
    type: list
    elements: str
    default: []
  nudge_every_days:
    description: Days between two nudges of the same user (RV(nudges[].due)).
    type: int
    default: 7
  users:
    description:
      - The RV(mfaops.cognito.cognito_user_mfa_info#module:users) rows of the users the campaign covers, read with
        C(report=all); with C(attributes=[email]) the nudges carry each user's email.
    type: list
    elements: dict
    required: true
  app_clients:
    description: The RV(mfaops.cognito.cognito_user_pool_info#module:app_clients) of the pool, for the lockout-risk line.
    type: list
    elements: dict
    default: []
  state_dir:
    description:
      - The directory of the campaign state, one file per pool (C(<user_pool_id>.campaign.json), mode 0600).
      - Keep it between runs; it holds when each user was first seen, the nudges handed over and the group removals.
      - Created (mode 0700) when missing, once every option has been checked.
    type: path
    required: true
  writes_per_second:
    description: Most group changes per second (Cognito's C(UserResourceUpdate) quota).
    type: float
    default: 12
  lists_per_second:
    description: Most C(ListUsersInGroup) pages per second (Cognito's C(UserList) quota).
    type: float
    default: 15
  retries:
    description: Retries of a throttled or failed call.
    type: int
    default: 10
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Needs the IAM permissions C(cognito-idp:ListGroups), C(cognito-idp:ListUsersInGroup),
    C(cognito-idp:GetUserPoolMfaConfig), C(cognito-idp:AdminRemoveUserFromGroup) and C(cognito-idp:AdminAddUserToGroup).
  - In check mode nothing is written, in Cognito or in O(state_dir); the result says what the run would do.
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
    details: A second run on the same day with the same users changes no group and returns the same nudges.
seealso:
  - module: mfaops.cognito.cognito_user_mfa_info
  - module: mfaops.cognito.cognito_mfa_nudge_list
  - module: mfaops.cognito.cognito_mfa_nudge_email
  - module: mfaops.cognito.cognito_user_pool_mfa
"""

EXAMPLES = r"""
- name: Read the users and their email
  mfaops.cognito.cognito_user_mfa_info:
    user_pool_id: us-east-1_AbCdEf123
    all_users: true
    attributes: [email]
  register: audit

- name: Today's campaign step
  mfaops.cognito.cognito_mfa_campaign:
    user_pool_id: us-east-1_AbCdEf123
    today: "{{ now(utc=true).strftime('%Y-%m-%d') }}"
    deadline: "2027-03-01"
    switch_at_percent: 95
    groups:
      admins: "2027-01-15"
    exclude: [breakglass]
    users: "{{ audit.users }}"
    state_dir: /var/lib/mfa-campaign
  register: step
"""

RETURN = r"""
coverage:
  description:
    - Compliant users among those read (excluded, not found and unread users do not count), overall and per group.
    - A group counts its members and the members the campaign removed from it (they are still that group's to enrol).
  returned: always
  type: dict
  sample: {total: 120, compliant: 96, percent: 80.0, groups: {admins: {total: 5, compliant: 4, percent: 80.0}}}
nudges:
  description: The users still to enrol, by username.
  returned: always
  type: list
  elements: dict
  contains:
    username:
      description: The user.
      type: str
    email:
      description: The user's email (empty when unknown).
      type: str
    group:
      description: The campaign groups the user is in (or was in, before a removal), separated by commas.
      type: str
    deadline:
      description: The user's deadline, the earliest of the pool's and the groups' (V(YYYY-MM-DD)).
      type: str
    days_left:
      description: Days until that deadline (negative after it).
      type: int
    days_on_list:
      description: Days since the campaign first saw the user not enrolled.
      type: int
    nudges_sent:
      description: Nudges recorded before today (those handed over earlier today do not count, so a rerun lists the same).
      type: int
    due:
      description: Whether a nudge is due today (none before today, or O(nudge_every_days) days since the last one before today).
      type: bool
  sample:
    - {username: bob, email: bob@example.com, group: admins, deadline: "2027-01-15", days_left: 10, days_on_list: 4,
       nudges_sent: 1, due: false}
switch:
  description: V(deadline) or V(threshold) when the pool must go to MFA V(ON) today, else null (also when it is V(ON) already).
  returned: always
  type: str
lockout_risk:
  description: Who meets C(MFA_SETUP) at the next sign-in once the pool is V(ON), and which app clients cannot answer it.
  returned: always
  type: dict
  sample: {mfa_setup_users: 12, app_clients: [], line: "12 users will meet MFA_SETUP at their next sign-in; every app client allows a flow that can answer it"}
removed:
  description: Members removed from a group by this run (in check mode, those it would remove).
  returned: always
  type: list
  elements: dict
  sample: [{username: bob, group: admins}]
restored:
  description: Members put back into a group by this run, having enrolled (in check mode, those it would put back).
  returned: always
  type: list
  elements: dict
  sample: [{username: carol, group: admins}]
removals:
  description: Removals recorded in the state after this run, by C(group/username).
  returned: always
  type: dict
  sample: {admins/bob: {group: admins, username: bob, status: removed, since: "2027-01-16"}}
pool_mfa_configuration:
  description: The pool's MFA configuration (V(OFF), V(OPTIONAL) or V(ON)) as read.
  returned: always
  type: str
history:
  description: Coverage (percent) on each day the campaign ran, this run included, for the coverage-over-time chart.
  returned: always
  type: dict
  sample: {"2027-01-08": 61.5, "2027-01-15": 74.0}
today:
  description: The campaign date of this run.
  returned: always
  type: str
  sample: "2027-01-15"
state_file:
  description: The campaign state file of the pool.
  returned: always
  type: str
calls:
  description: AWS calls made per operation, with retries and throttled replies.
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mfaops.cognito.plugins.module_utils import bulk
from ansible_collections.mfaops.cognito.plugins.module_utils import campaign
from ansible_collections.mfaops.cognito.plugins.module_utils import campaign_run
from ansible_collections.mfaops.cognito.plugins.module_utils import campaign_state
from ansible_collections.mfaops.cognito.plugins.module_utils import cognito
from ansible_collections.mfaops.cognito.plugins.module_utils import quotas
from ansible_collections.mfaops.cognito.plugins.module_utils.errors import CALL_ERRORS, InvalidRequest, fail_aws
from ansible_collections.mfaops.cognito.plugins.module_utils.validate import check_bulk_options, check_user_pool_id

CATEGORIES = (cognito.POOL_READ, cognito.LIST, cognito.WRITE)
ARGUMENT_SPEC = dict(
    user_pool_id=dict(type="str", required=True),
    today=dict(type="str", required=True),
    deadline=dict(type="str", required=True),
    switch_at_percent=dict(type="float"),
    groups=dict(type="dict", default={}),
    exclude=dict(type="list", elements="str", default=[]),
    nudge_every_days=dict(type="int", default=7),
    users=dict(type="list", elements="dict", required=True),
    app_clients=dict(type="list", elements="dict", default=[]),
    state_dir=dict(type="path", required=True),
    retries=dict(type="int", default=10),
    **quotas.argspec((cognito.WRITE, cognito.LIST)),
)


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    p = module.params
    pool = p["user_pool_id"]

    def options(known_groups=None):
        return campaign.settings(p["today"], p["deadline"], p["switch_at_percent"], p["groups"], p["exclude"],
                                 p["nudge_every_days"], known_groups)

    try:
        check_user_pool_id(pool, module.region)
        check_bulk_options(p, quotas.rate_options((cognito.WRITE, cognito.LIST)))
        s = options()
        campaign.check_first_run(campaign_state.load(p["state_dir"], pool), s)
    except (InvalidRequest, campaign.CampaignError) as e:
        module.fail_json(msg=str(e))

    client = module.client("cognito-idp", config=cognito.client_config(1))
    call = cognito.caller(client, CATEGORIES, p, retries=p["retries"])
    what = "the groups of"
    try:
        known = cognito.pool_groups(call, pool)
        what = "the MFA configuration of"
        mfa_configuration = cognito.get_user_pool_mfa_config(call, pool).get("MfaConfiguration", "OFF")
    except CALL_ERRORS as e:
        fail_aws(module, e, f"Could not read {what} user pool {pool}")
    try:
        s = options(known)
        # Every option checked: only now is the state directory made. The lock is held until the module exits
        # (the process ends with it), so no other run reads or writes in between; the state is read under it.
        lock = None if module.check_mode else campaign_state.Lock(p["state_dir"], pool).acquire()
        state = campaign_state.load(p["state_dir"], pool)
    except campaign.CampaignError as e:
        module.fail_json(msg=str(e), calls=bulk.calls(call))
    members = {}
    try:
        for group in sorted(s.groups):
            members[group] = cognito.group_members(call, pool, group)
    except CALL_ERRORS as e:
        fail_aws(module, e, f"Could not list the members of group {group} of user pool {pool}")

    rows = p["users"]
    plan = campaign.plan(s, rows, members, state, mfa_configuration, p["app_clients"], campaign_run.emails(rows))
    path = campaign_state.path_for(p["state_dir"], pool)
    changed = bool(plan.removals or plan.restores) or plan.state != state
    result = dict(coverage=plan.coverage, nudges=plan.nudges, switch=plan.switch, lockout_risk=plan.lockout_risk,
                  pool_mfa_configuration=mfa_configuration, state_file=path, today=s.today.isoformat(),
                  history=plan.state["history"])
    done = {"removed": plan.removals, "restored": plan.restores}
    if not module.check_mode:
        def save(new):
            campaign_state.save(p["state_dir"], pool, new)

        try:
            save(plan.state)
            done = campaign_run.apply_membership(call, pool, plan, s.today, save)
        except CALL_ERRORS as e:
            fail_aws(module, e, f"Could not change a group membership in user pool {pool} (recorded in {path}; "
                     "the next run finishes it)", removals=plan.state["removals"], calls=bulk.calls(call))
    if lock is not None:
        lock.release()
    module.exit_json(changed=changed, removed=done["removed"], restored=done["restored"],
                     removals=plan.state["removals"], calls=bulk.calls(call), **result)


if __name__ == "__main__":
    main()
