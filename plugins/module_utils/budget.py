# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One request budget per AWS account, region and quota category, shared on one controller.

Cognito's quotas are per account and region. Tasks that run at the same time on one
controller (forks of one play, several plays, several jobs of one execution node when they
share the budget directory) draw on one SharedBucket per (account, region, category): a
small file under the controller's temp dir, locked with fcntl.flock for each call.

The bucket is a token bucket kept as a schedule (GCRA, no burst): the file holds the time of
the next free slot; each call takes that slot and moves it on by 1/rate. At high rates a task
takes SLOT_BATCH_SECONDS of the schedule per lock (rate x 0.02 slots, one below 100/s) and hands
them out in order, so the lock is not taken for every call; a burst is at most that batch. Whoever is still
running gets the whole rate, so when one pool finishes the others use what it leaves. A
holder that dies releases its lock with its file descriptor (flock); a torn or stale file is
reset. Throttling seen by any task slows the shared pace for all (AIMD, like the engine's
RateLimiter) while calls go on; a schedule left idle for IDLE_RESET_SECONDS starts again at the full
rate, so a slowdown does not outlive the calls that were throttled. Each task's own RateLimiter keeps
its adaptive backoff: Budgeted reserves a slot of both at once and waits once, for the later.

Tasks on different controllers cannot share a bucket; their own adaptive backoff covers them.
"""

from __future__ import annotations

import errno
import hashlib
import math
import os
from collections import deque
import re
import stat
import struct
import tempfile
import threading
import time
from typing import Any, Callable, Optional

from .engine import Aimd
from .files import write_private

try:
    import fcntl
except ImportError:  # not on POSIX: no shared budget, see available()
    fcntl = None

DIR_PREFIX = "mfaops-cognito-budget-"
# magic, version, next free slot, shared rate scale (0..1], time of the last decrease
_FORMAT = "<4sIddd"
_MAGIC = b"MFAB"
_VERSION = 1
_SIZE = struct.calcsize(_FORMAT)
# A next slot further ahead than this is not a queue, it is a clock that jumped: start over.
MAX_AHEAD = 300.0
# How much of the schedule a task takes per lock at high rates (a batch of rate x this many slots).
SLOT_BATCH_SECONDS = 0.02
# A schedule nobody has taken a slot of for this long restarts at the full rate: Cognito's quotas are requests per
# second, so a second without a call ends the overload that throttled. A pace lowered by throttling lasts as long
# as the calls that were throttled go on, and no longer: the next job does not start at the slow pace.
IDLE_RESET_SECONDS = 1.0
_ARN = re.compile(r"^arn:aws[\w-]*:cognito-idp:([\w-]+):(\d{12}):userpool/")
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


class BudgetError(Exception):
    """The budget directory or a bucket file cannot be used safely."""


def available() -> bool:
    return fcntl is not None


def budget_dir(base: Optional[str] = None) -> str:
    """The directory of the buckets: <base or the temp dir (TMPDIR)>/mfaops-cognito-budget-<uid>, mode 0700.

    Refuses a directory that is a symlink, not ours, or open to others (someone could then
    make us wait, or read which accounts we work on).
    """
    parent = base or tempfile.gettempdir()
    path = os.path.join(parent, DIR_PREFIX + str(os.getuid()))
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise BudgetError(f"cannot create the budget directory {path}: {exc.strerror}") from exc
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise BudgetError(f"budget directory {path} is not a directory owned by this user")
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(path, 0o700)
    return path


def account_from_arn(arn: Optional[str]) -> Optional[str]:
    """arn:aws:cognito-idp:<region>:<account>:userpool/<id> -> <account>; None for anything else."""
    match = _ARN.match(arn or "")
    return match.group(2) if match else None


def account_key(account_id: Optional[str], access_key_id: Optional[str]) -> str:
    """What the budget is keyed by: the account id, else a digest of the access key id."""
    if account_id:
        return account_id
    if access_key_id:
        return "key-" + hashlib.sha256(access_key_id.encode()).hexdigest()[:16]
    return "unknown"


def bucket_path(directory: str, account: str, region: str, category: str) -> str:
    name = "-".join(_SAFE.sub("_", part) for part in (account, region, category))
    return os.path.join(directory, name + ".bucket")


def _open_private(path: str) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o600)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
        os.close(fd)
        raise BudgetError(f"budget file {path} is not a regular file owned by this user")
    if stat.S_IMODE(info.st_mode) != 0o600:
        os.fchmod(fd, 0o600)
    return fd


def resolve_account(
    directory: str,
    access_key_id: Optional[str],
    endpoint: Optional[str],
    pool_arn: Optional[str] = None,
    caller_account: Optional[Callable[[], str]] = None,
) -> str:
    """The budget's account key, looked up once per credentials on this controller.

    The pool ARN when known; else a cached answer for these credentials; else
    caller_account() (sts:GetCallerIdentity), cached; else the access key id's digest.
    """
    account = account_from_arn(pool_arn)
    if account:
        return account
    if not access_key_id:
        return account_key(None, None)
    digest = hashlib.sha256(f"{access_key_id}|{endpoint or ''}".encode()).hexdigest()[:24]
    cache = os.path.join(directory, f"account-{digest}")
    try:
        with open(cache, encoding="ascii") as handle:
            cached = handle.read().strip()
        if re.fullmatch(r"\d{12}", cached):
            return cached
    except OSError:
        pass
    account = None
    if caller_account is not None:
        try:
            account = caller_account()
        except Exception:  # no STS access (policy, endpoint): key by credentials instead
            account = None
    if account and re.fullmatch(r"\d{12}", account):
        write_private(cache, account + "\n")
        return account
    return account_key(None, access_key_id)


class SharedBucket:
    """A rate shared through one file by every process and thread that opens it. See the module doc."""

    def __init__(
        self,
        path: str,
        rate: float,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        aimd: Aimd = Aimd(),
    ):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.path = path
        self.rate = float(rate)
        self._clock = clock
        self.sleep = sleep
        self._decrease = aimd.decrease
        self._increase = aimd.increase
        self._cooldown = aimd.cooldown
        self._min_scale = min(1.0, aimd.min_rate / self.rate)
        self._fd = _open_private(path)
        self._lock = threading.Lock()  # flock does not exclude threads sharing one descriptor
        self._successes = 0
        self._batch = max(1, int(self.rate * SLOT_BATCH_SECONDS))
        self._slots: "deque[float]" = deque()  # taken from the schedule, not yet handed out
        self._slowed = False  # the shared pace was below the rate when last seen: count successes

    def close(self) -> None:
        if getattr(self, "_fd", -1) >= 0:
            os.close(self._fd)
            self._fd = -1

    def __del__(self):
        self.close()

    def _read(self, now: float) -> "list[float]":
        data = os.pread(self._fd, _SIZE, 0)
        if len(data) == _SIZE:
            magic, version, next_slot, scale, last_decrease = struct.unpack(_FORMAT, data)
            sane = (
                magic == _MAGIC
                and version == _VERSION
                and math.isfinite(next_slot)
                and not math.isnan(last_decrease)
                and 0 < scale <= 1
                and next_slot <= now + MAX_AHEAD
            )
            if sane:
                return [next_slot, scale, last_decrease]
        return [now, 1.0, float("-inf")]

    def _write(self, state: "list[float]") -> None:
        os.pwrite(self._fd, struct.pack(_FORMAT, _MAGIC, _VERSION, *state), 0)

    def _in_file(self, change: Callable[["list[float]", float], Any]) -> Any:
        """change(state, now) under the file's lock; the caller holds self._lock."""
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            now = self._clock()
            state = self._read(now)
            if now - state[0] >= IDLE_RESET_SECONDS:
                state[1] = 1.0
            result = change(state, now)
            self._write(state)
            self._slowed = state[1] < 1.0
            return result
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _locked(self, change: Callable[["list[float]", float], Any]) -> Any:
        with self._lock:
            return self._in_file(change)

    def reserve(self, not_before: float = 0.0) -> float:
        """Take the next free slot of the shared schedule, `not_before` seconds from now at the earliest (the
        task's own slot); returns how long to wait for it (not sleeping)."""

        def take(state: "list[float]", now: float) -> "list[float]":
            successes, self._successes = self._successes, 0
            state[1] = max(self._min_scale, min(1.0, state[1] + successes * self._increase))
            step = 1.0 / (self.rate * state[1])
            count = self._batch if state[1] >= 1.0 else 1
            first = max(now + not_before, state[0])
            state[0] = first + count * step
            return [first + index * step for index in range(count)]

        with self._lock:
            if not self._slots:
                self._slots.extend(self._in_file(take))
            slot = self._slots.popleft()
        return max(0.0, not_before, slot - self._clock())

    def acquire(self) -> None:
        wait = self.reserve()
        if wait > 0:
            self.sleep(wait)

    def on_throttle(self) -> None:
        def slow_down(state: "list[float]", now: float) -> None:
            if now - state[2] >= self._cooldown:
                state[1] = max(self._min_scale, state[1] * self._decrease)
                state[2] = now
                state[0] = max(state[0], now + 1.0 / (self.rate * state[1]))

        with self._lock:
            self._slots.clear()  # taken at the old pace
            self._in_file(slow_down)

    def on_success(self) -> None:
        if self._slowed:  # at the full rate there is nothing to recover: no lock per call
            with self._lock:
                self._successes += 1

    @property
    def shared_rate(self) -> float:
        """The pace the bucket currently allows (its rate, lowered after throttling)."""
        return self._locked(lambda state, now: self.rate * state[1])


class Budgeted:
    """The engine's limiter interface over a task's own RateLimiter and the account's SharedBucket.

    A call waits for both, its task's adaptive pace and a slot of the shared budget, at once: it takes its own
    slot, then the first shared slot at or after it, and sleeps once, until the later. (Sleeping for one and then
    taking the other would add the two sleeps' lateness to every call, and the shared slot taken late is lost to
    the schedule: the two paces would compound.)
    """

    def __init__(self, local: Any, shared: SharedBucket):
        self.local = local
        self.shared = shared

    def acquire(self) -> None:
        wait = self.shared.reserve(not_before=self.local.reserve())
        if wait > 0:
            self.shared.sleep(wait)

    def on_throttle(self) -> None:
        self.local.on_throttle()
        self.shared.on_throttle()

    def on_success(self) -> None:
        self.local.on_success()
        self.shared.on_success()

    def __getattr__(self, name: str) -> Any:  # rate, ceiling, calls, throttled: the task's own
        return getattr(self.local, name)


def shared_limiter(local: Any, directory: str, account: str, region: str, category: str, rate: float) -> Any:
    """Wrap a task's limiter in the shared budget of (account, region, category); as it was without fcntl."""
    if not available():
        return local
    try:
        bucket = SharedBucket(bucket_path(directory, account, region, category), rate)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.ELOOP):
            raise BudgetError(f"cannot open the budget file in {directory}: {exc.strerror}") from exc
        raise
    return Budgeted(local, bucket)


# -- in a module --------------------------------------------------------------------------------

ARGUMENT_SPEC = dict(
    shared_budget=dict(type="bool", default=True),
    budget_dir=dict(type="path"),
    account_id=dict(type="str"),
)


def check_options(params: Any) -> None:
    """Bad budget options, before any call (ValueError naming the option)."""
    account = params.get("account_id")
    if account is not None and not re.fullmatch(r"\d{12}", account):
        raise ValueError(f"account_id must be a 12-digit AWS account id, got {account!r}")
    directory = params.get("budget_dir")
    if directory is not None and not os.path.isdir(directory):
        raise ValueError(f"budget_dir {directory!r} is not an existing directory")


def _access_key(client: Any) -> Optional[str]:
    try:
        credentials = client._get_credentials()  # pylint: disable=protected-access
    except Exception:  # an unusual client: key by the region alone
        return None
    return getattr(credentials, "access_key", None)


def share(module: Any, call: Any, pool_arn: Optional[str] = None, account: Optional[str] = None) -> Optional[str]:
    """Put the limiters of `call` whose pace is the account's budget under its shared budget: the categories of the
    rate options, and those whose fixed pace is the account's whole quota (CloudTrail's LookupEvents).

    `account`: the budget's account key when another caller of the task already resolved it (the key is also kept
    as `call.account`). Returns the budget's account key, or None when the task does not share (shared_budget=false,
    or no fcntl on this controller). Fixed paces below the quota (the per-pool caps) stay the task's own.
    """
    from .quotas import BY_KEY  # pylint: disable=import-outside-toplevel

    params = module.params
    if not params.get("shared_budget") or not available():
        return None
    directory = budget_dir(params.get("budget_dir"))
    account = account or params.get("account_id")
    if not account:
        client = call.client
        account = resolve_account(
            directory,
            _access_key(client),
            client.meta.endpoint_url,
            pool_arn,
            lambda: module.client("sts", config=_STS_CONFIG).get_caller_identity()["Account"],
        )
    region = module.region or "global"
    for key, local in list(call.limiters.items()):
        category = BY_KEY.get(key)
        if category is None or not (category.option or category.pace >= category.rate):
            continue
        call.limiters[key] = shared_limiter(local, directory, account, region, category.quota, local.ceiling)
    call.account = account
    return account


_STS_CONFIG = None
try:
    from botocore.config import Config as _Config

    _STS_CONFIG = _Config(connect_timeout=5, read_timeout=10, retries={"mode": "standard", "total_max_attempts": 2})
except ImportError:  # handled by AnsibleAWSModule's own boto3 check
    pass
