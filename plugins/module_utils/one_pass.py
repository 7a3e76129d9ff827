# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Enforce and audit in one pass (cognito_user_mfa with groups / all_users and audit: true).

requests() streams the listed users, then the selected ones (group members, the pool), each once,
so a group member is read by the enforcement alone and never by a separate selection pass.
Recorder keeps the facts of the first AdminGetUser answer of each user (enabled, status), and
audit_of() turns an enforcement outcome into the audit row cognito_user_mfa_info would have
returned for the user's state at the end of the run: the report needs no second read.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any, Callable, Dict, Iterator, Mapping, Optional, Sequence

from . import audit
from . import mfa
from . import selection
from .bulk import FAILED, NOT_ATTEMPTED
from .errors import InvalidRequest
from .identity import PoolNaming
from .validate import check_username
from .mfa import NOT_FOUND

SELECTION_OPTIONS = ("groups", "all_users", "filter", "exclude", "handled")


def selection_of(params: Mapping[str, Any]) -> Optional[selection.Selection]:
    """The selection options of cognito_user_mfa, or None when the task names its users only.

    Empty values (groups: [], all_users: false, filter: "") select nothing, so a role can pass them unconditionally.
    """
    if not params.get("groups") and not params.get("all_users"):
        if params.get("filter"):
            raise InvalidRequest("filter works only with all_users: true (it is the filter of ListUsers)")
        for index, name in enumerate(params.get("exclude") or ()):
            check_username(name, f"exclude[{index}]")
        return None
    for single in ("username", "access_token"):
        if params.get(single) is not None:
            raise InvalidRequest(f"groups / all_users cannot be combined with {single}: they select many users")
    chosen = selection.from_params(
        {"groups": params.get("groups") or None, "all_users": params.get("all_users"), "filter": params.get("filter") or None,
         "exclude": params.get("exclude")}
    )
    handled = tuple(check_username(name, f"handled[{index}]") for index, name in enumerate(params.get("handled") or ()))
    return dataclasses.replace(chosen, handled=handled)


def requests(
    listed: Sequence[mfa.UserRequest],
    chosen: Optional[selection.Selection],
    exclude: Sequence[str],
    base: Mapping[str, mfa.MethodRequest],
    list_users: Callable[[Optional[str], str], Mapping[str, Any]],
    list_users_in_group: Callable[[str, str], Mapping[str, Any]],
    stats: selection.SelectionStats,
    reset_totp: bool = False,
    naming: Any = None,
) -> Iterator[mfa.UserRequest]:
    """The listed requests not excluded, then one request with the task's settings per selected user not listed.

    The first page of every listing is fetched now (a missing group fails before any user is read).
    """
    is_excluded = selection.excluded_as_written(exclude, naming or PoolNaming())
    kept = [request for request in listed if not is_excluded(request.username)]
    stats.excluded += len(listed) - len(kept)
    if chosen is None:
        return iter(kept)
    names = _not_listed(kept, chosen, list_users, list_users_in_group, stats, naming)
    return _chain(kept, names, base, reset_totp)


def _not_listed(kept, chosen, list_users, list_users_in_group, stats, naming):
    """The selected names, less those listed (a listed user named by a group too: once, as listed).

    The selection keeps its own counts; they are added to the caller's as the stream is consumed.
    """
    listed_names = {request.username for request in kept}
    outer = (stats.excluded, stats.duplicates)
    inner = selection.SelectionStats()
    selected = selection.usernames(chosen, list_users, list_users_in_group, inner, naming or PoolNaming())

    def stream():
        repeated = 0
        for name in selected:
            if name in listed_names:
                repeated += 1
            stats.excluded, stats.duplicates, stats.pages = outer[0] + inner.excluded, outer[1] + inner.duplicates + repeated, inner.pages
            if name not in listed_names:
                yield name
        stats.excluded, stats.duplicates, stats.pages = outer[0] + inner.excluded, outer[1] + inner.duplicates + repeated, inner.pages

    return stream()


def _chain(kept, names, base, reset_totp):
    yield from kept
    for name in names:
        yield mfa.UserRequest(username=name, methods=base, reset_totp=reset_totp)


class Recorder:
    """Wraps a read function and keeps enabled / UserStatus of the first answer for each user."""

    def __init__(self, read: Callable[[str], Mapping[str, Any]]):
        self._read = read
        self._facts: Dict[str, tuple] = {}
        self._lock = threading.Lock()

    def read(self, username: str) -> Mapping[str, Any]:
        answer = self._read(username)
        with self._lock:
            self._facts.setdefault(username, (answer.get("Enabled"), answer.get("UserStatus")))
        return answer

    def pop(self, username: str) -> tuple:
        with self._lock:
            return self._facts.pop(username, (None, None))


def audit_of(outcome: Any, policy: Mapping[str, mfa.MethodRequest], facts: tuple, check_mode: bool) -> audit.UserAudit:
    """The audit row of one enforced user: its state after the run (before it, in check mode)."""
    enabled, status = facts
    if outcome.outcome == NOT_FOUND:
        return audit.UserAudit(outcome.username, audit.NOT_FOUND)
    state = outcome.before if check_mode or outcome.after is None else outcome.after
    if outcome.outcome == NOT_ATTEMPTED or state is None:
        return audit.UserAudit(outcome.username, NOT_ATTEMPTED if outcome.outcome == NOT_ATTEMPTED else FAILED,
                               error_code=outcome.error_code, message=outcome.message)
    verdict = audit.COMPLIANT if mfa.satisfies(state, policy) else audit.NON_COMPLIANT
    return audit.UserAudit(outcome.username, verdict, enabled=enabled, user_status=status, state=state)
