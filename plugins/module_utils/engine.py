# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The bulk engine shared by every module that touches many users.

- RateLimiter paces calls of one quota category (reads, writes, lists ...) and lowers its
  rate when Cognito throttles, then climbs back to the configured ceiling (AIMD).
- Caller makes one AWS call: rate-limited, retried with jittered exponential backoff on
  throttling and transient errors (classified with botocore's own retry checkers), and turns
  errors that doom the whole run (expired credentials, missing pool, unreachable endpoint)
  into Abort.
- run_bulk feeds items to worker threads and stops handing out work after an Abort, so every
  item still gets an outcome.
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Callable, Dict, Iterable, Iterator, Optional, Tuple

from .errors import ACCESS_DENIED_CODES, Abort, access_denied, error_code, error_message

try:
    import botocore.exceptions
    from botocore.retries.standard import RetryContext, ThrottledRetryableChecker, TransientRetryableChecker
except ImportError:  # handled by AnsibleAWSModule's own boto3 check
    pass

__all__ = ["Abort", "Caller", "RateLimiter", "classify", "run_bulk"]

# Errors that no retry and no other user can fix: the whole run stops.
FATAL_ERROR_CODES = frozenset(
    (
        "ResourceNotFoundException",
        "ExpiredToken",
        "ExpiredTokenException",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "RequestExpired",
    )
)
# Not a rate limit in Cognito (too many groups, attempt limits ...), though botocore's standard retry mode
# counts it as throttling: retrying cannot help. See docs/cognito-behaviour.md and the Cognito API reference.
NOT_THROTTLING_CODES = frozenset(("LimitExceededException",))
# An endpoint that refuses connections is not worth ten rounds of backoff.
UNREACHABLE_RETRIES = 2


@dataclass(frozen=True)
class Aimd:
    """How a pace adapts to throttling: down to `decrease` times itself (at most once per `cooldown` seconds,
    never below `min_rate`), then back up by `increase` of the ceiling per successful call."""

    decrease: float = 0.7
    increase: float = 0.002
    cooldown: float = 1.0
    min_rate: float = 0.5


class RateLimiter:
    """Paces calls at `rate` per second, without bursts; halves its pace on throttling (AIMD).

    Each acquire() reserves the next free slot, so concurrent workers share the rate evenly.
    After a throttle the rate drops to `decrease` times itself (at most once per `cooldown`
    seconds, since many calls in flight report the same overload) and then grows back by
    `increase` of the ceiling per successful call.
    """

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        aimd: Aimd = Aimd(),
    ):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.ceiling = float(rate)
        self.rate = float(rate)
        self.min_rate = min(aimd.min_rate, self.ceiling)
        self._clock = clock
        self._sleep = sleep
        self._decrease = aimd.decrease
        self._increase = aimd.increase * self.ceiling
        self._cooldown = aimd.cooldown
        self._next_slot = clock()
        self._last_decrease = float("-inf")
        self._lock = threading.Lock()
        self.throttled = 0
        self.calls = 0

    def reserve(self) -> float:
        """Take the next free slot; returns how long to wait for it (not sleeping)."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + 1.0 / self.rate
            self.calls += 1
        return slot - now

    def acquire(self) -> None:
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)

    def on_throttle(self) -> None:
        with self._lock:
            self.throttled += 1
            now = self._clock()
            if now - self._last_decrease >= self._cooldown:
                self.rate = max(self.min_rate, self.rate * self._decrease)
                self._last_decrease = now
                # the slots already handed out were planned at the old rate: push the next one back
                self._next_slot = max(self._next_slot, now + 1.0 / self.rate)

    def on_success(self) -> None:
        if self.rate < self.ceiling:
            with self._lock:
                self.rate = min(self.ceiling, self.rate + self._increase)


def _retry_context(exc: BaseException, attempt: int) -> "RetryContext":
    response = getattr(exc, "response", None)
    status = None
    if isinstance(response, dict):
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return RetryContext(
        attempt_number=attempt,
        parsed_response=response if isinstance(response, dict) else None,
        http_response=SimpleNamespace(status_code=status) if status else None,
        caught_exception=None if isinstance(response, dict) else exc,
    )


def classify(exc: BaseException, attempt: int = 1) -> str:
    """'throttle', 'transient', 'unreachable', 'denied' (IAM refused the action: the run stops, never retried),
    'fatal' or 'error' (an answer about this one item)."""
    if isinstance(exc, botocore.exceptions.EndpointConnectionError):
        return "unreachable"
    if isinstance(exc, (botocore.exceptions.NoCredentialsError, botocore.exceptions.PartialCredentialsError)):
        return "fatal"
    code = error_code(exc)
    if code in ACCESS_DENIED_CODES:
        return "denied"
    if code in FATAL_ERROR_CODES:
        return "fatal"
    if code in NOT_THROTTLING_CODES:
        return "error"
    context = _retry_context(exc, attempt)
    if ThrottledRetryableChecker().is_retryable(context):
        return "throttle"
    if TransientRetryableChecker().is_retryable(context):
        return "transient"
    if isinstance(exc, botocore.exceptions.ClientError):
        return "error"
    if isinstance(exc, botocore.exceptions.BotoCoreError):
        return "transient"
    raise exc


def backoff_delay(attempt: int, throttled: bool, rand: Callable[[], float] = random.random, cap: float = 20.0) -> float:
    """Full-jitter exponential backoff, as botocore's standard mode: 1 s base for throttling, 50 ms otherwise."""
    base = 1.0 if throttled else 0.05
    return rand() * min(cap, base * 2 ** (attempt - 1))


@dataclass
class CallStats:
    calls: int = 0
    retries: int = 0
    throttled: int = 0


class Caller:
    """Makes single AWS calls under a category's rate limit, with retries. Thread-safe."""

    def __init__(
        self,
        client: Any,
        limiters: Dict[str, RateLimiter],
        retries: int = 10,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ):
        self.client = client
        self.limiters = limiters
        self.retries = retries
        self._sleep = sleep
        self._rand = rand
        self._lock = threading.Lock()
        self.stats: Dict[str, CallStats] = {}
        self.aborted: Optional[Abort] = None
        self.account: Optional[str] = None  # the account's shared budget, once budget.share() has put it under it

    def _count(self, operation: str, field_name: str) -> None:
        with self._lock:
            stats = self.stats.setdefault(operation, CallStats())
            setattr(stats, field_name, getattr(stats, field_name) + 1)

    def __call__(self, category: str, operation: str, **params: Any) -> Dict[str, Any]:
        limiter = self.limiters[category]
        method = getattr(self.client, operation)
        attempt = 1
        while True:
            if self.aborted:
                raise self.aborted
            limiter.acquire()
            self._count(operation, "calls")
            try:
                response = method(**params)
            except Exception as exc:  # classified below; anything unknown is re-raised by classify
                kind = classify(exc, attempt)
                if kind == "throttle":
                    limiter.on_throttle()
                    self._count(operation, "throttled")
                if kind == "denied":
                    self.abort(access_denied(exc, self._service(), params.get("UserPoolId")))
                    raise self.aborted
                if kind == "fatal" or (kind == "unreachable" and attempt > UNREACHABLE_RETRIES):
                    self.abort(Abort(error_code(exc) or type(exc).__name__, error_message(exc)))
                    raise self.aborted
                if kind == "error" or attempt > self.retries:
                    raise
                self._count(operation, "retries")
                self._sleep(backoff_delay(attempt, kind == "throttle", self._rand))
                attempt += 1
                continue
            limiter.on_success()
            return response

    def _service(self) -> str:
        """The IAM prefix of the client's service (cognito-idp, securityhub ...)."""
        model = getattr(getattr(self.client, "meta", None), "service_model", None)
        return str(getattr(model, "signing_name", None) or getattr(model, "service_name", None) or "aws")

    def abort(self, reason: Abort) -> None:
        with self._lock:
            if self.aborted is None:
                self.aborted = reason


def run_bulk(
    items: Iterable[Any],
    work: Callable[[Any], Any],
    workers: int,
    caller: Caller,
    on_not_attempted: Callable[[Any, Abort], Any],
) -> Iterator[Tuple[Any, Any]]:
    """Apply `work` to every item on `workers` threads; yield (item, result) as they finish.

    After an Abort no new item is started; the rest get on_not_attempted(item, abort).
    Only `workers` items are in flight at once, and at most BACKLOG finished ones wait for the
    consumer (a worker waits when they are that many), so a 1,000,000-user list costs no more
    memory than the results the consumer keeps, however slowly it takes them.
    """
    source = iter(items)
    lock = threading.Lock()
    results: "list[Tuple[Any, Any]]" = []
    done = threading.Condition(lock)
    finished = [0]

    broken = threading.Event()  # a bug in `work`: stop handing out items, re-raise at the end

    def next_item():
        with lock:
            return _END if broken.is_set() else next(source, _END)

    def worker():
        try:
            while True:
                item = next_item()
                if item is _END:
                    break
                if caller.aborted:
                    result = on_not_attempted(item, caller.aborted)
                else:
                    try:
                        result = work(item)
                    except Abort as abort:
                        result = on_not_attempted(item, abort)
                    except BaseException:
                        broken.set()
                        raise
                with done:
                    while len(results) >= BACKLOG and not broken.is_set():
                        done.wait()
                    results.append((item, result))
                    done.notify_all()
        finally:
            with done:
                finished[0] += 1
                done.notify_all()

    workers = max(1, workers)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(worker) for _worker in range(workers)]
        try:
            while True:
                with done:
                    while not results and finished[0] < workers:
                        done.wait()
                    batch, results[:] = list(results), []
                    all_done = finished[0] >= workers
                    done.notify_all()  # workers waiting for room in the backlog
                yield from batch
                if all_done and not batch:
                    break
        except BaseException:
            # The consumer went away (Ctrl-C raises KeyboardInterrupt here, or the generator was
            # closed): start no new item. Without this the pool's shutdown would wait for the
            # workers to work through every remaining item, unseen.
            with done:
                broken.set()
                done.notify_all()
            raise
        for future in futures:
            future.result()


_END = object()
# Finished results waiting for run_bulk's consumer, at most (each is one user's outcome: a few hundred bytes).
BACKLOG = 256
