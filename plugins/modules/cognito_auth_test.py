#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cognito_auth_test
short_description: Prove that an Amazon Cognito user signs in with password and TOTP, or enrol the user in TOTP
version_added: 0.1.0
description:
  - Signs a user in to a Cognito user pool the way an application does and reports what happened, so a
    compliance run can assert that sign-in really demands and accepts a TOTP code.
  - Three auth flows. V(ADMIN_USER_PASSWORD_AUTH) (the default) works as C(aws cognito-idp admin-initiate-auth)
    does and needs administrator credentials. V(USER_PASSWORD_AUTH) works as C(aws cognito-idp initiate-auth)
    does. V(USER_SRP_AUTH) is what the hosted UI and most applications use; the password never leaves the
    controller (Secure Remote Password, computed with the C(pycognito) library). V(USER_AUTH) is choice-based
    sign-in (Essentials and Plus feature plans; the app client needs C(ALLOW_USER_AUTH)). With
    O(preferred_challenge) the module asks for V(PASSWORD) or V(PASSWORD_SRP) first; without it Cognito answers
    C(SELECT_CHALLENGE) with the ways in it offers this user (RV(available_challenges)), and the module picks
    V(PASSWORD), else V(PASSWORD_SRP). After the password comes the MFA challenge, as in the other flows.
  - With V(USER_AUTH), when Cognito offers a passwordless first factor (C(WEB_AUTHN), C(EMAIL_OTP), C(SMS_OTP)),
    the user can sign in without TOTP. RV(sign_in_without_totp) lists them, and O(expect=mfa_required) or
    O(expect=mfa_challenged) fails. Passkey and one-time-code sign-ins themselves are not performed.
  - Each flow must be enabled for the app client (O(client_id)). With O(client_secret), C(SECRET_HASH) is sent
    in every auth call and challenge answer.
  - "Challenges answered: C(SOFTWARE_TOKEN_MFA) (a code from O(totp_secret) or O(totp_code)), C(SELECT_MFA_TYPE)
    (chooses TOTP), C(NEW_PASSWORD_REQUIRED) (with O(new_password)), and C(MFA_SETUP) with O(enroll=true):
    the module associates a new TOTP token, verifies it with a real code, finishes the sign-in and hands the
    new secret back with O(return_secret=true)."
  - Any other challenge (C(SMS_MFA), C(EMAIL_OTP), custom challenges) ends the test, named in the result.
  - O(expect) says what the test demands; the task fails when the outcome differs, with a message naming
    the challenge or error that decided it (wrong code, wrong password, user disabled, not confirmed, locked out).
  - Passwords, secrets, codes, sessions and tokens never appear in the result, in error messages or in
    C(-vvvv) output; O(return_tokens) and O(return_secret) return them only on a task with C(no_log).
author:
  - mfaops.cognito contributors (@mfaops)
options:
  user_pool_id:
    description:
      - The user pool, for example V(us-east-1_AbCdEf123). When given, the task runs in the region of its prefix (O(region) is not needed).
      - Required with O(auth_flow=ADMIN_USER_PASSWORD_AUTH) and O(auth_flow=USER_SRP_AUTH).
    type: str
  client_id:
    description:
      - The app client to sign in through. The chosen O(auth_flow) must be enabled for it.
    type: str
    required: true
  client_secret:
    description:
      - The app client's secret, when it has one. Used to compute C(SECRET_HASH); never sent itself.
    type: str
  username:
    description:
      - The user to sign in, by username or by a sign-in alias (email, phone number) the pool accepts.
    type: str
    required: true
  password:
    description:
      - The user's password (or temporary password, with O(new_password)).
    type: str
    required: true
  auth_flow:
    description:
      - How to sign in.
      - V(ADMIN_USER_PASSWORD_AUTH) needs administrator credentials (C(cognito-idp:AdminInitiateAuth) and
        C(cognito-idp:AdminRespondToAuthChallenge)); the others need no AWS credentials at all.
      - V(USER_SRP_AUTH) needs the C(pycognito) Python library.
      - V(USER_AUTH) (choice-based sign-in) with O(preferred_challenge=PASSWORD_SRP), or when Cognito offers only
        V(PASSWORD_SRP), needs C(pycognito) and O(user_pool_id) too.
    type: str
    choices: [ADMIN_USER_PASSWORD_AUTH, USER_PASSWORD_AUTH, USER_SRP_AUTH, USER_AUTH]
    default: ADMIN_USER_PASSWORD_AUTH
  preferred_challenge:
    description:
      - With O(auth_flow=USER_AUTH), the first factor to ask for (C(PREFERRED_CHALLENGE)). V(PASSWORD) sends the
        password, V(PASSWORD_SRP) starts SRP.
      - Omitted, Cognito answers C(SELECT_CHALLENGE) listing the first factors it offers the user, and the module
        answers with the password (V(PASSWORD), else V(PASSWORD_SRP)).
    type: str
    choices: [PASSWORD, PASSWORD_SRP]
  totp_secret:
    description:
      - The user's TOTP secret (base32, as shown when the authenticator was set up). The module computes the
        code when it answers C(SOFTWARE_TOKEN_MFA) (RFC 6238, HMAC-SHA1, 6 digits, 30 s).
      - If the current 30 s step ends within O(totp_min_remaining) seconds, or its code was already used for
        this user (in this task or an earlier one on this controller), the module waits for the next step;
        Cognito accepts each code only once. The last step used per pool and user is kept in a small
        locked file in the controller's temp dir (no code or secret is stored).
      - Mutually exclusive with O(totp_code).
    type: str
  totp_code:
    description:
      - A literal 6-digit code to answer C(SOFTWARE_TOKEN_MFA) with, for example from
        C(lookup('mfaops.cognito.totp', secret)) or typed in with C(vars_prompt). Used at most once.
      - Mutually exclusive with O(totp_secret).
    type: str
  totp_min_remaining:
    description:
      - With O(totp_secret), the least number of seconds the code must stay valid when it is sent;
        otherwise the module waits for the next 30 s step (at most about 30 s).
      - Between 0 and 30. V(30) always waits for the start of the next step, so that a run right after
        another one for the same user never sends the code Cognito has just accepted.
    type: int
    default: 5
  new_password:
    description:
      - Answer C(NEW_PASSWORD_REQUIRED) (a user created by an administrator, signing in with a temporary
        password for the first time) with this password. The account changes, so the task reports C(changed).
      - Without it, C(NEW_PASSWORD_REQUIRED) ends the test.
    type: str
  enroll:
    description:
      - Answer C(MFA_SETUP) (the pool demands MFA and the user has none yet) by enrolling a new TOTP
        authenticator (C(AssociateSoftwareToken), C(VerifySoftwareToken) with a real code), then finishes the sign-in.
      - The account changes, so the task reports C(changed). Meant for service accounts whose secret goes to a vault.
      - Without it, C(MFA_SETUP) ends the test.
    type: bool
    default: false
  return_secret:
    description:
      - With O(enroll=true), return the new TOTP secret as RV(totp_secret), to store in a vault.
      - Only on a task with C(no_log) set, so that the secret never reaches the output or the logs; the task fails otherwise.
    type: bool
    default: false
  device_name:
    description:
      - The friendly name of the authenticator that O(enroll) registers.
    type: str
    default: mfaops-cognito
  expect:
    description:
      - What the test demands. The task fails when the outcome differs.
      - V(mfa_required) - the user signs in and TOTP was required (a C(SOFTWARE_TOKEN_MFA) challenge, or TOTP
        chosen or enrolled on the way).
      - V(success) - the user signs in, with or without MFA.
      - V(refused) - Cognito refuses the sign-in (wrong password or code, user disabled, not confirmed, locked out,
        unknown user). A challenge this module cannot answer is not a refusal and fails the task.
      - V(mfa_challenged) - the password is accepted and Cognito asks for a TOTP code (or TOTP enrolment); the module
        stops there without a code. Proves that a password alone is not enough, without knowing the user's secret.
    type: str
    choices: [mfa_required, success, refused, mfa_challenged]
    default: mfa_required
  return_tokens:
    description:
      - Return the access, ID and refresh tokens as RV(tokens). Off by default.
      - Only on a task with C(no_log) set, so that the tokens never reach the output or the logs; the task fails otherwise.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
requirements:
  - pyotp (with O(totp_secret) or O(enroll))
  - pycognito (with O(auth_flow=USER_SRP_AUTH), or V(PASSWORD_SRP) in O(auth_flow=USER_AUTH))
notes:
  - A successful sign-in is real. Cognito counts the user as a monthly active user, may issue device metadata
    (see RV(device_metadata_issued)), and each wrong password or code counts towards the user's lockout.
  - Cognito accepts each TOTP code once. With O(totp_secret), a second sign-in test of the same user within one
    30 s step on the same controller waits for the next step; with O(totp_code), or from another controller,
    give such runs O(totp_min_remaining=30) or space them apart.
  - Cognito checks codes with about 30 s of tolerance for clock skew; the controller's clock should be right
    within a few seconds.
  - With O(auth_flow=USER_PASSWORD_AUTH) or O(auth_flow=USER_SRP_AUTH), no AWS credentials are needed, only the
    region (or O(endpoint_url)).
attributes:
  check_mode:
    support: partial
    details: In check mode the module makes no call and signs nothing in; it reports that the test was not run.
  diff_mode:
    support: none
  idempotent:
    description: When run twice in a row with the same arguments, the second run reports no change.
    support: partial
    details:
      - A plain sign-in test never changes anything.
      - O(new_password) and O(enroll) change the account in the first run only; a second run sees no such challenge.
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: Prove that alice must give a TOTP code and that her code works
  mfaops.cognito.cognito_auth_test:
    region: eu-west-1
    user_pool_id: eu-west-1_AbCdEf123
    client_id: 3n4b5urk1ft4fl3mg5e62d9ado
    username: alice
    password: "{{ vault_alice_password }}"
    totp_secret: "{{ vault_alice_totp_secret }}"

- name: The same through the SRP flow, as the hosted UI signs in (app client with a secret)
  mfaops.cognito.cognito_auth_test:
    region: eu-west-1
    user_pool_id: eu-west-1_AbCdEf123
    client_id: 3n4b5urk1ft4fl3mg5e62d9ado
    client_secret: "{{ vault_app_client_secret }}"
    auth_flow: USER_SRP_AUTH
    username: alice
    password: "{{ vault_alice_password }}"
    totp_secret: "{{ vault_alice_totp_secret }}"

- name: A wrong code must be refused
  mfaops.cognito.cognito_auth_test:
    region: eu-west-1
    user_pool_id: eu-west-1_AbCdEf123
    client_id: 3n4b5urk1ft4fl3mg5e62d9ado
    username: alice
    password: "{{ vault_alice_password }}"
    totp_code: "000000"
    expect: refused

- name: Prove that a password alone is not enough, without knowing the user's TOTP secret
  mfaops.cognito.cognito_auth_test:
    region: eu-west-1
    user_pool_id: eu-west-1_AbCdEf123
    client_id: 3n4b5urk1ft4fl3mg5e62d9ado
    username: "{{ item.username }}"
    password: "{{ item.password }}"
    expect: mfa_challenged
  loop: "{{ canary_users }}"
  loop_control:
    label: "{{ item.username }}"

- name: First sign-in of a new service account - set its password, enrol TOTP and keep the secret
  mfaops.cognito.cognito_auth_test:
    region: eu-west-1
    user_pool_id: eu-west-1_AbCdEf123
    client_id: 3n4b5urk1ft4fl3mg5e62d9ado
    username: svc-reports
    password: "{{ temporary_password }}"
    new_password: "{{ vault_svc_reports_password }}"
    enroll: true
    return_secret: true
  register: enrolment
  no_log: true  # the result holds the new TOTP secret: store enrolment.totp_secret in your vault

- name: A code from the lookup, computed on the controller
  mfaops.cognito.cognito_auth_test:
    region: eu-west-1
    user_pool_id: eu-west-1_AbCdEf123
    client_id: 3n4b5urk1ft4fl3mg5e62d9ado
    username: alice
    password: "{{ vault_alice_password }}"
    totp_code: "{{ lookup('mfaops.cognito.totp', vault_alice_totp_secret, min_remaining=5) }}"
"""

RETURN = r"""
authenticated:
  description: Whether Cognito issued tokens.
  returned: always
  type: bool
  sample: true
outcome:
  description:
    - V(signed_in) - tokens issued.
    - V(refused) - Cognito refused the sign-in (see RV(error_code)).
    - V(challenged) - stopped at the TOTP challenge on purpose (O(expect=mfa_challenged)).
    - V(stopped) - a challenge this run could not or was not allowed to answer (see RV(decided_by), RV(reason)).
    - V(error) - the test could not run (app client, auth flow, credentials, password policy).
    - V(not_attempted) - check mode.
  returned: always
  type: str
  sample: signed_in
challenges:
  description:
    - The challenges Cognito asked, in order. C(PASSWORD_VERIFIER) is the SRP step of O(auth_flow=USER_SRP_AUTH).
  returned: always
  type: list
  elements: str
  sample: [PASSWORD_VERIFIER, SOFTWARE_TOKEN_MFA]
available_challenges:
  description:
    - With O(auth_flow=USER_AUTH) and no O(preferred_challenge), the first factors Cognito offered the user
      (C(AvailableChallenges) of C(SELECT_CHALLENGE)), for example V(PASSWORD), V(PASSWORD_SRP), V(WEB_AUTHN), V(EMAIL_OTP).
  returned: when Cognito offered a choice
  type: list
  elements: str
  sample: [PASSWORD, PASSWORD_SRP, WEB_AUTHN]
sign_in_without_totp:
  description: The passwordless first factors among RV(available_challenges), with which the user signs in without TOTP.
  returned: when Cognito offered a choice
  type: list
  elements: str
  sample: [WEB_AUTHN]
totp_required:
  description: Whether Cognito demanded TOTP (a code, a choice that offers it, or enrolment in it).
  returned: always
  type: bool
  sample: true
expect:
  description: The O(expect) the outcome was judged against.
  returned: always
  type: str
  sample: mfa_required
decided_by:
  description: The auth flow or challenge at which the sign-in ended when it did not succeed.
  returned: when the user did not sign in
  type: str
  sample: SOFTWARE_TOKEN_MFA
reason:
  description: Why the sign-in ended, in words.
  returned: when the user did not sign in
  type: str
  sample: wrong TOTP code
error_code:
  description: The Cognito error code that ended the sign-in.
  returned: when Cognito answered with an error
  type: str
  sample: CodeMismatchException
error_message:
  description: Cognito's error message, with any secret of this run masked.
  returned: when Cognito answered with an error
  type: str
  sample: Invalid code received for user
token_type:
  description: The type of the tokens issued.
  returned: when the user signed in
  type: str
  sample: Bearer
expires_in:
  description: Lifetime of the access and ID tokens, in seconds.
  returned: when the user signed in
  type: int
  sample: 3600
device_metadata_issued:
  description:
    - Whether Cognito issued new device metadata. A device that is then confirmed and remembered can skip MFA
      at later sign-ins, depending on the pool's device settings. The device key itself is not returned.
  returned: always
  type: bool
  sample: false
password_changed:
  description: Whether C(NEW_PASSWORD_REQUIRED) was answered with O(new_password).
  returned: always
  type: bool
  sample: false
enrolled:
  description: Whether a new TOTP authenticator was verified through C(MFA_SETUP).
  returned: always
  type: bool
  sample: false
changed:
  description: True only when the run changed the account (new password, TOTP enrolment).
  returned: always
  type: bool
  sample: false
tokens:
  description: The tokens issued.
  returned: when O(return_tokens=true) and the user signed in
  type: dict
  contains:
    access_token:
      description: The access token.
      type: str
      returned: always
      sample: eyJraWQiOiJ...
    id_token:
      description: The ID token.
      type: str
      returned: always
      sample: eyJraWQiOiJ...
    refresh_token:
      description: The refresh token.
      type: str
      returned: when issued
      sample: eyJjdHkiOiJ...
totp_secret:
  description: The new TOTP secret (base32) of the authenticator enrolled through C(MFA_SETUP).
  returned: when O(enroll=true), O(return_secret=true) and the user was enrolled
  type: str
  sample: JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
msg:
  description: The verdict, naming the challenges met and what decided the outcome.
  returned: always
  type: str
  sample: "The user signed in and TOTP was required (challenges: SOFTWARE_TOKEN_MFA)."
"""

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mfaops.cognito.plugins.module_utils import connection
from ansible_collections.mfaops.cognito.plugins.module_utils import auth
from ansible_collections.mfaops.cognito.plugins.module_utils import cognito
from ansible_collections.mfaops.cognito.plugins.module_utils import totp_steps
from ansible_collections.mfaops.cognito.plugins.module_utils.errors import CALL_ERRORS, InvalidRequest, fail_aws
from ansible_collections.mfaops.cognito.plugins.module_utils.validate import check_user_pool_id

# Sign-in calls and, for an enrolment, AssociateSoftwareToken / VerifySoftwareToken.
CATEGORIES = (cognito.AUTH, cognito.WRITE)
RETRIES = 8
SECRETS = {"return_tokens": "tokens stay", "return_secret": "TOTP secret stays"}


def argument_spec():
    return dict(
        user_pool_id=dict(type="str"),
        client_id=dict(type="str", required=True),
        client_secret=dict(type="str", no_log=True),
        username=dict(type="str", required=True),
        password=dict(type="str", required=True, no_log=True),
        auth_flow=dict(type="str", choices=list(auth.AUTH_FLOWS), default=auth.ADMIN_USER_PASSWORD_AUTH),
        totp_secret=dict(type="str", no_log=True),
        totp_code=dict(type="str", no_log=True),
        totp_min_remaining=dict(type="int", default=5),
        new_password=dict(type="str", no_log=True),
        enroll=dict(type="bool", default=False),
        return_secret=dict(type="bool", default=False, no_log=False),
        device_name=dict(type="str", default="mfaops-cognito"),
        expect=dict(type="str", choices=list(auth.EXPECT_CHOICES), default=auth.EXPECT_MFA_REQUIRED),
        return_tokens=dict(type="bool", default=False, no_log=False),
        preferred_challenge=dict(type="str", choices=list(auth.PREFERRED_CHALLENGES)),
    )


def check_params(module):
    """Fail before any call on what can be checked locally. Messages never hold a secret."""
    p = module.params
    if p["user_pool_id"] is not None:
        try:
            check_user_pool_id(p["user_pool_id"], module.region)
        except InvalidRequest as e:
            module.fail_json(msg=str(e))
    if p["totp_code"] is not None and not auth.TOTP_CODE_RE.fullmatch(p["totp_code"]):
        module.fail_json(msg="totp_code must be exactly 6 digits")
    if p["return_secret"] and not p["enroll"]:
        module.fail_json(msg="return_secret=true needs enroll=true: only an enrolment makes a new secret")
    for option in ("return_tokens", "return_secret"):
        if p[option] and not module.no_log:
            module.fail_json(msg=f"{option} needs no_log: true on the task, so that the {SECRETS[option]} out of the output and logs")
    if not 0 <= p["totp_min_remaining"] <= auth.TOTP_STEP:
        module.fail_json(msg="totp_min_remaining must be between 0 and 30")
    if (p["totp_secret"] or p["enroll"]) and not auth.HAS_PYOTP:
        module.fail_json(msg=missing_required_lib("pyotp"), exception=str(auth.PYOTP_IMPORT_ERROR))
    if p["totp_secret"]:
        problem = auth.totp_error(p["totp_secret"])
        if problem:
            module.fail_json(msg="totp_secret: " + problem)
    if p["preferred_challenge"] and p["auth_flow"] != auth.USER_AUTH:
        module.fail_json(msg="preferred_challenge needs auth_flow=USER_AUTH (choice-based sign-in)")
    if p["auth_flow"] == auth.USER_AUTH and p["preferred_challenge"] == auth.PASSWORD_SRP and not p["user_pool_id"]:
        module.fail_json(msg="auth_flow=USER_AUTH with preferred_challenge=PASSWORD_SRP needs user_pool_id (for SRP)")
    if p["auth_flow"] == auth.USER_SRP_AUTH or p["preferred_challenge"] == auth.PASSWORD_SRP:
        problem = auth.srp_import_error()
        if problem is not None:
            module.fail_json(msg=missing_required_lib("pycognito", reason="for auth_flow=USER_SRP_AUTH"), exception=str(problem))


def main():
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        mutually_exclusive=[("totp_secret", "totp_code")],
        required_if=[
            ("auth_flow", auth.ADMIN_USER_PASSWORD_AUTH, ("user_pool_id",)),
            ("auth_flow", auth.USER_SRP_AUTH, ("user_pool_id",)),
        ],
        supports_check_mode=True,
    )
    connection.settle(module)
    check_params(module)
    expect = module.params["expect"]

    if module.check_mode:
        module.exit_json(
            changed=False,
            authenticated=False,
            outcome="not_attempted",
            challenges=[],
            totp_required=False,
            device_metadata_issued=False,
            password_changed=False,
            enrolled=False,
            expect=expect,
            msg="Check mode: no sign-in was attempted.",
        )

    client = module.client("cognito-idp", config=cognito.client_config(1))
    call = cognito.caller(client, CATEGORIES, retries=RETRIES)
    test = auth.SignInTest(
        cognito.Routed(call), auth.settings_from(module.params), protect=module.no_log_values.add,
        step_store=totp_steps.StepStore(),
    )
    try:
        outcome = test.run()
    except CALL_ERRORS as e:
        # Errors the test cannot judge: no credentials, ... (secrets are masked)
        fail_aws(module, e, "Sign-in test failed")

    result = outcome.as_dict()
    result = {key: value for key, value in result.items() if value is not None}
    result["expect"] = expect
    if module.params["return_tokens"] and outcome.tokens:
        for value in outcome.tokens.values():
            module.no_log_values.discard(value)
        result["tokens"] = outcome.tokens
    if module.params["return_secret"] and outcome.new_totp_secret:
        module.no_log_values.discard(outcome.new_totp_secret)
        result["totp_secret"] = outcome.new_totp_secret

    passed, message = auth.judge(expect, result)
    if passed:
        module.exit_json(msg=message, **result)
    module.fail_json(msg=message, **result)


if __name__ == "__main__":
    main()
