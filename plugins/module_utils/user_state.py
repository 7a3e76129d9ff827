# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The state of one user pool on the controller: what the last read of each user found, and how far the change
signal has been read. SQLite (Python's standard library), one file per pool: ``<state_dir>/<pool id>.sqlite3``.

- Private: the directory is made 0700 (files.make_dirs), the files 0600 (the process umask is 077 while the store
  is open, so SQLite's journal files are private too); a path that is a symlink is refused, never followed.
- One run at a time: ``<pool id>.lock`` is held (flock) for the whole run; a second run waits up to
  ``lock_timeout`` seconds, then fails naming the file.
- A file that is not this collection's state of this pool (not SQLite, another format or version, another pool)
  is one clear error (StateError) naming the file: it is never read as a state, so it cannot give a verdict.
- Rows are the listing's facts (sub, status, enabled, last modified) as they were when the user was read, the
  time of that read, and the AdminGetUser answer (compact JSON). Writes are committed in batches; the signal's
  mark moves only at the end of a complete run, so a run killed halfway loses no read it made.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import json
import os
import pathlib
import sqlite3
import stat
import threading
import time
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

from . import files

FORMAT = "mfaops.cognito user state"
VERSION = "1"
BATCH = 500
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS users (username TEXT PRIMARY KEY, sub TEXT, status TEXT, enabled INTEGER, modified REAL,"
    " read_at REAL, record TEXT, outcome TEXT, since REAL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS own_writes (sub TEXT NOT NULL, event TEXT NOT NULL, started REAL NOT NULL, ended REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS own_writes_sub ON own_writes (sub)",
)
# The listing of this run, the plan and the events: tables of a file of their own, attached as "run"
# (<pool id>.run.sqlite3, deleted when the run ends), so the state file holds the users only. A second, read-only
# connection streams them to the engine's workers while the first writes users.
RUN_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS run.listing (username TEXT PRIMARY KEY, sub TEXT, status TEXT, enabled INTEGER, modified REAL)"
    " WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS run.plan (username TEXT PRIMARY KEY, reason TEXT) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS run.events (sub TEXT NOT NULL, at REAL NOT NULL)",
    # Users in the pool that this run leaves out (exclude, handled): kept in the state unless changed or named.
    "CREATE TABLE IF NOT EXISTS run.excluded (username TEXT PRIMARY KEY, sub TEXT, status TEXT, enabled INTEGER,"
    " modified REAL) WITHOUT ROWID",
)
# The AdminGetUser answer's keys kept per user (every one audit.audit_user and user_mfa.converge read); Username,
# UserStatus, Enabled and the sub are columns of their own, the attributes a {name: value} object.
RECORD_KEYS = ("UserMFASettingList", "PreferredMfaSetting", "MFAOptions", "ConfiguredUserAuthFactors")
FACTORS = "ConfiguredUserAuthFactors"  # AdminGetUserAuthFactors only: an AdminGetUser answer (enforcement) has none


class StateError(Exception):
    """The state cannot be used: one clear message, naming the file."""


def state_path(state_dir: str, user_pool_id: str) -> str:
    return os.path.join(state_dir, f"{user_pool_id}.sqlite3")


def compact(answer: Mapping[str, Any]) -> str:
    """The JSON kept of one AdminGetUser (and AdminGetUserAuthFactors) answer, without what the columns hold."""
    kept: Dict[str, Any] = {key: answer[key] for key in RECORD_KEYS if answer.get(key)}
    if FACTORS in answer:  # kept even when empty: [] is "read, none", a missing key is "not read"
        kept[FACTORS] = list(answer[FACTORS] or [])
    attributes = {item.get("Name"): item.get("Value") for item in answer.get("UserAttributes") or () if item.get("Name") != "sub"}
    if attributes:
        kept["A"] = attributes
    return json.dumps(kept, separators=(",", ":"), default=str)


def expand(username: str, sub: Optional[str], status: Optional[str], enabled: Optional[int], record: str) -> Dict[str, Any]:
    """The AdminGetUser answer as the state keeps it (compact), for the verdict of a user carried without a read."""
    kept = json.loads(record)
    answer: Dict[str, Any] = {key: kept[key] for key in RECORD_KEYS if key in kept}
    attributes = [{"Name": "sub", "Value": sub}] if sub else []
    attributes += [{"Name": name, "Value": value} for name, value in (kept.get("A") or {}).items()]
    answer.update(Username=username, UserStatus=status, UserAttributes=attributes)
    if enabled is not None:
        answer["Enabled"] = bool(enabled)
    return answer


def epoch(value: Any) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)).timestamp()
    return float(value)


def read_facts(answer: Mapping[str, Any]) -> Tuple[Optional[str], Optional[str], Optional[int], Optional[float]]:
    """(sub, status, enabled, last modified) of an AdminGetUser answer (or a ListUsers entry), as the state keeps them."""
    attributes = answer.get("UserAttributes") or answer.get("Attributes") or ()
    sub = next((item.get("Value") for item in attributes if item.get("Name") == "sub"), None)
    enabled = answer.get("Enabled")
    return sub, answer.get("UserStatus"), None if enabled is None else int(bool(enabled)), epoch(answer.get("UserLastModifiedDate"))


def _refuse_symlink(path: str) -> None:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        raise StateError(f"{path} is a symlink: the state is never read or written through a symlink")
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        raise StateError(f"{path} is not a regular file")


class Store:
    """One pool's state, open for one run. Use as a context manager; commit() ends the run's batch writes."""

    def __init__(self, state_dir: str, user_pool_id: str, lock_timeout: float = 600.0, clock=time.time):
        self.state_dir = state_dir
        self.user_pool_id = user_pool_id
        self.path = state_path(state_dir, user_pool_id)
        self.run_path = os.path.join(state_dir, f"{user_pool_id}.run.sqlite3")
        self.lock_timeout = lock_timeout
        self.clock = clock
        self._lock_fd: Optional[int] = None
        self._umask: Optional[int] = None
        self.db: Optional[sqlite3.Connection] = None
        self.created = False
        self._pending = 0

    # ----- opening

    def __enter__(self) -> "Store":
        if self.db is not None:  # already open (incremental.opened): the with block only closes it
            return self
        self._umask = os.umask(0o077)
        try:
            self._open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _open(self) -> None:
        _refuse_symlink(self.state_dir)
        try:
            files.make_dirs(self.state_dir)
        except OSError as exc:
            raise StateError(f"Could not make the state directory {self.state_dir}: {exc}") from exc
        if not os.path.isdir(self.state_dir):
            raise StateError(f"{self.state_dir} is not a directory")
        self._lock()
        for suffix in ("", "-wal", "-shm", "-journal"):
            _refuse_symlink(self.path + suffix)
            _refuse_symlink(self.run_path + suffix)
        self.created = not os.path.exists(self.path)
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            os.chmod(self.path, 0o600)
            self._check_or_create()
            self._remove_run_files()
            self.db.execute("ATTACH DATABASE ? AS run", (self.run_path,))
            self.db.execute("PRAGMA run.journal_mode=WAL")
            self.db.execute("PRAGMA run.synchronous=OFF")
            for statement in RUN_SCHEMA:
                self.db.execute(statement)
        except sqlite3.DatabaseError as exc:
            raise StateError(f"{self.path} is not a usable state of this collection ({exc}); move it away to start a "
                             "new state (the next run reads the whole pool)") from exc

    def _lock(self) -> None:
        import fcntl  # pylint: disable=import-outside-toplevel

        lock_path = os.path.join(self.state_dir, f"{self.user_pool_id}.lock")
        _refuse_symlink(lock_path)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        deadline = self.clock() + self.lock_timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
                if self.clock() >= deadline:
                    os.close(fd)
                    raise StateError(
                        f"Another run holds the state of user pool {self.user_pool_id} ({lock_path}); waited "
                        f"{self.lock_timeout:g} s (state_lock_timeout). Run again when it has finished.") from exc
                time.sleep(0.2)
        self._lock_fd = fd

    def _check_or_create(self) -> None:
        tables = {row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            self.db.execute("BEGIN")
            for statement in SCHEMA:
                self.db.execute(statement)
            self.db.executemany("INSERT INTO meta VALUES (?, ?)",
                                [("format", FORMAT), ("version", VERSION), ("user_pool_id", self.user_pool_id)])
            self.db.execute("COMMIT")
            return
        if "meta" not in tables:
            raise StateError(f"{self.path} is not a state of this collection (no meta table); move it away")
        meta = self.meta()
        if meta.get("format") != FORMAT or meta.get("version") != VERSION:
            raise StateError(f"{self.path} is not a state of this collection in format {VERSION} "
                             f"(format {meta.get('format')!r}, version {meta.get('version')!r}); move it away")
        if meta.get("user_pool_id") != self.user_pool_id:
            raise StateError(f"{self.path} is the state of user pool {meta.get('user_pool_id')!r}, not of {self.user_pool_id}")
        missing = {"users", "own_writes"} - tables
        if missing:
            raise StateError(f"{self.path} is damaged (tables {sorted(missing)} are missing); move it away")

    def close(self) -> None:
        if self.db is not None:
            try:
                if self.db.in_transaction:
                    self.db.execute("COMMIT")
            except sqlite3.Error:
                pass
            self.db.close()
            self.db = None
            self._remove_run_files()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        if self._umask is not None:
            os.umask(self._umask)
            self._umask = None

    def _remove_run_files(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.unlink(self.run_path + suffix)
            except FileNotFoundError:
                pass

    # ----- meta

    def meta(self) -> Dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta"))

    def set_meta(self, **values: Any) -> None:
        self._begin()
        self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [(key, str(value)) for key, value in values.items()])

    # ----- one run

    def start_run(self) -> None:
        """Empty the run tables (a listing, a plan and events of a run that stopped)."""
        self.db.execute("BEGIN")
        for table in ("listing", "plan", "events", "excluded"):
            self.db.execute(f"DELETE FROM {table}")  # nosec: fixed names
        self.db.execute("COMMIT")

    def add_listed(self, rows: Iterable[Tuple[str, Optional[str], Optional[str], Optional[int], Optional[float]]]) -> None:
        self._begin()
        self.db.executemany("INSERT OR REPLACE INTO listing VALUES (?, ?, ?, ?, ?)", rows)
        self.commit()

    def add_excluded(self, rows: Iterable[Tuple[str, Optional[str], Optional[str], Optional[int], Optional[float]]]) -> None:
        self._begin()
        self.db.executemany("INSERT OR REPLACE INTO excluded VALUES (?, ?, ?, ?, ?)", rows)
        self.commit()

    def add_events(self, events: Iterable[Tuple[str, float]]) -> None:
        self._begin()
        self.db.executemany("INSERT INTO events VALUES (?, ?)", events)
        self.commit()

    def plan(self, full_reason: Optional[str], margin: float, factors: bool = False) -> Dict[str, int]:
        """Fill the plan: the listed users to read, each with the first reason that applies. Returns counts by reason.
        With ``factors`` (an audit with auth_factors), a user whose record holds no ConfiguredUserAuthFactors (read
        by an enforcement, or by an audit without auth_factors) is read too: a missing key is never carried as []."""
        self._begin()
        self._forget_stale_excluded(full_reason, margin)
        if full_reason:
            self.db.execute("INSERT INTO plan SELECT username, 'full read' FROM listing")
        else:
            cases = [
                ("new", "u.username IS NULL OR u.read_at IS NULL OR u.record IS NULL"),
                ("changed in the listing", "u.sub IS NOT l.sub OR u.status IS NOT l.status OR u.enabled IS NOT l.enabled"
                 " OR u.modified IS NOT l.modified"),
                ("named by an event", "EXISTS (SELECT 1 FROM events e WHERE e.sub = l.sub AND e.at + ? > u.read_at)"),
            ]
            if factors:
                cases.append(("auth factors not read", f"json_type(u.record, '$.{FACTORS}') IS NULL"))
            for reason, where in cases:
                args = (margin,) if "?" in where else ()
                self.db.execute(f"INSERT OR IGNORE INTO plan SELECT l.username, '{reason}' FROM listing l "  # nosec: fixed
                                f"LEFT JOIN users u USING (username) WHERE {where}", args)
        self.commit()
        return self.reasons()

    def _forget_stale_excluded(self, full_reason: Optional[str], margin: float) -> None:
        """Users this run leaves out keep their rows (a run on listed users may have just saved them), unless this
        run knows better: changed in the listing or named by an event after their read, they are forgotten. On a
        full read it cannot tell: their record is dropped, so a whole-pool run reads them before carrying them,
        while a run on listed users keeps the refusal with its retry window."""
        excluded = "SELECT x.username FROM excluded x JOIN users u USING (username)"
        if full_reason:
            self.db.execute(f"UPDATE users SET record = NULL WHERE username IN ({excluded})")  # nosec: fixed
            return
        self.db.execute(
            f"DELETE FROM users WHERE username IN ({excluded} WHERE u.sub IS NOT x.sub OR u.status IS NOT x.status "  # nosec
            "OR u.enabled IS NOT x.enabled OR u.modified IS NOT x.modified "
            "OR EXISTS (SELECT 1 FROM events e WHERE e.sub = x.sub AND e.at + ? > u.read_at))", (margin,))

    def reasons(self) -> Dict[str, int]:
        """The users planned to read, by reason."""
        return dict(self.db.execute("SELECT reason, COUNT(*) FROM plan GROUP BY reason"))

    def ages(self, oldest: float) -> Tuple[int, int]:
        """(listed users with a read in the state, those of them read before `oldest` and not planned to read)."""
        known = self.db.execute("SELECT COUNT(*) FROM listing l JOIN users u USING (username) "
                                "WHERE u.read_at IS NOT NULL").fetchone()[0]
        stale = self.db.execute("SELECT COUNT(*) FROM listing l JOIN users u USING (username) WHERE u.read_at < ? "
                                "AND l.username NOT IN (SELECT username FROM plan)", (oldest,)).fetchone()[0]
        return known, stale

    def plan_oldest(self, oldest: float, limit: int) -> None:
        """Plan to read the `limit` users read longest ago among those read before `oldest` (max_age)."""
        self._begin()
        self.db.execute("INSERT OR IGNORE INTO plan SELECT l.username, 'older than max_age' FROM listing l "
                        "JOIN users u USING (username) WHERE u.read_at < ? AND l.username NOT IN (SELECT username FROM plan) "
                        "ORDER BY u.read_at, l.username LIMIT ?", (oldest, limit))
        self.commit()

    def counts(self) -> Tuple[int, int]:
        """(users listed, users planned to read)."""
        listed = self.db.execute("SELECT COUNT(*) FROM listing").fetchone()[0]
        planned = self.db.execute("SELECT COUNT(*) FROM plan").fetchone()[0]
        return listed, planned

    def planned(self) -> Iterator[Tuple[Any, ...]]:
        """(username, listed sub, planned reason or None, read_at, record, outcome, since, and the sub, status and
        enabled the last read found) of every listed user,
        read on a connection of its own (the engine's workers pull it while this one writes)."""
        reader = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        try:
            reader.execute("ATTACH DATABASE ? AS run", (self.run_path,))
            rows = reader.execute(
                "SELECT l.username, l.sub, p.reason, u.read_at, u.record, u.outcome, u.since, u.sub, u.status, u.enabled "
                "FROM listing l LEFT JOIN plan p USING (username) LEFT JOIN users u USING (username) ORDER BY l.username")
            yield from rows
        finally:
            reader.close()

    def user(self, username: str) -> Optional[Tuple[Any, ...]]:
        return self.db.execute("SELECT sub, status, enabled, modified, read_at, record, outcome, since FROM users "
                               "WHERE username = ?", (username,)).fetchone()

    def save_read(self, username: str, read_at: float, answer: Mapping[str, Any], outcome: Optional[str] = None,
                  since: Optional[float] = None) -> None:
        """A user read this run: the facts the read found (sub, status, enabled, last modified: newer than the listing's,
        after this run's own write), the listing's where the answer lacks one, and the answer."""
        facts = read_facts(answer)
        self._begin()
        self.db.execute(
            "INSERT OR REPLACE INTO users SELECT username, COALESCE(?, sub), COALESCE(?, status), COALESCE(?, enabled), "
            "COALESCE(?, modified), ?, ?, ?, ? FROM listing WHERE username = ?",
            facts + (read_at, compact(answer), outcome, since, username))
        self._tick()

    def save_answer(self, username: str, read_at: float, answer: Mapping[str, Any], outcome: Optional[str],
                    since: Optional[float]) -> None:
        """A user read by a run on listed users (no listing this run): the facts of the answer itself."""
        self._begin()
        self.db.execute("INSERT OR REPLACE INTO users VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (username,) + read_facts(answer) + (read_at, compact(answer), outcome, since))
        self._tick()

    def refusals(self) -> "Refusals":
        """The users the state knows as refused as not enrolled, looked up one at a time from any thread."""
        return Refusals(self.path)

    def unread(self, username: str) -> None:
        """A user planned but not read this run: read them next run (the signal's mark may move past their event)."""
        self._begin()
        self.db.execute("UPDATE users SET read_at = NULL WHERE username = ?", (username,))
        self._tick()

    def save_outcome(self, username: str, outcome: Optional[str], since: Optional[float]) -> None:
        self._begin()
        self.db.execute("UPDATE users SET outcome = ?, since = ? WHERE username = ?", (outcome, since, username))
        self._tick()

    def forget(self, username: str) -> None:
        self._begin()
        self.db.execute("DELETE FROM users WHERE username = ?", (username,))
        self._tick()

    def note_write(self, sub: str, event: str, started: float, ended: float) -> None:
        self._begin()
        self.db.execute("INSERT INTO own_writes VALUES (?, ?, ?, ?)", (sub, event, started, ended))
        self._tick()

    def own_writes(self, subs: Sequence[str]) -> List[Tuple[str, str, float, float]]:
        found: List[Tuple[str, str, float, float]] = []
        for start in range(0, len(subs), 500):
            chunk = list(subs[start:start + 500])
            marks = ",".join("?" * len(chunk))
            found.extend(self.db.execute(f"SELECT sub, event, started, ended FROM own_writes WHERE sub IN ({marks})",  # nosec
                                         chunk))
        return found

    def finish_listing(self, prune_writes_before: float) -> int:
        """After a complete listing: forget users no longer in the pool and own writes no window can see again.
        Returns how many users were forgotten."""
        self._begin()
        gone = self.db.execute("DELETE FROM users WHERE username NOT IN (SELECT username FROM listing) "
                               "AND username NOT IN (SELECT username FROM excluded)").rowcount
        self.forget_writes_before(prune_writes_before)
        self.commit()
        return gone

    def forget_writes_before(self, before: float) -> None:
        """Own writes that ended before `before` (no window can see their events any more)."""
        self._begin()
        self.db.execute("DELETE FROM own_writes WHERE ended < ?", (before,))

    def users_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM users").fetchone()[0]

    # ----- transactions

    def _begin(self) -> None:
        if not self.db.in_transaction:
            self.db.execute("BEGIN")

    def _tick(self) -> None:
        self._pending += 1
        if self._pending >= BATCH:
            self.commit()

    def commit(self) -> None:
        if self.db is not None and self.db.in_transaction:
            self.db.execute("COMMIT")
        self._pending = 0


class Refusals:
    """username -> (since, read_at) of a user the state knows as refused as not enrolled, or None: a read-only
    connection of its own, shared by the engine's workers under a lock (one primary-key lookup per user)."""

    def __init__(self, path: str):
        uri = pathlib.Path(os.path.abspath(path)).as_uri() + "?mode=ro"
        self._db = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)
        self._lock = threading.Lock()

    def get(self, username: str) -> Optional[Tuple[float, float]]:
        with self._lock:
            return self._db.execute("SELECT since, read_at FROM users WHERE username = ? AND outcome = 'not_enrolled' "
                                    "AND since IS NOT NULL AND read_at IS NOT NULL", (username,)).fetchone()

    def close(self) -> None:
        self._db.close()


@contextlib.contextmanager
def opened(state_dir: str, user_pool_id: str, lock_timeout: float = 600.0) -> Iterator[Store]:
    with Store(state_dir, user_pool_id, lock_timeout) as store:
        yield store
