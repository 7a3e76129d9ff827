# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure decisions for onboarding users: check user entries, plan what to do for one user.

A user entry (inline, or in a users file shared with enforce_mfa) is a username, or a dict
with ``username`` and any of the profile keys below, beside the MFA keys that mfa.py checks.
Nothing here talks to AWS, so every rule is tested as a table (tests/unit/plugins/module_utils/test_user_profile.py).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from .errors import InvalidRequest
from .validate import as_bool, check_name, check_username

# Keys a user entry may carry for onboarding. `service_account` is for the onboard_users role;
# the cognito_user module takes the others (MODULE_ENTRY_KEYS).
PROFILE_KEYS = ("email", "phone_number", "name", "attributes", "groups", "service_account")
MODULE_ENTRY_KEYS = ("username", "email", "phone_number", "name", "attributes", "groups")
# Entry keys that are attributes themselves.
ATTRIBUTE_KEYS = ("email", "phone_number", "name")

# Cognito's standard attributes (OpenID Connect claims) that an administrator may set.
STANDARD_ATTRIBUTES = frozenset(
    (
        "address",
        "birthdate",
        "email",
        "email_verified",
        "family_name",
        "gender",
        "given_name",
        "locale",
        "middle_name",
        "name",
        "nickname",
        "phone_number",
        "phone_number_verified",
        "picture",
        "preferred_username",
        "profile",
        "updated_at",
        "website",
        "zoneinfo",
    )
)
BOOLEAN_ATTRIBUTES = frozenset(("email_verified", "phone_number_verified"))
CUSTOM_ATTRIBUTE = re.compile(r"^custom:[^\s:]{1,20}$")
MAX_ATTRIBUTE_VALUE = 2048
MAX_GROUP_NAME = 128

# Practical e-mail check: ASCII local part of the usual characters (no leading, trailing or double dot),
# a domain of at least two labels; a top-level label of letters (or an IDN's xn--).
EMAIL = re.compile(
    r"^(?=.{3,254}$)(?=[^@]{1,64}@)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$"
)
# E.164: a plus sign, a country code that does not start with 0, at most 15 digits in all.
E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
PHONE_NOISE = re.compile(r"[\s().-]")

# Users that have never signed in: their password is still the temporary one.
PENDING_STATUS = "FORCE_CHANGE_PASSWORD"

# Invitation choices of cognito_user.
SEND, RESEND, SUPPRESS = "send", "resend", "suppress"
EMAIL_MEDIUM, SMS_MEDIUM = "EMAIL", "SMS"

# Password generation: no look-alike characters (I, O, l, 0, 1); symbols from Cognito's allowed set.
PASSWORD_CLASSES = (
    "ABCDEFGHJKLMNPQRSTUVWXYZ",
    "abcdefghijkmnopqrstuvwxyz",
    "23456789",
    "!#%+-=@_",
)
MIN_GENERATED_LENGTH = 16
# When the pool's policy cannot be read: long enough for any policy up to 32 characters.
UNKNOWN_POLICY_LENGTH = 32
MAX_PASSWORD_LENGTH = 256


@dataclass(frozen=True)
class UserSpec:
    """What one user should look like: the attributes to set and the groups to belong to."""

    username: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    groups: Tuple[str, ...] = ()
    service_account: bool = False


# ---------------------------------------------------------------- single values


def to_bool(value: Any, where: str) -> bool:
    result = as_bool(value, where)
    if result is None:
        raise InvalidRequest(f"{where}: None is not a boolean")
    return result


def check_email(value: Any, where: str) -> str:
    if not isinstance(value, str) or not EMAIL.fullmatch(value):
        raise InvalidRequest(f"{where}: {value!r} is not a valid e-mail address")
    return value


def check_phone_number(value: Any, where: str) -> str:
    if isinstance(value, str) and E164.fullmatch(value):
        return value
    hint = ""
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        compact = PHONE_NOISE.sub("", str(value))
        if compact.startswith("00"):
            compact = "+" + compact[2:]
        if E164.fullmatch(compact):
            hint = f", for example {compact!r}"
    raise InvalidRequest(
        f"{where}: {value!r} is not a phone number in E.164 form (a + sign, the country code and the number, "
        f"digits only, at most 15{hint})"
    )


def check_group_name(value: Any, where: str) -> str:
    return check_name(value, where, "group name", MAX_GROUP_NAME, article="a ")


def check_groups(value: Any, where: str) -> Tuple[str, ...]:
    """A list of group names; duplicates are dropped, order is kept."""
    if not isinstance(value, (list, tuple)):
        raise InvalidRequest(f"{where}: expected a list of group names, got {value!r}")
    names: List[str] = []
    for index, item in enumerate(value):
        name = check_group_name(item, f"{where}[{index}]")
        if name not in names:
            names.append(name)
    return tuple(names)


def check_attribute_name(name: Any, where: str) -> str:
    if not isinstance(name, str) or not (name in STANDARD_ATTRIBUTES or CUSTOM_ATTRIBUTE.fullmatch(name)):
        if name == "sub":
            raise InvalidRequest(f"{where}: 'sub' is set by Cognito and cannot be given")
        raise InvalidRequest(
            f"{where}: unknown attribute {name!r} (a standard attribute such as email, phone_number, given_name, "
            "or a custom one written custom:<name>, at most 20 characters after the prefix)"
        )
    return name


def _at(where: str, key: str) -> str:
    """How messages name a key: 'users[3] (bob).email', or just 'email' for the task's own options."""
    return f"{where}.{key}" if where else key


def attribute_value(name: str, value: Any, where: str) -> str:
    """The attribute's value as Cognito stores it: a string; booleans as 'true' / 'false'."""
    where = _at(where, name)
    if value is None or isinstance(value, (dict, list, tuple)):
        raise InvalidRequest(f"{where}: expected a text, number or boolean value, got {value!r}")
    if name in BOOLEAN_ATTRIBUTES:
        return "true" if to_bool(value, where) else "false"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    if name == "email":
        check_email(text, where)
    elif name == "phone_number":
        check_phone_number(value if isinstance(value, str) else text, where)
    elif not text:
        raise InvalidRequest(f"{where}: empty value (Cognito takes an empty value as 'delete the attribute')")
    if len(text) > MAX_ATTRIBUTE_VALUE:
        raise InvalidRequest(f"{where}: value longer than {MAX_ATTRIBUTE_VALUE} characters")
    return text


def check_attributes(value: Any, where: str) -> Dict[str, str]:
    """where names the dict itself ('attributes', 'users[3] (bob).attributes')."""
    if not isinstance(value, Mapping):
        raise InvalidRequest(f"{where}: expected a dict of attribute names and values, got {value!r}")
    return {check_attribute_name(name, where): attribute_value(name, item, where) for name, item in value.items()}


# ---------------------------------------------------------------- user entries


def split_entry(entry: Any) -> Tuple[Any, Dict[str, Any]]:
    """A shared user entry -> (the entry without profile keys, the profile keys). Strings pass as they are."""
    if not isinstance(entry, Mapping):
        return entry, {}
    rest = {key: value for key, value in entry.items() if key not in PROFILE_KEYS}
    profile = {key: value for key, value in entry.items() if key in PROFILE_KEYS}
    return rest, profile


def check_keys(entry: Mapping[str, Any], where: str, allowed: Sequence[str]) -> None:
    """Unknown keys are an error that names the entry, and its user when it has one (as mfa.py does)."""
    unknown = sorted(set(entry) - set(allowed), key=str)
    if unknown:
        if isinstance(entry.get("username"), str):
            where = f"{where} ({entry['username']})"
        raise InvalidRequest(f"{where}: unknown key(s) {', '.join(map(str, unknown))} (allowed: {', '.join(allowed)})")


def user_spec(
    entry: Any,
    where: str,
    base_attributes: Optional[Mapping[str, str]] = None,
    base_groups: Sequence[str] = (),
    allowed: Sequence[str] = ("username",) + PROFILE_KEYS,
) -> UserSpec:
    """Check one entry; its attributes refine base_attributes key by key, its groups add to base_groups.

    where names the entry in messages ('users[3]'); empty for a module's own top-level options, whose
    messages then name the option alone ('email: ...').
    """
    if isinstance(entry, Mapping):
        check_keys(entry, where or "user", allowed)
        username = check_username(entry.get("username"), where or "username")
        where = f"{where} ({username})" if where else ""
        own = check_attributes(entry["attributes"], _at(where, "attributes")) if entry.get("attributes") is not None else {}
        for key in ATTRIBUTE_KEYS:
            if entry.get(key) is None:
                if key in entry:
                    raise InvalidRequest(f"{_at(where, key)}: no value given")
                continue
            value = attribute_value(key, entry[key], where)
            if key in own and own[key] != value:
                raise InvalidRequest(
                    f"{where or 'user'}: {key} is given twice with different values "
                    f"({key}: {value!r}, attributes.{key}: {own[key]!r})"
                )
            own[key] = value
        groups = check_groups(entry["groups"], _at(where, "groups")) if entry.get("groups") is not None else ()
        service = (
            to_bool(entry["service_account"], _at(where, "service_account")) if entry.get("service_account") is not None else False
        )
    else:
        username = check_username(entry, where or "username")
        own, groups, service = {}, (), False
    attributes = dict(base_attributes or {})
    attributes.update(own)
    all_groups = tuple(dict.fromkeys(tuple(base_groups) + groups))
    return UserSpec(username=username, attributes=dict(sorted(attributes.items())), groups=all_groups, service_account=service)


def user_specs(
    entries: Iterable[Any],
    base_attributes: Optional[Mapping[str, str]] = None,
    base_groups: Sequence[str] = (),
    allowed: Sequence[str] = MODULE_ENTRY_KEYS,
    label: Callable[[int], str] = "users[{}]".format,
) -> List[UserSpec]:
    """Check a list of entries; the first problem raises, naming the entry. Each user once."""
    specs: List[UserSpec] = []
    seen: Dict[str, str] = {}
    for index, entry in enumerate(entries):
        spec = user_spec(entry, label(index), base_attributes, base_groups, allowed)
        if spec.username in seen:
            raise InvalidRequest(f"{label(index)} ({spec.username}): duplicate of {seen[spec.username]}")
        seen[spec.username] = label(index)
        specs.append(spec)
    return specs


def delivery_mediums(spec: UserSpec, wanted: Sequence[str], where: str) -> List[str]:
    """Where the invitation goes: the mediums asked for (each needs its attribute), else e-mail if the user
    has an address, else SMS if it has a phone number."""
    need = {EMAIL_MEDIUM: "email", SMS_MEDIUM: "phone_number"}
    if wanted:
        for medium in wanted:
            if need[medium] not in spec.attributes:
                raise InvalidRequest(f"{where}: the invitation goes by {medium}, but the user has no {need[medium]}")
        return list(wanted)
    for medium in (EMAIL_MEDIUM, SMS_MEDIUM):
        if need[medium] in spec.attributes:
            return [medium]
    raise InvalidRequest(
        f"{where}: no email or phone_number to send the invitation to (give one, or set invitation: suppress)"
    )


# ---------------------------------------------------------------- planning for one user


def attributes_of(response: Mapping[str, Any]) -> Dict[str, str]:
    """AdminGetUser's UserAttributes (AdminCreateUser's Attributes) as a dict."""
    items = response.get("UserAttributes", response.get("Attributes")) or []
    return {item["Name"]: item.get("Value", "") for item in items}


def attribute_changes(current: Mapping[str, str], desired: Mapping[str, str]) -> Dict[str, str]:
    """The desired attributes whose value differs; attributes not named are never touched."""
    return {name: value for name, value in desired.items() if current.get(name) != value}


def missing_groups(current: Iterable[str], desired: Sequence[str]) -> List[str]:
    have = set(current)
    return [group for group in desired if group not in have]


def password_action(status: str, invitation: str, reset_temporary_password: bool) -> Optional[str]:
    """What to do with an existing user's password: only users who never signed in are ever touched.

    'resend': the invitation again, with a new temporary password (AdminCreateUser RESEND);
    'reset': a new temporary password, no message (AdminSetUserPassword, Permanent false); None: nothing.
    """
    if status != PENDING_STATUS:
        return None
    if invitation == RESEND:
        return "resend"
    if reset_temporary_password:
        return "reset"
    return None


def password_length(policy: Optional[Mapping[str, Any]]) -> int:
    if policy is None:
        return UNKNOWN_POLICY_LENGTH
    minimum = policy.get("MinimumLength") or 0
    return min(MAX_PASSWORD_LENGTH, max(MIN_GENERATED_LENGTH, int(minimum)))


def generate_password(policy: Optional[Mapping[str, Any]], rng: Any = None) -> str:
    """A random password that meets the pool's policy (None: unknown policy): one character of every
    class (upper, lower, digit, symbol) whatever the policy asks, the rest from all of them."""
    rng = rng or secrets.SystemRandom()
    length = password_length(policy)
    chars = [rng.choice(alphabet) for alphabet in PASSWORD_CLASSES]
    everything = "".join(PASSWORD_CLASSES)
    chars += [rng.choice(everything) for _index in range(length - len(chars))]
    rng.shuffle(chars)
    return "".join(chars)
