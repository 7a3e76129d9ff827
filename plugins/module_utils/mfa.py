# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure MFA decisions: current state + requested settings -> calls to make and the state they lead to.

Nothing here talks to AWS, so every rule is tested as a table (tests/unit/test_mfa.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, List, Mapping, Optional, Tuple

# Option name -> (name in UserMFASettingList / PreferredMfaSetting, settings block of the set call)
METHODS: Dict[str, Tuple[str, str]] = {
    "software_token_mfa": ("SOFTWARE_TOKEN_MFA", "SoftwareTokenMfaSettings"),
    "sms_mfa": ("SMS_MFA", "SMSMfaSettings"),
    "email_mfa": ("EMAIL_OTP", "EmailMfaSettings"),
}
TOTP = "software_token_mfa"
_FROM_COGNITO = {cognito: method for method, (cognito, _block) in METHODS.items()}
USER_ENTRY_KEYS = ("username",) + tuple(METHODS)
SETTING_KEYS = ("enabled", "preferred")

USER_POOL_ID = re.compile(r"^(?P<region>[\w-]+)_[0-9a-zA-Z]+$")
# How Cognito words its refusal of TOTP for a user with no verified authenticator, and
# where each wording was reported (docs/cognito-behaviour.md). The wording only decides
# whether the row carries Cognito's message; not_enrolled() decides the outcome.
TOTP_NOT_ENROLLED_WORDINGS: Tuple[Tuple[str, str], ...] = (
    ("User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA", "aws/aws-sdk-js-v3#4645"),
    ("User has not set up software token mfa", "aws-amplify/amplify-js#944"),
    ("User has not verified software token mfa", "aws-amplify/amplify-js#1343"),
)


class InvalidRequest(ValueError):
    """Raised for bad input, before any call is made. The message names the culprit."""


@dataclass(frozen=True)
class MfaState:
    """A user's MFA methods as Cognito reports them."""

    enabled: FrozenSet[str] = frozenset()
    preferred: Optional[str] = None

    def as_dict(self) -> Dict[str, Any]:
        order = list(METHODS)
        return {
            "enabled_methods": sorted(self.enabled, key=lambda m: (order.index(m) if m in order else len(order), m)),
            "preferred_method": self.preferred,
        }


@dataclass(frozen=True)
class MethodRequest:
    """What the caller wants for one method; None means 'keep as it is'."""

    enabled: Optional[bool] = None
    preferred: Optional[bool] = None


@dataclass(frozen=True)
class UserRequest:
    username: str
    methods: Mapping[str, MethodRequest] = field(default_factory=dict)
    reset_totp: bool = False


@dataclass(frozen=True)
class Plan:
    """Whether to delete the TOTP token first, the settings blocks to send, and the state expected afterwards."""

    blocks: Mapping[str, Dict[str, bool]]
    expected: MfaState
    delete_token: bool = False

    @property
    def needed(self) -> bool:
        return bool(self.blocks) or self.delete_token

    @property
    def enables_totp(self) -> bool:
        block = self.blocks.get(METHODS[TOTP][1])
        return bool(block and block["Enabled"])


def known_not_enrolled_wording(message: str) -> bool:
    text = (message or "").strip().rstrip(".").lower()
    return any(text == wording.lower() for wording, _source in TOTP_NOT_ENROLLED_WORDINGS)


def not_enrolled(plan: Plan, before: MfaState, error_code: Optional[str]) -> bool:
    """An InvalidParameterException to a write whose only enabling block is TOTP, for a user
    whose state shows TOTP not enabled: the user has no verified authenticator."""
    if error_code != "InvalidParameterException" or not plan.enables_totp or TOTP in before.enabled:
        return False
    totp_block = METHODS[TOTP][1]
    return not any(block.get("Enabled") for name, block in plan.blocks.items() if name != totp_block)


def _method_name(cognito_name: str) -> str:
    return _FROM_COGNITO.get(cognito_name, cognito_name.lower())


def state_from_user(response: Mapping[str, Any]) -> MfaState:
    """Read AdminGetUser / GetUser output. Missing, [] and "" all mean 'none' (Cognito omits them)."""
    enabled = frozenset(_method_name(name) for name in (response.get("UserMFASettingList") or []))
    preferred = response.get("PreferredMfaSetting") or None
    return MfaState(enabled=enabled, preferred=_method_name(preferred) if preferred else None)


def plan(current: MfaState, request: Mapping[str, MethodRequest], reset_totp: bool = False) -> Plan:
    """Decide which settings blocks to send. Only methods named in the request are ever touched.

    reset_totp deletes the user's TOTP token (AdminDeleteSoftwareToken) when TOTP shows as enabled:
    that removes TOTP and any preference for it, and leaves the other methods alone.
    """
    delete_token = reset_totp and TOTP in current.enabled
    if delete_token:
        current = MfaState(current.enabled - {TOTP}, None if current.preferred == TOTP else current.preferred)
    blocks: Dict[str, Dict[str, bool]] = {}
    enabled = set(current.enabled)
    preferred = current.preferred
    for method, want in request.items():
        is_enabled = method in current.enabled
        is_preferred = current.preferred == method
        want_enabled = is_enabled if want.enabled is None else want.enabled
        want_preferred = is_preferred if want.preferred is None else want.preferred
        want_preferred = want_preferred and want_enabled
        if (want_enabled, want_preferred) == (is_enabled, is_preferred):
            continue
        blocks[METHODS[method][1]] = {"Enabled": want_enabled, "PreferredMfa": want_preferred}
        if want_enabled:
            enabled.add(method)
        else:
            enabled.discard(method)
        if want_preferred:
            preferred = method
        elif preferred == method:
            preferred = None
    return Plan(blocks=blocks, expected=MfaState(enabled=frozenset(enabled), preferred=preferred), delete_token=delete_token)


def satisfies(state: MfaState, request: Mapping[str, MethodRequest], reset_totp: bool = False) -> bool:
    return not plan(state, request, reset_totp).needed


# ---------------------------------------------------------------- input validation


def as_bool(value: Any, where: str) -> Optional[bool]:
    """A YAML-ish boolean (true, "yes", "off" ...); None stays None."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("yes", "on", "true", "1", "y", "t"):
        return True
    if text in ("no", "off", "false", "0", "n", "f"):
        return False
    raise InvalidRequest(f"{where}: {value!r} is not a boolean")


def method_request(settings: Any, where: str) -> MethodRequest:
    if not isinstance(settings, Mapping):
        raise InvalidRequest(f"{where}: expected a dict with 'enabled' and/or 'preferred', got {settings!r}")
    unknown = sorted(set(settings) - set(SETTING_KEYS))
    if unknown:
        raise InvalidRequest(f"{where}: unknown key(s) {', '.join(unknown)} (allowed: enabled, preferred)")
    enabled = as_bool(settings.get("enabled"), f"{where}.enabled")
    preferred = as_bool(settings.get("preferred"), f"{where}.preferred")
    if preferred and enabled is False:
        raise InvalidRequest(f"{where}: a method cannot be preferred and disabled at once")
    if preferred:
        enabled = True
    return MethodRequest(enabled=enabled, preferred=preferred)


def merge_requests(
    base: Mapping[str, MethodRequest], override: Mapping[str, MethodRequest]
) -> Dict[str, MethodRequest]:
    """Per-user settings refine the task's settings key by key."""
    merged = dict(base)
    for method, want in override.items():
        old = merged.get(method, MethodRequest())
        enabled = old.enabled if want.enabled is None else want.enabled
        preferred = old.preferred if want.preferred is None else want.preferred
        if want.enabled is False and want.preferred is None:
            preferred = None
        merged[method] = MethodRequest(enabled=enabled, preferred=preferred)
    return merged


def check_one_preferred(request: Mapping[str, MethodRequest], where: str) -> None:
    preferred = [method for method, want in request.items() if want.preferred]
    if len(preferred) > 1:
        raise InvalidRequest(f"{where}: only one method can be preferred, got {', '.join(preferred)}")


def check_username(username: Any, where: str) -> str:
    if not isinstance(username, str) or not username:
        raise InvalidRequest(f"{where}: username must be a non-empty string, got {username!r}")
    if len(username) > 128:
        raise InvalidRequest(f"{where}: username {username[:20]!r}... is longer than 128 characters")
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in username):
        raise InvalidRequest(f"{where}: username {username!r} contains white space or control characters")
    return username


def check_user_pool_id(user_pool_id: Any, region: Optional[str] = None) -> str:
    match = USER_POOL_ID.match(user_pool_id or "") if isinstance(user_pool_id, str) else None
    if not match or len(user_pool_id) > 55:
        raise InvalidRequest(
            f"user_pool_id {user_pool_id!r} is not a Cognito user pool id (expected <region>_<id>, e.g. us-east-1_AbCdEf123)"
        )
    if region and match.group("region") != region:
        raise InvalidRequest(
            f"user_pool_id {user_pool_id!r} belongs to region {match.group('region')}, but the task runs in region {region}"
        )
    return user_pool_id


def check_bulk_options(params: Mapping[str, Any], rate_options: Tuple[str, ...]) -> None:
    """The bulk engine's options, as every module that works on many users has them."""
    for name in rate_options:
        if params[name] <= 0:
            raise InvalidRequest(f"{name} must be greater than 0, got {params[name]}")
    if params["workers"] < 1:
        raise InvalidRequest(f"workers must be at least 1, got {params['workers']}")
    if params["retries"] < 0:
        raise InvalidRequest(f"retries must be 0 or more, got {params['retries']}")


def task_request(params: Mapping[str, Any]) -> Dict[str, MethodRequest]:
    request = {
        method: method_request(params[method], method) for method in METHODS if params.get(method) is not None
    }
    check_one_preferred(request, "task settings")
    return request


def user_requests(
    entries: List[Any],
    base: Mapping[str, MethodRequest],
    reset_totp: bool = False,
    label: Callable[[int], str] = "users[{}]".format,
) -> List[UserRequest]:
    """Turn a list of user entries into validated requests; the first problem raises, naming the entry.

    label(index) says where an entry comes from in messages: users[3], username, users file 'x.yml', entry 4 ...
    """
    requests: List[UserRequest] = []
    seen: Dict[str, str] = {}
    for index, entry in enumerate(entries):
        where = label(index)
        if isinstance(entry, Mapping):
            unknown = sorted(set(entry) - set(USER_ENTRY_KEYS))
            if unknown:
                if isinstance(entry.get("username"), str):
                    where = f"{where} ({entry['username']})"
                raise InvalidRequest(
                    f"{where}: unknown key(s) {', '.join(map(str, unknown))} (allowed: {', '.join(USER_ENTRY_KEYS)})"
                )
            username = check_username(entry.get("username"), where)
            where = f"{where} ({username})"
            own = {method: method_request(entry[method], f"{where}.{method}") for method in METHODS if entry.get(method) is not None}
            request = merge_requests(base, own)
        else:
            username = check_username(entry, where)
            where = f"{where} ({username})"
            request = dict(base)
        if username in seen:
            raise InvalidRequest(f"{where}: duplicate of {seen[username]}")
        seen[username] = label(index)
        if not request and not reset_totp:
            raise InvalidRequest(f"{where}: no MFA setting requested (set software_token_mfa, sms_mfa or email_mfa)")
        check_one_preferred(request, where)
        if reset_totp and TOTP in request:
            raise InvalidRequest(f"{where}: software_token_mfa cannot be set while its token is being reset")
        requests.append(UserRequest(username=username, methods=request, reset_totp=reset_totp))
    return requests
