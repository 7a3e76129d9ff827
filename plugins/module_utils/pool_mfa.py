# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure decisions for a user pool's MFA configuration (GetUserPoolMfaConfig / SetUserPoolMfaConfig).

Configurations are handled in the API's own shape (MfaConfiguration, SoftwareTokenMfaConfiguration,
SmsMfaConfiguration, EmailMfaConfiguration, ...). The set call replaces the whole configuration,
so the desired configuration starts from the current one and changes only what was asked:
blocks the caller did not name are sent back as they were read. Tested as tables in
tests/unit/plugins/module_utils/test_pool_mfa.py.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Mapping, Optional

from .errors import InvalidRequest

MFA_CONFIGURATIONS = ("OFF", "OPTIONAL", "ON")
MODE = "MfaConfiguration"
TOTP = "SoftwareTokenMfaConfiguration"
SMS = "SmsMfaConfiguration"
EMAIL = "EmailMfaConfiguration"
WEBAUTHN = "WebAuthnConfiguration"
MANAGED = (MODE, TOTP, SMS, EMAIL)
CODE_PLACEHOLDER = "{####}"

# Option name -> key in the API, for the two optional blocks (None: a nested dict, mapped below).
SMS_KEYS = {"sms_authentication_message": "SmsAuthenticationMessage", "sms_configuration": "SmsConfiguration"}
SMS_CONFIGURATION_KEYS = {"sns_caller_arn": "SnsCallerArn", "external_id": "ExternalId", "sns_region": "SnsRegion"}
EMAIL_KEYS = {"email_message": "Message", "email_subject": "Subject"}
# Passkeys (SetUserPoolMfaConfig WebAuthnConfiguration, botocore WebAuthnConfigurationType).
WEBAUTHN_KEYS = {
    "factor_configuration": "FactorConfiguration",
    "relying_party_id": "RelyingPartyId",
    "user_verification": "UserVerification",
}


@dataclass(frozen=True)
class BlockRequest:
    """An optional method block (SMS or email): on or off, and the keys to set inside it."""

    enabled: bool
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PoolRequest:
    """What the caller asked for; None means 'keep as it is'."""

    mfa_configuration: Optional[str] = None
    software_token_mfa_enabled: Optional[bool] = None
    sms: Optional[BlockRequest] = None
    email: Optional[BlockRequest] = None
    web_authn: Optional[Mapping[str, Any]] = None


# ---------------------------------------------------------------- input validation


def _block_settings(options: Mapping[str, Any], keys: Mapping[str, str], where: str) -> Dict[str, Any]:
    unknown = sorted(set(options) - set(keys) - {"enabled"})
    if unknown:
        raise InvalidRequest(f"{where}: unknown key(s) {', '.join(map(str, unknown))} (allowed: enabled, {', '.join(keys)})")
    settings: Dict[str, Any] = {}
    for name, api_name in keys.items():
        value = options.get(name)
        if value is None:
            continue
        if name == "sms_configuration":
            value = _block_settings(value, SMS_CONFIGURATION_KEYS, f"{where}.{name}")
            if not value:
                continue
        settings[api_name] = value
    return settings


def block_request(options: Optional[Mapping[str, Any]], keys: Mapping[str, str], where: str) -> Optional[BlockRequest]:
    if options is None:
        return None
    if not isinstance(options, Mapping):
        raise InvalidRequest(f"{where}: expected a dict, got {options!r}")
    enabled = options.get("enabled")
    enabled = True if enabled is None else enabled
    settings = _block_settings(options, keys, where)
    if not enabled and settings:
        raise InvalidRequest(f"{where}: settings ({', '.join(sorted(settings))}) given, but enabled is false")
    for message_key in ("SmsAuthenticationMessage", "Message"):
        message = settings.get(message_key)
        if message is not None and CODE_PLACEHOLDER not in message:
            raise InvalidRequest(
                f"{where}: the message must contain {CODE_PLACEHOLDER}, where Cognito puts the code; got {message!r}. "
                f"In a playbook, Jinja reads {{# as the start of a comment: write the value as !unsafe 'Your code is {CODE_PLACEHOLDER}'"
            )
    return BlockRequest(enabled=bool(enabled), settings=settings)


def web_authn_settings(options: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """The web_authn_configuration option as WebAuthnConfiguration keys; None when not given or empty."""
    if options is None:
        return None
    if not isinstance(options, Mapping):
        raise InvalidRequest(f"web_authn_configuration: expected a dict, got {options!r}")
    settings = _block_settings(options, WEBAUTHN_KEYS, "web_authn_configuration")
    return settings or None


def pool_request(params: Mapping[str, Any]) -> PoolRequest:
    """Turn the module's options into a request; contradictions visible in the request alone raise here."""
    mode = params.get("mfa_configuration")
    if mode is not None and mode not in MFA_CONFIGURATIONS:
        raise InvalidRequest(f"mfa_configuration must be one of {', '.join(MFA_CONFIGURATIONS)}, got {mode!r}")
    request = PoolRequest(
        mfa_configuration=mode,
        software_token_mfa_enabled=params.get("software_token_mfa_enabled"),
        sms=block_request(params.get("sms_mfa_configuration"), SMS_KEYS, "sms_mfa_configuration"),
        email=block_request(params.get("email_mfa_configuration"), EMAIL_KEYS, "email_mfa_configuration"),
        web_authn=web_authn_settings(params.get("web_authn_configuration")),
    )
    if request == PoolRequest():
        raise InvalidRequest(
            "nothing to set: give mfa_configuration, software_token_mfa_enabled, sms_mfa_configuration, "
            "email_mfa_configuration or web_authn_configuration"
        )
    if mode == "OFF" and request.software_token_mfa_enabled:
        raise InvalidRequest(
            "mfa_configuration OFF turns MFA off for the whole pool, so software_token_mfa_enabled cannot be true: "
            "use OPTIONAL or ON to offer TOTP"
        )
    all_off = (
        request.software_token_mfa_enabled is False
        and request.sms is not None
        and not request.sms.enabled
        and request.email is not None
        and not request.email.enabled
    )
    if mode in ("ON", "OPTIONAL") and all_off:
        raise InvalidRequest(f"mfa_configuration {mode} needs at least one MFA method enabled, but all are disabled")
    return request


# ---------------------------------------------------------------- current -> desired


def normalize(response: Mapping[str, Any]) -> Dict[str, Any]:
    """GetUserPoolMfaConfig output in one comparable shape.

    Missing and null blocks are dropped (moto returns null, Cognito omits them), TOTP always
    appears as {"Enabled": bool}, and MfaConfiguration defaults to OFF.
    """
    config = {
        key: copy.deepcopy(value)
        for key, value in response.items()
        if key not in ("ResponseMetadata", "UserPoolId") and value is not None
    }
    config[MODE] = config.get(MODE) or "OFF"
    config[TOTP] = {"Enabled": bool((config.get(TOTP) or {}).get("Enabled"))}
    return config


def enabled_methods(config: Mapping[str, Any]) -> Dict[str, bool]:
    return {
        "software_token_mfa": bool(config[TOTP]["Enabled"]),
        "sms_mfa": SMS in config,
        "email_mfa": EMAIL in config,
    }


def _merge(current: Mapping[str, Any], update: Mapping[str, Any]) -> Dict[str, Any]:
    merged = copy.deepcopy(dict(current))
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _apply_block(config: Dict[str, Any], key: str, block: Optional[BlockRequest]) -> None:
    if block is None:
        return
    if not block.enabled:
        config.pop(key, None)
    else:
        config[key] = _merge(config.get(key) or {}, block.settings)


def desired(current: Mapping[str, Any], request: PoolRequest, settable: Iterable[str] = ()) -> Dict[str, Any]:
    """The whole configuration to send: the current one (normalized) with the request applied.

    `settable` names the keys the set call accepts (from the botocore model); current blocks
    under other keys that the set call accepts too (e.g. WebAuthnConfiguration) are sent back
    unchanged. Raises InvalidRequest if the result is contradictory.
    """
    keep = set(MANAGED) | set(settable)
    config = {key: copy.deepcopy(value) for key, value in current.items() if key in keep}
    mode = request.mfa_configuration or current[MODE]
    config[MODE] = mode
    if request.software_token_mfa_enabled is not None:
        config[TOTP] = {"Enabled": request.software_token_mfa_enabled}
    elif mode == "OFF":
        config[TOTP] = {"Enabled": False}  # OFF means no method is offered
    _apply_block(config, SMS, request.sms)
    _apply_block(config, EMAIL, request.email)
    if request.web_authn:
        config[WEBAUTHN] = _merge(config.get(WEBAUTHN) or {}, request.web_authn)
    check_consistent(config, current, request)
    if mode == "OFF":
        # Cognito refuses OFF sent with any factor block, and the set call replaces the whole
        # configuration: OFF leaves no SMS or email block (WebAuthn is not an MFA factor).
        config.pop(SMS, None)
        config.pop(EMAIL, None)
    return config


def call_parameters(config: Mapping[str, Any]) -> Dict[str, Any]:
    """The SetUserPoolMfaConfig parameters for a desired configuration: OFF goes without the
    TOTP block ("can't turn off MFA and configure an MFA together")."""
    params = copy.deepcopy(dict(config))
    if params.get(MODE) == "OFF":
        for key in (TOTP, SMS, EMAIL):
            params.pop(key, None)
    return params


def check_consistent(config: Mapping[str, Any], current: Mapping[str, Any], request: Optional[PoolRequest] = None) -> None:
    mode = config[MODE]
    if mode == "OFF" and config[TOTP]["Enabled"]:
        raise InvalidRequest(
            "the pool's MFA configuration is OFF, so TOTP cannot be enabled: set mfa_configuration to OPTIONAL or ON as well"
        )
    if mode == "OFF" and request is not None:
        for option, block in (("sms_mfa_configuration", request.sms), ("email_mfa_configuration", request.email)):
            if block is not None and block.enabled:
                raise InvalidRequest(
                    f"the pool's MFA configuration is OFF, so {option} cannot be enabled: Cognito refuses OFF together "
                    "with an MFA method; set mfa_configuration to OPTIONAL or ON, or leave the block out"
                )
    if mode in ("ON", "OPTIONAL") and not any(enabled_methods(config).values()):
        kept = "" if current[MODE] == mode else f" (the pool is {current[MODE]} now)"
        raise InvalidRequest(
            f"mfa_configuration {mode} needs at least one MFA method enabled, but this request would leave none{kept}: "
            "set software_token_mfa_enabled to true, or enable sms_mfa_configuration or email_mfa_configuration"
        )


def _contains(actual: Any, wanted: Any) -> bool:
    """Every key of `wanted` is in `actual` with the same value (Cognito may add defaults)."""
    if isinstance(wanted, Mapping):
        return isinstance(actual, Mapping) and all(key in actual and _contains(actual[key], value) for key, value in wanted.items())
    return actual == wanted


def matches(actual: Mapping[str, Any], wanted: Mapping[str, Any], web_authn: bool = False) -> bool:
    """Whether the pool (as read) has the wanted configuration: same mode and methods, wanted settings present,
    and with web_authn (the request named passkey settings) the wanted WebAuthn keys too."""
    for key in MANAGED:
        if (key in wanted) != (key in actual):
            return False
        if key in wanted and not _contains(actual[key], wanted[key]):
            return False
    return not web_authn or WEBAUTHN not in wanted or _contains(actual.get(WEBAUTHN) or {}, wanted[WEBAUTHN])
