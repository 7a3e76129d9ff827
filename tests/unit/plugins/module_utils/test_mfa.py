"""The decision logic as tables: current state x request -> blocks sent, expected state."""

import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import mfa
from ansible_collections.mfaops.cognito.plugins.module_utils import validate
from ansible_collections.mfaops.cognito.plugins.module_utils.mfa import MethodRequest as R
from ansible_collections.mfaops.cognito.plugins.module_utils.mfa import MfaState as S

TOTP, SMS, EMAIL = "software_token_mfa", "sms_mfa", "email_mfa"
TOTP_BLOCK, SMS_BLOCK, EMAIL_BLOCK = "SoftwareTokenMfaSettings", "SMSMfaSettings", "EmailMfaSettings"
ON_PREF = R(enabled=True, preferred=True)


@pytest.mark.parametrize(
    "response, expected",
    [
        ({}, S()),
        ({"UserMFASettingList": [], "PreferredMfaSetting": ""}, S()),
        ({"UserMFASettingList": None, "PreferredMfaSetting": None}, S()),
        ({"UserMFASettingList": ["SOFTWARE_TOKEN_MFA"], "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA"}, S(frozenset({TOTP}), TOTP)),
        ({"UserMFASettingList": ["SMS_MFA", "SOFTWARE_TOKEN_MFA"], "PreferredMfaSetting": "SMS_MFA"}, S(frozenset({TOTP, SMS}), SMS)),
        ({"UserMFASettingList": ["EMAIL_OTP"]}, S(frozenset({EMAIL}), None)),
        ({"UserMFASettingList": ["WEB_AUTHN"]}, S(frozenset({"web_authn"}), None)),
    ],
)
def test_state_from_user(response, expected):
    assert mfa.state_from_user(response) == expected


@pytest.mark.parametrize(
    "current, request_, blocks, expected",
    [
        # already compliant: nothing sent
        (S(frozenset({TOTP}), TOTP), {TOTP: ON_PREF}, {}, S(frozenset({TOTP}), TOTP)),
        # nothing enabled -> TOTP enabled and preferred
        (S(), {TOTP: ON_PREF}, {TOTP_BLOCK: {"Enabled": True, "PreferredMfa": True}}, S(frozenset({TOTP}), TOTP)),
        # TOTP enabled, not preferred
        (S(frozenset({TOTP})), {TOTP: ON_PREF}, {TOTP_BLOCK: {"Enabled": True, "PreferredMfa": True}}, S(frozenset({TOTP}), TOTP)),
        # SMS preferred: TOTP takes over the preference, SMS stays enabled and its block is not sent
        (
            S(frozenset({SMS}), SMS),
            {TOTP: ON_PREF},
            {TOTP_BLOCK: {"Enabled": True, "PreferredMfa": True}},
            S(frozenset({TOTP, SMS}), TOTP),
        ),
        # enable only: the preference stays where it was
        (S(frozenset({SMS}), SMS), {TOTP: R(enabled=True)}, {TOTP_BLOCK: {"Enabled": True, "PreferredMfa": False}}, S(frozenset({TOTP, SMS}), SMS)),
        # enabled already, preference not named: nothing to do
        (S(frozenset({TOTP, SMS}), SMS), {TOTP: R(enabled=True)}, {}, S(frozenset({TOTP, SMS}), SMS)),
        # keep enabled, stop preferring
        (S(frozenset({TOTP}), TOTP), {TOTP: R(preferred=False)}, {TOTP_BLOCK: {"Enabled": True, "PreferredMfa": False}}, S(frozenset({TOTP}), None)),
        # disable the preferred method: preference goes too
        (S(frozenset({TOTP, SMS}), SMS), {SMS: R(enabled=False)}, {SMS_BLOCK: {"Enabled": False, "PreferredMfa": False}}, S(frozenset({TOTP}), None)),
        # disabling what is off already: nothing
        (S(), {SMS: R(enabled=False)}, {}, S()),
        # two methods in one call
        (
            S(frozenset({SMS}), SMS),
            {TOTP: ON_PREF, SMS: R(enabled=False)},
            {TOTP_BLOCK: {"Enabled": True, "PreferredMfa": True}, SMS_BLOCK: {"Enabled": False, "PreferredMfa": False}},
            S(frozenset({TOTP}), TOTP),
        ),
        # email preferred
        (S(frozenset({TOTP}), TOTP), {EMAIL: ON_PREF}, {EMAIL_BLOCK: {"Enabled": True, "PreferredMfa": True}}, S(frozenset({TOTP, EMAIL}), EMAIL)),
        # an unknown method Cognito reports is kept as it is
        (S(frozenset({"web_authn"})), {TOTP: ON_PREF}, {TOTP_BLOCK: {"Enabled": True, "PreferredMfa": True}}, S(frozenset({"web_authn", TOTP}), TOTP)),
    ],
)
def test_plan(current, request_, blocks, expected):
    step = mfa.plan(current, request_)
    assert dict(step.blocks) == blocks
    assert step.expected == expected
    assert step.needed == bool(blocks)
    assert mfa.satisfies(expected, request_)


def test_plan_enables_totp_flag():
    assert mfa.plan(S(), {TOTP: ON_PREF}).enables_totp
    assert not mfa.plan(S(frozenset({TOTP})), {TOTP: R(preferred=False)}).enables_totp
    assert not mfa.plan(S(), {SMS: ON_PREF}).enables_totp


def test_as_dict_orders_methods():
    assert S(frozenset({EMAIL, SMS, TOTP}), SMS).as_dict() == {
        "enabled_methods": [TOTP, SMS, EMAIL],
        "preferred_method": SMS,
    }


@pytest.mark.parametrize(
    "settings, expected",
    [
        ({"enabled": True, "preferred": True}, ON_PREF),
        ({"preferred": True}, ON_PREF),
        ({"enabled": "yes"}, R(enabled=True)),
        ({"enabled": False}, R(enabled=False)),
        ({}, R()),
    ],
)
def test_method_request(settings, expected):
    assert mfa.method_request(settings, "x") == expected


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"enabled": False, "preferred": True}, "x: a method cannot be preferred and disabled at once"),
        ({"enable": True}, "x: unknown key(s) enable (allowed: enabled, preferred)"),
        ({"enabled": "maybe"}, "x.enabled: 'maybe' is not a boolean"),
        ("on", "x: expected a dict"),
    ],
)
def test_method_request_rejects(settings, message):
    with pytest.raises(mfa.InvalidRequest) as err:
        mfa.method_request(settings, "x")
    assert str(err.value).startswith(message)


def test_task_request_two_preferred():
    with pytest.raises(mfa.InvalidRequest, match="only one method can be preferred, got software_token_mfa, sms_mfa"):
        mfa.task_request({TOTP: {"enabled": True, "preferred": True}, SMS: {"preferred": True}, EMAIL: None})


def test_user_requests_merge_and_names():
    base = {TOTP: ON_PREF}
    requests = mfa.user_requests(
        ["alice", {"username": "bob", TOTP: {"preferred": False}, SMS: {"enabled": True}}, {"username": "carol", TOTP: {"enabled": False}}],
        base,
    )
    assert [r.username for r in requests] == ["alice", "bob", "carol"]
    assert requests[0].methods == {TOTP: ON_PREF}
    assert requests[1].methods == {TOTP: R(enabled=True, preferred=False), SMS: R(enabled=True)}
    # disabling TOTP for one user drops the task's "preferred" for that user
    assert requests[2].methods == {TOTP: R(enabled=False, preferred=None)}


@pytest.mark.parametrize(
    "entries, message",
    [
        (["alice", "alice"], "users[1] (alice): duplicate of users[0]"),
        ([{"username": "bob", "sms": {}}], "users[0] (bob): unknown key(s) sms (allowed: username, software_token_mfa, sms_mfa, email_mfa)"),
        ([{"user": "bob"}], "users[0]: unknown key(s) user"),
        ([{"software_token_mfa": {"enabled": True}}], "users[0]: username must be a non-empty string, got None"),
        ([""], "users[0]: username must be a non-empty string"),
        (["has space"], "users[0]: username 'has space' contains white space"),
        (["x" * 129], "users[0]: username 'xxxxxxxxxxxxxxxxxxxx'... is longer than 128 characters"),
        ([{"username": "bob", SMS: {"preferred": True}}], "users[0] (bob): only one method can be preferred, got software_token_mfa, sms_mfa"),
        ([{"username": "bob", TOTP: {"enabled": False, "preferred": True}}], "users[0] (bob).software_token_mfa: a method cannot be preferred"),
        ([42], "users[0]: username must be a non-empty string, got 42"),
    ],
)
def test_user_requests_rejects(entries, message):
    with pytest.raises(mfa.InvalidRequest) as err:
        mfa.user_requests(entries, {TOTP: ON_PREF})
    assert str(err.value).startswith(message)


def test_user_requests_needs_some_setting():
    with pytest.raises(mfa.InvalidRequest, match=r"users\[0\] \(alice\): no MFA setting requested"):
        mfa.user_requests(["alice"], {})
    assert mfa.user_requests([{"username": "alice", SMS: {"enabled": True}}], {})[0].methods == {SMS: R(enabled=True)}


@pytest.mark.parametrize("pool_id", ["us-east-1_AbCdEf123", "eu-west-2_0293110d292a4ffc9e89caf7f28e4ac0"])
def test_user_pool_id_ok(pool_id):
    assert validate.check_user_pool_id(pool_id) == pool_id


@pytest.mark.parametrize(
    "pool_id, region, message",
    [
        ("us-east-1", None, "user_pool_id 'us-east-1' is not a Cognito user pool id"),
        ("us-east-1_", None, "is not a Cognito user pool id"),
        ("us east-1_abc", None, "is not a Cognito user pool id"),
        (None, None, "user_pool_id None is not a Cognito user pool id"),
        ("us-east-1_" + "a" * 50, None, "is not a Cognito user pool id"),
        ("eu-west-1_abc", "us-east-1", "user_pool_id 'eu-west-1_abc' belongs to region eu-west-1, but the task runs in region us-east-1"),
    ],
)
def test_user_pool_id_rejects(pool_id, region, message):
    with pytest.raises(mfa.InvalidRequest) as err:
        validate.check_user_pool_id(pool_id, region)
    assert message in str(err.value)


@pytest.mark.parametrize(
    "current, request_, delete, blocks, expected",
    [
        # TOTP enabled and preferred: delete the token, preference goes with it
        (S(frozenset({TOTP, SMS}), TOTP), {}, True, {}, S(frozenset({SMS}), None)),
        # SMS preferred stays preferred
        (S(frozenset({TOTP, SMS}), SMS), {}, True, {}, S(frozenset({SMS}), SMS)),
        # nothing visible to reset: nothing to do
        (S(frozenset({SMS}), SMS), {}, False, {}, S(frozenset({SMS}), SMS)),
        # reset and move the preference to SMS in the same run
        (S(frozenset({TOTP, SMS}), TOTP), {SMS: ON_PREF}, True, {SMS_BLOCK: {"Enabled": True, "PreferredMfa": True}}, S(frozenset({SMS}), SMS)),
    ],
)
def test_plan_reset_totp(current, request_, delete, blocks, expected):
    step = mfa.plan(current, request_, reset_totp=True)
    assert (step.delete_token, dict(step.blocks), step.expected) == (delete, blocks, expected)
    assert step.needed == (delete or bool(blocks))
    assert mfa.satisfies(expected, request_, reset_totp=True)


def test_reset_needs_no_other_setting_but_excludes_totp_settings():
    assert mfa.user_requests(["bob"], {}, reset_totp=True)[0].reset_totp
    with pytest.raises(mfa.InvalidRequest, match="software_token_mfa cannot be set while its token is being reset"):
        mfa.user_requests([{"username": "bob", TOTP: {"enabled": True}}], {}, reset_totp=True)


def test_single_username_is_named_as_such():
    with pytest.raises(mfa.InvalidRequest, match="^username: username 'a b' contains white space"):
        mfa.user_requests(["a b"], {TOTP: ON_PREF}, label=lambda _i: "username")
