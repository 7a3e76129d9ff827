# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which users a task works on: a list of names, the members of groups, or the whole pool.

picked() streams users lazily, page by page (ListUsers / ListUsersInGroup return at most
60 users a page), so a 100,000-user pool flows through engine.run_bulk without being listed
up front. Every source is resolved to Cognito's canonical Username (identity.Roster): the names
listed inline with AdminGetUser (it accepts an alias or the sub), the listed users from the
records of the listing, which carry their attributes. The exclusion list always wins, matching
any name of a user (identity.Exclusions); a user named twice (in the list and in a group, in two
groups, or as an email and as a UUID) comes out once, and two inline entries that are one person
are an error naming both. The calls are passed in as functions, so this module makes no AWS call
of its own and is tested with fakes (tests/unit/plugins/module_utils/test_selection.py).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator, List, Mapping, Optional, Sequence, Tuple

from .cognito import paginate
from .errors import CALL_ERRORS, InvalidRequest, describe
from .identity import USERNAME, Entry, Exclusions, PoolNaming, Roster, check_listed_names
from .validate import check_username

# Cognito's ListUsers filter: one attribute, `=` (exact) or `^=` (starts with), the value in double quotes.
FILTER = re.compile(r'^\s*[A-Za-z_:]+\s*\^?=\s*"[^"]*"\s*$')

# One page of a listing: (pagination token or "") -> the API response.
PageFunc = Callable[[str], Mapping[str, Any]]


class SelectionError(Exception):
    """A listing call failed: the set of users is unknown, so the task cannot be complete."""


@dataclass(frozen=True)
class Selection:
    usernames: Tuple[str, ...] = ()
    groups: Tuple[str, ...] = ()
    all_users: bool = False
    filter: Optional[str] = None
    exclude: Tuple[str, ...] = ()
    # Users an earlier task of the same run has handled (the role's batches of listed users): matched by any
    # of their names like exclusions, but counted as duplicates, not as excluded.
    handled: Tuple[str, ...] = ()


@dataclass
class SelectionStats:
    """What the stream saw; filled in as it is consumed."""

    pages: int = 0
    excluded: int = 0
    duplicates: int = 0


def from_params(params: Mapping[str, Any]) -> Selection:
    """Validate the options usernames / groups / all_users / filter / exclude, before any call."""
    usernames = params.get("usernames")
    groups = params.get("groups")
    all_users = bool(params.get("all_users"))
    filter_ = params.get("filter")
    if all_users and (usernames is not None or groups is not None):
        raise InvalidRequest("all_users cannot be combined with usernames or groups: it already selects every user")
    if not all_users and usernames is None and groups is None:
        raise InvalidRequest("choose the users: usernames, groups, or all_users: true")
    if filter_ is not None and not all_users:
        raise InvalidRequest("filter works only with all_users: true (it is the filter of ListUsers)")
    if filter_ is not None and not FILTER.fullmatch(filter_):
        raise InvalidRequest(
            f'filter {filter_!r} is not a Cognito ListUsers filter: expected attribute = "value" or attribute ^= "value", '
            'e.g. status = "Enabled" or email ^= "ops-"'
        )
    names = tuple(check_username(name, f"usernames[{index}]") for index, name in enumerate(usernames or ()))
    for index, group in enumerate(groups or ()):
        if not isinstance(group, str) or not group.strip():
            raise InvalidRequest(f"groups[{index}]: a group name must be a non-empty string, got {group!r}")
    exclude = tuple(check_username(name, f"exclude[{index}]") for index, name in enumerate(params.get("exclude") or ()))
    return Selection(
        usernames=names,
        groups=tuple(groups or ()),
        all_users=all_users,
        filter=filter_ or None,
        exclude=exclude,
    )


@dataclass(frozen=True)
class Picked:
    """One selected user: its entry (canonical username, name as listed) and the record read, if any.

    record is the AdminGetUser response of an inline name (so the caller need not read it again), or
    None for a listed user (a listing's record has no MFA settings). error: why an inline name could not
    be read (UserNotFoundException ...), for the caller to report without reading it again.
    """

    entry: Entry
    record: Optional[Mapping[str, Any]] = None
    error: Optional[BaseException] = None

    @property
    def username(self) -> str:
        return self.entry.username


def _pages(fetch: PageFunc, token_key: str, what: str, stats: SelectionStats) -> Iterator[List[Mapping[str, Any]]]:
    """Pages of user records from one listing; a failed call becomes a SelectionError naming the listing."""
    pages = paginate(fetch, token_key)
    while True:
        try:
            response = next(pages, None)
        except CALL_ERRORS as exc:
            raise SelectionError(f"Could not list {what}: {describe(exc)}") from exc
        if response is None:
            return
        stats.pages += 1
        yield list(response.get("Users") or ())


def picked(
    selection: Selection,
    list_users: Callable[[Optional[str], str], Mapping[str, Any]],
    list_users_in_group: Callable[[str, str], Mapping[str, Any]],
    stats: Optional[SelectionStats] = None,
    naming: PoolNaming = PoolNaming(),
    get_user: Optional[Callable[[str], Mapping[str, Any]]] = None,
) -> Iterator[Picked]:
    """The selected users, each once by canonical Username, exclusions left out.

    list_users(filter, token) and list_users_in_group(group, token) make one listing call each;
    get_user(name) (AdminGetUser) resolves an inline name; without it a name is its own Username.
    naming (from DescribeUserPool) says how this pool compares names. Two inline names that are
    the same in the pool's eyes fail now (DuplicateUser), before any call. The first page of every
    listing is fetched now, so a missing group or a bad filter fails before any user is read; the
    rest is fetched as the stream is consumed.
    """
    stats = stats if stats is not None else SelectionStats()
    check_listed_names(selection.usernames, naming)
    roster = Roster(naming, Exclusions(selection.exclude, naming))
    handled = Exclusions(selection.handled, naming)
    listings: List[Tuple[str, Iterator[List[Mapping[str, Any]]]]] = []
    if selection.all_users:
        what = f"the users of the pool (filter {selection.filter!r})" if selection.filter else "the users of the pool"
        listings.append((what, _pages(lambda token: list_users(selection.filter, token), "PaginationToken", what, stats)))
    for group in selection.groups:
        what = f"the members of group {group!r}"
        listings.append((what, _pages(lambda token, group=group: list_users_in_group(group, token), "NextToken", what, stats)))
    first_pages = [next(listing, []) for _what, listing in listings]
    return _stream(selection, roster, handled, get_user, first_pages, listings, stats)


def excluded_as_written(exclude: Sequence[str], naming: PoolNaming) -> Callable[[str], bool]:
    """Whether an inline name is an exclusion entry as written, in this pool's case rules: such a name is not even
    read. (A user excluded under another of its names is caught once its record is read: Exclusions.)"""
    entries = {naming.normalize(entry, USERNAME) for entry in exclude}
    return lambda name: naming.normalize(name, USERNAME) in entries


def usernames(*args: Any, **kwargs: Any) -> Iterator[str]:
    """The canonical usernames of picked(), which takes the same arguments."""
    return (one.username for one in picked(*args, **kwargs))


def _resolve(name: str, get_user: Optional[Callable[[str], Mapping[str, Any]]]) -> Tuple[Optional[Mapping[str, Any]], Optional[BaseException]]:
    if get_user is None:
        return None, None
    try:
        return get_user(name), None
    except CALL_ERRORS as exc:
        return None, exc


def _stream(selection, roster, handled, get_user, first_pages, listings, stats) -> Iterator[Picked]:
    skipped = 0
    done_before = 0

    def count():
        stats.excluded, stats.duplicates = skipped + len(roster.excluded), roster.duplicates + done_before

    is_excluded = excluded_as_written(selection.exclude, roster.naming)
    for index, name in enumerate(selection.usernames):
        source = f"usernames[{index}]"
        if is_excluded(name):
            skipped += 1
            count()
            continue
        record, error = _resolve(name, get_user)
        entry = roster.add(record or {"Username": name}, listed_as=name, source=source, explicit=True)
        count()
        if entry is not None:
            yield Picked(entry, record, error)
    for (what, rest), first in zip(listings, first_pages):
        for page in itertools.chain((first,), rest):
            for record in page:
                if handled and handled.match(record):
                    done_before += 1
                    count()
                    continue
                entry = roster.add(record, source=what)
                count()
                if entry is not None:
                    yield Picked(entry)
