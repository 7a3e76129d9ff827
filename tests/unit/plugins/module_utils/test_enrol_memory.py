"""The not-enrolled memory: the decision as a table, kept in the pool's state (incremental.StoreMemory)."""

import datetime

import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import enrol_memory as memory
from ansible_collections.mfaops.cognito.plugins.module_utils import incremental
from ansible_collections.mfaops.cognito.plugins.module_utils.user_state import Store

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


def test_memory_skips_and_collects_only_what_changed():
    records = {"old": record(1, 5), "fixed": record(1, 5), "stale": record(8, 8)}
    mem = memory.Memory(dict(records), WEEK, now=lambda: T0)
    assert mem.known_since("old", {}) == "2026-02-24T12:00:00Z"
    assert mem.known_since("old", {"UserLastModifiedDate": T0 - 2 * DAY}) == "2026-02-24T12:00:00Z"
    assert mem.known_since("old", {"UserLastModifiedDate": T0}) is None
    assert mem.known_since("stale", {}) is None
    assert mem.known_since("new", {}) is None
    mem.note("old", "not_enrolled", skipped=True)
    mem.note("fixed", "changed", skipped=False)
    mem.note("stale", "not_enrolled", skipped=False)
    mem.note("new", "not_enrolled", skipped=False)
    assert mem.changes == {"fixed": None, "stale": memory.Record(T0 - 8 * DAY, T0), "new": memory.Record(T0, T0)}


def _answer(name, sub, modified=1.7e9):
    return {"Username": name, "UserStatus": "CONFIRMED", "Enabled": True,
            "UserLastModifiedDate": datetime.datetime.fromtimestamp(modified, UTC),
            "UserAttributes": [{"Name": "sub", "Value": sub}], "UserMFASettingList": []}


def test_the_store_memory_keeps_refusals_in_the_pool_state(tmp_path):
    """A run on listed users remembers its refusals in the state (the rows a whole-pool run keeps), with the
    refused write as an own write; a user since enrolled is forgotten; a new memory reads them back."""
    clock = iter(float(t) for t in range(1_800_000_000, 1_800_000_100)).__next__
    week = datetime.timedelta(days=7)
    with Store(str(tmp_path / "a dir?#"), POOL) as store:
        mem = incremental.StoreMemory(store, week, clock=clock)
        for name, sub in (("ann", "s-ann"), ("bob", "s-bob")):
            assert mem.known_since(name, _answer(name, sub)) is None
            mem.note(name, "not_enrolled", skipped=False)
        mem.save()
        assert mem.changes == {} and mem.answers == {}
        # read_at is the run's start (no later than any read of the run), the own write from the write's turn on
        assert [store.refusals().get(name)[1] for name in ("ann", "bob")] == [1_800_000_000, 1_800_000_000]
        assert store.refusals().get("carol") is None
        assert store.own_writes(["s-ann", "s-bob"]) == [  # from the read to when the refusal came back
            ("s-ann", "AdminSetUserMFAPreference", 1_800_000_001, 1_800_000_002),
            ("s-bob", "AdminSetUserMFAPreference", 1_800_000_003, 1_800_000_004)]
    with Store(str(tmp_path / "a dir?#"), POOL) as store:
        mem = incremental.StoreMemory(store, week, clock=clock)
        assert mem.known_since("ann", _answer("ann", "s-ann")) is not None  # same modified date: skipped
        mem.note("ann", "not_enrolled", skipped=True)
        assert mem.known_since("bob", _answer("bob", "s-bob", modified=1.9e9)) is None  # changed since: written
        mem.note("bob", "changed", skipped=False)
        mem.save()
        assert store.refusals().get("ann") is not None
        assert store.user("bob") is None
