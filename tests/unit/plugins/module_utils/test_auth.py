# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers of module_utils/auth.py, as tables."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import auth
from ansible_collections.mfaops.cognito.plugins.module_utils import validate

# RFC 6238 appendix B: the SHA1 rows. Secret = ASCII "12345678901234567890", 8 digits.
RFC6238_SECRET_B32 = base64.b32encode(b"12345678901234567890").decode()
RFC6238_SHA1 = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize("when, code", RFC6238_SHA1)
def test_totp_rfc6238_sha1_vectors(when, code):
    assert RFC6238_SECRET_B32 == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    assert auth.totp_code(RFC6238_SECRET_B32, when // 30, digits=8) == code


@pytest.mark.parametrize("when, code", RFC6238_SHA1)
def test_totp_six_digits_are_the_last_six_of_the_rfc_value(when, code):
    # Cognito uses 6 digits: the same truncation, modulo 10**6.
    assert auth.totp_code(RFC6238_SECRET_B32, when // 30) == code[-6:]


def test_totp_secret_is_normalised():
    pasted = "gezd gnbv gy3t qojq-gezd gnbv gy3t qojq===="
    assert auth.normalize_totp_secret(pasted) == RFC6238_SECRET_B32
    assert auth.totp_code(pasted, 59 // 30, digits=8) == "94287082"


@pytest.mark.parametrize(
    "secret, ok",
    [
        (RFC6238_SECRET_B32, True),
        ("TKRAZINCFKGU5ZH2QFDJSEYR5G7XQDBI", True),  # 32 characters, as the stand-in's
        ("JBSWY3DPEHPK3PXP", False),  # 80 bits: under pyotp's 112-bit minimum
        ("not base32 at all!", False),
        ("", False),
    ],
)
def test_totp_error_never_echoes_the_secret(secret, ok):
    problem = auth.totp_error(secret)
    assert (problem is None) is ok
    if problem and secret:
        assert secret not in problem


def test_secret_hash_known_vector():
    # Computed outside Python with:
    #   printf '%s' 'alice3n4b5urk1ft4fl3mg5e62d9ado' \
    #     | openssl dgst -sha256 -hmac 'example-client-secret-0123456789' -binary | base64
    expected = "AIHAZgJF8NNgm34djyg7pP0KA6L6BUtBf2UFL+oxWXw="
    assert auth.secret_hash("alice", "3n4b5urk1ft4fl3mg5e62d9ado", "example-client-secret-0123456789") == expected


def test_secret_hash_is_hmac_sha256_of_username_plus_client_id():
    by_hand = base64.b64encode(hmac.new(b"s3cr3t", "jos\u00e9" "client".encode(), hashlib.sha256).digest()).decode()
    assert auth.secret_hash("jos\u00e9", "client", "s3cr3t") == by_hand
    # Order matters: username first, then client id.
    assert auth.secret_hash("client", "jos\u00e9", "s3cr3t") != by_hand


@pytest.mark.parametrize(
    "now, min_remaining, used, step, wait",
    [
        (3000.0, 5, (), 100, 0.0),  # start of step 100: 30 s left
        (3024.0, 5, (), 100, 0.0),  # 6 s left
        (3025.0, 5, (), 100, 0.0),  # exactly 5 s left is enough
        (3025.5, 5, (), 101, 4.5 + auth.STEP_MARGIN),  # 4.5 s left: wait for step 101
        (3029.9, 0, (), 100, 0.0),  # no minimum
        (3010.0, 5, (100,), 101, 20.0 + auth.STEP_MARGIN),  # step 100's code already used
        (3010.0, 5, (100, 101), 102, 50.0 + auth.STEP_MARGIN),  # both used: the one after
        (3010.0, 30, (), 101, 20.0 + auth.STEP_MARGIN),  # 30: always the next step
        (3000.0, 30, (), 100, 0.0),  # ... unless the step has just begun
    ],
)
def test_plan_totp_step(now, min_remaining, used, step, wait):
    got_step, got_wait = auth.plan_totp_step(now, min_remaining, used)
    assert got_step == step
    assert got_wait == pytest.approx(wait)


@pytest.mark.parametrize(
    "value, names",
    [
        ('["SOFTWARE_TOKEN_MFA","SMS_MFA"]', ["SOFTWARE_TOKEN_MFA", "SMS_MFA"]),  # Cognito: JSON in a string
        ("['SOFTWARE_TOKEN_MFA']", ["SOFTWARE_TOKEN_MFA"]),  # moto 5.2.5: Python repr
        (["SMS_MFA", "EMAIL_OTP"], ["SMS_MFA", "EMAIL_OTP"]),
        ("SOFTWARE_TOKEN_MFA, EMAIL_OTP", ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]),
        ("[]", []),
        ("", []),
        (None, []),
    ],
)
def test_parse_name_list(value, names):
    assert auth.parse_name_list(value) == names


@pytest.mark.parametrize(
    "name, params, asks",
    [
        ("SOFTWARE_TOKEN_MFA", {}, True),
        ("SELECT_MFA_TYPE", {"MFAS_CAN_CHOOSE": '["SMS_MFA","SOFTWARE_TOKEN_MFA"]'}, True),
        ("SELECT_MFA_TYPE", {"MFAS_CAN_CHOOSE": '["SMS_MFA","EMAIL_OTP"]'}, False),
        ("MFA_SETUP", {"MFAS_CAN_SETUP": "['SOFTWARE_TOKEN_MFA']"}, True),
        ("MFA_SETUP", {"MFAS_CAN_SETUP": '["SMS_MFA"]'}, False),
        ("MFA_SETUP", {}, True),
        ("SMS_MFA", {}, False),
        ("NEW_PASSWORD_REQUIRED", {}, False),
        ("PASSWORD_VERIFIER", {}, False),
    ],
)
def test_asks_for_totp(name, params, asks):
    assert auth.asks_for_totp(name, params) is asks


def _decide(name, params=None, has_code=True, has_new_password=False, enroll=False, expect="mfa_required"):
    return auth.decide_challenge(
        name, params or {}, has_code=has_code, has_new_password=has_new_password, enroll=enroll, expect=expect
    )


@pytest.mark.parametrize(
    "kwargs, action, outcome, reason_part",
    [
        (dict(name="PASSWORD_VERIFIER"), "srp", "", ""),
        (dict(name="SOFTWARE_TOKEN_MFA"), "totp", "", ""),
        (dict(name="SOFTWARE_TOKEN_MFA", has_code=False), "stop", "stopped", "give totp_secret or totp_code"),
        (dict(name="SOFTWARE_TOKEN_MFA", expect="mfa_challenged"), "stop", "challenged", "SOFTWARE_TOKEN_MFA"),
        (dict(name="SELECT_MFA_TYPE", params={"MFAS_CAN_CHOOSE": '["SMS_MFA","SOFTWARE_TOKEN_MFA"]'}), "select_totp", "", ""),
        (dict(name="SELECT_MFA_TYPE", params={}), "select_totp", "", ""),
        (dict(name="SELECT_MFA_TYPE", params={"MFAS_CAN_CHOOSE": '["SMS_MFA"]'}), "stop", "stopped", "offers SMS_MFA"),
        (dict(name="NEW_PASSWORD_REQUIRED"), "stop", "stopped", "give new_password"),
        (dict(name="NEW_PASSWORD_REQUIRED", has_new_password=True), "new_password", "", ""),
        (dict(name="MFA_SETUP", params={"MFAS_CAN_SETUP": "['SOFTWARE_TOKEN_MFA']"}), "stop", "stopped", "enroll=true"),
        (dict(name="MFA_SETUP", params={"MFAS_CAN_SETUP": "['SOFTWARE_TOKEN_MFA']"}, enroll=True), "enroll", "", ""),
        (dict(name="MFA_SETUP", params={"MFAS_CAN_SETUP": '["SMS_MFA"]'}, enroll=True), "stop", "stopped", "offers SMS_MFA"),
        (dict(name="MFA_SETUP", expect="mfa_challenged"), "stop", "challenged", "MFA_SETUP"),
        (dict(name="MFA_SETUP", expect="mfa_challenged", enroll=True), "enroll", "", ""),
        (dict(name="SMS_MFA"), "stop", "stopped", "SMS"),
        (dict(name="EMAIL_OTP", expect="mfa_challenged"), "stop", "stopped", "email"),
        (dict(name="CUSTOM_CHALLENGE"), "stop", "stopped", "does not answer"),
    ],
)
def test_decide_challenge(kwargs, action, outcome, reason_part):
    decision = _decide(**kwargs)
    assert decision.action == action
    assert decision.outcome == outcome
    assert reason_part in decision.reason


@pytest.mark.parametrize(
    "code, message, kind, reason_part",
    [
        ("NotAuthorizedException", "Incorrect username or password.", "refused", "wrong password"),
        ("NotAuthorizedException", "User is disabled.", "refused", "disabled"),
        ("NotAuthorizedException", "Password attempts exceeded", "refused", "locked out"),
        ("NotAuthorizedException", "Invalid session for the user, session is expired.", "refused", "session"),
        ("NotAuthorizedException", "Temporary password has expired and must be reset by an administrator.", "refused", "temporary password"),
        ("NotAuthorizedException", "Unable to verify secret hash for client abc", "error", "client_secret"),
        ("NotAuthorizedException", "Client abc is configured with secret but SECRET_HASH was not received", "error", "client_secret"),
        ("NotAuthorizedException", "alice", "refused", "not authorized"),  # moto: the message is the username
        ("CodeMismatchException", "Invalid code received for user", "refused", "wrong TOTP code"),
        ("ExpiredCodeException", "", "refused", "expired"),
        ("UserNotConfirmedException", "User is not confirmed.", "refused", "not confirmed"),
        ("PasswordResetRequiredException", "Password reset required for the user", "refused", "reset"),
        ("UserNotFoundException", "User does not exist.", "refused", "not found"),
        ("EnableSoftwareTokenMFAException", "Code mismatch", "refused", "enrolment"),
        ("InvalidPasswordException", "Password does not conform to policy", "error", "policy"),
        ("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client", "error", "auth flow"),
        ("ResourceNotFoundException", "User pool client xyz does not exist.", "error", "not found"),
        ("TooManyRequestsException", "Rate exceeded", "error", "throttled"),
        ("AccessDeniedException", "not allowed", "error", "unexpected"),
    ],
)
def test_classify_error(code, message, kind, reason_part):
    got_kind, reason = auth.classify_error(code, message)
    assert got_kind == kind
    assert reason_part in reason


def _result(outcome, challenges=(), totp=False, decided_by="", reason="", error_code=None):
    return {
        "outcome": outcome,
        "challenges": list(challenges),
        "totp_required": totp,
        "decided_by": decided_by,
        "reason": reason,
        "error_code": error_code,
    }


SIGNED_IN_TOTP = _result("signed_in", ["SOFTWARE_TOKEN_MFA"], totp=True)
SIGNED_IN_PLAIN = _result("signed_in")
WRONG_CODE = _result("refused", ["SOFTWARE_TOKEN_MFA"], True, "SOFTWARE_TOKEN_MFA", "wrong TOTP code", "CodeMismatchException")
DISABLED = _result("refused", [], False, "ADMIN_USER_PASSWORD_AUTH", "user is disabled", "NotAuthorizedException")
CHALLENGED = _result("challenged", ["SOFTWARE_TOKEN_MFA"], True, "SOFTWARE_TOKEN_MFA", "Cognito asked for a TOTP code (SOFTWARE_TOKEN_MFA)")
SMS = _result("stopped", ["SMS_MFA"], False, "SMS_MFA", "SMS_MFA: Cognito asked for a code sent by SMS, not TOTP")
BROKEN = _result("error", [], False, "USER_PASSWORD_AUTH", "auth flow not enabled for this app client", "InvalidParameterException")


@pytest.mark.parametrize(
    "expect, result, passed, message_parts",
    [
        ("mfa_required", SIGNED_IN_TOTP, True, ["TOTP was required", "SOFTWARE_TOKEN_MFA"]),
        ("mfa_required", SIGNED_IN_PLAIN, False, ["without a TOTP challenge", "challenges: none"]),
        ("mfa_required", WRONG_CODE, False, ["refused at SOFTWARE_TOKEN_MFA", "CodeMismatchException", "wrong TOTP code"]),
        ("mfa_required", DISABLED, False, ["ADMIN_USER_PASSWORD_AUTH", "user is disabled"]),
        ("mfa_required", SMS, False, ["stopped at SMS_MFA"]),
        ("success", SIGNED_IN_PLAIN, True, ["signed in"]),
        ("success", SIGNED_IN_TOTP, True, ["signed in"]),
        ("success", WRONG_CODE, False, ["Expected the user to sign in", "CodeMismatchException"]),
        ("refused", WRONG_CODE, True, ["refused at SOFTWARE_TOKEN_MFA", "wrong TOTP code"]),
        ("refused", DISABLED, True, ["user is disabled"]),
        ("refused", SIGNED_IN_TOTP, False, ["Expected sign-in to be refused", "signed in"]),
        ("refused", SMS, False, ["stopped at SMS_MFA"]),
        ("refused", BROKEN, False, ["could not run", "InvalidParameterException"]),
        ("mfa_challenged", CHALLENGED, True, ["password was accepted", "TOTP code"]),
        ("mfa_challenged", SIGNED_IN_PLAIN, False, ["without a TOTP challenge"]),
        ("mfa_challenged", SIGNED_IN_TOTP, True, ["TOTP was required"]),
        ("mfa_challenged", WRONG_CODE, False, ["Expected a TOTP challenge"]),
        ("mfa_challenged", SMS, False, ["SMS"]),
        ("success", BROKEN, False, ["could not run"]),
    ],
)
def test_judge(expect, result, passed, message_parts):
    got_passed, message = auth.judge(expect, result)
    assert got_passed is passed
    for part in message_parts:
        assert part in message


@pytest.mark.parametrize(
    "pool_id, ok",
    [("us-east-1_AbCdEf123", True), ("eu-west-2_x", True), ("us-east-1", False), ("us east_1", False), ("", False)],
)
def test_user_pool_id_pattern(pool_id, ok):
    assert bool(validate.is_user_pool_id(pool_id)) is ok


@pytest.mark.parametrize(
    "available, preferred, action, choice",
    [
        (["PASSWORD", "PASSWORD_SRP", "WEB_AUTHN"], None, "select", "PASSWORD"),
        (["PASSWORD_SRP", "EMAIL_OTP"], None, "select", "PASSWORD_SRP"),
        (["PASSWORD", "PASSWORD_SRP"], "PASSWORD_SRP", "select", "PASSWORD_SRP"),
        (["WEB_AUTHN", "EMAIL_OTP"], None, "stop", "SELECT_CHALLENGE offers WEB_AUTHN, EMAIL_OTP: this module signs in with a password only"),
    ],
)
def test_choose_first_factor(available, preferred, action, choice):
    decision = auth.choose_first_factor(available, preferred)
    assert decision.action == action and decision.reason == choice


@pytest.mark.parametrize("outcome", [auth.SIGNED_IN, auth.CHALLENGED])
def test_judge_fails_mfa_required_when_a_passwordless_first_factor_was_offered(outcome):
    result = {"outcome": outcome, "challenges": ["SELECT_CHALLENGE", "SOFTWARE_TOKEN_MFA"], "totp_required": True,
              "sign_in_without_totp": ["WEB_AUTHN"]}
    for expect in (auth.EXPECT_MFA_REQUIRED, auth.EXPECT_MFA_CHALLENGED):
        passed, message = auth.judge(expect, result)
        assert not passed and "offered WEB_AUTHN as a first factor" in message
    if outcome == auth.SIGNED_IN:
        assert auth.judge(auth.EXPECT_SUCCESS, result)[0]
    assert auth.judge(auth.EXPECT_MFA_REQUIRED, dict(result, sign_in_without_totp=[]))[0] is (outcome == auth.SIGNED_IN)
