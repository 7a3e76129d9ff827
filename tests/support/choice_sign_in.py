"""Passkeys and choice-based sign-in in the stand-in, where moto 5.2.5 has nothing (server side).

moto stores ``Policies.SignInPolicy`` (CreateUserPool / UpdateUserPool keep the whole
configuration) and ``ExplicitAuthFlows``, but it drops ``WebAuthnConfiguration`` from
SetUserPoolMfaConfig, has no ``AdminGetUserAuthFactors`` and refuses ``AuthFlow: USER_AUTH``.
This file answers those as Cognito documents them (botocore's cognito-idp service model is the
shape; docs/cognito-behaviour.md has each behaviour with its source):

- ``SetUserPoolMfaConfig``: the ``WebAuthnConfiguration`` block is kept per pool and returned by
  ``GetUserPoolMfaConfig``. ``ON`` on a pool whose ``AllowedFirstAuthFactors`` has ``WEB_AUTHN`` is
  refused unless ``FactorConfiguration`` is ``MULTI_FACTOR_WITH_USER_VERIFICATION``
  (go-to-k/cdkd#2064), before anything changes.
- ``AdminGetUserAuthFactors``: ``Username``, ``UserMFASettingList``, ``PreferredMfaSetting`` as
  AdminGetUser has them, and ``ConfiguredUserAuthFactors``: ``PASSWORD``; ``EMAIL_OTP`` /
  ``SMS_OTP`` for a verified email / phone when the sign-in policy allows it; ``WEB_AUTHN`` for a
  passkey registered through ``POST /_standin/passkey``. A user with MFA gets no passwordless
  factor ("If a user has MFA configured, passwordless sign-in options will not be available",
  Amplify docs), except a passkey when passkeys are MFA (MULTI_FACTOR_WITH_USER_VERIFICATION).
- ``InitiateAuth`` / ``AdminInitiateAuth`` with ``USER_AUTH`` (the client needs
  ``ALLOW_USER_AUTH``): ``PREFERRED_CHALLENGE`` ``PASSWORD`` goes on as moto's password flow (so the
  MFA challenge after it is moto's), ``PASSWORD_SRP`` as its SRP flow (``PASSWORD_VERIFIER`` next);
  without a preference the answer is ``SELECT_CHALLENGE`` with ``AvailableChallenges``, and the
  ``SELECT_CHALLENGE`` answer ``PASSWORD`` / ``PASSWORD_SRP`` (with ``PASSWORD`` / ``SRP_A``) goes on
  the same way. Passkey and one-time-code sign-ins themselves are not emulated.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any, Callable, Optional

ACCOUNT_ID = "123456789012"
MULTI_FACTOR = "MULTI_FACTOR_WITH_USER_VERIFICATION"
WEBAUTHN_REFUSAL = (
    "Cannot set WebAuthn factor configuration to SINGLE_FACTOR if MFA is required and WebAuthn is an allowed first auth factor"
)
FLOW_NOT_ENABLED = "USER_AUTH flow not enabled for this client"
PASSWORD_CHALLENGES = ("PASSWORD", "PASSWORD_SRP")

_lock = threading.Lock()
_web_authn: dict[str, dict[str, Any]] = {}  # pool id -> WebAuthnConfiguration
_passkeys: set[tuple[str, str]] = set()  # (pool id, username)
_sessions: dict[str, tuple[str, str, str]] = {}  # session -> (region, client id, username)

Answer = tuple[str, dict[str, Any]]


def _error(error_type: str, message: str) -> Answer:
    return "400 Bad Request", {"__type": error_type, "message": message}


def _backends() -> Any:
    from moto.cognitoidp.models import cognitoidp_backends  # pylint: disable=import-outside-toplevel

    return cognitoidp_backends[ACCOUNT_ID]


def _pool(pool_id: str) -> Any:
    return _backends()[pool_id.split("_", 1)[0]].describe_user_pool(pool_id)


def _moto_call(call: Callable[[], Any]) -> Answer:
    from moto.core.exceptions import JsonRESTError  # pylint: disable=import-outside-toplevel

    try:
        return "200 OK", call()
    except JsonRESTError as error:
        return _error(error.error_type, error.message)


def first_factors(pool: Any) -> list[str]:
    policy = (pool.extended_config.get("Policies") or {}).get("SignInPolicy") or {}
    return list(policy.get("AllowedFirstAuthFactors") or ["PASSWORD"])


def register_passkey(body: dict[str, Any]) -> dict[str, Any]:
    """``POST /_standin/passkey`` {user_pool_id, username}: the user has a passkey from now on."""
    user = _pool(body["user_pool_id"])._get_user(body["username"])  # pylint: disable=protected-access
    if user is None:
        raise KeyError(f"no user {body['username']}")
    with _lock:
        _passkeys.add((body["user_pool_id"], user.username))
    return {"ok": True}


def set_mfa_config(params: dict[str, Any]) -> tuple[Optional[Answer], Optional[dict[str, Any]]]:
    """Take the WebAuthn block out of the call (moto drops it); refuse ON with a single-factor
    passkey first factor. Returns (refusal or None, the block to keep once moto accepted the rest)."""
    pool_id = params.get("UserPoolId", "")
    block = params.pop("WebAuthnConfiguration", None)
    try:
        pool = _pool(pool_id)
    except Exception:  # pylint: disable=broad-except
        return None, None  # moto answers ResourceNotFound
    with _lock:
        effective = dict(block or _web_authn.get(pool_id) or {})
    if params.get("MfaConfiguration") == "ON" and "WEB_AUTHN" in first_factors(pool) and effective.get("FactorConfiguration") != MULTI_FACTOR:
        return _error("InvalidParameterException", WEBAUTHN_REFUSAL), None
    return None, block


def keep_web_authn(pool_id: str, block: dict[str, Any]) -> None:
    with _lock:
        _web_authn[pool_id] = dict(block)


def get_mfa_config(pool_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    with _lock:
        block = _web_authn.get(pool_id)
    return dict(payload, WebAuthnConfiguration=dict(block)) if block else payload


def auth_factors(user: Any, pool_id: str, pool: Any) -> list[str]:
    allowed = set(first_factors(pool))
    attributes = {a["Name"]: a["Value"] for a in user.attributes}
    has_mfa = bool(user.software_token_mfa_enabled or user.sms_mfa_enabled)
    with _lock:
        passkey = (pool_id, user.username) in _passkeys
        passkey_mfa = (_web_authn.get(pool_id) or {}).get("FactorConfiguration") == MULTI_FACTOR
    factors = ["PASSWORD"] if user.password else []
    if not has_mfa and "EMAIL_OTP" in allowed and attributes.get("email_verified") == "true":
        factors.append("EMAIL_OTP")
    if not has_mfa and "SMS_OTP" in allowed and attributes.get("phone_number_verified") == "true":
        factors.append("SMS_OTP")
    if passkey and (passkey_mfa or not has_mfa):
        factors.append("WEB_AUTHN")
    return factors


def admin_get_user_auth_factors(params: dict[str, Any]) -> Answer:
    pool_id = params.get("UserPoolId", "")

    def read() -> dict[str, Any]:
        pool = _pool(pool_id)
        user = _backends()[pool_id.split("_", 1)[0]].admin_get_user(pool_id, params.get("Username", ""))
        methods = [name for name, on in (("SMS_MFA", user.sms_mfa_enabled), ("SOFTWARE_TOKEN_MFA", user.software_token_mfa_enabled)) if on]
        answer: dict[str, Any] = {"Username": user.username, "ConfiguredUserAuthFactors": auth_factors(user, pool_id, pool)}
        if methods:
            answer["UserMFASettingList"] = methods
        if user.preferred_mfa_setting:
            answer["PreferredMfaSetting"] = user.preferred_mfa_setting
        return answer

    return _moto_call(read)


def _client(client_id: str) -> Optional[tuple[str, Any, Any]]:
    for region, backend in dict.items(_backends()):
        for pool in list(backend.user_pools.values()):
            if client_id in pool.clients:
                return region, pool, pool.clients[client_id]
    return None


def _password_step(region: str, client_id: str, answer: str, params: dict[str, str], admin_pool: Optional[str]) -> Answer:
    """PASSWORD / PASSWORD_SRP: moto's own password or SRP flow from here on."""
    backend = _backends()[region]
    auth = {key: params[key] for key in ("USERNAME", "PASSWORD", "SRP_A", "SECRET_HASH") if key in params}
    if answer == "PASSWORD_SRP":
        return _moto_call(lambda: backend.initiate_auth(client_id, "USER_SRP_AUTH", auth))
    if admin_pool:
        return _moto_call(lambda: backend.admin_initiate_auth(admin_pool, client_id, "ADMIN_USER_PASSWORD_AUTH", auth))
    return _moto_call(lambda: backend.initiate_auth(client_id, "USER_PASSWORD_AUTH", auth))


def initiate_user_auth(params: dict[str, Any], admin: bool) -> Optional[Answer]:
    """USER_AUTH for InitiateAuth / AdminInitiateAuth; None for any other flow (moto answers)."""
    if params.get("AuthFlow") != "USER_AUTH":
        return None
    client_id = params.get("ClientId", "")
    found = _client(client_id)
    if found is None:
        return _error("ResourceNotFoundException", f"User pool client {client_id} does not exist.")
    region, pool, client = found
    if "ALLOW_USER_AUTH" not in (client.extended_config.get("ExplicitAuthFlows") or ()):
        return _error("InvalidParameterException", FLOW_NOT_ENABLED)
    auth = dict(params.get("AuthParameters") or {})
    preferred = auth.get("PREFERRED_CHALLENGE")
    admin_pool = params.get("UserPoolId") if admin else None
    if preferred in PASSWORD_CHALLENGES:
        return _password_step(region, client_id, preferred, auth, admin_pool)
    status, user = _moto_call(lambda: _backends()[region].admin_get_user(pool.id, auth.get("USERNAME", "")))
    if status != "200 OK":
        return status, user
    factors = auth_factors(user, pool.id, pool)
    available = [f for f in first_factors(pool) if f in factors]
    if "PASSWORD" in available:
        available[available.index("PASSWORD"):available.index("PASSWORD") + 1] = list(PASSWORD_CHALLENGES)
    session = f"standin-user-auth-{uuid.uuid4()}"
    with _lock:
        _sessions[session] = (region, client_id, user.username)
    return "200 OK", {
        "ChallengeName": "SELECT_CHALLENGE",
        "Session": session,
        "ChallengeParameters": {"USERNAME": user.username},
        "AvailableChallenges": available,
    }


def respond_select_challenge(params: dict[str, Any], admin: bool) -> Optional[Answer]:
    """The SELECT_CHALLENGE answer to a session of this file; None for anything else."""
    if params.get("ChallengeName") != "SELECT_CHALLENGE":
        return None
    with _lock:
        known = _sessions.pop(params.get("Session") or "", None)
    if known is None:
        return _error("NotAuthorizedException", "Invalid session for the user.")
    region, client_id, username = known
    responses = dict(params.get("ChallengeResponses") or {})
    answer = responses.get("ANSWER")
    if answer not in PASSWORD_CHALLENGES:
        return _error("InvalidParameterException", f"The stand-in does not emulate the {answer} sign-in")
    responses["USERNAME"] = username
    return _password_step(region, client_id, answer, responses, params.get("UserPoolId") if admin else None)
