"""The not-enrolled memory: the decision as a table, the state file on disk."""

import datetime
import json
import multiprocessing
import os
import signal
import stat

import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import enrol_memory as memory

UTC = datetime.timezone.utc
T0 = datetime.datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(days=7)
POOL = "eu-west-1_AbC123"


def record(checked_days_ago, since_days_ago=None, now=T0):
    since = since_days_ago if since_days_ago is not None else checked_days_ago
    return memory.Record(since=now - since * DAY, checked=now - checked_days_ago * DAY)


@pytest.mark.parametrize(
    "rec, last_modified, retry_after, expected",
    [
        (None, None, WEEK, True),  # never refused
        (None, T0 - 30 * DAY, WEEK, True),
        (record(1), None, WEEK, False),  # refused yesterday, window of 7 days
        (record(1), T0 - 3 * DAY, WEEK, False),  # unchanged since before the refusal
        (record(1), T0 - 1 * DAY, WEEK, False),  # modified at the refusal itself: not newer
        (record(1), T0 - 1 * DAY + datetime.timedelta(seconds=1), WEEK, True),  # changed after: maybe enrolled
        (record(6.9), None, WEEK, False),
        (record(7), None, WEEK, True),  # window over
        (record(30, 60), None, WEEK, True),
        (record(1), None, datetime.timedelta(hours=12), True),
        (record(1), None, datetime.timedelta(0), True),  # 0: always retry
        (record(1), datetime.datetime(2026, 2, 28, 13, 0), WEEK, True),  # naive dates are UTC
        (record(1), datetime.datetime(2026, 2, 28, 11, 0), WEEK, False),
    ],
)
def test_should_write(rec, last_modified, retry_after, expected):
    assert memory.should_write(rec, T0, last_modified, retry_after) is expected


@pytest.mark.parametrize(
    "rec, not_enrolled, expected",
    [
        (None, True, memory.Record(since=T0, checked=T0)),
        (record(3, 20), True, memory.Record(since=T0 - 20 * DAY, checked=T0)),  # first date kept
        (record(3, 20), False, None),  # enrolled now, or gone: forget
        (None, False, None),
    ],
)
def test_updated(rec, not_enrolled, expected):
    assert memory.updated(rec, not_enrolled, T0) == expected


@pytest.mark.parametrize(
    "value, seconds",
    [("7d", 604800), ("12h", 43200), ("30m", 1800), ("90s", 90), ("2w", 1209600), ("3600", 3600), (86400, 86400),
     ("0", 0), (" 1.5d ", 129600)],
)
def test_parse_duration(value, seconds):
    assert memory.parse_duration(value).total_seconds() == seconds


@pytest.mark.parametrize("value", ["", "7 days", "-1d", "d", "1y", True, None, "1e3"])
def test_parse_duration_refuses(value):
    with pytest.raises(ValueError, match="not_enrolled_retry_after must be a duration"):
        memory.parse_duration(value)


def test_no_file_yet_is_no_records(tmp_path):
    assert memory.load(str(tmp_path), POOL) == {}


def test_save_then_load(tmp_path):
    changes = {"alice": memory.Record(since=T0 - DAY, checked=T0), "bob": memory.Record(since=T0, checked=T0)}
    assert memory.save_changes(str(tmp_path), POOL, changes) == 2
    assert memory.load(str(tmp_path), POOL) == changes
    path = memory.state_path(str(tmp_path), POOL)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    data = json.loads(open(path, encoding="utf-8").read())
    assert data == {
        "version": 1,
        "user_pool_id": POOL,
        "users": {"alice": {"since": "2026-02-28T12:00:00Z", "checked": "2026-03-01T12:00:00Z"},
                  "bob": {"since": "2026-03-01T12:00:00Z", "checked": "2026-03-01T12:00:00Z"}},
    }
    assert [name for name in os.listdir(tmp_path) if name.startswith(".tmp-")] == []


def test_changes_touch_only_their_users(tmp_path):
    directory = str(tmp_path)
    memory.save_changes(directory, POOL, {"alice": memory.Record(T0, T0), "bob": memory.Record(T0, T0)})
    later = T0 + DAY
    memory.save_changes(directory, POOL, {"bob": None, "carol": memory.Record(later, later)})
    assert memory.load(directory, POOL) == {"alice": memory.Record(T0, T0), "carol": memory.Record(later, later)}
    assert memory.load(directory, "eu-west-1_Other1") == {}


@pytest.mark.parametrize(
    "content",
    ["", "{", "[]", '{"version": 2, "user_pool_id": "eu-west-1_AbC123", "users": {}}',
     '{"version": 1, "user_pool_id": "eu-west-1_Other", "users": {"a": {"since": "x", "checked": "y"}}}',
     '{"version": 1, "user_pool_id": "eu-west-1_AbC123", "users": {"a": {"since": "yesterday"}}}'],
)
def test_a_damaged_file_counts_as_none(tmp_path, content):
    (tmp_path / f"{POOL}.not-enrolled.json").write_text(content)
    assert memory.load(str(tmp_path), POOL) == {}


def _save_forever(directory):
    index = 0
    while True:
        index += 1
        memory.save_changes(directory, POOL, {f"user{index}": memory.Record(T0, T0)})


def test_a_kill_mid_write_leaves_a_whole_file(tmp_path):
    directory = str(tmp_path)
    memory.save_changes(directory, POOL, {"alice": memory.Record(T0, T0)})
    proc = multiprocessing.get_context("fork").Process(target=_save_forever, args=(directory,))
    proc.start()
    while len(memory.load(directory, POOL)) < 20:
        pass
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(timeout=30)
    records = memory.load(directory, POOL)
    assert "alice" in records and len(records) >= 20  # parsed whole: an empty dict would mean a torn file
    memory.save_changes(directory, POOL, {"bob": memory.Record(T0, T0)})  # the lock died with its holder
    assert "bob" in memory.load(directory, POOL)


def test_pool_ids_cannot_name_other_files(tmp_path):
    with pytest.raises(memory.StateError, match="not a user pool id"):
        memory.state_path(str(tmp_path), "../etc/passwd")


def test_check_dir(tmp_path):
    assert memory.check_dir(str(tmp_path)) == str(tmp_path)
    with pytest.raises(memory.StateError, match="is not an existing directory"):
        memory.check_dir(str(tmp_path / "missing"))
    (tmp_path / "file").write_text("")
    with pytest.raises(memory.StateError, match="is not an existing directory"):
        memory.check_dir(str(tmp_path / "file"))


def test_now_is_rounded_up():
    now = memory.now_utc()
    assert now.microsecond == 0 and now >= datetime.datetime.now(UTC) - datetime.timedelta(seconds=1)


@pytest.mark.parametrize(
    "rec, outcome, skipped, expected",
    [
        (None, "not_enrolled", False, (True, memory.Record(T0, T0))),
        (record(2, 9), "not_enrolled", False, (True, memory.Record(T0 - 9 * DAY, T0))),
        (record(2, 9), "not_enrolled", True, (False, record(2, 9))),  # skipped: the record stands
        (record(2, 9), "changed", False, (True, None)),  # enrolled since
        (record(2, 9), "unchanged", False, (True, None)),
        (record(2, 9), "not_found", False, (True, None)),
        (record(2, 9), "failed", False, (False, record(2, 9))),  # nothing learnt
        (record(2, 9), "not_attempted", False, (False, record(2, 9))),
        (None, "changed", False, (False, None)),
        (None, "failed", False, (False, None)),
    ],
)
def test_change_after(rec, outcome, skipped, expected):
    assert memory.change_after(rec, outcome, skipped, T0) == expected


def test_memory_skips_then_saves_only_what_changed(tmp_path):
    directory = str(tmp_path)
    memory.save_changes(directory, POOL, {"old": record(1, 5), "fixed": record(1, 5), "stale": record(8, 8)})
    mem = memory.Memory(directory, POOL, WEEK, now=lambda: T0)
    assert mem.known_since("old", {}) == "2026-02-24T12:00:00Z"
    assert mem.known_since("old", {"UserLastModifiedDate": T0 - 2 * DAY}) == "2026-02-24T12:00:00Z"
    assert mem.known_since("old", {"UserLastModifiedDate": T0}) is None
    assert mem.known_since("stale", {}) is None
    assert mem.known_since("new", {}) is None
    mem.note("old", "not_enrolled", skipped=True)
    mem.note("fixed", "changed", skipped=False)
    mem.note("stale", "not_enrolled", skipped=False)
    mem.note("new", "not_enrolled", skipped=False)
    assert mem.save() == 3
    assert memory.load(directory, POOL) == {
        "old": record(1, 5),
        "stale": memory.Record(T0 - 8 * DAY, T0),
        "new": memory.Record(T0, T0),
    }
