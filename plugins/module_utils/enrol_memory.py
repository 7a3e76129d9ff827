# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Remember which users Cognito refused as not enrolled, so the next runs skip their write.

A refused AdminSetUserMFAPreference costs one write of the account's UserResourceUpdate quota
(25/s, shared with users enrolling). should_write() decides, per user, from the record, the
user's UserLastModifiedDate (in the AdminGetUser answer the run reads anyway) and the retry
window; updated() is the record after a run. The file layer (load / save_changes) keeps one
JSON file per user pool in a directory the user chooses, written atomically (temporary file,
fsync, rename), mode 0600, merged under a lock so that two tasks on one pool lose nothing.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import stat
import tempfile
import threading
from dataclasses import dataclass
from typing import Dict, Mapping, Optional

from . import validate

try:
    import fcntl
except ImportError:
    fcntl = None

VERSION = 1
DEFAULT_RETRY_AFTER = "7d"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
UTC = datetime.timezone.utc


class StateError(Exception):
    """The state directory or file cannot be used."""


@dataclass(frozen=True)
class Record:
    since: datetime.datetime  # first refused as not enrolled
    checked: datetime.datetime  # last refused (the last write that proved it)

    def as_dict(self) -> Dict[str, str]:
        return {"since": iso(self.since), "checked": iso(self.checked)}


def iso(when: datetime.datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime.datetime:
    when = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    return when.replace(tzinfo=UTC)


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


# -- file layer ---------------------------------------------------------------------------------


def state_path(state_dir: str, user_pool_id: str) -> str:
    if not validate.is_user_pool_id(user_pool_id):
        raise StateError(f"not a user pool id: {user_pool_id!r}")
    return os.path.join(state_dir, f"{user_pool_id}.not-enrolled.json")


def check_dir(state_dir: str) -> str:
    """The state directory must exist and be writable; bad input, found before any call."""
    if not state_dir or not os.path.isdir(state_dir):
        raise StateError(f"state dir {state_dir!r} is not an existing directory")
    if not os.access(state_dir, os.W_OK | os.X_OK):
        raise StateError(f"state dir {state_dir!r} is not writable")
    return state_dir


def _parse(text: str, user_pool_id: str) -> Dict[str, Record]:
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("version") != VERSION or data.get("user_pool_id") != user_pool_id:
        raise ValueError("not a state file of this version and pool")
    records = {}
    for username, entry in data.get("users", {}).items():
        records[username] = Record(since=parse_time(entry["since"]), checked=parse_time(entry["checked"]))
    return records


def load(state_dir: str, user_pool_id: str) -> Dict[str, Record]:
    """The pool's records; {} when there is no file yet. A damaged file counts as none (its users are retried)."""
    path = state_path(state_dir, user_pool_id)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise StateError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return _parse(text, user_pool_id)
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}


def render(user_pool_id: str, records: Mapping[str, Record]) -> str:
    users = {name: records[name].as_dict() for name in sorted(records)}
    return json.dumps({"version": VERSION, "user_pool_id": user_pool_id, "users": users}, indent=1) + "\n"


def _atomic_write(path: str, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, stat.S_IRUSR | stat.S_IWUSR)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dir_fd = os.open(os.path.dirname(path), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def save_changes(state_dir: str, user_pool_id: str, changes: Mapping[str, Optional[Record]]) -> int:
    """Apply this run's changes (username -> record, or None to forget) to the file; returns the records kept.

    Under a lock on a side file, the file is read again and only the changed users are touched,
    so tasks working on other users of the same pool at the same time lose nothing.
    """
    path = state_path(state_dir, user_pool_id)
    lock_fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(lock_fd, fcntl.LOCK_EX)
        records = load(state_dir, user_pool_id)
        for username, record in changes.items():
            if record is None:
                records.pop(username, None)
            else:
                records[username] = record
        _atomic_write(path, render(user_pool_id, records))
        return len(records)
    finally:
        os.close(lock_fd)


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
    """One pool's records for one task: decide per user (thread-safe), then save what changed."""

    def __init__(self, state_dir: str, user_pool_id: str, retry_after: datetime.timedelta, now=now_utc):
        self.state_dir = check_dir(state_dir)
        self.user_pool_id = user_pool_id
        self.retry_after = retry_after
        self._now = now
        self.records = load(state_dir, user_pool_id)
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

    def save(self) -> int:
        """Write this task's changes; returns how many users the file now holds."""
        if not self.changes:
            return len(self.records)
        return save_changes(self.state_dir, self.user_pool_id, self.changes)

    def record(self, outcome) -> None:
        """note() for a bulk.Outcome: skipped when this run wrote nothing for it (wrote=False)."""
        self.note(outcome.username, outcome.outcome, outcome.wrote is False)


ARGUMENT_SPEC = dict(
    not_enrolled_state_dir=dict(type="path"),
    not_enrolled_retry_after=dict(type="str", default=DEFAULT_RETRY_AFTER),
)


def from_params(params: Mapping) -> Optional[Memory]:
    """The task's Memory, or None without not_enrolled_state_dir. ValueError (naming the option) on bad input."""
    retry_after = parse_duration(params.get("not_enrolled_retry_after") or DEFAULT_RETRY_AFTER)
    state_dir = params.get("not_enrolled_state_dir")
    if not state_dir:
        return None
    try:
        return Memory(state_dir, params["user_pool_id"], retry_after)
    except StateError as exc:
        raise ValueError(f"not_enrolled_state_dir: {exc}") from exc
