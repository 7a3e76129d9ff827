"""The probes: one per row of docs/cognito-behaviour.md that the stand-in emulates or the
collection relies on. Each row of the ledger names its probe; docs/conformance.md says how to run them.

Every probe creates what it needs in a user pool of its own (``ctx.create_pool``), makes no user
that could receive a message (``MessageAction: SUPPRESS``, no SMS configuration, no verified
contact), and returns a small, normalised observation. ``expected`` is the ledger's expectation;
``UNKNOWN`` marks what nobody has seen on a real pool.
"""

from __future__ import annotations

import json
import os
import re
import time
from typing import Any, Optional

import pyotp

from .kit import PASSWORD, UNKNOWN, Context, Skip, attempt, outcome, part, probe, sign_in_answer

NOT_ENROLLED = "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA"
OFF_REFUSAL = "Invalid MFA configuration given, can't turn off MFA and configure an MFA together"
WEBAUTHN_REFUSAL = (
    "Cannot set WebAuthn factor configuration to SINGLE_FACTOR if MFA is required and WebAuthn is an allowed first auth factor"
)
ADMIN_FLOWS = ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
TOTP_ON = {"SoftwareTokenMfaConfiguration": {"Enabled": True}}
TOTP_PREFERRED = {"SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": True}}
TOTP_ENABLED = {"SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": False}}
INVALID_PARAMETER = "InvalidParameterException"


# ----- helpers: thin boto3 steps --------------------------------------------------------


def make_user(ctx: Context, pool: str, name: str, attributes: Optional[list[dict[str, str]]] = None,
              confirmed: bool = True) -> dict[str, Any]:
    """A user created by an administrator, no message sent; with a permanent password (CONFIRMED)."""
    user = ctx.cognito.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS",
                                         UserAttributes=attributes or [])["User"]
    if confirmed:
        ctx.cognito.admin_set_user_password(UserPoolId=pool, Username=user["Username"], Password=PASSWORD, Permanent=True)
    return user


def make_client(ctx: Context, pool: str, flows: Optional[list[str]] = None, secret: bool = False) -> dict[str, Any]:
    return ctx.cognito.create_user_pool_client(UserPoolId=pool, ClientName="conformance", GenerateSecret=secret,
                                               ExplicitAuthFlows=flows or ADMIN_FLOWS)["UserPoolClient"]


def sign_in(ctx: Context, pool: str, client_id: str, name: str, **extra: str) -> tuple[Any, Any]:
    return attempt(ctx.cognito.admin_initiate_auth, UserPoolId=pool, ClientId=client_id,
                   AuthFlow="ADMIN_USER_PASSWORD_AUTH", AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD, **extra})


def code_at(secret: str, when: Optional[float] = None) -> str:
    return pyotp.TOTP(secret).at(when if when is not None else time.time())


def next_step(ctx: Context) -> None:
    """Wait for the next 30 s TOTP step (on AWS: a code used once may not be used again)."""
    ctx.sleep(30 - time.time() % 30 + 0.5)


def enrol(ctx: Context, pool: str, client_id: str, name: str) -> tuple[str, str]:
    """Sign in (no challenge expected), associate and verify a TOTP token; (the secret, the access token)."""
    answer, error = sign_in(ctx, pool, client_id, name)
    if error or not answer.get("AuthenticationResult"):
        raise RuntimeError(f"sign-in before enrolment: {sign_in_answer(answer, error)}")
    token = answer["AuthenticationResult"]["AccessToken"]
    secret = ctx.cognito.associate_software_token(AccessToken=token)["SecretCode"]
    status = ctx.cognito.verify_software_token(AccessToken=token, UserCode=code_at(secret))["Status"]
    if status != "SUCCESS":
        raise RuntimeError(f"VerifySoftwareToken: {status}")
    return secret, token


def totp_pool(ctx: Context, mode: str = "OPTIONAL", suffix: str = "") -> tuple[str, str]:
    """A pool with TOTP in ``mode`` and an app client for admin password sign-in."""
    pool = ctx.create_pool(suffix)
    ctx.cognito.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration=mode, **TOTP_ON)
    return pool, make_client(ctx, pool)["ClientId"]


def mfa_fields(user: dict[str, Any]) -> dict[str, Any]:
    """How AdminGetUser shows the MFA fields: absent, empty or their values."""
    return {key: user.get(key, "<absent>") for key in ("UserMFASettingList", "PreferredMfaSetting")}


def answer_totp(ctx: Context, pool: str, client_id: str, name: str, session: str, code: str) -> Any:
    answer, error = attempt(ctx.cognito.admin_respond_to_auth_challenge, UserPoolId=pool, ClientId=client_id,
                            ChallengeName="SOFTWARE_TOKEN_MFA", Session=session,
                            ChallengeResponses={"USERNAME": name, "SOFTWARE_TOKEN_MFA_CODE": code})
    return sign_in_answer(answer, error)


# ----- rows 1-5: refusals, the pool's configuration, names -------------------------------


@probe("not_enrolled_wording", "1", "TOTP refused for a user without a verified token",
       {"admin": {"error": INVALID_PARAMETER, "message": NOT_ENROLLED}})
def not_enrolled_wording(ctx: Context) -> dict[str, Any]:
    pool = ctx.create_pool()
    ctx.cognito.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL", **TOTP_ON)
    make_user(ctx, pool, "no-token")
    return {"admin": outcome(ctx.cognito.admin_set_user_mfa_preference, UserPoolId=pool, Username="no-token", **TOTP_PREFERRED)}


@probe("off_with_factors", "2", "OFF with a factor block is refused; OFF alone is accepted",
       {"off_with_totp": {"error": INVALID_PARAMETER, "message": OFF_REFUSAL}, "off_alone": "accepted"})
def off_with_factors(ctx: Context) -> dict[str, Any]:
    pool = ctx.create_pool()
    return {
        "off_with_totp": outcome(ctx.cognito.set_user_pool_mfa_config, UserPoolId=pool, MfaConfiguration="OFF", **TOTP_ON),
        "off_alone": outcome(ctx.cognito.set_user_pool_mfa_config, UserPoolId=pool, MfaConfiguration="OFF"),
    }


@probe("mfa_config_replaced", "3", "SetUserPoolMfaConfig replaces the whole configuration",
       {"mode": "OFF", "totp_enabled_after_omitting_it": False})
def mfa_config_replaced(ctx: Context) -> dict[str, Any]:
    pool = ctx.create_pool()
    ctx.cognito.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL", **TOTP_ON)
    # OFF alone (the only mode that needs no factor block, and no SMS or email set-up): TOTP omitted.
    ctx.cognito.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OFF")
    config = ctx.cognito.get_user_pool_mfa_config(UserPoolId=pool)
    return {"mode": config.get("MfaConfiguration"),
            "totp_enabled_after_omitting_it": bool((config.get("SoftwareTokenMfaConfiguration") or {}).get("Enabled"))}


@probe("case_blind_pool", "4", "A case-insensitive pool matches names in any case and stores them in lowercase",
       {"get_in_other_case": "found", "stored_username": "alice.case", "sign_in_in_other_case": "tokens"})
def case_blind_pool(ctx: Context) -> dict[str, Any]:
    pool = ctx.create_pool(UsernameConfiguration={"CaseSensitive": False})
    client_id = make_client(ctx, pool)["ClientId"]
    user = make_user(ctx, pool, "Alice.Case")
    found, error = attempt(ctx.cognito.admin_get_user, UserPoolId=pool, Username="ALICE.case")
    return {"get_in_other_case": error["error"] if error else "found",
            "stored_username": user["Username"],
            "sign_in_in_other_case": sign_in_answer(*sign_in(ctx, pool, client_id, "alice.CASE"))}


@probe("alias_username_is_uuid", "5", "In an email-username pool the Username is a UUID; admin calls take the email",
       {"username_is_uuid": True, "get_by_email": "found"})
def alias_username_is_uuid(ctx: Context) -> dict[str, Any]:
    pool = ctx.create_pool(UsernameAttributes=["email"])
    user = make_user(ctx, pool, "bob@example.com", [{"Name": "email", "Value": "bob@example.com"}], confirmed=False)
    found, error = attempt(ctx.cognito.admin_get_user, UserPoolId=pool, Username="bob@example.com")
    import uuid  # pylint: disable=import-outside-toplevel

    try:
        is_uuid = str(uuid.UUID(user["Username"])) == user["Username"]
    except ValueError:
        is_uuid = False
    return {"username_is_uuid": is_uuid, "get_by_email": error["error"] if error else "found"}


# ----- rows 6-11, 15, 30: TOTP at sign-in ------------------------------------------------


@probe("totp_code_used_once", "6", "A TOTP code is accepted once at sign-in",
       {"first_sign_in": "tokens", "same_code_again": "refused"})
def totp_code_used_once(ctx: Context) -> dict[str, Any]:
    pool, client_id = totp_pool(ctx)
    make_user(ctx, pool, "reuse")
    secret, dummy = enrol(ctx, pool, client_id, "reuse")
    ctx.cognito.admin_set_user_mfa_preference(UserPoolId=pool, Username="reuse", **TOTP_PREFERRED)
    next_step(ctx)  # the code given to VerifySoftwareToken is not reused at sign-in
    code = code_at(secret)
    answers = []
    for dummy in range(2):
        answer, error = sign_in(ctx, pool, client_id, "reuse")
        if error or answer.get("ChallengeName") != "SOFTWARE_TOKEN_MFA":
            answers.append(sign_in_answer(answer, error))
            continue
        answers.append(answer_totp(ctx, pool, client_id, "reuse", answer["Session"], code))
    second = answers[1]
    return {"first_sign_in": answers[0],
            "same_code_again": "refused" if isinstance(second, dict) and "error" in second else second,
            "reuse_error": second}


part("totp_code_reuse_error", "6", "The error Cognito gives for a reused TOTP code", UNKNOWN,
     "totp_code_used_once", "reuse_error")


@probe("totp_rfc6238", "7", "TOTP is RFC 6238 (HMAC-SHA1, 6 digits, 30 s) on a base32 secret",
       {"verify_status": "SUCCESS", "secret_is_base32": True, "wrong_code": "refused"})
def totp_rfc6238(ctx: Context) -> dict[str, Any]:
    pool, client_id = totp_pool(ctx)
    make_user(ctx, pool, "rfc")
    answer, error = sign_in(ctx, pool, client_id, "rfc")
    if error:
        return {"sign_in": error}
    token = answer["AuthenticationResult"]["AccessToken"]
    secret = ctx.cognito.associate_software_token(AccessToken=token)["SecretCode"]
    wrong = str((int(code_at(secret)) + 500_000) % 1_000_000).zfill(6)
    refused = outcome(ctx.cognito.verify_software_token, AccessToken=token, UserCode=wrong)
    status = ctx.cognito.verify_software_token(AccessToken=token, UserCode=code_at(secret))["Status"]
    import base64  # pylint: disable=import-outside-toplevel
    import binascii  # pylint: disable=import-outside-toplevel

    try:
        base64.b32decode(secret + "=" * (-len(secret) % 8))
        base32 = True
    except (binascii.Error, ValueError):
        base32 = False
    wrong_status = refused if refused == "accepted" else "refused"
    return {"verify_status": status, "secret_is_base32": base32, "wrong_code": wrong_status}


@probe("mfa_setup_challenge", "8", "MFA_SETUP at sign-in for a user without MFA in an ON pool",
       {"sign_in": "challenge:MFA_SETUP"})
def mfa_setup_challenge(ctx: Context) -> dict[str, Any]:
    pool, client_id = totp_pool(ctx, "ON")
    make_user(ctx, pool, "setup")
    return {"sign_in": sign_in_answer(*sign_in(ctx, pool, client_id, "setup"))}


@probe("select_mfa_type", "9", "SELECT_MFA_TYPE for a user with TOTP and SMS enabled and none preferred",
       {"sign_in": "challenge:SELECT_MFA_TYPE"},
       aws_opt_in=("CONFORMANCE_SMS", "needs an SMS configuration on the pool (CONFORMANCE_SNS_ROLE_ARN, a role "
                   "Cognito may use to send text messages) and a user with SMS MFA; the probe sends none itself"))
def select_mfa_type(ctx: Context) -> dict[str, Any]:
    pool = ctx.create_pool()
    role = os.environ.get("CONFORMANCE_SNS_ROLE_ARN") or "arn:aws:iam::123456789012:role/conformance-sns"
    ctx.cognito.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL", **TOTP_ON,
                                         SmsMfaConfiguration={"SmsConfiguration": {
                                             "SnsCallerArn": role, "ExternalId": "conformance"}})
    client_id = make_client(ctx, pool)["ClientId"]
    make_user(ctx, pool, "both", [{"Name": "phone_number", "Value": "+15550100001"}])
    enrol(ctx, pool, client_id, "both")
    ctx.cognito.admin_set_user_mfa_preference(UserPoolId=pool, Username="both", **TOTP_ENABLED,
                                              SMSMfaSettings={"Enabled": True, "PreferredMfa": False})
    return {"sign_in": sign_in_answer(*sign_in(ctx, pool, client_id, "both"))}


@probe("totp_enabled_not_preferred", "10", "A user with TOTP enabled but not preferred is challenged",
       {"sign_in": "challenge:SOFTWARE_TOKEN_MFA"})
def totp_enabled_not_preferred(ctx: Context) -> dict[str, Any]:
    pool, client_id = totp_pool(ctx)
    make_user(ctx, pool, "notpref")
    enrol(ctx, pool, client_id, "notpref")
    ctx.cognito.admin_set_user_mfa_preference(UserPoolId=pool, Username="notpref", **TOTP_ENABLED)
    return {"sign_in": sign_in_answer(*sign_in(ctx, pool, client_id, "notpref"))}


@probe("session_tied_to_user", "11", "A sign-in session answered in another user's name is refused",
       {"answer_as_other_user": {"error": "NotAuthorizedException"}})
def session_tied_to_user(ctx: Context) -> dict[str, Any]:
    pool, client_id = totp_pool(ctx)
    for name in ("owner", "intruder"):
        make_user(ctx, pool, name)
    secret, dummy = enrol(ctx, pool, client_id, "owner")
    ctx.cognito.admin_set_user_mfa_preference(UserPoolId=pool, Username="owner", **TOTP_ENABLED)
    next_step(ctx)
    answer, error = sign_in(ctx, pool, client_id, "owner")
    if error or answer.get("ChallengeName") != "SOFTWARE_TOKEN_MFA":
        return {"answer_as_other_user": {"error": f"no challenge: {sign_in_answer(answer, error)}"}}
    result = answer_totp(ctx, pool, client_id, "intruder", answer["Session"], code_at(secret))
    return {"answer_as_other_user": {"error": result["error"]} if isinstance(result, dict) else result}


@probe("on_pool_disable_answer", "15", "In an ON pool, disabling a user's only MFA method",
       {"answer": UNKNOWN, "totp_enabled_after": UNKNOWN})
def on_pool_disable_answer(ctx: Context) -> dict[str, Any]:
    pool, client_id = totp_pool(ctx)
    make_user(ctx, pool, "on-user")
    enrol(ctx, pool, client_id, "on-user")
    ctx.cognito.admin_set_user_mfa_preference(UserPoolId=pool, Username="on-user", **TOTP_PREFERRED)
    ctx.cognito.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="ON", **TOTP_ON)
    answer = outcome(ctx.cognito.admin_set_user_mfa_preference, UserPoolId=pool, Username="on-user",
                     SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False})
    user = ctx.cognito.admin_get_user(UserPoolId=pool, Username="on-user")
    return {"answer": answer, "totp_enabled_after": "SOFTWARE_TOKEN_MFA" in (user.get("UserMFASettingList") or [])}


@probe("disabled_user_admin_write", "30", "Admin MFA writes still work on a disabled user",
       {"write": "accepted", "enabled": False, "totp_enabled_after": True})
def disabled_user_admin_write(ctx: Context) -> dict[str, Any]:
    pool, client_id = totp_pool(ctx)
    make_user(ctx, pool, "disabled")
    enrol(ctx, pool, client_id, "disabled")
    ctx.cognito.admin_disable_user(UserPoolId=pool, Username="disabled")
    write = outcome(ctx.cognito.admin_set_user_mfa_preference, UserPoolId=pool, Username="disabled", **TOTP_PREFERRED)
    user = ctx.cognito.admin_get_user(UserPoolId=pool, Username="disabled")
    return {"write": write, "enabled": user["Enabled"],
            "totp_enabled_after": "SOFTWARE_TOKEN_MFA" in (user.get("UserMFASettingList") or [])}


@probe("off_pool_no_second_factor", "17", "An OFF pool asks no second factor, whatever the user's settings",
       {"sign_in": "tokens"}, standin_gap=True)
def off_pool_no_second_factor(ctx: Context) -> dict[str, Any]:
    pool, client_id = totp_pool(ctx)
    make_user(ctx, pool, "was-totp")
    enrol(ctx, pool, client_id, "was-totp")
    ctx.cognito.admin_set_user_mfa_preference(UserPoolId=pool, Username="was-totp", **TOTP_PREFERRED)
    ctx.cognito.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OFF")
    return {"sign_in": sign_in_answer(*sign_in(ctx, pool, client_id, "was-totp"))}


@probe("last_modified_on_mfa_change", "42", "Whether UserLastModifiedDate moves on an MFA change",
       {"moved": UNKNOWN})
def last_modified_on_mfa_change(ctx: Context) -> dict[str, Any]:
    pool, client_id = totp_pool(ctx)
    make_user(ctx, pool, "dated")
    enrol(ctx, pool, client_id, "dated")
    before = ctx.cognito.admin_get_user(UserPoolId=pool, Username="dated")["UserLastModifiedDate"]
    ctx.sleep(2)  # the dates have a resolution of a second or more
    ctx.cognito.admin_set_user_mfa_preference(UserPoolId=pool, Username="dated", **TOTP_PREFERRED)
    after = ctx.cognito.admin_get_user(UserPoolId=pool, Username="dated")["UserLastModifiedDate"]
    return {"moved": after > before}


# ----- rows 49, 50: the clocks, and the pool's configuration (state runs) --------------------------


@probe("date_header_clock", "49", "Every answer has a Date header (RFC 7231 IMF-fixdate: whole seconds, GMT), within "
       "1 s of this machine's clock (a state run reads the whole pool beyond it)",
       {"date_header": "IMF-fixdate", "within_1_s": True})
def date_header_clock(ctx: Context) -> dict[str, Any]:
    import email.utils  # pylint: disable=import-outside-toplevel

    pool = ctx.create_pool()
    sent = time.time()
    answer = ctx.cognito.list_users(UserPoolId=pool, Limit=1)
    received = time.time()
    value = (answer.get("ResponseMetadata") or {}).get("HTTPHeaders", {}).get("date", "")
    shaped = re.fullmatch(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT", value)
    skew = email.utils.parsedate_to_datetime(value).timestamp() + 0.5 - (sent + received) / 2 if shaped else None
    return {"date_header": "IMF-fixdate" if shaped else value or "missing",
            "within_1_s": skew is not None and abs(skew) <= 1.0, "skew_seconds": None if skew is None else round(skew, 1)}


@probe("pool_config_no_user_trace", "50", "A change of the pool's MFA configuration shows in GetUserPoolMfaConfig and "
       "DescribeUserPool; whether it moves a user's UserLastModifiedDate",
       {"get_mfa_config": "OFF", "describe_user_pool": "OFF", "user_last_modified_moved": UNKNOWN})
def pool_config_no_user_trace(ctx: Context) -> dict[str, Any]:
    pool, client_id = totp_pool(ctx)
    make_user(ctx, pool, "pool-change")
    enrol(ctx, pool, client_id, "pool-change")
    before = ctx.cognito.admin_get_user(UserPoolId=pool, Username="pool-change")["UserLastModifiedDate"]
    ctx.sleep(2)  # the dates have a resolution of a second or more
    ctx.cognito.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OFF")
    after = ctx.cognito.admin_get_user(UserPoolId=pool, Username="pool-change")["UserLastModifiedDate"]
    return {"get_mfa_config": ctx.cognito.get_user_pool_mfa_config(UserPoolId=pool).get("MfaConfiguration"),
            "describe_user_pool": ctx.cognito.describe_user_pool(UserPoolId=pool)["UserPool"].get("MfaConfiguration"),
            "user_last_modified_moved": after > before}


# ----- rows 12-14, 16, 18: quotas, missing fields, secret hash, legacy SMS -----------------


@probe("group_quota", "12", "Groups per user pool (resource quota), from Service Quotas",
       {"groups_per_pool_default": UNKNOWN})
def group_quota(ctx: Context) -> dict[str, Any]:
    quotas = ctx.client("service-quotas")
    answer, error = attempt(quotas.list_aws_default_service_quotas, ServiceCode="cognito-idp", MaxResults=100)
    if error:
        raise Skip(f"the endpoint does not answer Service Quotas ListAWSDefaultServiceQuotas for cognito-idp: {error['error']}")
    listed = answer.get("Quotas", [])
    for quota in sorted(listed, key=lambda q: q.get("QuotaName", "").lower() != "groups per user pool"):
        if "group" in quota.get("QuotaName", "").lower():
            return {"groups_per_pool_default": quota.get("Value"), "quota_name": quota.get("QuotaName"),
                    "adjustable": quota.get("Adjustable")}
    return {"groups_per_pool_default": "<no group quota listed>"}


@probe("request_quota_throttling", "13", "A burst above a request quota is answered TooManyRequestsException",
       {"throttled_error": "TooManyRequestsException"},
       aws_opt_in=("CONFORMANCE_THROTTLE", "takes the account's whole UserList quota (30 req/s) for a moment; "
                   "run it on a sandbox account only"))
def request_quota_throttling(ctx: Context) -> dict[str, Any]:
    from concurrent.futures import ThreadPoolExecutor  # pylint: disable=import-outside-toplevel

    pool = ctx.create_pool()
    client = ctx.client(retries=1)
    found: list[str] = []

    def burst(dummy: int) -> None:
        for dummy_call in range(50):
            if found:
                return
            dummy_answer, error = attempt(client.list_users, UserPoolId=pool, Limit=1)
            if error:
                found.append(error["error"])

    with ThreadPoolExecutor(10) as workers:  # up to 500 calls; it stops at the first refusal
        list(workers.map(burst, range(10)))
    return {"throttled_error": found[0] if found else "never throttled in 500 calls"}


@probe("mfa_fields_when_none", "14", "AdminGetUser of a user without MFA: UserMFASettingList, PreferredMfaSetting",
       {"fields": UNKNOWN})
def mfa_fields_when_none(ctx: Context) -> dict[str, Any]:
    pool = ctx.create_pool()
    make_user(ctx, pool, "plain", confirmed=False)
    return {"fields": mfa_fields(ctx.cognito.admin_get_user(UserPoolId=pool, Username="plain"))}


@probe("secret_hash_required", "16", "A client with a secret needs SECRET_HASH in admin sign-in",
       {"without": {"error": "NotAuthorizedException"}, "with": "tokens"}, standin_gap=True)
def secret_hash_required(ctx: Context) -> dict[str, Any]:
    import base64  # pylint: disable=import-outside-toplevel
    import hashlib  # pylint: disable=import-outside-toplevel
    import hmac  # pylint: disable=import-outside-toplevel

    pool = ctx.create_pool()
    client = make_client(ctx, pool, secret=True)
    make_user(ctx, pool, "hashed")
    digest = hmac.new(client["ClientSecret"].encode(), ("hashed" + client["ClientId"]).encode(), hashlib.sha256).digest()
    without = sign_in_answer(*sign_in(ctx, pool, client["ClientId"], "hashed"))
    return {"without": {"error": without["error"]} if isinstance(without, dict) else without,
            "with": sign_in_answer(*sign_in(ctx, pool, client["ClientId"], "hashed",
                                            SECRET_HASH=base64.b64encode(digest).decode()))}


@probe("legacy_sms_mfa_options", "18", "Legacy MFAOptions (SMS) and UserMFASettingList",
       {"set": "accepted", "mfa_options": [{"AttributeName": "phone_number", "DeliveryMedium": "SMS"}],
        "fields": UNKNOWN}, standin_gap=True)
def legacy_sms_mfa_options(ctx: Context) -> dict[str, Any]:
    pool = ctx.create_pool()
    make_user(ctx, pool, "legacy", [{"Name": "phone_number", "Value": "+15550100002"}], confirmed=False)
    result = outcome(ctx.cognito.admin_set_user_settings, UserPoolId=pool, Username="legacy",
                     MFAOptions=[{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}])
    user = ctx.cognito.admin_get_user(UserPoolId=pool, Username="legacy")
    return {"set": result if result == "accepted" else {"error": result["error"]},
            "mfa_options": user.get("MFAOptions", "<absent>"), "fields": mfa_fields(user)}


# ----- rows 19-23: passkeys and choice-based sign-in ---------------------------------------


@probe("webauthn_config_kept", "19", "SetUserPoolMfaConfig keeps WebAuthnConfiguration",
       {"set": "accepted", "web_authn": {"RelyingPartyId": "example.com", "UserVerification": "preferred"}})
def webauthn_config_kept(ctx: Context) -> dict[str, Any]:
    pool = ctx.create_pool()
    block = {"RelyingPartyId": "example.com", "UserVerification": "preferred"}
    result = outcome(ctx.cognito.set_user_pool_mfa_config, UserPoolId=pool, MfaConfiguration="OPTIONAL", **TOTP_ON,
                     WebAuthnConfiguration=block)
    kept = ctx.cognito.get_user_pool_mfa_config(UserPoolId=pool).get("WebAuthnConfiguration") or {}
    return {"set": result, "web_authn": {key: kept.get(key) for key in block}}


@probe("on_refused_with_single_factor_passkeys", "20", "ON is refused while passkeys are an allowed single first factor",
       {"on": {"error": INVALID_PARAMETER, "message": WEBAUTHN_REFUSAL}, "on_multi_factor": "accepted"})
def on_refused_with_single_factor_passkeys(ctx: Context) -> dict[str, Any]:
    pool = ctx.create_pool(Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}})
    return {
        "on": outcome(ctx.cognito.set_user_pool_mfa_config, UserPoolId=pool, MfaConfiguration="ON", **TOTP_ON),
        "on_multi_factor": outcome(ctx.cognito.set_user_pool_mfa_config, UserPoolId=pool, MfaConfiguration="ON", **TOTP_ON,
                                   WebAuthnConfiguration={"RelyingPartyId": "example.com",
                                                          "FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"}),
    }


@probe("sign_in_policy_kept", "21", "CreateUserPool keeps SignInPolicy.AllowedFirstAuthFactors",
       {"allowed_first_auth_factors": ["PASSWORD", "WEB_AUTHN"]})
def sign_in_policy_kept(ctx: Context) -> dict[str, Any]:
    pool = ctx.create_pool(Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}})
    described = ctx.cognito.describe_user_pool(UserPoolId=pool)["UserPool"]
    factors = described.get("Policies", {}).get("SignInPolicy", {}).get("AllowedFirstAuthFactors")
    return {"allowed_first_auth_factors": sorted(factors) if factors else factors}


@probe("auth_factors_password_user", "22", "AdminGetUserAuthFactors for a password user without MFA",
       {"keys": ["ConfiguredUserAuthFactors", "Username"], "configured": ["PASSWORD"]})
def auth_factors_password_user(ctx: Context) -> dict[str, Any]:
    pool = ctx.create_pool()
    make_user(ctx, pool, "factors")
    answer, error = attempt(ctx.cognito.admin_get_user_auth_factors, UserPoolId=pool, Username="factors")
    if error:
        return {"keys": error}
    keys = sorted(key for key in answer if key in ("Username", "ConfiguredUserAuthFactors"))
    return {"keys": keys, "configured": sorted(answer.get("ConfiguredUserAuthFactors") or [])}


@probe("auth_factors_verified_not_enabled", "22", "AdminGetUserAuthFactors for a verified token that is not enabled",
       {"answer": UNKNOWN})
def auth_factors_verified_not_enabled(ctx: Context) -> dict[str, Any]:
    pool, client_id = totp_pool(ctx)
    make_user(ctx, pool, "verified")
    enrol(ctx, pool, client_id, "verified")
    answer, error = attempt(ctx.cognito.admin_get_user_auth_factors, UserPoolId=pool, Username="verified")
    if error:
        return {"answer": error}
    return {"answer": {**mfa_fields(answer), "ConfiguredUserAuthFactors": sorted(answer.get("ConfiguredUserAuthFactors") or [])}}


@probe("user_auth_flow", "23", "USER_AUTH: PREFERRED_CHALLENGE PASSWORD, SELECT_CHALLENGE, and a client without ALLOW_USER_AUTH",
       {"preferred_password": "tokens", "no_preference": "challenge:SELECT_CHALLENGE",
        "client_without_flow": INVALID_PARAMETER})
def user_auth_flow(ctx: Context) -> dict[str, Any]:
    pool = ctx.create_pool(Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]}})
    client_id = make_client(ctx, pool, ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["ClientId"]
    other_id = make_client(ctx, pool)["ClientId"]
    make_user(ctx, pool, "chooser")

    def start(client: str, **extra: str) -> Any:
        return sign_in_answer(*attempt(ctx.cognito.initiate_auth, ClientId=client, AuthFlow="USER_AUTH",
                                       AuthParameters={"USERNAME": "chooser", **extra}))

    refused = start(other_id)
    return {"preferred_password": start(client_id, PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD),
            "no_preference": start(client_id),
            "client_without_flow": refused["error"] if isinstance(refused, dict) else refused,
            "client_without_flow_message": refused.get("message") if isinstance(refused, dict) else None}


part("user_auth_flow_wording", "23", "The message for USER_AUTH on a client without ALLOW_USER_AUTH", UNKNOWN,
     "user_auth_flow", "client_without_flow_message")


# ----- rows 24-29: identities and user states ----------------------------------------------


@probe("admin_calls_take_sub", "24", "Admin calls take the sub of a local user",
       {"get_by_sub": "found", "same_username": True})
def admin_calls_take_sub(ctx: Context) -> dict[str, Any]:
    pool = ctx.create_pool()
    user = make_user(ctx, pool, "subbed", confirmed=False)
    sub = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
    found, error = attempt(ctx.cognito.admin_get_user, UserPoolId=pool, Username=sub)
    return {"get_by_sub": error["error"] if error else "found",
            "same_username": bool(found) and found.get("Username") == user["Username"]}


@probe("list_users_attributes", "25", "ListUsers and ListUsersInGroup return each user's Attributes",
       {"list_users": ["email", "sub"], "list_users_in_group": ["email", "sub"]})
def list_users_attributes(ctx: Context) -> dict[str, Any]:
    pool = ctx.create_pool()
    make_user(ctx, pool, "listed", [{"Name": "email", "Value": "listed@example.com"}], confirmed=False)
    ctx.cognito.create_group(UserPoolId=pool, GroupName="staff")
    ctx.cognito.admin_add_user_to_group(UserPoolId=pool, Username="listed", GroupName="staff")

    def names(users: list[dict[str, Any]]) -> list[str]:
        return sorted(a["Name"] for a in users[0].get("Attributes", []) if a["Name"] in ("email", "sub")) if users else []

    return {"list_users": names(ctx.cognito.list_users(UserPoolId=pool)["Users"]),
            "list_users_in_group": names(ctx.cognito.list_users_in_group(UserPoolId=pool, GroupName="staff")["Users"])}


@probe("default_pool_case_sensitive", "26", "A pool created without UsernameConfiguration is case sensitive",
       {"get_in_other_case": "UserNotFoundException"})
def default_pool_case_sensitive(ctx: Context) -> dict[str, Any]:
    pool = ctx.create_pool()
    make_user(ctx, pool, "Carol", confirmed=False)
    found, error = attempt(ctx.cognito.admin_get_user, UserPoolId=pool, Username="carol")
    return {"get_in_other_case": error["error"] if error else "found"}


@probe("user_status_values", "27", "UserStatus after AdminCreateUser, a permanent password, and SignUp",
       {"created": "FORCE_CHANGE_PASSWORD", "permanent_password": "CONFIRMED", "signed_up": "UNCONFIRMED"})
def user_status_values(ctx: Context) -> dict[str, Any]:
    pool = ctx.create_pool()  # no auto-verified attribute: SignUp sends no message
    client_id = make_client(ctx, pool, ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["ClientId"]
    created = make_user(ctx, pool, "created", confirmed=False)["UserStatus"]
    make_user(ctx, pool, "confirmed")
    ctx.cognito.sign_up(ClientId=client_id, Username="signed-up", Password=PASSWORD)

    def status(name: str) -> str:
        return ctx.cognito.admin_get_user(UserPoolId=pool, Username=name)["UserStatus"]

    return {"created": created, "permanent_password": status("confirmed"), "signed_up": status("signed-up")}


@probe("federated_users", "28", "Federated (EXTERNAL_PROVIDER) users get no MFA from Cognito", {"answer": UNKNOWN})
def federated_users(ctx: Context) -> dict[str, Any]:
    raise Skip("an EXTERNAL_PROVIDER user exists only after a sign-in through a real identity provider "
               "(SAML/OIDC), which the API alone cannot do; check by hand (docs/conformance.md)")


@probe("unconfirmed_user_mfa_write", "29", "AdminSetUserMFAPreference on an UNCONFIRMED user",
       {"answer": UNKNOWN})
def unconfirmed_user_mfa_write(ctx: Context) -> dict[str, Any]:
    pool = ctx.create_pool()
    ctx.cognito.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL", **TOTP_ON)
    client_id = make_client(ctx, pool, ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["ClientId"]
    ctx.cognito.sign_up(ClientId=client_id, Username="unconfirmed", Password=PASSWORD)
    answer = outcome(ctx.cognito.admin_set_user_mfa_preference, UserPoolId=pool, Username="unconfirmed", **TOTP_PREFERRED)
    return {"answer": answer if answer == "accepted" else {"error": answer["error"]}}


@probe("mau_counting", "40", "Which reads count as monthly active users (AdminGetUser does, ListUsers does not; "
       "AdminGetUserAuthFactors?)", {"answer": UNKNOWN})
def mau_counting(ctx: Context) -> dict[str, Any]:
    raise Skip("MAU counts are billing data (per account, a day later), not an API answer: "
               "docs/conformance.md has the manual check")


@probe("managed_login_events", "51", "Which CloudTrail events managed login (the hosted UI) records when a user sets up "
       "TOTP or registers a passkey through its pages, and whether they carry additionalEventData.sub", {"answer": UNKNOWN})
def managed_login_events(ctx: Context) -> dict[str, Any]:
    raise Skip("needs a person at a browser on the pool's managed login pages (a TOTP setup and a passkey registration), "
               "then LookupEvents by EventSource cognito-idp.amazonaws.com: docs/conformance.md has the manual check")


@probe("ses_sending_paused", "70", "SendEmail refused with AccountSendingPausedException while the account's sending is paused",
       {"answer": {"error": "AccountSendingPausedException"}})
def ses_sending_paused(ctx: Context) -> dict[str, Any]:
    raise Skip("pausing sending (UpdateAccountSendingEnabled) stops every email of the account and a probe sends no email; "
               "the row rests on the SES service model, and the stand-in's proxy answers it (Proxy.on_query)")


# ----- rows 41, 80: the listing the state runs read, and a refused caller -------------------


@probe("list_users_fields", "41", "ListUsers: each user's fields (sub, dates), pages by Limit and PaginationToken, up to 60 a page",
       {"fields": ["Attributes", "Enabled", "UserCreateDate", "UserLastModifiedDate", "UserStatus", "Username"],
        "sub_in_attributes": True, "pages_of_two": [2, 1], "limit_60": "accepted", "all_listed": True})
def list_users_fields(ctx: Context) -> dict[str, Any]:
    pool = ctx.create_pool()
    for name in ("lister-1", "lister-2", "lister-3"):
        make_user(ctx, pool, name, confirmed=False)
    users: list[dict[str, Any]] = []
    for dummy in range(10):  # "eventually consistent": on AWS, give a new user a few seconds to be listed
        users = ctx.cognito.list_users(UserPoolId=pool, Limit=60)["Users"]
        if len(users) == 3:
            break
        ctx.sleep(1)
    first = ctx.cognito.list_users(UserPoolId=pool, Limit=2)
    second = ctx.cognito.list_users(UserPoolId=pool, Limit=2, PaginationToken=first.get("PaginationToken") or "none")
    wanted = ("Attributes", "Enabled", "UserCreateDate", "UserLastModifiedDate", "UserStatus", "Username")
    return {"fields": sorted(key for key in (users[0] if users else {}) if key in wanted),
            "sub_in_attributes": all(any(a["Name"] == "sub" for a in user.get("Attributes", [])) for user in users),
            "pages_of_two": [len(first["Users"]), len(second["Users"])] + (["more"] if second.get("PaginationToken") else []),
            "limit_60": "accepted", "all_listed": len(users) == 3}


DENIED_SHAPE = re.compile(r"^User: (\S+) is not authorized to perform: (\S+) on resource: (\S+) because no identity-based "
                          r"policy allows the (\S+) action$")


def denied_clients(ctx: Context) -> tuple[Any, Any]:
    """cognito-idp and STS clients of a principal without ListUsers: the kit's own stand-in denies by the proxy's
    ACCESS_DENIED hook; elsewhere the role of CONFORMANCE_DENIED_ROLE_ARN (a role with no permission policy)."""
    if ctx.proxy is not None:
        from tests.support.proxy import ACCESS_DENIED  # pylint: disable=import-outside-toplevel

        ctx.proxy.on_operation = lambda operation: ACCESS_DENIED if operation in ("ListUsers", "ListUsersInGroup") else None
        return ctx.cognito, ctx.client("sts")
    role = os.environ.get("CONFORMANCE_DENIED_ROLE_ARN")
    if not role:
        raise Skip("needs a principal whose policy does not allow cognito-idp:ListUsers: CONFORMANCE_DENIED_ROLE_ARN "
                   "(a role the profile may assume, with no Cognito permission); the kit's own stand-in uses the "
                   "proxy's ACCESS_DENIED hook")
    keys = ctx.client("sts").assume_role(RoleArn=role, RoleSessionName="mfaops-conformance")["Credentials"]
    session = type(ctx.session)(aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"],
                                aws_session_token=keys["SessionToken"], region_name=ctx.session.region_name)
    ctx.sleep(10)  # a new role session's permissions take a few seconds to apply
    return session.client("cognito-idp", endpoint_url=ctx.endpoint_url), session.client("sts", endpoint_url=ctx.endpoint_url)


def denied(client: Any, operation: str, **params: Any) -> Any:
    from botocore.exceptions import ClientError  # pylint: disable=import-outside-toplevel

    try:
        getattr(client, operation)(**params)
        return "accepted"
    except ClientError as exc:
        error = exc.response.get("Error", {})
        shape = DENIED_SHAPE.match(error.get("Message") or "")
        return {"error": error.get("Code"), "http_status": exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode"),
                "message": (f"User: <principal> is not authorized to perform: {shape.group(2)} on resource: <user pool arn>"
                            f" because no identity-based policy allows the {shape.group(4)} action") if shape
                else error.get("Message"),
                "resource_is_the_pool": bool(shape) and shape.group(3).endswith(f":userpool/{params['UserPoolId']}")}


PROBES_OPT_IN_DENIED = ("CONFORMANCE_ACCESS_DENIED", "needs a role without permission policies that the profile may "
                        "assume (CONFORMANCE_DENIED_ROLE_ARN)")


def denied_answer(action: str) -> dict[str, Any]:
    return {"error": "AccessDeniedException", "http_status": 400, "resource_is_the_pool": True,
            "message": f"User: <principal> is not authorized to perform: cognito-idp:{action} on resource: <user pool arn> "
                       f"because no identity-based policy allows the cognito-idp:{action} action"}


@probe("access_denied", "80", "A principal whose policy does not allow ListUsers / ListUsersInGroup: AccessDeniedException "
       "(row 60 too)",
       {"list_users": denied_answer("ListUsers"), "list_users_in_group": denied_answer("ListUsersInGroup")},
       aws_opt_in=PROBES_OPT_IN_DENIED)
def access_denied(ctx: Context) -> dict[str, Any]:
    pool = ctx.create_pool()
    ctx.cognito.create_group(UserPoolId=pool, GroupName="staff")
    client, sts = denied_clients(ctx)
    try:
        return {"list_users": denied(client, "list_users", UserPoolId=pool),
                "list_users_in_group": denied(client, "list_users_in_group", UserPoolId=pool, GroupName="staff"),
                "caller_identity": outcome(sts.get_caller_identity)}
    finally:
        if ctx.proxy is not None:
            ctx.proxy.on_operation = None


part("caller_identity_needs_no_permission", "62", "sts:GetCallerIdentity answers a principal with no permission policy",
     "accepted", "access_denied", "caller_identity")


@probe("lookup_events_denied", "64", "A principal whose policy does not allow cloudtrail:LookupEvents: CloudTrail's "
       "AccessDeniedException (HTTP 400) naming the action",
       {"answer": {"error": "AccessDeniedException", "http_status": 400, "names_the_action": True}},
       aws_opt_in=PROBES_OPT_IN_DENIED)
def lookup_events_denied(ctx: Context) -> dict[str, Any]:
    from botocore.exceptions import ClientError  # pylint: disable=import-outside-toplevel

    role = os.environ.get("CONFORMANCE_DENIED_ROLE_ARN")
    if ctx.proxy is not None or not role:
        raise Skip("needs a principal with no CloudTrail permission (CONFORMANCE_DENIED_ROLE_ARN); the kit's stand-in "
                   "checks no IAM: tests/integration/test_least_privilege.py covers the front's answer with IAM checks on")
    keys = ctx.client("sts").assume_role(RoleArn=role, RoleSessionName="mfaops-conformance")["Credentials"]
    session = type(ctx.session)(aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"],
                                aws_session_token=keys["SessionToken"], region_name=ctx.session.region_name)
    ctx.sleep(10)  # a new role session's permissions take a few seconds to apply
    try:
        session.client("cloudtrail", endpoint_url=ctx.endpoint_url).lookup_events(MaxResults=1)
        return {"answer": "accepted"}
    except ClientError as exc:
        error = exc.response.get("Error", {})
        return {"answer": {"error": error.get("Code"), "http_status": exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode"),
                           "names_the_action": "cloudtrail:LookupEvents" in (error.get("Message") or "")}}


# ----- rows 43-48: CloudTrail, the change signal of the state runs ---------------------------

HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"
# A subset of row 48's event names that a sandbox run makes without SMS or email.
RELIED_ON_EVENTS = ("AdminCreateUser", "AdminSetUserPassword", "AssociateSoftwareToken", "VerifySoftwareToken",
                    "SetUserMFAPreference", "AdminSetUserMFAPreference", "AdminUpdateUserAttributes", "AdminDisableUser",
                    "AdminEnableUser", "AdminDeleteUser")
TOKEN_CALLS = ("AssociateSoftwareToken", "VerifySoftwareToken", "SetUserMFAPreference")
WHOLE_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


class Lookups:
    """LookupEvents at CloudTrail's rate (two requests a second per account and Region, row 45)."""

    def __init__(self, client: Any):
        self.client = client
        self.next_at = 0.0

    def call(self, **params: Any) -> Any:
        time.sleep(max(0.0, self.next_at - time.monotonic()))
        try:
            return attempt(self.client.lookup_events, **params)
        finally:
            self.next_at = time.monotonic() + 0.5

    def events(self, since: float) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """Every Cognito event since ``since``: (the CloudTrail record, the LookupEvents entry)."""
        found, token = [], None
        while True:
            params = {"LookupAttributes": [{"AttributeKey": "EventSource", "AttributeValue": "cognito-idp.amazonaws.com"}],
                      "StartTime": since, **({"NextToken": token} if token else {})}
            answer, error = self.call(**params)
            if error:
                raise RuntimeError(f"LookupEvents: {error}")
            found += [(json.loads(entry.get("CloudTrailEvent") or "{}"), entry) for entry in answer.get("Events", [])]
            token = answer.get("NextToken")
            if not token:
                return found


class Trailed:
    """The calls of the CloudTrail scenario: per event name, the user's sub, when it was sent and answered."""

    def __init__(self, ctx: Context, pool: str):
        self.ctx, self.pool = ctx, pool
        self.calls: dict[str, dict[str, Any]] = {}

    def call(self, name: str, sub: str, operation: str, **params: Any) -> Any:
        sent = time.time()
        answer, error = attempt(getattr(self.ctx.cognito, operation), **params)
        self.calls.setdefault(name if not error else name + ":failed", {
            "sub": sub, "sent": sent, "answered": time.time(), "error": (error or {}).get("error")})
        return answer


def sub_of(user: dict[str, Any]) -> str:
    return next(a["Value"] for a in user.get("Attributes", []) if a["Name"] == "sub")


def make_trailed_calls(ctx: Context, pool: str, client_id: str) -> Trailed:
    """Row 48's subset, a token-based call of row 44, and a failed call (row 43), in one pool."""
    trailed = Trailed(ctx, pool)
    users = {}
    for name in ("trailed", "gone"):
        sent = time.time()
        users[name] = sub = sub_of(make_user(ctx, pool, name))
        trailed.calls.setdefault("AdminCreateUser", {"sub": sub, "sent": sent, "answered": time.time(), "error": None})
        trailed.calls.setdefault("AdminSetUserPassword", {"sub": sub, "sent": sent, "answered": time.time(), "error": None})
    sub = users["trailed"]
    sent = time.time()
    dummy, token = enrol(ctx, pool, client_id, "trailed")
    for name in ("AssociateSoftwareToken", "VerifySoftwareToken"):
        trailed.calls[name] = {"sub": sub, "sent": sent, "answered": time.time(), "error": None}
    trailed.call("SetUserMFAPreference", sub, "set_user_mfa_preference", AccessToken=token, **TOTP_ENABLED)
    trailed.call("AdminSetUserMFAPreference", sub, "admin_set_user_mfa_preference", UserPoolId=pool, Username="trailed",
                 **TOTP_PREFERRED)
    trailed.call("AdminSetUserMFAPreference", users["gone"], "admin_set_user_mfa_preference", UserPoolId=pool,
                 Username="gone", **TOTP_PREFERRED)  # no token: refused (row 1), still recorded
    trailed.call("AdminUpdateUserAttributes", sub, "admin_update_user_attributes", UserPoolId=pool, Username="trailed",
                 UserAttributes=[{"Name": "given_name", "Value": "Trailed"}])
    trailed.call("AdminDisableUser", sub, "admin_disable_user", UserPoolId=pool, Username="trailed")
    trailed.call("AdminEnableUser", sub, "admin_enable_user", UserPoolId=pool, Username="trailed")
    trailed.call("AdminDeleteUser", users["gone"], "admin_delete_user", UserPoolId=pool, Username="gone")
    return trailed


def event_of(events: list[tuple[dict[str, Any], dict[str, Any]]], name: str, call: dict[str, Any],
             pool: str) -> Optional[tuple[dict[str, Any], dict[str, Any]]]:
    """The event of one call: its name, with an errorCode if and only if it failed, and its user's sub; else (no
    sub) its pool; else (neither: row 44 does not know which calls carry them) the call's second, 2 s of margin."""
    by_sub, by_pool, by_time = None, None, None
    for body, entry in events:
        if body.get("eventName") != name.split(":")[0] or bool(body.get("errorCode")) != bool(call["error"]):
            continue
        sub = (body.get("additionalEventData") or {}).get("sub")
        pool_id = (body.get("requestParameters") or {}).get("userPoolId")
        second = entry.get("EventTime")
        if sub == call["sub"]:
            by_sub = by_sub or (body, entry)
        elif pool_id == pool and not sub:
            by_pool = by_pool or (body, entry)
        elif not sub and not pool_id and second is not None and call["sent"] - 3 <= second.timestamp() <= call["answered"] + 2:
            by_time = by_time or (body, entry)
    return by_sub or by_pool or by_time


def wait_for_events(ctx: Context, lookups: Lookups, trailed: Trailed, since: float) -> tuple[dict[str, Any], dict[str, float]]:
    """Poll LookupEvents until every call's event is there or ``ctx.cloudtrail_wait`` seconds have passed:
    (name -> (record, entry)), (name -> seconds from the call's answer to the poll that first saw it)."""
    ctx.log(f"  waiting up to {ctx.cloudtrail_wait:.0f} s for CloudTrail to deliver {len(trailed.calls)} events (minutes on AWS)")
    deadline, interval = time.monotonic() + ctx.cloudtrail_wait, min(10.0, max(0.2, ctx.cloudtrail_wait / 90))
    seen: dict[str, Any] = {}
    delays: dict[str, float] = {}
    while True:
        events = lookups.events(since)
        for name, call in trailed.calls.items():
            found = None if name in seen else event_of(events, name, call, trailed.pool)
            if found:
                seen[name], delays[name] = found, round(time.time() - call["answered"], 1)
        if len(seen) == len(trailed.calls) or time.monotonic() > deadline:
            return seen, delays
        time.sleep(interval)


def lookup_contract(ctx: Context, lookups: Lookups, since: float) -> dict[str, Any]:
    """Row 45: one lookup attribute, at most 50 a page, NextToken bound to its parameters, the most recent
    first, the last 90 days, two requests a second."""
    def code(**params: Any) -> Any:
        answer, error = lookups.call(**params)
        return error["error"] if error else f"accepted, {len(answer.get('Events', []))} events"

    by_name = {"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "AdminCreateUser"}],
               "StartTime": since, "MaxResults": 1}
    first, dummy = lookups.call(**by_name)
    second, dummy = lookups.call(**by_name, NextToken=(first or {}).get("NextToken") or "none")
    times = [page["Events"][0]["EventTime"] for page in (first, second) if page and page.get("Events")]
    day = 86400
    result = {
        "two_attributes": code(LookupAttributes=by_name["LookupAttributes"] + [
            {"AttributeKey": "EventSource", "AttributeValue": "cognito-idp.amazonaws.com"}]),
        "max_results_51": code(MaxResults=51),
        "pages_of_one": [len((page or {}).get("Events", [])) for page in (first, second)],
        "most_recent_first": len(times) == 2 and times[0] >= times[1],
        "next_token_with_other_parameters": code(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue":
                                                                    "AdminDeleteUser"}], StartTime=since, MaxResults=1,
                                                 NextToken=(first or {}).get("NextToken") or "none"),
        "older_than_90_days": code(StartTime=time.time() - 100 * day, EndTime=time.time() - 91 * day),
    }
    result["burst_of_20"] = lookup_burst(ctx)
    lookups.next_at = time.monotonic() + 1.5  # let the account's rate recover
    return result


def lookup_burst(ctx: Context) -> Any:
    """20 LookupEvents at once, without retries: the first refusal's code (2 requests a second allowed)."""
    from concurrent.futures import ThreadPoolExecutor  # pylint: disable=import-outside-toplevel

    client = ctx.client("cloudtrail", retries=1)
    with ThreadPoolExecutor(5) as workers:
        answers = list(workers.map(lambda dummy: attempt(client.lookup_events, MaxResults=1)[1], range(20)))
    refused = [error["error"] for error in answers if error]
    return refused[0] if refused else "never throttled"


def delivery(ctx: Context, seen: dict[str, Any], delays: dict[str, float], wanted: int) -> dict[str, Any]:
    """Row 46: delivered within the bound; the delay as measured (not compared: it varies run to run)."""
    measured: dict[str, Any] = {"bound_s": ctx.cloudtrail_wait, "max_delay_s": max(delays.values(), default=None),
                                "events_seen": len(seen), "events_made": wanted}
    if ctx.target != "aws":
        measured["note"] = ("this endpoint delivers at once (the stand-in's cloudtrail_delay is 0 here): it shows only "
                            "that the events arrive within the bound; a TARGET=aws run records CloudTrail's delay")
    return {"delivered_within_bound": len(seen) == wanted, "measured": measured}


def event_time(seen: dict[str, Any], trailed: Trailed) -> dict[str, Any]:
    """Row 47: eventTime in whole seconds, within a 2 s clock margin of the call as the client timed it."""
    import calendar  # pylint: disable=import-outside-toplevel

    if not seen:
        return {"whole_seconds": "<no event delivered>"}
    offsets = []
    for name, (body, dummy) in seen.items():
        if WHOLE_SECONDS.match(body.get("eventTime", "")):
            second = calendar.timegm(time.strptime(body["eventTime"], "%Y-%m-%dT%H:%M:%SZ"))
            call = trailed.calls[name]
            offsets.append(0 if call["sent"] - 2 <= second + 1 and second <= call["answered"] + 2
                           else round(second - call["sent"], 1))
    return {"whole_seconds": all(WHOLE_SECONDS.match(body.get("eventTime", "")) and entry["EventTime"].microsecond == 0
                                 for body, entry in seen.values()),
            "within_2_s_of_the_call": len(offsets) == len(seen) and not any(offsets),
            "measured": {"offsets_outside_the_margin_s": [offset for offset in offsets if offset]}}


def not_delivered(ctx: Context) -> str:
    return f"<not delivered within {ctx.cloudtrail_wait:.0f} s>"


@probe("cloudtrail_mfa_events", "43",
       "CloudTrail records the user-pool calls with additionalEventData.sub, never the user name; failed calls with errorCode",
       {"admin": {"event_name": "AdminSetUserMFAPreference", "sub_is_the_users": True},
        "user_name_in_events": False, "failed_call": {"recorded_with_its_error_code": True}})
def cloudtrail_mfa_events(ctx: Context) -> dict[str, Any]:
    trail = ctx.client("cloudtrail", retries=3)
    dummy, error = attempt(trail.lookup_events, MaxResults=1)
    if error:
        raise Skip(f"the endpoint does not answer CloudTrail LookupEvents (error {error['error']})")
    since = time.time() - 5  # the clock margin; events of other pools are told apart by pool and sub
    lookups = Lookups(trail)
    pool, client_id = totp_pool(ctx)
    trailed = make_trailed_calls(ctx, pool, client_id)
    seen, delays = wait_for_events(ctx, lookups, trailed, since)
    admin = seen.get("AdminSetUserMFAPreference")
    failed = seen.get("AdminSetUserMFAPreference:failed")

    def token_call(name: str) -> Any:
        if name not in seen:
            return not_delivered(ctx)
        body = seen[name][0]
        return {"sub_is_the_users": (body.get("additionalEventData") or {}).get("sub") == trailed.calls[name]["sub"],
                "user_pool_id": "present" if (body.get("requestParameters") or {}).get("userPoolId") else "absent"}

    return {
        "admin": {"event_name": admin[0]["eventName"],
                  "sub_is_the_users": (admin[0].get("additionalEventData") or {}).get("sub") == trailed.calls[
                      "AdminSetUserMFAPreference"]["sub"]} if admin else not_delivered(ctx),
        "user_name_in_events": any(f'"{name}"' in json.dumps(body) for body, dummy in seen.values()
                                   for name in ("trailed", "gone")),
        "failed_call": {"recorded_with_its_error_code": bool(failed) and failed[0].get("errorCode") == trailed.calls[
            "AdminSetUserMFAPreference:failed"]["error"]},
        "token_based": {name: token_call(name) for name in TOKEN_CALLS},
        "lookup": lookup_contract(ctx, lookups, since),
        "delivery": delivery(ctx, seen, delays, len(trailed.calls)),
        "event_time": event_time(seen, trailed),
        "event_names": {name: "recorded" if name in seen else not_delivered(ctx) for name in RELIED_ON_EVENTS},
    }


part("cloudtrail_token_call_sub", "44",
     "The token-based calls' events: additionalEventData.sub, and whether requestParameters.userPoolId is there", UNKNOWN,
     "cloudtrail_mfa_events", "token_based")
part("cloudtrail_lookup_events", "45",
     "LookupEvents: one attribute, at most 50 a page, NextToken bound to its parameters, most recent first, 90 days, 2/s",
     {"two_attributes": "InvalidLookupAttributesException", "max_results_51": "InvalidMaxResultsException",
      "pages_of_one": [1, 1], "most_recent_first": True, "next_token_with_other_parameters": "InvalidNextTokenException",
      "older_than_90_days": "accepted, 0 events", "burst_of_20": "ThrottlingException"},
     "cloudtrail_mfa_events", "lookup")
part("cloudtrail_delivery_delay", "46",
     "CloudTrail delivers the events within the bound (CONFORMANCE_CLOUDTRAIL_WAIT); on AWS the delay is recorded "
     "(against the stand-in, which delivers at once, only the bound is checked)",
     {"delivered_within_bound": True}, "cloudtrail_mfa_events", "delivery")
part("cloudtrail_event_time_seconds", "47", "eventTime has whole seconds, within a 2 s clock margin of the call",
     {"whole_seconds": True, "within_2_s_of_the_call": True}, "cloudtrail_mfa_events", "event_time")
part("cloudtrail_event_names", "48", "Each relied-on event name is recorded when its call is made (a sandbox subset)",
     dict.fromkeys(RELIED_ON_EVENTS, "recorded"), "cloudtrail_mfa_events", "event_names")


# ----- rows 61, 62: what needs no IAM permission ----------------------------------------------


@probe("token_calls_unsigned", "61", "Calls authorised by a user's token need no IAM signature: unsigned "
       "AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference, GetUser",
       {"associate": "accepted", "verify": "SUCCESS", "set_preference": "accepted", "get_user": "accepted"})
def token_calls_unsigned(ctx: Context) -> dict[str, Any]:
    from botocore import UNSIGNED  # pylint: disable=import-outside-toplevel
    from botocore.config import Config  # pylint: disable=import-outside-toplevel

    pool, client_id = totp_pool(ctx)
    make_user(ctx, pool, "unsigned")
    answer, error = sign_in(ctx, pool, client_id, "unsigned")
    if error or not answer.get("AuthenticationResult"):
        raise RuntimeError(f"sign-in: {sign_in_answer(answer, error)}")
    token = answer["AuthenticationResult"]["AccessToken"]
    unsigned = ctx.session.client("cognito-idp", endpoint_url=ctx.endpoint_url, config=Config(signature_version=UNSIGNED))
    secret, error = attempt(unsigned.associate_software_token, AccessToken=token)
    verified, verify_error = (None, {"error": "not tried"}) if error else attempt(
        unsigned.verify_software_token, AccessToken=token, UserCode=code_at(secret["SecretCode"]))
    return {"associate": error["error"] if error else "accepted",
            "verify": verify_error["error"] if verify_error else verified.get("Status"),
            "set_preference": outcome(unsigned.set_user_mfa_preference, AccessToken=token, **TOTP_ENABLED),
            "get_user": outcome(unsigned.get_user, AccessToken=token)}


@probe("iam_resource_types", "62", "The resource types of the actions (cloudtrail:LookupEvents only '*', the Cognito "
       "actions the userpool type), as the Service Authorization Reference has them", {"answer": UNKNOWN})
def iam_resource_types(ctx: Context) -> dict[str, Any]:
    raise Skip("the resource types are documentation (the Service Authorization Reference), not an API answer: seeing them "
               "would take IAM policies scoped to resources, which the kit does not create, and a stand-in that evaluates resources "
               "(moto's IAM checks do not); the policy lint checks them (docs/iam/)")
