#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cognito_user_pool_mfa
short_description: Set the MFA configuration of an Amazon Cognito user pool
version_added: 0.1.0
description:
  - Sets a user pool's MFA policy, as C(aws cognito-idp set-user-pool-mfa-config) does. O(mfa_configuration) says
    whether MFA is V(OFF), V(OPTIONAL) or V(ON) (required at every sign-in); the other options say which
    methods the pool offers.
  - Only what you give changes. C(SetUserPoolMfaConfig) replaces the whole configuration, so the module
    reads the current one (C(GetUserPoolMfaConfig)) and sends back every block you did not name exactly as
    it was read. SMS and email settings, and any other block of the configuration (such as passkey settings)
    stay as they are.
  - Idempotent. When the pool already has the requested configuration, no write call is made. After a
    write, the configuration is read again to prove it took effect.
  - A contradictory request (V(OFF) with TOTP enabled, V(ON) or V(OPTIONAL) with no method enabled) is
    an error before any call when the options alone show it, and before any write when it shows only
    together with the pool's current configuration.
  - What V(ON) does to users. Every user must then pass MFA at sign-in. A user with no enabled MFA
    method who can set up TOTP (software-token MFA enabled in the pool) meets an C(MFA_SETUP) challenge
    at the next sign-in and must associate and verify an authenticator app (C(AssociateSoftwareToken),
    C(VerifySoftwareToken)) before the sign-in completes; an application that cannot answer that
    challenge locks such users out. Users cannot disable MFA in a pool that is V(ON), only choose the
    preferred method.
author:
  - mfaops.cognito contributors (@mfaops)
options:
  user_pool_id:
    description:
      - The user pool, for example V(us-east-1_AbCdEf123).
      - The task runs in the region of its prefix. O(region) (or E(AWS_REGION)) is not needed; if set, it must be the same.
    type: str
    required: true
  mfa_configuration:
    description:
      - V(OFF) (no MFA), V(OPTIONAL) (users may set up MFA) or V(ON) (MFA required at every sign-in).
      - Left as it is when omitted.
      - V(OFF) also turns TOTP off (C(SoftwareTokenMfaConfiguration) C(Enabled=false)) unless you ask
        otherwise, which is an error.
      - V(OFF) is sent with no SMS, TOTP or email block, as Cognito requires, so the pool's SMS and email
        MFA settings are dropped; a C(WebAuthnConfiguration) is kept.
      - Quote V("ON") and V("OFF") in YAML; unquoted, YAML reads them as booleans.
    type: str
    choices: ["OFF", "OPTIONAL", "ON"]
  software_token_mfa_enabled:
    description:
      - Whether the pool offers TOTP (authenticator app) MFA.
      - Left as it is when omitted, except with O(mfa_configuration=OFF), which turns it off.
    type: bool
  sms_mfa_configuration:
    description:
      - SMS text message MFA. Left as it is when omitted, and sent back as it was read.
      - Given with O(sms_mfa_configuration.enabled=true) (the default), SMS MFA is on, with the settings given
        here merged key by key into the pool's current ones.
      - Given with O(sms_mfa_configuration.enabled=false), SMS MFA is turned off (the block is not sent).
    type: dict
    suboptions:
      enabled:
        description: Whether the pool offers SMS MFA.
        type: bool
        default: true
      sms_authentication_message:
        description:
          - The text message; must contain C({####}), where Cognito puts the code.
          - Jinja reads C({#) as the start of a comment, so write the value as C(!unsafe 'Your code is {####}')
            (or C("{{ '{####}' }} is your code")).
        type: str
      sms_configuration:
        description:
          - How Cognito sends text messages through Amazon SNS. Needed when the pool has no SMS configuration yet.
        type: dict
        suboptions:
          sns_caller_arn:
            description: The IAM role that Cognito assumes to publish with Amazon SNS.
            type: str
          external_id:
            description: The external ID in that role's trust policy.
            type: str
          sns_region:
            description: The AWS region of Amazon SNS to send from.
            type: str
  email_mfa_configuration:
    description:
      - Email one-time code MFA. Left as it is when omitted, and sent back as it was read.
      - Needs a pool on the Essentials or Plus feature plan that sends email with Amazon SES.
      - Given with O(email_mfa_configuration.enabled=true) (the default), email MFA is on, with the settings given
        here merged into the pool's current ones; with O(email_mfa_configuration.enabled=false) it is turned off.
    type: dict
    suboptions:
      enabled:
        description: Whether the pool offers email MFA.
        type: bool
        default: true
      email_message:
        description:
          - The email body (C(Message) in the API); must contain C({####}), where Cognito puts the code.
          - Write the value as C(!unsafe 'Your code is {####}'), as for O(sms_mfa_configuration.sms_authentication_message).
        type: str
      email_subject:
        description: The email subject (C(Subject) in the API).
        type: str
  web_authn_configuration:
    description:
      - Passkeys (C(WebAuthnConfiguration) of C(SetUserPoolMfaConfig)). Left as it is when omitted, and sent back as
        it was read; the keys given here are merged into the pool's current ones.
      - Needs a pool on the Essentials or Plus feature plan.
      - Whether passkeys are a way to sign in at all is the pool's sign-in policy (C(AllowedFirstAuthFactors) with
        V(WEB_AUTHN), set with C(UpdateUserPool)), which this module reads but does not change.
      - B(ON with passkeys.) Cognito refuses O(mfa_configuration=ON) on a pool whose sign-in policy allows V(WEB_AUTHN)
        as a first factor while passkeys are a single factor ("Cannot set WebAuthn factor configuration to
        SINGLE_FACTOR if MFA is required and WebAuthn is an allowed first auth factor"). The module reads the sign-in
        policy (C(DescribeUserPool)) whenever the result would be V(ON) and fails before any write, saying what to
        set, unless O(web_authn_configuration.factor_configuration=MULTI_FACTOR_WITH_USER_VERIFICATION) is given
        (or already set), which it then sends in the same call.
    type: dict
    suboptions:
      factor_configuration:
        description:
          - V(SINGLE_FACTOR) (or not set) - a passkey alone signs a user in, without MFA.
          - V(MULTI_FACTOR_WITH_USER_VERIFICATION) - a passkey with user verification satisfies MFA. Either way a
            passkey sign-in does not ask for TOTP; the audit (M(mfaops.cognito.cognito_user_mfa_info)) reports it.
        type: str
        choices: [SINGLE_FACTOR, MULTI_FACTOR_WITH_USER_VERIFICATION]
      relying_party_id:
        description:
          - The relying party id passkeys are registered for, typically the user pool's domain; the fully qualified
            custom domain when the pool has one and the application signs in with managed login or the hosted UI.
        type: str
      user_verification:
        description:
          - V(required) - only authenticators that verify the user (biometrics, PIN) can register and sign in.
          - V(preferred) - user verification is encouraged, not required.
        type: str
        choices: [required, preferred]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Needs the IAM permissions C(cognito-idp:GetUserPoolMfaConfig) and C(cognito-idp:SetUserPoolMfaConfig), and
    C(cognito-idp:DescribeUserPool) when the result is V(ON) (the sign-in policy, see O(web_authn_configuration)).
  - Cognito treats the presence of the SMS or email block in the configuration as that method being on.
  - Setting the pool to V(ON) does not change any user's own MFA settings; use M(mfaops.cognito.cognito_user_mfa)
    to make TOTP the preferred method of users who have verified an authenticator, and
    M(mfaops.cognito.cognito_user_mfa_info) to find who has not.
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: full
    details: The diff shows the pool's MFA configuration before and after, with the same keys as RV(user_pool_mfa_config).
  idempotent:
    description: When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
    support: full
seealso:
  - module: mfaops.cognito.cognito_user_mfa
  - module: mfaops.cognito.cognito_user_mfa_info
"""

EXAMPLES = r"""
- name: Require MFA, with TOTP as the method (SMS and email settings stay as they are)
  mfaops.cognito.cognito_user_pool_mfa:
    user_pool_id: us-east-1_AbCdEf123
    mfa_configuration: "ON"
    software_token_mfa_enabled: true

- name: Offer TOTP without requiring it yet, and turn SMS MFA off
  mfaops.cognito.cognito_user_pool_mfa:
    user_pool_id: us-east-1_AbCdEf123
    mfa_configuration: OPTIONAL
    software_token_mfa_enabled: true
    sms_mfa_configuration:
      enabled: false

- name: Offer SMS MFA too, sent through SNS with this role
  mfaops.cognito.cognito_user_pool_mfa:
    user_pool_id: us-east-1_AbCdEf123
    sms_mfa_configuration:
      # !unsafe: Jinja would read "{#" as the start of a comment
      sms_authentication_message: !unsafe "Your sign-in code is {####}"
      sms_configuration:
        sns_caller_arn: arn:aws:iam::123456789012:role/cognito-sms
        external_id: mfaops
  register: pool_mfa

- name: Require MFA on a pool that also signs users in with passkeys (passkeys then count as MFA)
  mfaops.cognito.cognito_user_pool_mfa:
    user_pool_id: us-east-1_AbCdEf123
    mfa_configuration: "ON"
    software_token_mfa_enabled: true
    web_authn_configuration:
      factor_configuration: MULTI_FACTOR_WITH_USER_VERIFICATION
      relying_party_id: auth.example.com
      user_verification: required

- name: Show the pool's MFA configuration
  ansible.builtin.debug:
    var: pool_mfa.user_pool_mfa_config
"""

RETURN = r"""
user_pool_mfa_config:
  description:
    - The pool's MFA configuration after the task, read back from Cognito (in check mode, the configuration it
      would set), with snake_case keys.
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
      description: The SMS MFA settings (C(sms_authentication_message), C(sms_configuration)), when SMS MFA is on.
      type: dict
    email_mfa_configuration:
      description: The email MFA settings (C(message), C(subject)), when email MFA is on.
      type: dict
    web_authn_configuration:
      description: The passkey settings (C(factor_configuration), C(relying_party_id), C(user_verification)), when the pool has them.
      type: dict
  sample:
    mfa_configuration: "ON"
    software_token_mfa_configuration: {enabled: true}
    sms_mfa_configuration:
      sms_authentication_message: "Your sign-in code is {####}"
      sms_configuration: {sns_caller_arn: "arn:aws:iam::123456789012:role/cognito-sms", external_id: mfaops}
diff:
  description: With C(--diff), the configuration before and after, with the same keys as RV(user_pool_mfa_config).
  returned: when diff mode is on
  type: dict
  sample:
    before: {mfa_configuration: OPTIONAL, software_token_mfa_configuration: {enabled: true}}
    after: {mfa_configuration: "ON", software_token_mfa_configuration: {enabled: true}}
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mfaops.cognito.plugins.module_utils import connection
from ansible_collections.mfaops.cognito.plugins.module_utils import cognito
from ansible_collections.mfaops.cognito.plugins.module_utils import pool_mfa
from ansible_collections.mfaops.cognito.plugins.module_utils import sign_in_policy
from ansible_collections.mfaops.cognito.plugins.module_utils.errors import CALL_ERRORS, InvalidRequest, fail_aws
from ansible_collections.mfaops.cognito.plugins.module_utils.validate import check_user_pool_id

ARGUMENT_SPEC = dict(
    user_pool_id=dict(type="str", required=True),
    mfa_configuration=dict(type="str", choices=list(pool_mfa.MFA_CONFIGURATIONS)),
    software_token_mfa_enabled=dict(type="bool"),
    sms_mfa_configuration=dict(
        type="dict",
        options=dict(
            enabled=dict(type="bool", default=True),
            sms_authentication_message=dict(type="str"),
            sms_configuration=dict(
                type="dict",
                options=dict(sns_caller_arn=dict(type="str"), external_id=dict(type="str"), sns_region=dict(type="str")),
            ),
        ),
    ),
    email_mfa_configuration=dict(
        type="dict",
        options=dict(enabled=dict(type="bool", default=True), email_message=dict(type="str"), email_subject=dict(type="str")),
    ),
    web_authn_configuration=dict(
        type="dict",
        options=dict(
            factor_configuration=dict(type="str", choices=[sign_in_policy.SINGLE_FACTOR, sign_in_policy.MULTI_FACTOR]),
            relying_party_id=dict(type="str"),
            user_verification=dict(type="str", choices=["required", "preferred"]),
        ),
    ),
)


def as_result(config):
    return camel_dict_to_snake_dict(config)


def settable_keys(client):
    """The blocks SetUserPoolMfaConfig accepts in the installed botocore, so none that the pool has is lost."""
    members = client.meta.service_model.operation_model("SetUserPoolMfaConfig").input_shape.members
    return [name for name in members if name != "UserPoolId"]


def first_factors(call, pool, module):
    """The pool's AllowedFirstAuthFactors (DescribeUserPool): is WEB_AUTHN a way to sign in?"""
    try:
        return sign_in_policy.allowed_first_factors(cognito.describe_user_pool(call, pool))
    except CALL_ERRORS as e:
        fail_aws(module, e, f"Could not read the sign-in policy of user pool {pool}")


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    connection.settle(module)
    params = module.params
    pool = params["user_pool_id"]
    try:
        check_user_pool_id(pool, module.region)
        request = pool_mfa.pool_request(params)
    except InvalidRequest as e:
        module.fail_json(msg=str(e))

    client = module.client("cognito-idp", config=cognito.client_config(1))
    call = cognito.caller(client, (cognito.POOL_READ, cognito.POOL_WRITE, cognito.USER_POOL_READ))

    def read(what):
        try:
            return pool_mfa.normalize(cognito.get_user_pool_mfa_config(call, pool))
        except CALL_ERRORS as e:
            fail_aws(module, e, f"Could not read the MFA configuration of user pool {pool}{what}")

    before = read("")
    try:
        wanted = pool_mfa.desired(before, request, settable_keys(client))
        changed = not pool_mfa.matches(before, wanted, bool(request.web_authn))
        if changed and wanted[pool_mfa.MODE] == "ON":
            wanted = sign_in_policy.check_mfa_required(wanted, first_factors(call, pool, module))
    except InvalidRequest as e:
        module.fail_json(msg=str(e), user_pool_mfa_config=as_result(before))

    after = wanted if changed else before
    if changed and not module.check_mode:
        try:
            cognito.set_user_pool_mfa_config(call, pool, pool_mfa.call_parameters(wanted))
        except CALL_ERRORS as e:
            fail_aws(module, e, f"Could not set the MFA configuration of user pool {pool}")
        after = read(" back after the change")
        if not pool_mfa.matches(after, wanted, bool(request.web_authn)):
            module.fail_json(
                msg="Cognito accepted the new MFA configuration, but reading it back shows it was not applied as sent",
                changed=True,
                user_pool_mfa_config=as_result(after),
                sent=as_result(wanted),
            )

    result = dict(changed=changed, user_pool_mfa_config=as_result(after))
    if module._diff:
        result["diff"] = dict(before=as_result(before), after=as_result(after))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
