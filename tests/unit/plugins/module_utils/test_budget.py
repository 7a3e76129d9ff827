"""The account's shared budget: several processes on one bucket file, fake clocks, no timing."""

import multiprocessing
import os
import signal
import stat
import struct
import tempfile
import threading

import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import budget
from ansible_collections.mfaops.cognito.plugins.module_utils import engine

FORK = multiprocessing.get_context("fork")


class FakeClock:
    """One process's clock: it moves only when the process sleeps."""

    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def _taker(path, rate, count, out, with_local=False):
    clock = FakeClock()
    limiter = budget.SharedBucket(path, rate, clock=clock, sleep=clock.sleep)
    if with_local:
        limiter = budget.Budgeted(engine.RateLimiter(rate, clock=clock, sleep=clock.sleep), limiter)
    granted = []
    for _index in range(count):
        limiter.acquire()
        granted.append(clock.now)
    out.put((os.getpid(), granted))


def run_processes(jobs):
    """jobs: (path, rate, count, with_local) per process; returns {pid: [granted times]}."""
    out = FORK.Queue()
    procs = [FORK.Process(target=_taker, args=(path, rate, count, out, local)) for path, rate, count, local in jobs]
    for proc in procs:
        proc.start()
    results = dict(out.get(timeout=60) for _proc in procs)
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    return results


def most_in_window(times, window):
    times = sorted(times)
    best, start = 0, 0
    for end, when in enumerate(times):
        while when - times[start] >= window - 1e-9:
            start += 1
        best = max(best, end - start + 1)
    return best


@pytest.fixture
def directory(tmp_path):
    return budget.budget_dir(str(tmp_path))


@pytest.mark.parametrize("processes", [1, 3, 10])
def test_processes_of_one_key_share_the_rate(directory, processes):
    path = budget.bucket_path(directory, "123456789012", "eu-west-1", "write")
    rate = 12.0
    results = run_processes([(path, rate, 24, False)] * processes)
    granted = sorted(t for times in results.values() for t in times)
    assert len(granted) == 24 * processes
    # one schedule for all: slot i at i / rate, whoever took it
    assert granted == pytest.approx([i / rate for i in range(len(granted))])
    assert most_in_window(granted, 1.0) <= rate


def test_what_a_finished_pool_leaves_goes_to_the_others(directory):
    """Two tasks of one account on one clock, taking turns while both run (deterministic: processes started
    at real-time moments would not be): one schedule for both, and once the short one is done the other
    gets the whole rate."""
    path = budget.bucket_path(directory, "123456789012", "eu-west-1", "write")
    rate = 10.0
    clock = FakeClock()
    short, long_ = (budget.SharedBucket(path, rate, clock=clock, sleep=clock.sleep) for _task in range(2))
    granted = {"short": [], "long": []}
    for turn in range(45):
        name, bucket = ("short", short) if turn < 10 and turn % 2 == 0 else ("long", long_)
        bucket.acquire()
        granted[name].append(clock.now)
    assert sorted(granted["short"] + granted["long"]) == pytest.approx([i / rate for i in range(45)])
    alone = [t for t in granted["long"] if t > granted["short"][-1]]
    assert len(alone) == 36  # turns 9 to 44
    assert {round(b - a, 9) for a, b in zip(alone, alone[1:])} == {round(1 / rate, 9)}


def test_at_high_rates_a_task_takes_a_batch_of_slots_per_lock(directory, monkeypatch):
    """1000/s: the file is locked once per 20 calls, the slots are still the schedule's, a burst is at most a
    batch; once throttled, one slot per lock again."""
    locks = []
    real_flock = budget.fcntl.flock
    monkeypatch.setattr(budget.fcntl, "flock", lambda fd, op: (locks.append(op), real_flock(fd, op))[1])
    path = budget.bucket_path(directory, "123456789012", "eu-west-1", "read")
    rate, batch = 1000.0, 20
    clock = FakeClock()
    one = budget.SharedBucket(path, rate, clock=clock, sleep=clock.sleep)
    alone = []
    for _call in range(100):
        one.acquire()
        alone.append(clock.now)
    assert alone == pytest.approx([i / rate for i in range(100)])
    assert locks.count(budget.fcntl.LOCK_EX) == 100 // batch

    other = budget.SharedBucket(path, rate, clock=clock, sleep=clock.sleep)
    both = []
    for turn in range(400):
        (one if turn % 2 else other).acquire()
        both.append(clock.now)
    assert most_in_window(both, 0.1) <= 0.1 * rate + 2 * batch
    assert clock.now == pytest.approx(0.1 + 400 / rate, abs=2 * batch / rate)

    one.on_throttle()
    locks.clear()
    for _call in range(5):
        one.acquire()
    assert locks.count(budget.fcntl.LOCK_EX) == 5


def test_other_regions_and_accounts_get_their_own_budget(directory):
    rate = 8.0
    paths = [
        budget.bucket_path(directory, "123456789012", "eu-west-1", "write"),
        budget.bucket_path(directory, "123456789012", "us-east-1", "write"),
        budget.bucket_path(directory, "210987654321", "eu-west-1", "write"),
        budget.bucket_path(directory, "123456789012", "eu-west-1", "read"),
    ]
    assert len(set(paths)) == 4
    results = run_processes([(path, rate, 16, False) for path in paths])
    for times in results.values():
        assert times == pytest.approx([i / rate for i in range(16)])


def test_budget_and_the_tasks_own_limiter_together_hold_the_aggregate(directory):
    path = budget.bucket_path(directory, "123456789012", "eu-west-1", "write")
    rate = 12.0
    results = run_processes([(path, rate, 30, True)] * 3)
    granted = [t for times in results.values() for t in times]
    assert len(granted) == 90
    assert most_in_window(granted, 1.0) <= rate
    assert most_in_window(granted, 5.0) <= 5 * rate


def test_threads_of_one_process_share_one_bucket(directory):
    path = budget.bucket_path(directory, "123456789012", "eu-west-1", "write")
    bucket = budget.SharedBucket(path, 5.0, clock=lambda: 0.0, sleep=lambda _s: None)
    waits = []
    lock = threading.Lock()

    def take():
        for _index in range(20):
            wait = bucket.reserve()
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=take) for _index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == pytest.approx([i / 5.0 for i in range(80)])


def test_throttling_seen_by_one_task_slows_every_task_then_recovers(directory):
    path = budget.bucket_path(directory, "123456789012", "eu-west-1", "write")
    clock = FakeClock(1000.0)
    one = budget.SharedBucket(path, 10.0, clock=clock, sleep=clock.sleep)
    other = budget.SharedBucket(path, 10.0, clock=clock, sleep=clock.sleep)
    one.on_throttle()
    one.on_throttle()  # within the cooldown: the same overload, one decrease
    assert other.shared_rate == pytest.approx(7.0)
    clock.now += 1.0
    one.on_throttle()
    assert other.shared_rate == pytest.approx(4.9)
    for _index in range(1000):
        other.on_success()
    other.reserve()
    assert one.shared_rate == pytest.approx(10.0)


def test_a_holder_killed_with_the_lock_does_not_block_the_others(directory):
    path = budget.bucket_path(directory, "123456789012", "eu-west-1", "write")

    def hold_and_die():
        import fcntl  # pylint: disable=import-outside-toplevel

        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.pwrite(fd, b"MFAB\x01", 0)  # a torn write
        os.kill(os.getpid(), signal.SIGKILL)

    proc = FORK.Process(target=hold_and_die)
    proc.start()
    proc.join(timeout=30)
    assert proc.exitcode == -signal.SIGKILL
    bucket = budget.SharedBucket(path, 4.0, clock=lambda: 50.0, sleep=lambda _s: None)
    assert bucket.reserve() == 0.0
    assert bucket.reserve() == pytest.approx(0.25)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"garbage",
        struct.pack("<4sIddd", b"XXXX", 1, 0.0, 1.0, 0.0),
        struct.pack("<4sIddd", b"MFAB", 1, float("nan"), 1.0, 0.0),
        struct.pack("<4sIddd", b"MFAB", 1, 0.0, 0.0, 0.0),
        struct.pack("<4sIddd", b"MFAB", 1, 50.0 + budget.MAX_AHEAD + 1, 1.0, 0.0),  # a clock that jumped back
    ],
)
def test_a_damaged_or_stale_file_starts_over(directory, content):
    path = budget.bucket_path(directory, "123456789012", "eu-west-1", "write")
    with open(path, "wb") as handle:
        handle.write(content)
    os.chmod(path, 0o600)
    bucket = budget.SharedBucket(path, 2.0, clock=lambda: 50.0, sleep=lambda _s: None)
    assert bucket.reserve() == 0.0
    assert bucket.shared_rate == 2.0


def test_files_are_private_and_under_tmpdir(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    directory = budget.budget_dir()
    assert os.path.dirname(directory) == str(tmp_path)
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    path = budget.bucket_path(directory, "123456789012", "eu-west-1", "write")
    budget.SharedBucket(path, 1.0).reserve()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_directory_open_to_others_is_closed(tmp_path):
    path = tmp_path / (budget.DIR_PREFIX + str(os.getuid()))
    path.mkdir(mode=0o777)
    os.chmod(path, 0o777)
    budget.budget_dir(str(tmp_path))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700


def test_a_symlinked_directory_or_file_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / (budget.DIR_PREFIX + str(os.getuid()))).symlink_to(elsewhere)
    with pytest.raises(budget.BudgetError, match="not a directory owned by this user"):
        budget.budget_dir(str(tmp_path))
    target = tmp_path / "target"
    target.write_text("")
    link = budget.bucket_path(str(elsewhere), "123456789012", "eu-west-1", "write")
    os.symlink(target, link)
    with pytest.raises(OSError):
        budget.SharedBucket(link, 1.0)
    with pytest.raises(budget.BudgetError, match="cannot open the budget file"):
        budget.shared_limiter(engine.RateLimiter(1.0), str(elsewhere), "123456789012", "eu-west-1", "write", 1.0)


def test_key_parts_cannot_escape_the_directory(directory):
    path = budget.bucket_path(directory, "../../etc", "eu-west-1/x", "write")
    assert os.path.dirname(path) == directory


@pytest.mark.parametrize(
    "arn, expected",
    [
        ("arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC", "123456789012"),
        ("arn:aws-cn:cognito-idp:cn-north-1:123456789012:userpool/cn-north-1_AbC", "123456789012"),
        ("arn:aws:iam::123456789012:role/x", None),
        ("", None),
        (None, None),
    ],
)
def test_account_from_arn(arn, expected):
    assert budget.account_from_arn(arn) == expected


def test_account_is_looked_up_once_per_credentials(directory):
    calls = []

    def caller_account():
        calls.append(1)
        return "123456789012"

    for _run in range(3):
        assert budget.resolve_account(directory, "AKIAFAKE", None, caller_account=caller_account) == "123456789012"
    assert calls == [1]
    assert budget.resolve_account(directory, "AKIAOTHER", None, caller_account=lambda: "210987654321") == "210987654321"
    cache = [name for name in os.listdir(directory) if name.startswith("account-")]
    assert len(cache) == 2
    assert all(stat.S_IMODE(os.stat(os.path.join(directory, name)).st_mode) == 0o600 for name in cache)


def test_account_from_the_pool_arn_needs_no_lookup(directory):
    def caller_account():
        raise AssertionError("no lookup expected")

    arn = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC"
    assert budget.resolve_account(directory, "AKIAFAKE", None, arn, caller_account) == "123456789012"


def test_without_sts_the_budget_is_keyed_by_the_credentials(directory):
    def caller_account():
        raise RuntimeError("AccessDenied")

    key = budget.resolve_account(directory, "AKIAFAKE", None, caller_account=caller_account)
    assert key.startswith("key-") and "AKIAFAKE" not in key
    assert key == budget.resolve_account(directory, "AKIAFAKE", None)
    assert key != budget.resolve_account(directory, "AKIAOTHER", None)
    assert budget.resolve_account(directory, None, None) == "unknown"


def test_budgeted_keeps_the_tasks_own_backoff(directory):
    path = budget.bucket_path(directory, "123456789012", "eu-west-1", "write")
    clock = FakeClock()
    local = engine.RateLimiter(10.0, clock=clock, sleep=clock.sleep)
    limiter = budget.Budgeted(local, budget.SharedBucket(path, 10.0, clock=clock, sleep=clock.sleep))
    limiter.acquire()
    limiter.on_throttle()
    assert limiter.rate == pytest.approx(7.0)
    assert limiter.throttled == 1
    assert limiter.shared.shared_rate == pytest.approx(7.0)
    limiter.on_success()
    assert limiter.rate > 7.0


def test_a_slowdown_ends_with_the_calls_that_were_throttled(directory):
    """Issue 27: the pace lowered by throttling is kept while calls go on, by every task of the budget, and the
    next task after a second without calls starts at the full rate (it no longer inherits the slow pace)."""
    path = budget.bucket_path(directory, "123456789012", "eu-west-1", "write")
    clock = FakeClock(1000.0)
    throttled = budget.SharedBucket(path, 10.0, clock=clock, sleep=clock.sleep)
    throttled.acquire()
    throttled.on_throttle()
    for _index in range(5):  # calls go on at the lowered pace: 1/7 s apart
        before = clock.now
        throttled.acquire()
        assert clock.now - before == pytest.approx(1 / 7.0)
    clock.now += 0.5  # a pause shorter than Cognito's one-second window: still the same overload
    assert budget.SharedBucket(path, 10.0, clock=clock, sleep=clock.sleep).shared_rate == pytest.approx(7.0)
    clock.now += budget.IDLE_RESET_SECONDS  # then nobody took a slot for a second
    following = budget.SharedBucket(path, 10.0, clock=clock, sleep=clock.sleep)
    assert following.shared_rate == pytest.approx(10.0)
    granted = []
    for _index in range(11):
        following.acquire()
        granted.append(clock.now)
    assert granted[-1] - granted[0] == pytest.approx(1.0)  # 10 a second from its first call


def test_the_tasks_own_pace_and_the_shared_one_do_not_compound(directory):
    """Issue 27: a call takes its task's slot and the first shared slot at or after it, and sleeps once. Whichever
    pace is lower sets the rate, never the product of the two: here a task throttled to 7/s shares a budget of
    10/s with an idle one, and a task at the full rate gets the whole budget."""
    path = budget.bucket_path(directory, "123456789012", "eu-west-1", "write")
    clock = FakeClock(1000.0)
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        clock.sleep(seconds)

    task = budget.Budgeted(engine.RateLimiter(10.0, clock=clock, sleep=sleep), budget.SharedBucket(path, 10.0, clock=clock, sleep=sleep))
    start = clock.now
    for _index in range(101):
        task.acquire()
    assert clock.now - start == pytest.approx(10.0)  # 100 intervals of 1/10 s: the whole budget
    assert len(sleeps) == 100  # one sleep per call, not one per limiter

    task.local.on_throttle()  # the task's own pace only (another controller's load, say)
    clock.now += 2.0
    start = clock.now
    for _index in range(71):
        task.acquire()
    assert clock.now - start == pytest.approx(10.0)  # 70 intervals of 1/7 s: the lower of the two paces


def test_two_tasks_interleave_on_one_schedule(directory):
    """Each task's own slots are its own; their shared slots interleave on one schedule at the shared rate."""
    path = budget.bucket_path(directory, "123456789012", "eu-west-1", "write")
    clock = FakeClock(1000.0)
    one = budget.Budgeted(engine.RateLimiter(10.0, clock=clock, sleep=clock.sleep),
                          budget.SharedBucket(path, 10.0, clock=clock, sleep=clock.sleep))
    other = budget.Budgeted(engine.RateLimiter(10.0, clock=clock, sleep=clock.sleep),
                            budget.SharedBucket(path, 10.0, clock=clock, sleep=clock.sleep))
    waits = [one.shared.reserve(not_before=one.local.reserve()) for _index in range(3)]
    waits += [other.shared.reserve(not_before=other.local.reserve()) for _index in range(3)]
    # The two tasks' slots interleave on one schedule at 1/10 s whatever each task's own schedule says.
    assert sorted(waits) == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4, 0.5])


def test_taking_a_slot_costs_one_lock_and_two_small_file_operations(directory, monkeypatch):
    """The cost per call at quota rates (below 100/s, no batching): one flock, one pread and one pwrite of
    the 32-byte record; no other file operation (no open, no fsync)."""
    path = budget.bucket_path(directory, "123456789012", "eu-west-1", "write")
    bucket = budget.SharedBucket(path, 20.0, clock=lambda: 5000.0, sleep=lambda _s: None)
    seen = []
    for name in ("pread", "pwrite", "open", "fsync", "read", "write"):
        real = getattr(os, name)
        monkeypatch.setattr(budget.os, name, lambda *args, _real=real, _name=name: seen.append(_name) or _real(*args))
    for _index in range(10):
        bucket.reserve()
    assert seen == ["pread", "pwrite"] * 10


def test_share_puts_the_account_wide_paces_under_the_budget_and_leaves_the_per_pool_ones(directory):
    """The rate options' categories and CloudTrail's LookupEvents (a fixed pace, the account's whole quota) are
    shared; a per-pool cap (DescribeUserPool: 5 a second per pool) and a fixed pace below the account's quota (sign-ins:
    10 of 120 a second) stay the task's own. A second caller of the task shares under the account the first resolved."""
    from ansible_collections.mfaops.cognito.plugins.module_utils import quotas  # pylint: disable=import-outside-toplevel

    class Module:
        params = {"shared_budget": True, "budget_dir": directory, "account_id": "123456789012"}
        region = "eu-west-1"

    class Call:
        limiters = {key: engine.RateLimiter(quotas.BY_KEY[key].pace)
                    for key in (quotas.READ, quotas.USER_POOL_READ, quotas.AUTH)}
        account = None

    class Trail:
        limiters = {quotas.SIGNAL_READ: engine.RateLimiter(quotas.BY_KEY[quotas.SIGNAL_READ].pace)}

    own = {key: Call.limiters[key] for key in (quotas.USER_POOL_READ, quotas.AUTH)}
    assert budget.share(Module(), Call) == "123456789012" and Call.account == "123456789012"
    assert isinstance(Call.limiters[quotas.READ], budget.Budgeted)
    assert all(Call.limiters[key] is limiter for key, limiter in own.items())
    Module.params = dict(Module.params, account_id=None)  # the second caller resolves nothing: it is given the account
    assert budget.share(Module(), Trail, account=Call.account) == "123456789012"
    assert isinstance(Trail.limiters[quotas.SIGNAL_READ], budget.Budgeted)
    files = os.listdir(budget.budget_dir(directory))
    assert "123456789012-eu-west-1-CloudTrail_LookupEvents.bucket" in files and "123456789012-eu-west-1-UserRead.bucket" in files
