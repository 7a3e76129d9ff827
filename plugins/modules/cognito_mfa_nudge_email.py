#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cognito_mfa_nudge_email
short_description: Email the users of a TOTP enrolment campaign through Amazon SES
version_added: 0.1.0
description:
  - Sends each user of O(nudges) (the RV(mfaops.cognito.cognito_mfa_campaign#module:nudges) of the campaign step)
    one email through Amazon SES (C(SendEmail)), made from the templates O(subject), O(text) and O(html).
  - Templates are Python C(string.Template) text; the placeholders are C($username), C($email), C($group),
    C($deadline), C($days_left), C($days_on_list), C($nudges_sent) and C($user_pool_id) (write C($$) for a dollar
    sign). They are filled in by the module, never by Jinja. An unknown placeholder fails the task before any email.
  - Only nudges that are due (RV(mfaops.cognito.cognito_mfa_campaign#module:nudges[].due)) are sent, unless
    O(only_due=false). Users without an email are skipped and listed in RV(no_email).
  - Sends at most O(emails_per_second) (SES's maximum send rate is per account and region; it is 1 a second in
    the SES sandbox). Throttling is retried more slowly.
  - Each email SES accepted is recorded in the campaign state in O(state_dir) at once (the state file is written
    atomically), so a rerun of the same day, after a failure or a kill, does not send it again; a user already
    nudged today is skipped and listed in RV(already_sent). Nothing is recorded for an email SES refused.
  - In check mode no email is sent and nothing is recorded; RV(sent) lists who would get one.
author:
  - mfaops.cognito contributors (@mfaops)
options:
  user_pool_id:
    description: The user pool of the campaign (names its state file; C($user_pool_id) in the templates).
    type: str
    required: true
  today:
    description: The campaign's date, V(YYYY-MM-DD), recorded with each email sent.
    type: str
    required: true
  nudges:
    description: The nudges, as the campaign step returns them (C(username), C(email), C(due) and the template fields).
    type: list
    elements: dict
    required: true
  only_due:
    description: Send only the nudges that are due.
    type: bool
    default: true
  source:
    description: The sender, an address or domain verified in SES in this region.
    type: str
    required: true
  reply_to:
    description: Reply-to addresses.
    type: list
    elements: str
    default: []
  subject:
    description: The subject template.
    type: str
    required: true
  text:
    description: The plain-text body template.
    type: str
    required: true
  html:
    description: An HTML body template (values are HTML-escaped before they are put in).
    type: str
  configuration_set:
    description: An SES configuration set for the emails (event publishing, for example).
    type: str
  state_dir:
    description: The campaign state directory (as for M(mfaops.cognito.cognito_mfa_campaign)).
    type: path
    required: true
  emails_per_second:
    description: Most emails sent per second; keep it at or below the account's SES maximum send rate.
    type: float
    default: 1
  retries:
    description: Retries of a throttled or failed call.
    type: int
    default: 10
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Needs the IAM permission C(ses:SendEmail) on the sender's identity.
  - In the SES sandbox, recipients must be verified too.
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
    details: Each email accepted is recorded in the campaign state at once; a second run of the same day sends nobody already emailed that day.
seealso:
  - module: mfaops.cognito.cognito_mfa_campaign
"""

EXAMPLES = r"""
- name: Email the users whose nudge is due
  mfaops.cognito.cognito_mfa_nudge_email:
    user_pool_id: us-east-1_AbCdEf123
    today: "2027-01-15"
    nudges: "{{ step.nudges }}"
    source: it-security@example.com
    subject: "Set up your authenticator app: $days_left days left"
    text: |
      Hello $username,
      please set up an authenticator app for your account before $deadline.
    state_dir: /var/lib/mfa-campaign
"""

RETURN = r"""
sent:
  description: The users emailed (in check mode, those who would be).
  returned: always
  type: list
  elements: str
  sample: [bob, carol]
no_email:
  description: Users due a nudge who have no email.
  returned: always
  type: list
  elements: str
already_sent:
  description: Users due a nudge who were already emailed today (by an earlier run of the same day); not emailed again.
  returned: always
  type: list
  elements: str
refused:
  description: Users whose email SES refused, with the error (nothing recorded, so the next run tries them again).
  returned: always
  type: list
  elements: dict
  sample: [{username: dave, error_code: MessageRejected, message: "Email address is not verified."}]
not_attempted:
  description: Users not emailed because SES refused an earlier email for the whole account or configuration set
    (C(AccountSendingPausedException), C(ConfigurationSetSendingPausedException), C(ConfigurationSetDoesNotExistException));
    the module stops at that refusal. Nothing is recorded for them; the next run emails them.
  returned: always
  type: list
  elements: str
calls:
  description: AWS calls made per operation, with retries and throttled replies.
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mfaops.cognito.plugins.module_utils import bulk
from ansible_collections.mfaops.cognito.plugins.module_utils import campaign
from ansible_collections.mfaops.cognito.plugins.module_utils import campaign_state
from ansible_collections.mfaops.cognito.plugins.module_utils import cognito
from ansible_collections.mfaops.cognito.plugins.module_utils import nudge_email
from ansible_collections.mfaops.cognito.plugins.module_utils import quotas
from ansible_collections.mfaops.cognito.plugins.module_utils.words import counted
from ansible_collections.mfaops.cognito.plugins.module_utils.errors import AWS_ERRORS, CALL_ERRORS, InvalidRequest
from ansible_collections.mfaops.cognito.plugins.module_utils.errors import error_code, error_message, fail_aws
from ansible_collections.mfaops.cognito.plugins.module_utils.validate import check_bulk_options

CATEGORIES = (quotas.EMAIL_SEND,)
ARGUMENT_SPEC = dict(
    user_pool_id=dict(type="str", required=True),
    today=dict(type="str", required=True),
    nudges=dict(type="list", elements="dict", required=True),
    only_due=dict(type="bool", default=True),
    source=dict(type="str", required=True),
    reply_to=dict(type="list", elements="str", default=[]),
    subject=dict(type="str", required=True),
    text=dict(type="str", required=True),
    html=dict(type="str"),
    configuration_set=dict(type="str"),
    state_dir=dict(type="path", required=True),
    retries=dict(type="int", default=10),
    **quotas.argspec(CATEGORIES),
)


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    p = module.params
    pool = p["user_pool_id"]
    try:
        check_bulk_options(p, quotas.rate_options(CATEGORIES))
        day = campaign.parse_date(p["today"], "today")
        nudge_email.check_templates({"subject": p["subject"], "text": p["text"], "html": p["html"]})
        if not p["source"].strip():
            raise InvalidRequest("source: the sender must be an address or domain verified in SES")
        # Held until the module exits, so the state read here is the one each send is recorded in.
        lock = None if module.check_mode else campaign_state.Lock(p["state_dir"], pool).acquire()
        state = campaign_state.load(p["state_dir"], pool)
    except (InvalidRequest, campaign.CampaignError) as e:
        module.fail_json(msg=str(e))

    todo = [n for n in p["nudges"] if n.get("username") and (n.get("due") or not p["only_due"])]
    already = [n["username"] for n in todo if campaign.nudged_on(state, n["username"], day)]
    todo = [n for n in todo if n["username"] not in already]
    no_email = [n["username"] for n in todo if not n.get("email")]
    todo = [n for n in todo if n.get("email")]
    if module.check_mode:
        module.exit_json(changed=bool(todo), sent=[n["username"] for n in todo], no_email=no_email, already_sent=already,
                         refused=[], not_attempted=[], calls={})

    client = module.client("ses", config=cognito.client_config(1))
    call = cognito.caller(client, CATEGORIES, p, retries=p["retries"])
    extra = {"ReplyToAddresses": p["reply_to"]} if p["reply_to"] else {}
    if p["configuration_set"]:
        extra["ConfigurationSetName"] = p["configuration_set"]
    sent, refused, not_attempted = [], [], []
    try:
        for index, nudge in enumerate(todo):
            mail = nudge_email.message(nudge, pool, p["subject"], p["text"], p["html"])
            try:
                call(quotas.EMAIL_SEND, "send_email", Source=p["source"], Destination={"ToAddresses": [nudge["email"]]},
                     Message=mail, **extra)
            except AWS_ERRORS as e:
                refused.append(dict(username=nudge["username"], error_code=error_code(e), message=error_message(e)))
                if error_code(e) in nudge_email.REFUSES_EVERY_EMAIL:
                    not_attempted = [n["username"] for n in todo[index + 1:]]
                    break
                continue
            # Accepted by SES: recorded at once, so no later run of the day emails this user again.
            campaign.record_nudge(state, nudge["username"], day)
            campaign_state.save(p["state_dir"], pool, state)
            sent.append(nudge["username"])
    except CALL_ERRORS as e:
        fail_aws(module, e, f"Could not send the nudge emails of user pool {pool} ({len(sent)} sent and recorded; "
                 "the next run sends the others)", sent=sent, already_sent=already, refused=refused, calls=bulk.calls(call))
    lock.release()
    result = dict(changed=bool(sent), sent=sent, no_email=no_email, already_sent=already, refused=refused,
                  not_attempted=not_attempted, calls=bulk.calls(call))
    if refused:
        stopped = f"; {len(not_attempted)} not attempted ({refused[-1]['error_code']})" if not_attempted else ""
        module.fail_json(msg=f"SES refused {len(refused)} of {counted(len(todo), 'email')}; {len(sent)} sent and recorded{stopped}; "
                         "the next run sends the others", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
