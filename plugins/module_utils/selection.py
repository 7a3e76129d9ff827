# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which users a task works on: a list of names, the members of groups, or the whole pool.

usernames() streams names lazily, page by page (ListUsers / ListUsersInGroup return at most
60 users a page), so a 100,000-user pool flows through engine.run_bulk without being listed
up front. The exclusion list always wins; a user named twice (in the list and in a group, or in
two groups) comes out once. The listing calls are passed in as functions, so this module makes
no AWS call of its own and is tested with fakes (tests/unit/plugins/module_utils/test_selection.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, FrozenSet, Iterator, List, Mapping, Optional, Tuple

from .cognito import paginate
from .errors import CALL_ERRORS, InvalidRequest, describe
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
    exclude: FrozenSet[str] = frozenset()


@dataclass
class SelectionStats:
    """What the stream saw; filled in as it is consumed."""

    pages: int = 0
    excluded: int = 0
    duplicates: int = 0
    seen: set = field(default_factory=set, repr=False)


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
    if filter_ is not None and not FILTER.match(filter_):
        raise InvalidRequest(
            f'filter {filter_!r} is not a Cognito ListUsers filter: expected attribute = "value" or attribute ^= "value", '
            'e.g. status = "Enabled" or email ^= "ops-"'
        )
    names = tuple(check_username(name, f"usernames[{index}]") for index, name in enumerate(usernames or ()))
    for index, group in enumerate(groups or ()):
        if not isinstance(group, str) or not group.strip():
            raise InvalidRequest(f"groups[{index}]: a group name must be a non-empty string, got {group!r}")
    exclude = frozenset(check_username(name, f"exclude[{index}]") for index, name in enumerate(params.get("exclude") or ()))
    return Selection(
        usernames=names,
        groups=tuple(groups or ()),
        all_users=all_users,
        filter=filter_ or None,
        exclude=exclude,
    )


def _pages(fetch: PageFunc, token_key: str, what: str, stats: SelectionStats) -> Iterator[List[str]]:
    """Pages of usernames from one listing; a failed call becomes a SelectionError naming the listing."""
    pages = paginate(fetch, token_key)
    while True:
        try:
            response = next(pages, None)
        except CALL_ERRORS as exc:
            raise SelectionError(f"Could not list {what}: {describe(exc)}") from exc
        if response is None:
            return
        stats.pages += 1
        yield [user["Username"] for user in response.get("Users") or ()]


def usernames(
    selection: Selection,
    list_users: Callable[[Optional[str], str], Mapping[str, Any]],
    list_users_in_group: Callable[[str, str], Mapping[str, Any]],
    stats: Optional[SelectionStats] = None,
) -> Iterator[str]:
    """The selected usernames, each once, exclusions left out.

    list_users(filter, token) and list_users_in_group(group, token) make one listing call each.
    The first page of every listing is fetched now, so a missing group or a bad filter fails
    before any user is read; the rest is fetched as the stream is consumed.
    """
    stats = stats if stats is not None else SelectionStats()
    listings: List[Iterator[List[str]]] = []
    if selection.all_users:
        what = f"the users of the pool (filter {selection.filter!r})" if selection.filter else "the users of the pool"
        listings.append(_pages(lambda token: list_users(selection.filter, token), "PaginationToken", what, stats))
    for group in selection.groups:
        listings.append(
            _pages(lambda token, group=group: list_users_in_group(group, token), "NextToken", f"the members of group {group!r}", stats)
        )
    first_pages = [next(listing, []) for listing in listings]
    return _stream(selection, first_pages, listings, stats)


def _stream(
    selection: Selection, first_pages: List[List[str]], listings: List[Iterator[List[str]]], stats: SelectionStats
) -> Iterator[str]:
    def pick(names):
        for name in names:
            if name in selection.exclude:
                stats.excluded += 1
            elif name in stats.seen:
                stats.duplicates += 1
            else:
                stats.seen.add(name)
                yield name

    yield from pick(selection.usernames)
    for first, rest in zip(first_pages, listings):
        yield from pick(first)
        for page in rest:
            yield from pick(page)
