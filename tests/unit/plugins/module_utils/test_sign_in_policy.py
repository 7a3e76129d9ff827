"""What a sign-in really demands: per pool mode, legacy SMS, passkeys, choice-based sign-in, ON with passkeys."""

import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import sign_in_policy as sip
from ansible_collections.mfaops.cognito.plugins.module_utils.mfa import InvalidRequest
from ansible_collections.mfaops.cognito.plugins.module_utils.sign_in_policy import PoolSignIn, UserMethods

TOTP, SMS, EMAIL = "software_token_mfa", "sms_mfa", "email_mfa"


def methods(*enabled, preferred=None):
    return UserMethods(enabled=frozenset(enabled), preferred=preferred)


# ---------------------------------------------------------------- a user's methods


@pytest.mark.parametrize(
    "record, expected, state",
    [
        ({}, UserMethods(), "no_mfa"),
        ({"UserMFASettingList": [], "PreferredMfaSetting": ""}, UserMethods(), "no_mfa"),
        ({"UserMFASettingList": ["SOFTWARE_TOKEN_MFA"], "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA"}, methods(TOTP, preferred=TOTP), "totp_preferred"),
        ({"UserMFASettingList": ["SOFTWARE_TOKEN_MFA", "SMS_MFA"]}, methods(TOTP, SMS), "totp_enabled_not_preferred"),
        ({"UserMFASettingList": ["EMAIL_OTP"], "PreferredMfaSetting": "EMAIL_OTP"}, methods(EMAIL, preferred=EMAIL), "other_mfa_only"),
        (
            {"UserMFASettingList": [], "MFAOptions": [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]},
            UserMethods(frozenset({SMS}), None, legacy_sms=True),
            "other_mfa_only",
        ),
        (
            {"UserMFASettingList": ["SMS_MFA"], "MFAOptions": [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]},
            methods(SMS),
            "other_mfa_only",
        ),
        ({"MFAOptions": [{"DeliveryMedium": "EMAIL"}]}, UserMethods(), "no_mfa"),
    ],
    ids=["missing", "empty", "totp-preferred", "totp-and-sms", "email", "legacy-sms-only", "legacy-and-listed", "legacy-not-sms"],
)
def test_methods_from_user(record, expected, state):
    got = sip.methods_from_user(record)
    assert got == expected
    assert got.state == state


# ---------------------------------------------------------------- the rule per pool mode


@pytest.mark.parametrize(
    "mode, user, asks",
    [
        ("OFF", methods(TOTP, preferred=TOTP), "none"),
        ("OFF", methods(), "none"),
        ("OPTIONAL", methods(), "none"),
        ("OPTIONAL", methods(TOTP, preferred=TOTP), "totp"),
        ("OPTIONAL", methods(TOTP), "totp"),
        ("OPTIONAL", methods(TOTP, SMS), "choice"),
        ("OPTIONAL", methods(TOTP, SMS, preferred=SMS), "other"),
        ("OPTIONAL", methods(TOTP, SMS, preferred=TOTP), "totp"),
        ("OPTIONAL", methods(SMS), "other"),
        ("OPTIONAL", UserMethods(frozenset({SMS}), None, legacy_sms=True), "other"),
        ("ON", methods(), "enrol"),
        ("ON", methods(TOTP, preferred=TOTP), "totp"),
        ("ON", methods(TOTP, EMAIL), "choice"),
        ("ON", methods(EMAIL, preferred=EMAIL), "other"),
    ],
)
def test_password_challenge_per_mode(mode, user, asks):
    assert sip.password_challenge(mode, user) == asks


@pytest.mark.parametrize(
    "mode, user, compliant, reason",
    [
        ("OFF", methods(TOTP, preferred=TOTP), False, "MFA is OFF: no second factor"),
        ("OPTIONAL", methods(), False, "password alone"),
        ("OPTIONAL", methods(TOTP, preferred=TOTP), True, "asks for TOTP"),
        ("OPTIONAL", methods(TOTP, SMS), False, "SELECT_MFA_TYPE"),
        ("ON", methods(), False, "MFA_SETUP"),
        ("ON", methods(TOTP, preferred=TOTP), True, "asks for TOTP"),
    ],
)
def test_verdict_without_choice_based_sign_in(mode, user, compliant, reason):
    got = sip.verdict(PoolSignIn(mode=mode), user)
    assert got.compliant is compliant
    assert reason in got.reason
    assert got.bypass == () and got.unchecked == ()


PASSKEY_POOL = PoolSignIn(mode="OPTIONAL", first_factors=frozenset({"PASSWORD", "WEB_AUTHN", "EMAIL_OTP"}), user_auth_clients=("c1",))


@pytest.mark.parametrize(
    "pool, factors, compliant, bypass, unchecked",
    [
        (PASSKEY_POOL, ["PASSWORD"], True, (), ()),
        (PASSKEY_POOL, ["PASSWORD", "WEB_AUTHN"], False, ("WEB_AUTHN",), ()),
        (PASSKEY_POOL, ["EMAIL_OTP"], False, ("EMAIL_OTP",), ()),
        (PASSKEY_POOL, None, True, (), ("EMAIL_OTP", "WEB_AUTHN")),
        # No client allows USER_AUTH: the passwordless factors cannot be reached.
        (PoolSignIn(mode="OPTIONAL", first_factors=PASSKEY_POOL.first_factors), ["WEB_AUTHN"], True, (), ()),
        # Clients not read: assume a client may allow it.
        (PoolSignIn(mode="OPTIONAL", first_factors=PASSKEY_POOL.first_factors, clients_read=False), ["SMS_OTP", "WEB_AUTHN"], False, ("WEB_AUTHN",), ()),
    ],
    ids=["password-only", "passkey", "email-otp", "factors-not-read", "no-user-auth-client", "clients-not-read"],
)
def test_verdict_with_choice_based_sign_in(pool, factors, compliant, bypass, unchecked):
    got = sip.verdict(pool, methods(TOTP, preferred=TOTP), factors)
    assert (got.compliant, got.bypass, got.unchecked) == (compliant, bypass, unchecked)
    row = got.as_dict()
    assert row["sign_in_compliant"] is compliant and row["mfa_state"] == "totp_preferred"
    assert ("sign_in_without_totp" in row) is bool(bypass)


def test_passkey_mfa_is_named_but_still_not_totp():
    pool = PoolSignIn(mode="ON", first_factors=frozenset({"PASSWORD", "WEB_AUTHN"}), passkey_factor=sip.MULTI_FACTOR, user_auth_clients=("c1",))
    got = sip.verdict(pool, methods(TOTP, preferred=TOTP), ["PASSWORD", "WEB_AUTHN"])
    assert not got.compliant and "counts as MFA, but it is not TOTP" in got.reason


# ---------------------------------------------------------------- reading the pool


def test_pool_sign_in_from_api_responses():
    described = {
        "UserPool": {
            "MfaConfiguration": "OPTIONAL",
            "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}},
        }
    }
    mfa_config = {"MfaConfiguration": "ON", "WebAuthnConfiguration": {"RelyingPartyId": "auth.example.com", "FactorConfiguration": "SINGLE_FACTOR"}}
    clients = [
        {"UserPoolClient": {"ClientId": "b", "ExplicitAuthFlows": ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}},
        {"ClientId": "a", "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"]},
        {"ClientId": "c"},
    ]
    got = sip.pool_sign_in(described, mfa_config, clients)
    assert got == PoolSignIn("ON", frozenset({"PASSWORD", "WEB_AUTHN"}), "SINGLE_FACTOR", ("b",), True)
    assert sip.pool_sign_in({"UserPool": {}}, {}) == PoolSignIn("OFF", frozenset({"PASSWORD"}), "SINGLE_FACTOR", (), False)


def test_pool_sign_in_from_snake_case_info_results():
    user_pool = {"mfa_configuration": "OPTIONAL", "policies": {"sign_in_policy": {"allowed_first_auth_factors": ["PASSWORD", "EMAIL_OTP"]}}}
    mfa_config = {"mfa_configuration": "ON", "web_authn_configuration": {"factor_configuration": "MULTI_FACTOR_WITH_USER_VERIFICATION"}}
    clients = [{"client_id": "x", "explicit_auth_flows": ["ALLOW_USER_AUTH"]}, {"client_id": "y"}]
    assert sip.pool_sign_in_from_info(user_pool, mfa_config, clients) == PoolSignIn(
        "ON", frozenset({"PASSWORD", "EMAIL_OTP"}), sip.MULTI_FACTOR, ("x",), True
    )
    assert sip.pool_sign_in_from_info(None, None) == PoolSignIn(clients_read=False)


# ---------------------------------------------------------------- findings


def codes(pool):
    return [(finding.code, finding.subject, finding.severity) for finding in sip.findings("us-east-1_Pool", pool)]


@pytest.mark.parametrize(
    "pool, expected",
    [
        (PoolSignIn(mode="ON"), []),
        (PoolSignIn(mode="OFF"), [("mfa_off", "us-east-1_Pool", "high")]),
        (PoolSignIn(mode="OPTIONAL"), [("mfa_optional", "us-east-1_Pool", "medium")]),
        (
            PoolSignIn(mode="ON", first_factors=frozenset({"PASSWORD", "EMAIL_OTP", "SMS_OTP"}), user_auth_clients=("c1",)),
            [
                ("passwordless_first_factor", "us-east-1_Pool", "high"),
                ("passwordless_first_factor", "us-east-1_Pool", "high"),
                ("client_user_auth", "c1", "high"),
            ],
        ),
        (
            PoolSignIn(mode="OPTIONAL", first_factors=frozenset({"PASSWORD", "WEB_AUTHN"}), user_auth_clients=("c1", "c2")),
            [
                ("passkey_single_factor", "us-east-1_Pool", "high"),
                ("client_user_auth", "c1", "high"),
                ("client_user_auth", "c2", "high"),
                ("mfa_optional", "us-east-1_Pool", "medium"),
            ],
        ),
        (
            PoolSignIn(mode="ON", first_factors=frozenset({"PASSWORD", "WEB_AUTHN"}), passkey_factor=sip.MULTI_FACTOR, user_auth_clients=("c1",)),
            [("client_user_auth", "c1", "high"), ("passkey_first_factor", "us-east-1_Pool", "medium")],
        ),
        (PoolSignIn(mode="ON", first_factors=frozenset({"PASSWORD", "WEB_AUTHN"})), [("passkey_single_factor", "us-east-1_Pool", "low")]),
        (PoolSignIn(mode="ON", user_auth_clients=("c1",)), [("client_user_auth", "c1", "info")]),
    ],
    ids=["on-password-only", "off", "optional", "otp-first-factors", "passkey-single-factor", "passkey-mfa", "passkey-unreachable", "user-auth-password-only"],
)
def test_findings(pool, expected):
    assert codes(pool) == expected


def test_findings_without_the_mode_ones():
    pool = PoolSignIn(mode="OFF", first_factors=frozenset({"PASSWORD", "SMS_OTP"}), user_auth_clients=("c1",))
    assert [finding.code for finding in sip.findings("p", pool, include_mode=False)] == ["passwordless_first_factor", "client_user_auth"]


def test_finding_messages_say_how_and_where():
    pool = PoolSignIn(mode="ON", first_factors=frozenset({"PASSWORD", "WEB_AUTHN"}), clients_read=False)
    (finding,) = sip.findings("p", pool)
    assert "SINGLE_FACTOR" in finding.message and "clients not read" in finding.message and finding.severity == "high"
    assert set(finding.as_dict()) == {"code", "subject", "severity", "message"}


# ---------------------------------------------------------------- ON on a pool with passkeys


ON = {"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": True}}
PASSKEYS = ["PASSWORD", "WEB_AUTHN"]


@pytest.mark.parametrize(
    "desired, first_factors, set_passkey_mfa, expected_block",
    [
        (ON, ["PASSWORD"], False, None),
        (dict(ON, MfaConfiguration="OPTIONAL"), PASSKEYS, False, None),
        (dict(ON, WebAuthnConfiguration={"FactorConfiguration": sip.MULTI_FACTOR}), PASSKEYS, False, {"FactorConfiguration": sip.MULTI_FACTOR}),
        (ON, PASSKEYS, True, {"FactorConfiguration": sip.MULTI_FACTOR}),
        (
            dict(ON, WebAuthnConfiguration={"RelyingPartyId": "auth.example.com", "UserVerification": "required", "FactorConfiguration": "SINGLE_FACTOR"}),
            PASSKEYS,
            True,
            {"RelyingPartyId": "auth.example.com", "UserVerification": "required", "FactorConfiguration": sip.MULTI_FACTOR},
        ),
    ],
    ids=["no-passkeys", "optional-is-accepted", "already-multi-factor", "set-when-told", "keeps-the-rest-of-the-block"],
)
def test_check_mfa_required_passes_or_sets(desired, first_factors, set_passkey_mfa, expected_block):
    got = sip.check_mfa_required(desired, first_factors, set_passkey_mfa)
    assert got.get("WebAuthnConfiguration") == expected_block
    assert {key: value for key, value in got.items() if key != "WebAuthnConfiguration"} == {
        key: value for key, value in desired.items() if key != "WebAuthnConfiguration"
    }


@pytest.mark.parametrize(
    "desired, shown",
    [
        (ON, "not set (SINGLE_FACTOR)"),
        (dict(ON, WebAuthnConfiguration={"FactorConfiguration": "SINGLE_FACTOR", "UserVerification": "preferred"}), "is SINGLE_FACTOR"),
    ],
)
def test_check_mfa_required_fails_before_any_write_saying_why_and_what_to_set(desired, shown):
    before = dict(desired)
    with pytest.raises(InvalidRequest) as raised:
        sip.check_mfa_required(desired, PASSKEYS)
    message = str(raised.value)
    assert shown in message and "MULTI_FACTOR_WITH_USER_VERIFICATION" in message and "WEB_AUTHN" in message
    assert "Nothing was changed" in message
    assert desired == before


def test_allowed_first_factors_default_to_password():
    assert sip.allowed_first_factors({"UserPool": {"Policies": {"PasswordPolicy": {}}}}) == {"PASSWORD"}
    assert sip.allowed_first_factors({"Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "SMS_OTP"]}}}) == {"PASSWORD", "SMS_OTP"}
