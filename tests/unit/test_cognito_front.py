"""The Cognito front (tests/support/cognito_front.py): its decisions as tables, and its
answers to requests with a fake view of the stand-in."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# pylint: disable=wrong-import-position
from tests.support import cognito_front as cf  # noqa: E402

POOL = {"id": "us-east-1_P", "mfa_configuration": "OPTIONAL", "software_token_mfa": True, "sms_mfa": True,
        "case_sensitive": True, "username_attributes": [], "groups": 0}
USER = {"username": "alice", "token_verified": False, "software_token_mfa_enabled": False, "sms_mfa_enabled": False,
        "preferred_mfa_setting": ""}


@pytest.mark.parametrize(
    "request_, refused",
    [
        ({"MfaConfiguration": "OFF"}, False),
        ({"MfaConfiguration": "OFF", "WebAuthnConfiguration": {"RelyingPartyId": "x"}}, False),
        ({"MfaConfiguration": "OFF", "SoftwareTokenMfaConfiguration": {"Enabled": False}}, True),
        ({"MfaConfiguration": "OFF", "SmsMfaConfiguration": {}}, True),
        ({"MfaConfiguration": "OFF", "EmailMfaConfiguration": {}}, True),
        ({"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": True}}, False),
    ],
)
def test_off_refused(request_, refused):
    assert cf.off_refused(request_) is refused


@pytest.mark.parametrize(
    "mode, user, expected",
    [
        ("OFF", {"software_token_mfa_enabled": True, "preferred_mfa_setting": "SOFTWARE_TOKEN_MFA"}, None),
        ("OPTIONAL", {}, None),
        ("ON", {}, "MFA_SETUP"),
        ("ON", {"token_verified": True}, "SOFTWARE_TOKEN_MFA"),
        ("OPTIONAL", {"token_verified": True}, None),
        ("OPTIONAL", {"software_token_mfa_enabled": True}, "SOFTWARE_TOKEN_MFA"),  # enabled, not preferred
        ("OPTIONAL", {"software_token_mfa_enabled": True, "sms_mfa_enabled": True}, "SELECT_MFA_TYPE"),
        ("ON", {"software_token_mfa_enabled": True, "sms_mfa_enabled": True, "preferred_mfa_setting": "SMS_MFA"}, "SMS_MFA"),
        ("OPTIONAL", {"sms_mfa_enabled": True}, "SMS_MFA"),
    ],
)
def test_sign_in_challenge(mode, user, expected):
    decided = cf.sign_in_challenge({**POOL, "mfa_configuration": mode}, {**USER, **user})
    assert (decided[0] if decided else None) == expected
    if expected == "SELECT_MFA_TYPE":
        assert json.loads(decided[1]["MFAS_CAN_CHOOSE"]) == ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]


def test_matching_step_allows_one_step_of_skew():
    now = 1_700_000_020.0
    step = int(now // 30)
    for offset in (-1, 0, 1):
        assert cf.matching_step(cf.STANDIN_TOTP_SECRET, cf.totp_at(cf.STANDIN_TOTP_SECRET, step + offset), now) == step + offset
    assert cf.matching_step(cf.STANDIN_TOTP_SECRET, cf.totp_at(cf.STANDIN_TOTP_SECRET, step + 2), now) is None


def describer(pool=None, user=None):
    def describe(query):
        return {"pool": {**POOL, **(pool or {})}, "user": {**USER, **(user or {})} if user is not None else None}

    return describe


def body(**params):
    return json.dumps(params).encode()


def test_off_with_a_block_is_answered_without_moto():
    step = cf.CognitoFront().request(
        "SetUserPoolMfaConfig", body(UserPoolId="us-east-1_P", MfaConfiguration="OFF", SmsMfaConfiguration={}), describer()
    )
    assert step == cf.Reply(400, {"__type": "InvalidParameterException", "message": cf.OFF_REFUSAL})


@pytest.mark.parametrize("wording", cf.NOT_ENROLLED_WORDINGS)
def test_not_enrolled_wording_is_configurable(wording):
    front = cf.CognitoFront()
    front.configure(not_enrolled_message=wording)
    step = front.request(
        "AdminSetUserMFAPreference",
        body(UserPoolId="us-east-1_P", Username="a", SoftwareTokenMfaSettings={"Enabled": True}),
        describer(),
    )
    answer = step.after(400, {"__type": "InvalidParameterException", "message": cf.MOTO_NOT_ENROLLED})
    assert answer == cf.Reply(400, {"__type": "InvalidParameterException", "message": wording})
    assert step.after(200, {}) is None


def test_case_blind_pool_gets_lowercase_names():
    step = cf.CognitoFront().request(
        "AdminCreateUser",
        body(UserPoolId="us-east-1_P", Username="Alice@Example.com",
             UserAttributes=[{"Name": "email", "Value": "Alice@Example.com"}, {"Name": "name", "Value": "Alice"}]),
        describer(pool={"case_sensitive": False}),
    )
    sent = json.loads(step.body)
    assert sent["Username"] == "alice@example.com"
    assert sent["UserAttributes"] == [{"Name": "email", "Value": "alice@example.com"}, {"Name": "name", "Value": "Alice"}]


def test_case_sensitive_pool_keeps_names():
    step = cf.CognitoFront().request("AdminGetUser", body(UserPoolId="us-east-1_P", Username="Alice"), describer())
    assert json.loads(step.body)["Username"] == "Alice"


SUB = "0b6f1c2e-3d4a-4b5c-8d9e-0f1a2b3c4d5e"


@pytest.mark.parametrize("given, user, sent", [
    (SUB, {"username": "alice"}, "alice"),  # a sub: the user's name (moto takes only names and aliases)
    (SUB, None, SUB),  # no such user: moto answers UserNotFoundException itself
    ("Alice", {"username": "alice"}, "Alice"),  # not UUID-shaped: no lookup, as sent
])
def test_admin_calls_take_the_sub(given, user, sent):
    step = cf.CognitoFront().request("AdminGetUser", body(UserPoolId="us-east-1_P", Username=given), describer(user=user))
    assert json.loads(step.body)["Username"] == sent


@pytest.mark.parametrize("groups, limit, refused", [(2, 3, False), (3, 3, True), (0, 0, True)])
def test_group_limit(groups, limit, refused):
    front = cf.CognitoFront()
    front.configure(group_limit=limit)
    step = front.request("CreateGroup", body(UserPoolId="us-east-1_P", GroupName="g"), describer(pool={"groups": groups}))
    assert isinstance(step, cf.Reply) is refused
    if refused:
        assert step.payload["__type"] == "LimitExceededException"


def test_a_totp_code_is_accepted_once_per_user():
    now = 1_700_000_020.0
    front = cf.CognitoFront(clock=lambda: now)
    code = cf.totp_at(cf.STANDIN_TOTP_SECRET, int(now // 30))
    answer = body(UserPoolId="us-east-1_P", ClientId="c", ChallengeName="SOFTWARE_TOKEN_MFA", Session="moto-session",
                  ChallengeResponses={"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": code})
    first = front.request("AdminRespondToAuthChallenge", answer, describer(user={}))
    assert isinstance(first, cf.Forward)
    first.after(200, {"AuthenticationResult": {}})
    again = front.request("AdminRespondToAuthChallenge", answer, describer(user={}))
    assert again == cf.Reply(400, {"__type": "CodeMismatchException", "message": cf.CODE_REUSED})
    other = front.request("AdminRespondToAuthChallenge", answer, describer(user={"username": "bob"}))
    assert isinstance(other, cf.Forward)


def test_front_session_for_a_totp_user_who_does_not_prefer_it():
    now = 1_700_000_020.0
    front = cf.CognitoFront(clock=lambda: now)
    describe = describer(user={"software_token_mfa_enabled": True})
    step = front.request("AdminInitiateAuth", body(UserPoolId="us-east-1_P", ClientId="c", AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                                   AuthParameters={"USERNAME": "alice", "PASSWORD": "p"}), describe)
    asked = step.after(200, {"AuthenticationResult": {"AccessToken": "t"}})
    assert asked.payload["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    code = cf.totp_at(cf.STANDIN_TOTP_SECRET, int(now // 30))
    respond = body(UserPoolId="us-east-1_P", ClientId="c", ChallengeName="SOFTWARE_TOKEN_MFA", Session=asked.payload["Session"],
                   ChallengeResponses={"USERNAME": "mallory", "SOFTWARE_TOKEN_MFA_CODE": code})
    assert front.request("AdminRespondToAuthChallenge", respond, describe).payload["__type"] == "NotAuthorizedException"
    respond = respond.replace(b"mallory", b"alice")
    assert front.request("AdminRespondToAuthChallenge", respond, describe).payload["AuthenticationResult"] == {"AccessToken": "t"}


def test_configure_rejects_unknown_settings():
    with pytest.raises(ValueError, match="unknown front settings"):
        cf.CognitoFront().configure(nope=1)
