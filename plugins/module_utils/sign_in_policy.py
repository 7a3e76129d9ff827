# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a sign-in really demands: pool mode, user state, passkeys and choice-based sign-in.

Pure; tested as tables in tests/unit/plugins/module_utils/test_sign_in_policy.py. "Compliant" here means: every way
this user can sign in asks for a TOTP code. The rule per pool mode (``MfaConfiguration``):

- ``OFF``: no second factor is asked, whatever the user's settings: not compliant. ("OFF - MFA
  tokens aren't required and can't be specified", service-2.json ``UserPoolType.MfaConfiguration``;
  Developer Guide, "Adding MFA to a user pool".)
- ``OPTIONAL``: Cognito challenges users who have a method activated ("If an MFA type is activated
  for a user, the user will be prompted for MFA during all sign-in attempts", botocore
  ``SMSMfaSettings.Enabled`` docs of AdminSetUserMFAPreference). TOTP the only method, or TOTP
  preferred: TOTP is asked. Several methods and none preferred: ``SELECT_MFA_TYPE``, so the user
  may pick another ("If multiple options are activated and no preference is set, a challenge to
  choose an MFA option will be returned", AdminSetUserMFAPreference docs): not compliant. Another
  method preferred: that one is asked. No method: no second factor.
- ``ON``: as OPTIONAL for users with methods; a user without any meets ``MFA_SETUP`` (or SMS when
  the pool offers it and the user has a phone number: aws-amplify/amplify-js#11258), so the user
  is not on TOTP yet: not compliant until enrolled. In an ON pool an empty ``UserMFASettingList``
  does not prove that no factor is asked (aws/aws-sdk-js-v3#7961), which is one more reason to
  call the state ``enrol`` rather than ``none``.
- Legacy SMS: ``MFAOptions`` ("This response parameter is no longer supported. It provides
  information only about SMS MFA configurations", service-2.json ``AdminGetUserResponse``) with
  ``DeliveryMedium: SMS`` counts as SMS MFA even when ``UserMFASettingList`` is empty: such a user
  is ``other_mfa_only``, not ``no_mfa``.
- Choice-based sign-in (``USER_AUTH``, app clients with ``ALLOW_USER_AUTH``) lets a user start with
  any factor in ``Policies.SignInPolicy.AllowedFirstAuthFactors`` (``PASSWORD``, ``EMAIL_OTP``,
  ``SMS_OTP``, ``WEB_AUTHN``) that the user has (``AdminGetUserAuthFactors``
  ``ConfiguredUserAuthFactors``: "The authentication types that are available to the user with
  USER_AUTH sign-in"). A passkey is a single factor unless
  ``WebAuthnConfiguration.FactorConfiguration`` is ``MULTI_FACTOR_WITH_USER_VERIFICATION`` ("When set
  to SINGLE_FACTOR or not set, passkeys are a single authentication factor"). A user who can start
  with ``EMAIL_OTP``, ``SMS_OTP`` or ``WEB_AUTHN`` can sign in without TOTP: not compliant (with
  passkey MFA that sign-in is still multi-factor, but not TOTP).
- Setting ``ON`` on a pool whose sign-in policy allows ``WEB_AUTHN`` as a first factor fails unless
  ``FactorConfiguration`` is ``MULTI_FACTOR_WITH_USER_VERIFICATION``: "InvalidParameterException:
  Cannot set WebAuthn factor configuration to SINGLE_FACTOR if MFA is required and WebAuthn is an
  allowed first auth factor", also with no WebAuthn block at all; OPTIONAL with SINGLE_FACTOR is
  accepted (go-to-k/cdkd#2064; the reverse order fails too, hashicorp/terraform-provider-aws#50110).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Tuple

from .mfa import InvalidRequest
from .mfa import METHODS, NO_MFA, OTHER_MFA_ONLY, TOTP, TOTP_ENABLED_NOT_PREFERRED, TOTP_PREFERRED

SMS = "sms_mfa"
_COGNITO_METHODS = {cognito: method for method, (cognito, _block) in METHODS.items()}

PASSWORD = "PASSWORD"
WEB_AUTHN = "WEB_AUTHN"
EMAIL_OTP = "EMAIL_OTP"
SMS_OTP = "SMS_OTP"
PASSWORDLESS = (WEB_AUTHN, EMAIL_OTP, SMS_OTP)
ALLOW_USER_AUTH = "ALLOW_USER_AUTH"
SINGLE_FACTOR = "SINGLE_FACTOR"
MULTI_FACTOR = "MULTI_FACTOR_WITH_USER_VERIFICATION"
WEBAUTHN_BLOCK = "WebAuthnConfiguration"

# mfa_state values, as the audit reports them.

# What the password path of a sign-in asks as second factor.
ASKS_TOTP = "totp"
ASKS_CHOICE = "choice"  # SELECT_MFA_TYPE: the user picks, TOTP among others
ASKS_OTHER = "other"  # SMS or email code
ASKS_ENROL = "enrol"  # MFA_SETUP (ON pool, no method yet)
ASKS_NOTHING = "none"


# ---------------------------------------------------------------- a user's methods


@dataclass(frozen=True)
class UserMethods:
    """A user's MFA methods as Cognito reports them, legacy SMS included."""

    enabled: FrozenSet[str] = frozenset()
    preferred: Optional[str] = None
    legacy_sms: bool = False

    @property
    def state(self) -> str:
        if TOTP in self.enabled:
            return TOTP_PREFERRED if self.preferred == TOTP else TOTP_ENABLED_NOT_PREFERRED
        return OTHER_MFA_ONLY if self.enabled else NO_MFA


def methods_from_user(record: Mapping[str, Any]) -> UserMethods:
    """AdminGetUser / GetUser / AdminGetUserAuthFactors output. Missing, [] and "" mean none.

    ``MFAOptions`` with ``DeliveryMedium: SMS`` adds SMS when ``UserMFASettingList`` lacks it.
    """
    enabled = {_COGNITO_METHODS.get(name, name.lower()) for name in record.get("UserMFASettingList") or ()}
    legacy = any(
        isinstance(option, Mapping) and option.get("DeliveryMedium") == "SMS" for option in record.get("MFAOptions") or ()
    )
    legacy_only = legacy and SMS not in enabled
    if legacy:
        enabled.add(SMS)
    preferred = record.get("PreferredMfaSetting") or None
    return UserMethods(
        enabled=frozenset(enabled),
        preferred=_COGNITO_METHODS.get(preferred, preferred.lower()) if preferred else None,
        legacy_sms=legacy_only,
    )


def password_challenge(mode: str, methods: UserMethods) -> str:
    """The second factor a password (or SRP) sign-in asks of this user in a pool of this mode."""
    if mode not in ("ON", "OPTIONAL"):
        return ASKS_NOTHING
    if not methods.enabled:
        return ASKS_ENROL if mode == "ON" else ASKS_NOTHING
    if methods.preferred in methods.enabled:
        return ASKS_TOTP if methods.preferred == TOTP else ASKS_OTHER
    if methods.enabled == {TOTP}:
        return ASKS_TOTP
    if len(methods.enabled) > 1:
        return ASKS_CHOICE
    return ASKS_OTHER


# ---------------------------------------------------------------- the pool's sign-in


@dataclass(frozen=True)
class PoolSignIn:
    """The pool settings that decide what a sign-in asks.

    mode: GetUserPoolMfaConfig / DescribeUserPool ``MfaConfiguration``; first_factors: DescribeUserPool
    ``UserPool.Policies.SignInPolicy.AllowedFirstAuthFactors``; passkey_factor:
    GetUserPoolMfaConfig ``WebAuthnConfiguration.FactorConfiguration``; user_auth_clients: ids of app
    clients (DescribeUserPoolClient) whose ``ExplicitAuthFlows`` has ``ALLOW_USER_AUTH``.
    """

    mode: str = "OFF"
    first_factors: FrozenSet[str] = frozenset((PASSWORD,))
    passkey_factor: str = SINGLE_FACTOR
    user_auth_clients: Tuple[str, ...] = ()
    clients_read: bool = True

    @property
    def passwordless(self) -> FrozenSet[str]:
        """First factors other than a password that the policy allows."""
        return self.first_factors & frozenset(PASSWORDLESS)

    @property
    def choice_reachable(self) -> bool:
        """Whether some sign-in can start with a passwordless factor.

        When the clients were not read, assume it can (a finding must not vanish for lack of a read).
        """
        return bool(self.passwordless) and (bool(self.user_auth_clients) or not self.clients_read)


def allowed_first_factors(described: Mapping[str, Any]) -> FrozenSet[str]:
    pool = described.get("UserPool", described)
    policy = ((pool.get("Policies") or {}).get("SignInPolicy") or {}).get("AllowedFirstAuthFactors")
    return frozenset(policy) if policy else frozenset((PASSWORD,))


def passkey_factor(mfa_config: Mapping[str, Any]) -> str:
    return (mfa_config.get(WEBAUTHN_BLOCK) or {}).get("FactorConfiguration") or SINGLE_FACTOR


def user_auth_clients(clients: Iterable[Mapping[str, Any]]) -> Tuple[str, ...]:
    """Ids of the clients (DescribeUserPoolClient responses or their UserPoolClient) with ALLOW_USER_AUTH."""
    found = []
    for described in clients:
        client = described.get("UserPoolClient", described)
        if ALLOW_USER_AUTH in (client.get("ExplicitAuthFlows") or ()):
            found.append(client.get("ClientId") or client.get("ClientName") or "?")
    return tuple(sorted(found))


def pool_sign_in(
    described: Mapping[str, Any], mfa_config: Mapping[str, Any], clients: Optional[Iterable[Mapping[str, Any]]] = None
) -> PoolSignIn:
    """From DescribeUserPool, GetUserPoolMfaConfig and (None: not read) the DescribeUserPoolClient responses."""
    pool = described.get("UserPool", described)
    return PoolSignIn(
        mode=mfa_config.get("MfaConfiguration") or pool.get("MfaConfiguration") or "OFF",
        first_factors=allowed_first_factors(described),
        passkey_factor=passkey_factor(mfa_config),
        user_auth_clients=user_auth_clients(clients or ()),
        clients_read=clients is not None,
    )


def pool_sign_in_from_info(
    user_pool: Optional[Mapping[str, Any]], mfa_config: Optional[Mapping[str, Any]], app_clients: Optional[Iterable[Mapping[str, Any]]] = None
) -> PoolSignIn:
    """The same from the snake_case results of cognito_user_pool_info (user_pool, app_clients) and
    cognito_user_mfa_info (user_pool_mfa_config), as the audit report filter receives them."""
    user_pool = user_pool or {}
    mfa_config = mfa_config or {}
    policy = ((user_pool.get("policies") or {}).get("sign_in_policy") or {}).get("allowed_first_auth_factors")
    clients = None
    if app_clients is not None:
        clients = [{"ClientId": client.get("client_id"), "ExplicitAuthFlows": client.get("explicit_auth_flows")} for client in app_clients]
    return PoolSignIn(
        mode=mfa_config.get("mfa_configuration") or user_pool.get("mfa_configuration") or "OFF",
        first_factors=frozenset(policy) if policy else frozenset((PASSWORD,)),
        passkey_factor=(mfa_config.get("web_authn_configuration") or {}).get("factor_configuration") or SINGLE_FACTOR,
        user_auth_clients=user_auth_clients(clients or ()),
        clients_read=clients is not None,
    )


# ---------------------------------------------------------------- one user's verdict


@dataclass(frozen=True)
class SignInVerdict:
    """What signing in demands of one user. ``compliant``: every way in asks for TOTP."""

    mfa_state: str
    password_asks: str
    bypass: Tuple[str, ...] = ()
    unchecked: Tuple[str, ...] = ()
    reason: str = ""

    @property
    def compliant(self) -> bool:
        return self.password_asks == ASKS_TOTP and not self.bypass

    def as_dict(self) -> Dict[str, Any]:
        row: Dict[str, Any] = {
            "mfa_state": self.mfa_state,
            "sign_in_asks": self.password_asks,
            "sign_in_compliant": self.compliant,
            "sign_in_reason": self.reason,
        }
        if self.bypass:
            row["sign_in_without_totp"] = list(self.bypass)
        if self.unchecked:
            row["unchecked_first_factors"] = list(self.unchecked)
        return row


_REASONS = {
    ASKS_TOTP: "a password sign-in asks for TOTP",
    ASKS_CHOICE: "several methods and none preferred: the user chooses (SELECT_MFA_TYPE), TOTP is not required",
    ASKS_OTHER: "a password sign-in asks for another method (SMS or email), not TOTP",
    ASKS_ENROL: "MFA is ON and the user has no method yet: the next sign-in asks to set one up (MFA_SETUP)",
}


def verdict(pool: PoolSignIn, methods: UserMethods, auth_factors: Optional[Iterable[str]] = None) -> SignInVerdict:
    """Does signing in ask this user for TOTP, on every path?

    auth_factors: the user's ``ConfiguredUserAuthFactors`` (AdminGetUserAuthFactors), or None when
    not read; then passwordless first factors the pool allows are listed as ``unchecked``.
    """
    asks = password_challenge(pool.mode, methods)
    if pool.mode not in ("ON", "OPTIONAL"):
        reason = f"the pool's MFA is {pool.mode}: no second factor is asked, whatever the user's settings"
    elif asks == ASKS_NOTHING:
        reason = "MFA is OPTIONAL and the user has no method: the password alone signs in"
    else:
        reason = _REASONS[asks]
    bypass: Tuple[str, ...] = ()
    unchecked: Tuple[str, ...] = ()
    if pool.choice_reachable:
        if auth_factors is None:
            unchecked = tuple(sorted(pool.passwordless))
        else:
            bypass = tuple(sorted(pool.passwordless & frozenset(auth_factors)))
            if bypass:
                how = ", ".join(bypass)
                passkey_mfa = " (a passkey with user verification counts as MFA, but it is not TOTP)" if (
                    WEB_AUTHN in bypass and pool.passkey_factor == MULTI_FACTOR
                ) else ""
                reason = f"{reason}; choice-based sign-in lets the user start with {how} instead{passkey_mfa}"
    return SignInVerdict(methods.state, asks, bypass, unchecked, reason)


# ---------------------------------------------------------------- pool findings


@dataclass(frozen=True)
class Finding:
    """One way users of a pool can sign in without TOTP."""

    code: str
    subject: str
    message: str
    severity: str = "high"

    def as_dict(self) -> Dict[str, str]:
        return {"code": self.code, "subject": self.subject, "severity": self.severity, "message": self.message}


def findings(pool_id: str, pool: PoolSignIn, include_mode: bool = True) -> List[Finding]:
    """The pool's and its app clients' ways to sign in without TOTP, worst first.

    include_mode=False leaves out mfa_off / mfa_optional, for a caller that reports those itself.
    """
    found: List[Finding] = []
    if include_mode and pool.mode not in ("ON", "OPTIONAL"):
        found.append(Finding("mfa_off", pool_id, f"MFA is {pool.mode}: no user is asked for a second factor"))
    elif include_mode and pool.mode == "OPTIONAL":
        found.append(
            Finding("mfa_optional", pool_id, "MFA is OPTIONAL: users without an MFA method sign in with a password alone", "medium")
        )
    reachable = pool.choice_reachable
    where = (
        f"through app clients with ALLOW_USER_AUTH ({', '.join(pool.user_auth_clients)})"
        if pool.user_auth_clients
        else ("if an app client allows USER_AUTH (clients not read)" if not pool.clients_read else "")
    )
    severity = "high" if reachable else "low"
    not_reachable = "; no app client allows USER_AUTH now" if not reachable else ""
    if WEB_AUTHN in pool.first_factors:
        single = pool.passkey_factor != MULTI_FACTOR
        found.append(
            Finding(
                "passkey_single_factor" if single else "passkey_first_factor",
                pool_id,
                (
                    "the sign-in policy allows WEB_AUTHN as a first factor and WebAuthnConfiguration.FactorConfiguration is "
                    f"{pool.passkey_factor}: a passkey alone signs a user in, without TOTP"
                    if single
                    else "the sign-in policy allows WEB_AUTHN as a first factor with MULTI_FACTOR_WITH_USER_VERIFICATION: "
                    "a passkey with user verification signs a user in without TOTP"
                )
                + (f" {where}" if where else "")
                + not_reachable,
                severity if single else ("medium" if reachable else "low"),
            )
        )
    for factor in (EMAIL_OTP, SMS_OTP):
        if factor in pool.first_factors:
            found.append(
                Finding(
                    "passwordless_first_factor",
                    pool_id,
                    f"the sign-in policy allows {factor} as a first factor: a one-time code alone signs a user in, without TOTP"
                    + (f" {where}" if where else "")
                    + not_reachable,
                    severity,
                )
            )
    for client_id in pool.user_auth_clients:
        allowed = ", ".join(sorted(pool.passwordless))
        found.append(
            Finding(
                "client_user_auth",
                client_id,
                f"app client {client_id} allows choice-based sign-in (ALLOW_USER_AUTH)"
                + (f": users can start with {allowed}" if allowed else ": the sign-in policy allows only PASSWORD now"),
                "high" if allowed else "info",
            )
        )
    order = {"high": 0, "medium": 1, "low": 2, "info": 3}
    return sorted(found, key=lambda finding: order[finding.severity])


# ---------------------------------------------------------------- cognito_user_pool_mfa: ON with passkeys


def check_mfa_required(
    desired: Mapping[str, Any], first_factors: Iterable[str], set_passkey_mfa: bool = False
) -> Dict[str, Any]:
    """Before SetUserPoolMfaConfig: make ``ON`` acceptable to Cognito, or fail before any write.

    desired: the whole configuration about to be sent (pool_mfa.desired's output, which keeps
    the current WebAuthnConfiguration). first_factors: DescribeUserPool's AllowedFirstAuthFactors.
    With set_passkey_mfa, FactorConfiguration becomes MULTI_FACTOR_WITH_USER_VERIFICATION (the rest
    of the WebAuthn block is kept); without it, InvalidRequest says why and what to set.
    Returns the configuration to send (a copy; unchanged when nothing is in the way).
    """
    config = copy.deepcopy(dict(desired))
    if config.get("MfaConfiguration") != "ON" or WEB_AUTHN not in set(first_factors or ()):
        return config
    block = config.get(WEBAUTHN_BLOCK) or {}
    if block.get("FactorConfiguration") == MULTI_FACTOR:
        return config
    if set_passkey_mfa:
        config[WEBAUTHN_BLOCK] = dict(block, FactorConfiguration=MULTI_FACTOR)
        return config
    current = block.get("FactorConfiguration") or f"not set ({SINGLE_FACTOR})"
    raise InvalidRequest(
        "mfa_configuration ON cannot be set on this pool: its sign-in policy allows WEB_AUTHN (passkeys) as a first factor, "
        f"and WebAuthnConfiguration.FactorConfiguration is {current}. Cognito refuses MFA required while a passkey alone signs "
        f"a user in. Set the WebAuthn factor configuration to {MULTI_FACTOR} (passkey with user verification counts as MFA), "
        "or remove WEB_AUTHN from the pool's AllowedFirstAuthFactors, or keep mfa_configuration OPTIONAL. Nothing was changed."
    )
