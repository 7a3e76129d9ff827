# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure MFA decisions: current state + requested settings -> calls to make and the state they lead to.

Nothing here talks to AWS, so every rule is tested as a table (tests/unit/plugins/module_utils/test_mfa.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, List, Mapping, Optional, Tuple

from .errors import InvalidRequest
from .validate import as_bool, check_username

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

# How Cognito words its refusal of TOTP for a user with no verified authenticator, and
# where each wording was reported (docs/cognito-behaviour.md). The wording only decides
# whether the row carries Cognito's message; not_enrolled() decides the outcome.
TOTP_NOT_ENROLLED_WORDINGS: Tuple[Tuple[str, str], ...] = (
    ("User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA", "aws/aws-sdk-js-v3#4645"),
    ("User has not set up software token mfa", "aws-amplify/amplify-js#944"),
    ("User has not verified software token mfa", "aws-amplify/amplify-js#1343"),
)


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


# ---------------------------------------------------------------- the audit vocabulary
# The one home of the words an audit uses (cognito_user_mfa_info, the audit report and its renderings).

# A user's MFA methods in one word: cognito_user_mfa_info's mfa_state, whatever the policy.
MFA_STATES = TOTP_PREFERRED, TOTP_ENABLED_NOT_PREFERRED, OTHER_MFA_ONLY, NO_MFA = (
    "totp_preferred", "totp_enabled_not_preferred", "other_mfa_only", "no_mfa"
)

# A user's state in an audit (the audit report's users[].state): compliant (meets the policy), else its MFA state,
# or why it has none. As an audit state, an MFA state names a user who is NOT compliant: TOTP_PREFERRED then is a
# user with TOTP enabled and preferred whom sign-in does not hold to it (pool MFA OFF, a passwordless first factor)
# or a policy that asks for another method.
COMPLIANT, DISABLED, UNREADABLE, NOT_FOUND = "compliant", "disabled", "unreadable", "not_found"
# Users MFA does not apply to, apart from the percentage (user_kind.py); disabled ones too unless count_disabled.
FEDERATED, UNCONFIRMED, PASSWORD_RESET_REQUIRED, FORCE_CHANGE_PASSWORD = (
    "federated", "unconfirmed", "password_reset_required", "force_change_password"
)
NOT_APPLICABLE_STATES = (FEDERATED, UNCONFIRMED, PASSWORD_RESET_REQUIRED, FORCE_CHANGE_PASSWORD)
AUDIT_STATES = (COMPLIANT,) + MFA_STATES + (DISABLED,) + NOT_APPLICABLE_STATES + (UNREADABLE, NOT_FOUND)
# Counted in a compliance percentage as not compliant; comparisons go by the known ones only.
NON_COMPLIANT_STATES = MFA_STATES + (UNREADABLE,)
KNOWN_NON_COMPLIANT = MFA_STATES
# The audit report's counts give the users not compliant by MFA state under this key, never as counts.<MFA state>:
# in cognito_user_mfa_info's result, counts.totp_preferred (and each MFA state) counts every user read, whatever the
# policy, and one key keeps one meaning everywhere.
NON_COMPLIANT_BY_MFA_STATE = "non_compliant_by_mfa_state"
# Audit state labels: the words of every format (the HTML legend, JUnit, failure sentences).
STATE_LABELS = {
    COMPLIANT: "compliant",
    TOTP_PREFERRED: "TOTP enabled and preferred, yet not compliant",
    TOTP_ENABLED_NOT_PREFERRED: "TOTP enabled but not preferred",
    OTHER_MFA_ONLY: "other MFA only",
    NO_MFA: "no MFA",
    DISABLED: "disabled",
    FEDERATED: "federated (the identity provider does MFA)",
    UNCONFIRMED: "unconfirmed",
    PASSWORD_RESET_REQUIRED: "password reset required",
    FORCE_CHANGE_PASSWORD: "must change the temporary password",
    UNREADABLE: "could not be read",
    NOT_FOUND: "not found",
}
# Short column headings for tables (the HTML summary), under a group heading that carries the rest of the meaning.
STATE_HEADINGS = {
    COMPLIANT: "Compliant",
    TOTP_PREFERRED: "TOTP preferred",
    TOTP_ENABLED_NOT_PREFERRED: "TOTP not preferred",
    OTHER_MFA_ONLY: "Other MFA only",
    NO_MFA: "No MFA",
    UNREADABLE: "Unreadable",
    DISABLED: "Disabled",
    FEDERATED: "Federated",
    UNCONFIRMED: "Unconfirmed",
    PASSWORD_RESET_REQUIRED: "Reset required",
    FORCE_CHANGE_PASSWORD: "Temporary password",
    NOT_FOUND: "Not found",
}


def mfa_state(state: MfaState) -> str:
    """A user's MFA methods in one word (MFA_STATES)."""
    if TOTP in state.enabled:
        return TOTP_PREFERRED if state.preferred == TOTP else TOTP_ENABLED_NOT_PREFERRED
    return OTHER_MFA_ONLY if state.enabled else NO_MFA


def audit_state(row: Mapping[str, Any]) -> str:
    """A cognito_user_mfa_info row's state in an audit (AUDIT_STATES); compliance is the row's, by the task's policy."""
    if row.get("not_found"):
        return NOT_FOUND
    if row.get("mfa_state") is None:
        return UNREADABLE
    if row.get("applicable") is False:
        return row.get("reason") or DISABLED
    if "applicable" not in row and row.get("enabled") is False:
        return DISABLED
    return COMPLIANT if row.get("compliant") else row["mfa_state"]


# ---------------------------------------------------------------- input validation


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
