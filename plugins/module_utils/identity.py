# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One identity per person: how a pool names its users, and exclusions that always hold.

Pure functions only (no AWS call); tested as tables and properties in tests/unit/plugins/module_utils/test_identity.py.
What Cognito does, with the public source of each rule:

- A pool signs users in either with a username plus optional aliases (``AliasAttributes``:
  ``email``, ``phone_number``, ``preferred_username``) or with an email / phone number in place of a
  username (``UsernameAttributes``: ``email``, ``phone_number``); never both. In a pool with
  ``UsernameAttributes`` Cognito generates the ``Username``: a UUID, the same value as ``sub``.
  (botocore cognito-idp 2016-04-18 service-2.json, ``UserPoolType.AliasAttributes`` /
  ``UsernameAttributes``; Amazon Cognito Developer Guide, "User pool attributes",
  https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html)
- Admin calls accept any alias, or the ``sub``, in place of the username
  (service-2.json, ``AdminGetUserRequest.Username``: "it can be any of their alias attributes ...
  this value must be the sub of a local user or the username of a user from a third-party IdP").
- ``UsernameConfiguration.CaseSensitive: false`` makes ``username``, the ``email`` alias and the
  ``preferred_username`` alias case-insensitive, and Cognito "treats any variation in case as the same
  user". Absent, the API default is case-sensitive; the console's default for new pools is
  case-insensitive. (service-2.json ``UsernameConfigurationType``; CloudFormation
  ``AWS::Cognito::UserPool UsernameConfiguration``,
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-cognito-userpool-usernameconfiguration.html)
- ``AdminGetUser`` returns attributes as ``UserAttributes``; ``ListUsers`` / ``ListUsersInGroup``
  return them as ``Attributes`` (service-2.json ``AdminGetUserResponse``, ``UserType``).
- ``sub`` is a UUID; UUIDs compare case-blind (RFC 9562 section 4), so ``sub`` always does here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, Iterable, Iterator, List, Mapping, Optional, Tuple

from .mfa import InvalidRequest

USERNAME = "username"
SUB = "sub"
EMAIL = "email"
PHONE = "phone_number"
PREFERRED = "preferred_username"
NAME_KINDS = (USERNAME, SUB, EMAIL, PHONE, PREFERRED)
# The names CaseSensitive=false makes case-blind (UsernameConfigurationType). A phone number has no case.
CASE_FOLDED = frozenset((USERNAME, EMAIL, PREFERRED))
USERNAME_ATTRIBUTES = frozenset((EMAIL, PHONE))
ALIAS_ATTRIBUTES = frozenset((EMAIL, PHONE, PREFERRED))


class DuplicateUser(InvalidRequest):
    """Two entries of a list name the same person."""


@dataclass(frozen=True)
class PoolNaming:
    """How one pool names its users, read once from DescribeUserPool."""

    case_sensitive: bool = True
    username_attributes: FrozenSet[str] = frozenset()
    alias_attributes: FrozenSet[str] = frozenset()

    @classmethod
    def from_user_pool(cls, described: Mapping[str, Any]) -> "PoolNaming":
        """From DescribeUserPool's response, or its ``UserPool`` member.

        A pool without ``UsernameConfiguration`` is case-sensitive (the API's default).
        """
        pool = described.get("UserPool", described)
        config = pool.get("UsernameConfiguration") or {}
        return cls(
            case_sensitive=bool(config.get("CaseSensitive", True)),
            username_attributes=frozenset(pool.get("UsernameAttributes") or ()) & USERNAME_ATTRIBUTES,
            alias_attributes=frozenset(pool.get("AliasAttributes") or ()) & ALIAS_ATTRIBUTES,
        )

    @property
    def generated_usernames(self) -> bool:
        """Users sign in with email / phone; Cognito's Username is a UUID."""
        return bool(self.username_attributes)

    @property
    def sign_in_names(self) -> FrozenSet[str]:
        """The kinds of name a user can sign in with (and admin calls accept), besides ``sub``."""
        if self.username_attributes:
            return self.username_attributes
        return frozenset((USERNAME,)) | self.alias_attributes

    def normalize(self, name: str, kind: str = USERNAME) -> str:
        """The form in which Cognito compares a name of this kind in this pool."""
        if kind == SUB or (kind in CASE_FOLDED and not self.case_sensitive):
            return name.lower()
        return name

    def same(self, a: str, b: str, kind: str = USERNAME) -> bool:
        return self.normalize(a, kind) == self.normalize(b, kind)

    def as_dict(self) -> Dict[str, Any]:
        return {
            "case_sensitive": self.case_sensitive,
            "username_attributes": sorted(self.username_attributes),
            "alias_attributes": sorted(self.alias_attributes),
        }


def _attributes(record: Mapping[str, Any]) -> Dict[str, str]:
    listed = record.get("UserAttributes")
    if listed is None:
        listed = record.get("Attributes")
    return {item["Name"]: item.get("Value") for item in listed or () if isinstance(item, Mapping) and "Name" in item}


@dataclass(frozen=True)
class Identity:
    """Every name one user answers to. ``username`` is Cognito's canonical Username."""

    username: str
    sub: Optional[str] = None
    email: Optional[str] = None
    phone_number: Optional[str] = None
    preferred_username: Optional[str] = None

    def names(self) -> Iterator[Tuple[str, str]]:
        """(kind, value) for each name the user has."""
        for kind in NAME_KINDS:
            value = getattr(self, kind)
            if value:
                yield kind, value

    def keys(self, naming: PoolNaming) -> FrozenSet[Tuple[str, str]]:
        return frozenset((kind, naming.normalize(value, kind)) for kind, value in self.names())

    def answers_to(self, name: str, naming: PoolNaming) -> Optional[str]:
        """The kind of name under which this user answers to ``name``, or None."""
        for kind, value in self.names():
            if naming.same(name, value, kind):
                return kind
        return None

    def row(self, listed_as: Optional[str] = None) -> Dict[str, Any]:
        """Fields for a report row: keyed by the canonical username, with the email and the listed form."""
        row: Dict[str, Any] = {"username": self.username, "email": self.email}
        if listed_as is not None:
            row["listed_as"] = listed_as
        return row


def identity_from_user(record: Mapping[str, Any]) -> Identity:
    """An AdminGetUser response, or one user of ListUsers / ListUsersInGroup, as an Identity.

    Missing attributes stay None (ListUsers with AttributesToGet returns only those asked for).
    """
    username = record.get("Username")
    if not isinstance(username, str) or not username:
        raise ValueError(f"user record without a Username: {sorted(record)}")
    attributes = _attributes(record)
    return Identity(
        username=username,
        sub=attributes.get(SUB) or None,
        email=attributes.get(EMAIL) or None,
        phone_number=attributes.get(PHONE) or None,
        preferred_username=attributes.get(PREFERRED) or None,
    )


class Exclusions:
    """The exclusion list of a task. An entry excludes a user by any of the user's names.

    Matching is by username, sub, email, phone_number and preferred_username whatever the pool
    signs in with: an email that is not a sign-in alias is not unique in Cognito, so an entry may
    exclude several users; that errs on the side of not writing.
    """

    def __init__(self, entries: Iterable[str], naming: PoolNaming):
        self.naming = naming
        self.entries: Tuple[str, ...] = tuple(entries)
        self._by_kind: Dict[str, Dict[str, str]] = {
            kind: {naming.normalize(entry, kind): entry for entry in reversed(self.entries)} for kind in NAME_KINDS
        }

    def __bool__(self) -> bool:
        return bool(self.entries)

    def match(self, user: Any) -> Optional[str]:
        """The entry (as listed) that excludes this user: an Identity or a user record. None if none does."""
        identity = user if isinstance(user, Identity) else identity_from_user(user)
        for kind, value in identity.names():
            entry = self._by_kind[kind].get(self.naming.normalize(value, kind))
            if entry is not None:
                return entry
        return None

    def match_name(self, name: str) -> Optional[str]:
        """The entry that a name, before it is resolved to a user, already matches as the same string."""
        for kind in NAME_KINDS:
            entry = self._by_kind[kind].get(self.naming.normalize(name, kind))
            if entry is not None:
                return entry
        return None


def check_listed_names(names: Iterable[str], naming: PoolNaming, label: Any = "usernames[{}]".format) -> None:
    """Before any call: two entries that are the same name in this pool's eyes are an error naming both."""
    seen: Dict[str, int] = {}
    for index, name in enumerate(names):
        key = naming.normalize(name, USERNAME)
        if key in seen:
            first = seen[key]
            raise DuplicateUser(
                f"{label(index)} ({name}): the same user as {label(first)}"
                + ("" if naming.case_sensitive else " (the pool compares names case-blind)")
            )
        seen[key] = index


@dataclass(frozen=True)
class Entry:
    """One selected user: who it is, how it was listed, and where."""

    identity: Identity
    listed_as: str
    source: str

    @property
    def username(self) -> str:
        return self.identity.username

    def row(self) -> Dict[str, Any]:
        return self.identity.row(self.listed_as)


@dataclass
class Roster:
    """The users of one task, one entry per person, exclusions applied.

    Feed it every resolved user of every source (inline list, files, groups, all users), in order.
    ``explicit`` sources are lists a person wrote: two entries of those that are one person raise
    DuplicateUser naming both; a user who also comes from a group or the whole pool is counted in
    ``duplicates`` and kept once, as first listed.
    """

    naming: PoolNaming
    exclusions: Exclusions
    entries: Dict[str, Entry] = field(default_factory=dict)
    excluded: Dict[str, Tuple[Entry, str]] = field(default_factory=dict)
    duplicates: int = 0
    _explicit: Dict[str, Entry] = field(default_factory=dict, repr=False)

    def _key(self, identity: Identity) -> str:
        return self.naming.normalize(identity.username, USERNAME)

    def add(self, user: Any, listed_as: Optional[str] = None, source: str = "", explicit: bool = False) -> Optional[Entry]:
        """Add one resolved user (Identity or record). Returns the Entry when it is newly selected."""
        identity = user if isinstance(user, Identity) else identity_from_user(user)
        entry = Entry(identity, listed_as or identity.username, source)
        key = self._key(identity)
        if explicit:
            earlier = self._explicit.get(key)
            if earlier is not None:
                raise DuplicateUser(
                    f"{source} ({entry.listed_as}): the same user as {earlier.source} ({earlier.listed_as}), "
                    f"Cognito username {identity.username}"
                )
            self._explicit[key] = entry
        matched = self.exclusions.match(identity)
        if matched is not None:
            self.excluded.setdefault(key, (entry, matched))
            return None
        if key in self.entries:
            self.duplicates += 1
            return None
        self.entries[key] = entry
        return entry

    def usernames(self) -> List[str]:
        return [entry.username for entry in self.entries.values()]

    def is_selected(self, user: Any) -> bool:
        identity = user if isinstance(user, Identity) else identity_from_user(user)
        return self._key(identity) in self.entries and self.exclusions.match(identity) is None


def may_write(record: Mapping[str, Any], exclusions: Exclusions) -> Optional[str]:
    """The last guard before a write to a user just read (AdminGetUser): the exclusion entry that forbids it.

    Whatever the source of a name, the record read right before the write carries every name of
    the user, so an exclusion holds even if an earlier step resolved a name wrongly.
    """
    return exclusions.match(record)
