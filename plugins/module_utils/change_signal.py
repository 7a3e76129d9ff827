# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The change signal of the state runs: CloudTrail ``LookupEvents``, by event name, since the last run.

Facts relied on (docs/cognito-behaviour.md rows 40 and up): Cognito records each user-pool API call as a management
event with the user's ``sub`` in ``additionalEventData.sub`` and not the user name; ``LookupEvents`` returns the
last 90 days, 50 events a page, one lookup attribute a call, 2 requests a second; ``eventTime`` has whole seconds;
delivery is minutes late and not guaranteed. The decisions here are pure: which events name which users, which
are this collection's own writes, and when the signal cannot be trusted (a full read).
"""

from __future__ import annotations

import datetime
import email.utils
import json
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

# The calls that can change a user's MFA state, or whether MFA applies to them (status, enabled, attributes),
# or the user itself. Each name is in the ledger.
EVENT_NAMES = (
    # TOTP and MFA settings
    "AssociateSoftwareToken", "VerifySoftwareToken", "AdminDeleteSoftwareToken",
    "AdminSetUserMFAPreference", "SetUserMFAPreference", "AdminSetUserSettings", "SetUserSettings",
    # passkeys
    "StartWebAuthnRegistration", "CompleteWebAuthnRegistration", "DeleteWebAuthnCredential",
    # attributes (phone number, email: SMS and email MFA)
    "AdminUpdateUserAttributes", "UpdateUserAttributes", "VerifyUserAttribute", "AdminDeleteUserAttributes",
    "DeleteUserAttributes",
    # enabled, confirmation, passwords (status)
    "AdminEnableUser", "AdminDisableUser", "AdminConfirmSignUp", "ConfirmSignUp", "AdminResetUserPassword",
    "AdminSetUserPassword", "ConfirmForgotPassword",
    # the user itself
    "AdminCreateUser", "SignUp", "AdminDeleteUser", "DeleteUser",
    # federated users linked or unlinked
    "AdminLinkProviderForUser", "AdminDisableProviderForUser",
)
# Untied events (no sub) whose only possible effect shows in the ListUsers listing that the change set compares
# (user_state.Store.plan: sub, status, enabled, last modified): a user created (a new username, or a new sub under
# an old one), deleted (gone from the listing), confirmed (UserStatus) or enabled / disabled (Enabled). They cost no
# full read, unless they moved an alias from another user (forceAliasCreation). Ledger row 44.
LISTED_EFFECT = frozenset(("SignUp", "AdminCreateUser", "AdminDeleteUser", "DeleteUser", "ConfirmSignUp",
                           "AdminConfirmSignUp", "AdminEnableUser", "AdminDisableUser"))
RETENTION = datetime.timedelta(days=90)  # LookupEvents: "events that occurred in a Region within the last 90 days"
# A window must start this far inside RETENTION: its first events must not expire while the lookups page through it.
RETENTION_MARGIN = datetime.timedelta(days=1)
DEFAULT_SIGNAL_DELAY = "15m"
# An event at whole second t happened in [t, t + 1); it is covered by a read sent at r when t + 1 + CLOCK_MARGIN <= r
# (the controller's clock against AWS's, and the call's own processing).
CLOCK_MARGIN = 2.0
UTC = datetime.timezone.utc
# An answer's Date header has whole seconds: the skew is known to +/- (0.5 s + half the call's time). Beyond this the
# margin no longer places events against reads (CLOCK_MARGIN less the header's second), and the run reads the pool.
SKEW_LIMIT = CLOCK_MARGIN - 1.0


@dataclass(frozen=True)
class Event:
    name: str
    at: float  # epoch seconds (whole)
    sub: Optional[str]
    pool_id: Optional[str]
    error_code: Optional[str]
    force_alias: Any = None  # requestParameters.forceAliasCreation (None: not sent)


class SignalError(Exception):
    """LookupEvents could not be read: the run reads the whole pool and says why."""


def _epoch(value: Any) -> float:
    if isinstance(value, datetime.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    return float(value)


def parse(entry: Mapping[str, Any]) -> Event:
    """One LookupEvents entry: its name and time, and from its CloudTrailEvent JSON the sub, pool and error."""
    try:
        record = json.loads(entry.get("CloudTrailEvent") or "{}")
    except ValueError:
        record = {}
    record = record if isinstance(record, dict) else {}
    extra = record.get("additionalEventData") if isinstance(record.get("additionalEventData"), dict) else {}
    request = record.get("requestParameters") if isinstance(record.get("requestParameters"), dict) else {}
    sub = extra.get("sub") if isinstance(extra.get("sub"), str) and extra.get("sub") else None
    pool_id = request.get("userPoolId") if isinstance(request.get("userPoolId"), str) else None
    return Event(str(entry.get("EventName") or record.get("eventName") or ""), _epoch(entry["EventTime"]), sub, pool_id,
                 record.get("errorCode") or None, request.get("forceAliasCreation"))


def covered_untied(event: Event) -> bool:
    """An event not tied to one user that still cannot hide a change: a failed call (errorCode: it changed nothing),
    or a call whose only effect the listing shows (LISTED_EFFECT) and that moved no alias from another user."""
    if event.error_code:
        return True
    return event.name in LISTED_EFFECT and event.force_alias in (None, False, "false", "False")


@dataclass
class Signal:
    """What the events of a window say about one pool: the subs named (with the latest time of each), or why
    they cannot be trusted (untied: an event of this pool not tied to one user)."""

    subs: Dict[str, float]
    untied: Optional[str] = None
    own: int = 0  # events recognised as this collection's own writes


def interpret(events: Iterable[Event], pool_id: str, own_writes: Sequence[Tuple[str, str, float, float]]) -> Signal:
    """Which users the events name. An event with a sub names that user (a sub of another pool names nobody
    listed). An event without a sub names one pool's user only if its pool is another one; otherwise no user can be
    told, and the run must read the whole pool, unless the event cannot hide a change (covered_untied). Each own
    write (sub, event name, sent, answered) accounts for one event of its name and sub in
    [sent - 1 - margin, answered + margin]: the run's own writes cost no read."""
    unused = sorted(own_writes, key=lambda write: write[2])
    signal = Signal(subs={})
    for event in sorted(events, key=lambda event: event.at):
        if event.sub is None:
            if (event.pool_id is not None and event.pool_id != pool_id) or covered_untied(event):
                continue
            if signal.untied is None:
                when = datetime.datetime.fromtimestamp(event.at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                signal.untied = f"a {event.name} event at {when} is not tied to one user (no additionalEventData.sub)"
            continue
        if event.pool_id is not None and event.pool_id != pool_id:
            continue
        match = next((write for write in unused if write[0] == event.sub and write[1] == event.name
                      and write[2] - 1 - CLOCK_MARGIN <= event.at <= write[3] + CLOCK_MARGIN), None)
        if match is not None:
            unused.remove(match)
            signal.own += 1
            continue
        signal.subs[event.sub] = max(event.at, signal.subs.get(event.sub, 0.0))
    return signal


def window_start(last_mark: Optional[float], delay: float, now: float) -> Tuple[Optional[float], Optional[str]]:
    """(where this run's window starts, or None and why the whole pool is read instead)."""
    if last_mark is None:
        return None, "first run with this state (no signal read yet)"
    start = last_mark - delay
    if start < now - (RETENTION - RETENTION_MARGIN).total_seconds():
        return None, (f"the last run was more than 89 days ago less the signal delay ({_iso(last_mark)}): "
                      "LookupEvents (90 days) may no longer have all its events by the end of the lookups")
    return start, None


def _iso(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_events(lookup: Callable[[str, float, float, str], Mapping[str, Any]], start: float, end: float,
                names: Sequence[str] = EVENT_NAMES) -> Tuple[List[Event], int]:
    """Every event of these names from start to end (both inclusive), one name at a time, all pages.
    lookup(name, start, end, token) makes one LookupEvents call. Returns the events and the calls made."""
    events: List[Event] = []
    calls = 0
    for name in names:
        token = ""
        while True:
            page = lookup(name, start, end, token)
            calls += 1
            events.extend(parse(entry) for entry in page.get("Events") or ())
            token = page.get("NextToken") or ""
            if not token:
                break
    return events, calls


def window_dict(start: Optional[float], end: float, delay: float) -> Dict[str, Any]:
    return {"start": _iso(start) if start is not None else None, "end": _iso(end), "signal_delay_seconds": delay}


def clock_skew(answer: Mapping[str, Any], sent: float, received: float) -> Optional[float]:
    """AWS's clock less the controller's, in seconds, from an answer's HTTP ``Date`` header (RFC 7231: whole seconds,
    GMT) and the controller's times around the call: the header's second is taken at its middle, the call at the
    middle of sent and received. None when the answer has no readable Date header."""
    headers = (answer.get("ResponseMetadata") or {}).get("HTTPHeaders") or {}
    value = next((text for key, text in headers.items() if str(key).lower() == "date"), None)
    try:
        when = email.utils.parsedate_to_datetime(value) if isinstance(value, str) else None
    except (TypeError, ValueError, IndexError):
        when = None
    if when is None:
        return None
    return _epoch(when) + 0.5 - (sent + received) / 2


def skew_reason(skew: Optional[float]) -> Optional[str]:
    """Why the whole pool is read when the clocks differ too much to place events against reads, or None."""
    if skew is None or abs(skew) <= SKEW_LIMIT:
        return None
    return (f"the controller's clock is {abs(skew):.0f} s {'behind' if skew > 0 else 'ahead of'} AWS's (Date header): "
            f"events cannot be placed against reads")
