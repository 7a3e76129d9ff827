# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Remember which users Cognito refused as not enrolled, so the next runs on listed users skip their write.

A refused AdminSetUserMFAPreference costs one write of the account's UserResourceUpdate quota
(25/s, shared with users enrolling). should_write() decides, per user, from the record, the
user's UserLastModifiedDate (in the AdminGetUser answer the run reads anyway) and the retry
window; change_after() is the record after a run. The records live in the pool's state
(state_dir, incremental.StoreMemory); a whole-pool run with a state needs no retry window: it
skips a user known not enrolled until a CloudTrail event names them.
"""

from __future__ import annotations

import datetime
import re
import threading
from dataclasses import dataclass
from typing import Dict, Mapping, Optional

DEFAULT_RETRY_AFTER = "7d"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
UTC = datetime.timezone.utc


@dataclass(frozen=True)
class Record:
    since: datetime.datetime  # first refused as not enrolled
    checked: datetime.datetime  # last refused (the last write that proved it)


def iso(when: datetime.datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_duration(value, where: str = "not_enrolled_retry_after") -> datetime.timedelta:
    """7d, 12h, 30m, 90s, 2w or a number of seconds -> timedelta; InvalidRequest-style ValueError otherwise."""
    match = _DURATION.fullmatch(str(value))
    if not match or isinstance(value, bool):
        raise ValueError(f"{where} must be a duration such as 7d, 12h, 30m or a number of seconds, got {value!r}")
    return datetime.timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2) or "s"])


def _aware(when: Optional[datetime.datetime]) -> Optional[datetime.datetime]:
    if when is None:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def should_write(
    record: Optional[Record],
    now: datetime.datetime,
    last_modified: Optional[datetime.datetime],
    retry_after: datetime.timedelta,
) -> bool:
    """Whether to try the TOTP write for a user Cognito may already have refused.

    Yes without a record; yes once the retry window since the last refusal is over; yes when
    the user changed after that refusal (UserLastModifiedDate newer, so maybe enrolled); else no.
    """
    if record is None:
        return True
    if now >= record.checked + retry_after:
        return True
    modified = _aware(last_modified)
    return modified is not None and modified > record.checked


def updated(record: Optional[Record], not_enrolled: bool, now: datetime.datetime) -> Optional[Record]:
    """The record after a write: kept (with its first date) while refused; dropped otherwise."""
    if not not_enrolled:
        return None
    return Record(since=record.since if record else now, checked=now)


def now_utc() -> datetime.datetime:
    """Now, rounded up to the second: a record is never older than the refusal it stands for."""
    now = datetime.datetime.now(UTC)
    whole = now.replace(microsecond=0)
    return whole + datetime.timedelta(seconds=1) if whole < now else whole


def change_after(
    record: Optional[Record], outcome: str, skipped: bool, now: datetime.datetime
) -> "tuple[bool, Optional[Record]]":
    """(whether the record changes, the new record) after one user's outcome in this run.

    Refused now: recorded. Skipped from the record: kept as it is. On TOTP now (changed,
    unchanged) or gone (not_found): forgotten. Failed or not attempted: nothing learnt.
    """
    if outcome == "not_enrolled" and not skipped:
        return True, updated(record, True, now)
    if outcome in ("changed", "unchanged", "not_found") and record is not None:
        return True, None
    return False, record


class Memory:
    """One pool's records for one task: decide per user (thread-safe), collect what changed; the caller saves
    ``changes`` (incremental.StoreMemory keeps them in the pool's state, state_dir)."""

    def __init__(self, records: Dict[str, Record], retry_after: datetime.timedelta, now=now_utc):
        self.retry_after = retry_after
        self._now = now
        self.records = records
        self.changes: Dict[str, Optional[Record]] = {}
        self._lock = threading.Lock()

    def known_since(self, username: str, user: Mapping) -> Optional[str]:
        """The date this user was first refused, when their write is to be skipped; else None."""
        record = self.records.get(username)
        if should_write(record, self._now(), user.get("UserLastModifiedDate"), self.retry_after):
            return None
        return iso(record.since)

    def note(self, username: str, outcome: str, skipped: bool) -> None:
        with self._lock:
            changed, record = change_after(self.records.get(username), outcome, skipped, self._now())
            if changed:
                self.changes[username] = record

    def record(self, outcome) -> None:
        """note() for a bulk.Outcome: skipped when this run wrote nothing for it (wrote=False)."""
        self.note(outcome.username, outcome.outcome, outcome.wrote is False)


ARGUMENT_SPEC = dict(
    not_enrolled_retry_after=dict(type="str", default=DEFAULT_RETRY_AFTER),
)
