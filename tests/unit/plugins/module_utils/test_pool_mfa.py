"""The pool MFA configuration logic as tables: options -> request (or error), current x request -> config to send."""

import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import pool_mfa
from ansible_collections.mfaops.cognito.plugins.module_utils.mfa import InvalidRequest
from ansible_collections.mfaops.cognito.plugins.module_utils.pool_mfa import BlockRequest as B
from ansible_collections.mfaops.cognito.plugins.module_utils.pool_mfa import PoolRequest as P

SNS = {"SnsCallerArn": "arn:aws:iam::123456789012:role/sms", "ExternalId": "x1", "SnsRegion": "us-east-1"}
SMS_BLOCK = {"SmsAuthenticationMessage": "Code {####}", "SmsConfiguration": SNS}
EMAIL_BLOCK = {"Message": "Your code is {####}", "Subject": "Sign-in code"}
WEBAUTHN = {"RelyingPartyId": "example.com", "UserVerification": "preferred"}
SETTABLE = ["SmsMfaConfiguration", "SoftwareTokenMfaConfiguration", "EmailMfaConfiguration", "MfaConfiguration", "WebAuthnConfiguration"]


def cfg(mode="OFF", totp=False, sms=None, email=None, **other):
    config = {"MfaConfiguration": mode, "SoftwareTokenMfaConfiguration": {"Enabled": totp}}
    if sms is not None:
        config["SmsMfaConfiguration"] = sms
    if email is not None:
        config["EmailMfaConfiguration"] = email
    config.update(other)
    return config


def params(**given):
    base = dict(mfa_configuration=None, software_token_mfa_enabled=None, sms_mfa_configuration=None, email_mfa_configuration=None)
    base.update(given)
    return base


# ---------------------------------------------------------------- options -> request


@pytest.mark.parametrize(
    "given, expected",
    [
        (dict(mfa_configuration="ON", software_token_mfa_enabled=True), P("ON", True)),
        (dict(mfa_configuration="OPTIONAL"), P("OPTIONAL")),
        (dict(software_token_mfa_enabled=False), P(None, False)),
        (dict(mfa_configuration="OFF"), P("OFF")),
        (dict(mfa_configuration="OFF", software_token_mfa_enabled=False), P("OFF", False)),
        # the module's suboptions arrive with None for what was not given
        (
            dict(sms_mfa_configuration=dict(enabled=True, sms_authentication_message=None, sms_configuration=None)),
            P(sms=B(True, {})),
        ),
        (
            dict(
                sms_mfa_configuration=dict(
                    enabled=True,
                    sms_authentication_message="Code {####}",
                    sms_configuration=dict(sns_caller_arn=SNS["SnsCallerArn"], external_id=None, sns_region=None),
                )
            ),
            P(sms=B(True, {"SmsAuthenticationMessage": "Code {####}", "SmsConfiguration": {"SnsCallerArn": SNS["SnsCallerArn"]}})),
        ),
        (dict(sms_mfa_configuration=dict(enabled=False)), P(sms=B(False, {}))),
        (
            dict(email_mfa_configuration=dict(enabled=None, email_message="Code {####}", email_subject="Hi")),
            P(email=B(True, {"Message": "Code {####}", "Subject": "Hi"})),
        ),
        # ON with TOTP off is fine when SMS is (or may still be) on
        (dict(mfa_configuration="ON", software_token_mfa_enabled=False, sms_mfa_configuration=dict(enabled=True)), P("ON", False, sms=B(True, {}))),
        (dict(mfa_configuration="ON", software_token_mfa_enabled=False), P("ON", False)),
    ],
)
def test_pool_request(given, expected):
    assert pool_mfa.pool_request(params(**given)) == expected


@pytest.mark.parametrize(
    "given, message",
    [
        (dict(), "nothing to set"),
        (dict(mfa_configuration="on"), "must be one of OFF, OPTIONAL, ON"),
        (dict(mfa_configuration="OFF", software_token_mfa_enabled=True), "OFF turns MFA off"),
        (
            dict(
                mfa_configuration="ON",
                software_token_mfa_enabled=False,
                sms_mfa_configuration=dict(enabled=False),
                email_mfa_configuration=dict(enabled=False),
            ),
            "ON needs at least one MFA method enabled",
        ),
        (
            dict(
                mfa_configuration="OPTIONAL",
                software_token_mfa_enabled=False,
                sms_mfa_configuration=dict(enabled=False),
                email_mfa_configuration=dict(enabled=False),
            ),
            "OPTIONAL needs at least one MFA method enabled",
        ),
        (dict(sms_mfa_configuration=dict(enabled=False, sms_authentication_message="Code {####}")), "but enabled is false"),
        (dict(sms_mfa_configuration=dict(sms_authentication_message="Your code")), "must contain {####}"),
        (dict(email_mfa_configuration=dict(email_message="no placeholder")), "must contain {####}"),
        (dict(sms_mfa_configuration=dict(bogus=1)), "unknown key(s) bogus"),
        (dict(sms_mfa_configuration=dict(sms_configuration=dict(arn="x"))), "sms_mfa_configuration.sms_configuration: unknown key(s) arn"),
        (dict(email_mfa_configuration="yes"), "expected a dict"),
    ],
)
def test_pool_request_errors(given, message):
    with pytest.raises(InvalidRequest) as error:
        pool_mfa.pool_request(params(**given))
    assert message in str(error.value)


# ---------------------------------------------------------------- reading


@pytest.mark.parametrize(
    "response, expected",
    [
        # moto: null blocks
        ({"MfaConfiguration": "OFF", "SmsMfaConfiguration": None, "SoftwareTokenMfaConfiguration": None}, cfg("OFF")),
        # Cognito: blocks omitted, response metadata present
        ({"MfaConfiguration": "OPTIONAL", "ResponseMetadata": {"HTTPStatusCode": 200}}, cfg("OPTIONAL")),
        ({}, cfg("OFF")),
        ({"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": True}}, cfg("ON", True)),
        (
            {"MfaConfiguration": "ON", "SmsMfaConfiguration": SMS_BLOCK, "EmailMfaConfiguration": EMAIL_BLOCK, "WebAuthnConfiguration": WEBAUTHN},
            cfg("ON", sms=SMS_BLOCK, email=EMAIL_BLOCK, WebAuthnConfiguration=WEBAUTHN),
        ),
    ],
)
def test_normalize(response, expected):
    assert pool_mfa.normalize(response) == expected


def test_normalize_copies():
    response = {"MfaConfiguration": "ON", "SmsMfaConfiguration": {"SmsConfiguration": dict(SNS)}}
    config = pool_mfa.normalize(response)
    config["SmsMfaConfiguration"]["SmsConfiguration"]["ExternalId"] = "changed"
    assert response["SmsMfaConfiguration"]["SmsConfiguration"]["ExternalId"] == "x1"


# ---------------------------------------------------------------- current x request -> config to send


@pytest.mark.parametrize(
    "current, request_, expected, changed",
    [
        # already as asked: same config, no change
        (cfg("ON", True), P("ON", True), cfg("ON", True), False),
        (cfg("OPTIONAL", True, sms=SMS_BLOCK), P("OPTIONAL"), cfg("OPTIONAL", True, sms=SMS_BLOCK), False),
        # OPTIONAL -> ON: SMS, email and WebAuthn blocks are sent back as read
        (
            cfg("OPTIONAL", True, sms=SMS_BLOCK, email=EMAIL_BLOCK, WebAuthnConfiguration=WEBAUTHN),
            P("ON"),
            cfg("ON", True, sms=SMS_BLOCK, email=EMAIL_BLOCK, WebAuthnConfiguration=WEBAUTHN),
            True,
        ),
        # enable TOTP, keep the mode
        (cfg("OPTIONAL", sms=SMS_BLOCK), P(software_token_mfa_enabled=True), cfg("OPTIONAL", True, sms=SMS_BLOCK), True),
        # OFF turns TOTP off too and leaves no SMS or email block (Cognito refuses OFF with one);
        # WebAuthn is kept
        (cfg("OPTIONAL", True, sms=SMS_BLOCK), P("OFF"), cfg("OFF", False), True),
        (
            cfg("ON", True, sms=SMS_BLOCK, email=EMAIL_BLOCK, WebAuthnConfiguration=WEBAUTHN),
            P("OFF"),
            cfg("OFF", False, WebAuthnConfiguration=WEBAUTHN),
            True,
        ),
        (cfg("OFF"), P("OFF"), cfg("OFF"), False),
        # SMS off: its block is not sent
        (cfg("ON", True, sms=SMS_BLOCK), P(sms=B(False)), cfg("ON", True), True),
        (cfg("ON", True), P(sms=B(False)), cfg("ON", True), False),
        # SMS settings merge key by key into the current block
        (
            cfg("ON", True, sms=SMS_BLOCK),
            P(sms=B(True, {"SmsConfiguration": {"ExternalId": "x2"}})),
            cfg("ON", True, sms=dict(SMS_BLOCK, SmsConfiguration=dict(SNS, ExternalId="x2"))),
            True,
        ),
        (cfg("ON", True, sms=SMS_BLOCK), P(sms=B(True, {"SmsAuthenticationMessage": "Code {####}"})), cfg("ON", True, sms=SMS_BLOCK), False),
        # SMS on from nothing
        (cfg("OPTIONAL", True), P(sms=B(True, {"SmsConfiguration": SNS})), cfg("OPTIONAL", True, sms={"SmsConfiguration": SNS}), True),
        # email on, off
        (cfg("ON", True), P(email=B(True, EMAIL_BLOCK)), cfg("ON", True, email=EMAIL_BLOCK), True),
        (cfg("ON", True, email=EMAIL_BLOCK), P(email=B(False)), cfg("ON", True), True),
        # TOTP off in an ON pool is fine while SMS stays on
        (cfg("ON", True, sms=SMS_BLOCK), P(software_token_mfa_enabled=False), cfg("ON", False, sms=SMS_BLOCK), True),
        # from OFF straight to ON with TOTP
        (cfg("OFF"), P("ON", True), cfg("ON", True), True),
    ],
)
def test_desired(current, request_, expected, changed):
    wanted = pool_mfa.desired(current, request_, SETTABLE)
    assert wanted == expected
    assert pool_mfa.matches(current, wanted) is not changed
    assert pool_mfa.matches(wanted, wanted)


def test_desired_drops_blocks_the_set_call_does_not_take():
    current = cfg("ON", True, SomethingReadOnly={"x": 1})
    assert pool_mfa.desired(current, P("ON"), SETTABLE) == cfg("ON", True)


def test_desired_does_not_touch_current():
    current = cfg("ON", True, sms=dict(SMS_BLOCK))
    pool_mfa.desired(current, P(sms=B(True, {"SmsConfiguration": {"ExternalId": "x2"}})), SETTABLE)
    assert current == cfg("ON", True, sms=SMS_BLOCK)


@pytest.mark.parametrize(
    "current, request_, message",
    [
        # contradictions that only the current configuration reveals: still before any write
        (cfg("OFF"), P(software_token_mfa_enabled=True), "configuration is OFF, so TOTP cannot be enabled"),
        (cfg("OFF"), P("ON"), "ON needs at least one MFA method enabled, but this request would leave none (the pool is OFF now)"),
        (cfg("OFF"), P("OPTIONAL"), "OPTIONAL needs at least one MFA method enabled"),
        (cfg("ON", True), P(software_token_mfa_enabled=False), "ON needs at least one MFA method enabled"),
        (cfg("ON", False, sms=SMS_BLOCK), P(sms=B(False)), "ON needs at least one MFA method enabled"),
        (cfg("OPTIONAL", False, email=EMAIL_BLOCK), P(email=B(False)), "OPTIONAL needs at least one MFA method enabled"),
    ],
)
def test_desired_contradictions(current, request_, message):
    with pytest.raises(InvalidRequest) as error:
        pool_mfa.desired(current, request_, SETTABLE)
    assert message in str(error.value)


# ---------------------------------------------------------------- read-back check


@pytest.mark.parametrize(
    "actual, wanted, expected",
    [
        (cfg("ON", True), cfg("ON", True), True),
        (cfg("OPTIONAL", True), cfg("ON", True), False),
        (cfg("ON", False), cfg("ON", True), False),
        # Cognito may add keys of its own to a block
        (cfg("ON", True, sms=dict(SMS_BLOCK, Extra="x")), cfg("ON", True, sms=SMS_BLOCK), True),
        (cfg("ON", True, sms={"SmsConfiguration": SNS}), cfg("ON", True, sms=SMS_BLOCK), False),
        # a block that should be gone is still there, or one that should be there is missing
        (cfg("ON", True, sms=SMS_BLOCK), cfg("ON", True), False),
        (cfg("ON", True), cfg("ON", True, email=EMAIL_BLOCK), False),
        # blocks this module does not manage are not compared
        (cfg("ON", True), cfg("ON", True, WebAuthnConfiguration=WEBAUTHN), True),
    ],
)
def test_matches(actual, wanted, expected):
    assert pool_mfa.matches(actual, wanted) is expected


def test_enabled_methods():
    assert pool_mfa.enabled_methods(cfg("ON", True, email=EMAIL_BLOCK)) == {"software_token_mfa": True, "sms_mfa": False, "email_mfa": True}


@pytest.mark.parametrize(
    "config, sent",
    [
        (cfg("OFF"), {"MfaConfiguration": "OFF"}),
        (cfg("OFF", WebAuthnConfiguration=WEBAUTHN), {"MfaConfiguration": "OFF", "WebAuthnConfiguration": WEBAUTHN}),
        (cfg("ON", True, sms=SMS_BLOCK), cfg("ON", True, sms=SMS_BLOCK)),
    ],
)
def test_off_is_sent_without_factor_blocks(config, sent):
    assert pool_mfa.call_parameters(config) == sent


@pytest.mark.parametrize("request_", [P("OFF", sms=B(True)), P("OFF", email=B(True))])
def test_off_with_a_method_enabled_is_refused_before_any_call(request_):
    with pytest.raises(InvalidRequest, match="OFF, so (sms|email)_mfa_configuration cannot be enabled"):
        pool_mfa.desired(cfg("OPTIONAL", True, sms=SMS_BLOCK), request_)


# ---------------------------------------------------------------- passkeys (WebAuthnConfiguration)

MULTI = "MULTI_FACTOR_WITH_USER_VERIFICATION"


def test_web_authn_option_becomes_the_api_block():
    request = pool_mfa.pool_request(params(web_authn_configuration={"factor_configuration": MULTI, "relying_party_id": "auth.example.com",
                                                                    "user_verification": None}))
    assert request.web_authn == {"FactorConfiguration": MULTI, "RelyingPartyId": "auth.example.com"}
    assert pool_mfa.pool_request(params(mfa_configuration="ON", web_authn_configuration={})).web_authn is None
    with pytest.raises(InvalidRequest, match="nothing to set: .*web_authn_configuration"):
        pool_mfa.pool_request(params(web_authn_configuration={"factor_configuration": None}))


def test_web_authn_is_merged_into_the_current_block_and_compared():
    current = cfg("OPTIONAL", True, WebAuthnConfiguration=WEBAUTHN)
    request = P(mfa_configuration="ON", web_authn={"FactorConfiguration": MULTI})
    wanted = pool_mfa.desired(current, request, SETTABLE)
    assert wanted["WebAuthnConfiguration"] == dict(WEBAUTHN, FactorConfiguration=MULTI)
    assert not pool_mfa.matches(cfg("ON", True, WebAuthnConfiguration=WEBAUTHN), wanted, web_authn=True)
    assert pool_mfa.matches(cfg("ON", True, WebAuthnConfiguration=dict(WEBAUTHN, FactorConfiguration=MULTI)), wanted, web_authn=True)
    # not asked: the block is sent back as read, and its absence from the request changes nothing
    kept = pool_mfa.desired(current, P(mfa_configuration="ON"), SETTABLE)
    assert kept["WebAuthnConfiguration"] == WEBAUTHN and pool_mfa.matches(cfg("ON", True, WebAuthnConfiguration=WEBAUTHN), kept)
