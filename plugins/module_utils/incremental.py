# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The per-pool pipeline of a run with a state (``state_dir``), used by cognito_user_mfa_info (audit) and
cognito_user_mfa (enforce):

1. the change signal since the last run (change_signal: CloudTrail LookupEvents by event name, looking back
   ``signal_delay`` for late delivery), unless the whole pool must be read (first run, last run more than 90 days
   ago, LookupEvents refused or failing, an event not tied to one user);
2. the listing (ListUsers: not billed as MAU) into the state;
3. the change set (user_state.Store.plan): new users, users whose listing changed (sub, status, enabled, last
   modified), users named by an event after their last read (less this collection's own writes), users never read,
   users read longer ago than ``max_age`` (spread over runs, oldest first: max_age_reads);
4. the reads and the verdicts (the module's ``work``), every other user carried from the state with its
   ``read_at``;
5. the state: each read saved as it comes, users gone from the pool forgotten, the signal's mark moved to this
   run's start, only once the run is complete.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import math
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, Mapping, Optional

from . import budget
from . import change_signal
from . import cognito
from . import enrol_memory
from . import pool_mfa
from .change_signal import CLOCK_MARGIN
from .cognito import paginate
from .errors import CALL_ERRORS, InvalidRequest, describe
from .user_state import FACTORS, StateError, Store, expand, read_facts

ARGUMENT_SPEC = dict(
    state_dir=dict(type="path"),
    signal_delay=dict(type="str", default=change_signal.DEFAULT_SIGNAL_DELAY),
    max_reads=dict(type="int"),
    max_age=dict(type="str"),
    state_lock_timeout=dict(type="float", default=600.0),
)
UTC = datetime.timezone.utc
SAVE_ERRORS = (OSError, sqlite3.Error)


@dataclass(frozen=True)
class Settings:
    state_dir: str
    delay: float
    max_reads: Optional[int]
    max_age: Optional[float]
    lock_timeout: float
    retry_after: datetime.timedelta  # not_enrolled_retry_after: runs on listed users (StoreMemory)


def settings_from(params: Mapping[str, Any]) -> Optional[Settings]:
    """The state options, checked (ValueError naming the option), or None without state_dir."""
    if not params.get("state_dir"):
        for option in ("max_reads", "max_age"):
            if params.get(option) is not None:
                raise ValueError(f"{option} works only with state_dir")
        return None
    delay = enrol_memory.parse_duration(params.get("signal_delay") or change_signal.DEFAULT_SIGNAL_DELAY, "signal_delay")
    max_age = enrol_memory.parse_duration(params["max_age"], "max_age") if params.get("max_age") else None
    if params.get("max_reads") is not None and params["max_reads"] < 0:
        raise ValueError(f"max_reads must be 0 or more, got {params['max_reads']}")
    if (params.get("state_lock_timeout") or 0) < 0:
        raise ValueError("state_lock_timeout must be 0 or more")
    retry_after = enrol_memory.parse_duration(params.get("not_enrolled_retry_after") or enrol_memory.DEFAULT_RETRY_AFTER)
    return Settings(params["state_dir"], delay.total_seconds(), params.get("max_reads"),
                    max_age.total_seconds() if max_age else None, float(params.get("state_lock_timeout") or 0), retry_after)


def max_age_reads(known: int, stale: int, interval: Optional[float], max_age: float) -> int:
    """How many of the ``stale`` users (carried, read longer ago than max_age) this run re-reads, the oldest first.

    The pace that reads each of the ``known`` users of the state once per max_age at this run's interval since the
    last run: ceil(known * interval / max_age), at least one, so a pool whose users all pass max_age at once is
    re-read over max_age / interval runs instead of in one. All of them when the interval is unknown or at least
    max_age (then each run is a whole max_age later)."""
    if stale <= 0:
        return 0
    if interval is None or interval >= max_age:
        return stale
    return min(stale, max(1, math.ceil(known * max(interval, 0.0) / max_age)))


POOL_CONFIG_CHANGED = "the pool's MFA or sign-in configuration changed since the last run"


def pool_fingerprint(mfa_config: Mapping[str, Any], described: Mapping[str, Any]) -> str:
    """sha256 of what the audit's verdicts depend on beyond each user's record: GetUserPoolMfaConfig's answer
    (pool_mfa.normalize) and DescribeUserPool's MfaConfiguration and sign-in policy (sign_in_policy.pool_sign_in)."""
    pool = described.get("UserPool", described)
    facts = {"mfa": pool_mfa.normalize(mfa_config), "mode": pool.get("MfaConfiguration"),
             "sign_in": (pool.get("Policies") or {}).get("SignInPolicy")}
    return hashlib.sha256(json.dumps(facts, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def pool_config_reason(kept: Optional[str], now: Optional[str]) -> Optional[str]:
    """Why the audit reads the whole pool for its configuration: it changed since the last complete audit, or the
    state does not say under which configuration its users were judged (made by enforcements only). None if same."""
    if now is None or kept == now:
        return None
    if kept is None:
        return "the state does not record the pool's MFA and sign-in configuration of its last run"
    return POOL_CONFIG_CHANGED


def iso(epoch: Optional[float]) -> Optional[str]:
    if epoch is None:
        return None
    return datetime.datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def listed_row(user: Mapping[str, Any]):
    """The facts of one ListUsers entry the change set compares: (username, sub, status, enabled, last modified)."""
    return (user["Username"],) + read_facts(user)


@dataclass(frozen=True)
class Item:
    """One listed user: read it (reason) or carry what the state holds."""

    username: str
    sub: Optional[str]
    reason: Optional[str]
    read_at: Optional[float]
    record: Optional[Dict[str, Any]]
    outcome: Optional[str]
    since: Optional[float]

    @property
    def carried(self) -> bool:
        return self.reason is None


@dataclass
class Facts:
    """What a run with a state did, for its result (``state``)."""

    path: str
    started: float
    window: Dict[str, Any] = field(default_factory=dict)
    full_read_reason: Optional[str] = None
    signal_error: Optional[str] = None  # LookupEvents refused or failing (describe()): the run warns
    listed: int = 0
    to_read: int = 0
    reasons: Dict[str, int] = field(default_factory=dict)
    read: int = 0
    carried: int = 0
    forgotten: int = 0
    past_max_age: int = 0
    signal_calls: int = 0
    own_write_events: int = 0
    complete: bool = False

    def as_dict(self) -> Dict[str, Any]:
        return {
            "path": self.path, "users_listed": self.listed, "users_to_read": self.to_read, "users_read": self.read,
            "users_carried": self.carried, "users_forgotten": self.forgotten, "read_reasons": dict(self.reasons),
            "users_past_max_age": self.past_max_age,
            "full_read": self.full_read_reason is not None, "full_read_reason": self.full_read_reason,
            "signal_window": self.window, "signal_calls": self.signal_calls, "own_write_events": self.own_write_events,
            "complete": self.complete,
        }

    def line(self) -> str:
        """What the run read, and what it planned to read and why, for the task's message: "3 read (3 planned: named
        by an event 2, new 1), 97 carried from the state", or "100 read (full read: <reason>), 0 carried ..."."""
        if self.full_read_reason:
            why = f" (full read: {self.full_read_reason})"
        elif self.to_read:
            why = f" ({self.to_read} planned: {', '.join(f'{reason} {count}' for reason, count in sorted(self.reasons.items()))})"
        else:
            why = ""
        return f"{self.read} read{why}, {self.carried} carried from the state"


def signal_caller(module: Any, call: Any) -> Any:
    """The Caller of the run's CloudTrail LookupEvents. Its pace (2 requests a second, per account and region) is put
    under the account's shared budget, as the Cognito categories of `call` are (under the account `call` resolved:
    CloudTrail's endpoint is another, and would cost a second STS lookup): pools of one account run side by side take
    turns instead of each asking for the whole quota, being throttled, and falling back to a full read."""
    params = module.params
    trail = cognito.caller(module.client("cloudtrail", config=cognito.client_config(1)), (cognito.SIGNAL_READ,), params,
                           retries=params["retries"])
    budget.share(module, trail, account=call.account)
    return trail


class PoolRun:
    """One run on one pool with a state. prepare() (signal, listing, change set), items() (every listed user),
    then finish(). The store is used from the thread that made the PoolRun only (items() reads on a connection of
    its own)."""

    def __init__(self, store: Store, user_pool_id: str, settings: Settings,
                 list_page: Callable[[str], Mapping[str, Any]],
                 lookup: Callable[[str, float, float, str], Mapping[str, Any]], clock: Callable[[], float] = time.time,
                 exclusions: Any = None):
        self.exclusions = exclusions  # identity.Exclusions: listed users it matches are left out (never read)
        self.excluded = 0
        self.store = store
        self.pool = user_pool_id
        self.settings = settings
        self.list_page = list_page
        self.lookup = lookup
        self.clock = clock
        self.facts = Facts(store.path, clock())
        self.factors = False
        self.pool_config: Optional[str] = None
        self.skew: Optional[float] = None

    def prepare(self, extra_full_reason: Optional[str] = None, factors: bool = False,
                pool_config: Optional[str] = None) -> Facts:
        """The signal, the listing and the change set. CALL_ERRORS of the listing go up (nothing is planned).
        ``factors``: the audit asks for auth factors (users whose record lacks them are read: Store.plan).
        ``pool_config``: the fingerprint of the pool configuration the verdicts depend on (pool_fingerprint)."""
        self.factors, self.pool_config = factors, pool_config
        facts, store = self.facts, self.store
        store.start_run()
        mark = store.meta().get("signal_through")
        start, full = change_signal.window_start(float(mark) if mark else None, self.settings.delay, facts.started)
        full = full or extra_full_reason or pool_config_reason(store.meta().get("pool_config"), pool_config)
        facts.window = change_signal.window_dict(start, facts.started, self.settings.delay)
        events = []
        if full is None:
            try:
                events, facts.signal_calls = change_signal.read_events(self.lookup, start, facts.started)
            except CALL_ERRORS as exc:
                facts.signal_error = describe(exc)
                full = f"LookupEvents failed ({facts.signal_error}): the change signal is incomplete"
        for page in paginate(self._timed_list_page, "PaginationToken"):
            users = page.get("Users") or ()
            marked = [(listed_row(user), bool(self.exclusions and self.exclusions.match(user))) for user in users]
            left_out = [row for row, out in marked if out]
            self.excluded += len(left_out)
            store.add_excluded(left_out)
            store.add_listed(row for row, out in marked if not out)
        if full is None:
            subs = sorted({event.sub for event in events if event.sub})
            signal = change_signal.interpret(events, self.pool, store.own_writes(subs))
            facts.own_write_events = signal.own
            full = signal.untied
            if full is None:
                store.add_events(signal.subs.items())
        full = full or change_signal.skew_reason(self.skew)
        facts.full_read_reason = full
        facts.reasons = store.plan(full, 1 + CLOCK_MARGIN, factors)
        if self.settings.max_age and not full:
            self._plan_max_age(float(mark) if mark else None)
        facts.listed, facts.to_read = store.counts()
        return facts

    def _timed_list_page(self, token: str) -> Mapping[str, Any]:
        """One ListUsers page; the first one also measures the clock skew (its Date header)."""
        sent = self.clock()
        page = self.list_page(token)
        if not token:
            self.skew = change_signal.clock_skew(page, sent, self.clock())
        return page

    def _plan_max_age(self, last_run: Optional[float]) -> None:
        """Plan the re-reads of users read longer ago than max_age, spread over runs (max_age_reads), oldest first."""
        facts, max_age = self.facts, self.settings.max_age
        oldest = facts.started - max_age
        known, facts.past_max_age = self.store.ages(oldest)
        interval = facts.started - last_run if last_run is not None else None
        reads = max_age_reads(known, facts.past_max_age, interval, max_age)
        if reads:
            self.store.plan_oldest(oldest, reads)
            facts.reasons = self.store.reasons()

    def signal_warning(self) -> Optional[str]:
        """The warning of a run whose change signal could not be read (e.g. ``cloudtrail:LookupEvents`` refused:
        every run then reads the whole pool until the policy allows it), or None."""
        if self.facts.signal_error is None:
            return None
        return f"user pool {self.pool}: the whole pool is read, {self.facts.full_read_reason}"

    def check_max_reads(self) -> None:
        limit = self.settings.max_reads
        if limit is not None and self.facts.to_read > limit:
            why = f" ({self.facts.full_read_reason})" if self.facts.full_read_reason else ""
            raise InvalidRequest(
                f"user pool {self.pool}: this run would read {self.facts.to_read} users{why}, more than max_reads "
                f"({limit}); no user was read")

    def items(self) -> Iterator[Item]:
        for username, sub, reason, read_at, record, outcome, since, read_sub, status, enabled in self.store.planned():
            if reason is None and record is None:  # never read: cannot be carried (plan() reads those)
                reason = "new"
            kept = expand(username, read_sub, status, enabled, record) if reason is None else None
            if kept is not None and self.factors and FACTORS not in kept:  # plan() reads those: never carried as []
                reason, kept = "auth factors not read", None
            yield Item(username, sub, reason, read_at, kept, outcome, since)

    def saved(self, item: Item, read_at: Optional[float], answer: Optional[Mapping[str, Any]], outcome: Optional[str],
              since: Optional[float] = None, gone: bool = False) -> None:
        """One user's end of the run: a read saved, a user gone forgotten, a carried user's new outcome kept (an
        enforcement's only: an audit's None or a not_attempted keeps the last one). A user planned but not read
        (failed, not attempted) is marked unread, so the next run reads them even when the signal's mark has moved
        past the event that named them."""
        if gone:
            self.store.forget(item.username)
        elif answer is not None:
            self.store.save_read(item.username, read_at, answer, outcome, since)
        elif not item.carried:
            self.store.unread(item.username)
        elif outcome in CARRIED and (outcome, since) != (item.outcome, item.since):
            self.store.save_outcome(item.username, outcome, since)
        if answer is not None:  # read this run (an enforcement reads a carried user whose record no longer complies)
            self.facts.read += 1
        elif item.carried:
            self.facts.carried += 1

    def note_write(self, sub: Optional[str], event: str, started: float, ended: float) -> None:
        if sub:
            self.store.note_write(sub, event, started, ended)

    def finish(self) -> None:
        """The run is complete: forget users gone, move the signal's mark to this run's start."""
        facts = self.facts
        self.store.commit()
        facts.forgotten = self.store.finish_listing(facts.started - self.settings.delay - 1 - 2 * CLOCK_MARGIN)
        self.store.set_meta(signal_through=repr(facts.started), last_complete_run=iso(facts.started))
        if self.pool_config is not None:  # the audit's: the configuration its verdicts were given under
            self.store.set_meta(pool_config=self.pool_config)
        self.store.commit()
        facts.complete = True


@contextlib.contextmanager
def opened(settings: Settings, user_pool_id: str, fail: Callable[..., Any]) -> Iterator[Store]:
    """The pool's store, open (locked) for one run. A state that cannot be used fails the task (fail(msg=...), the
    module's fail_json) with one message naming the file, whether found at the opening or halfway (a damaged page)."""
    try:
        store = Store(settings.state_dir, user_pool_id, settings.lock_timeout).__enter__()
    except StateError as exc:
        fail(msg=f"state_dir: {exc}")
    with store:
        try:
            yield store
        except sqlite3.DatabaseError as exc:
            fail(msg=f"state_dir: {store.path} is damaged ({exc}); move it away to start a new state (the next run "
                     "reads the whole pool)")


class StoreMemory(enrol_memory.Memory):
    """The not-enrolled memory of a run on listed users (username, users, groups, filter), kept in the pool's state:
    a user Cognito refused is the row a whole-pool run keeps too (outcome not_enrolled, since, the answer read before
    the refused write and its read_at). Their write is skipped until not_enrolled_retry_after has passed since that
    read, or sooner when their UserLastModifiedDate is newer (enrol_memory.should_write); a listed run has no change
    signal. The refused write is kept as an own write, so it costs the next whole-pool run no read.

    Users are looked up one at a time (a pool's refusals are never all held in memory); each outcome is written to
    the state as it is noted, from the thread that owns the store (the module's loop over the engine's results).
    A refusal's read_at is the run's start: an answer may come from a read earlier than its user's turn
    (user_mfa.resolve reads a batch first), and a read_at later than the read could hide an event."""

    def __init__(self, store: Store, retry_after: datetime.timedelta, clock: Callable[[], float] = time.time):
        super().__init__(_KnownRefusals(store.refusals()), retry_after)
        self.store = store
        self.clock = clock
        self.started = clock()
        self.answers: Dict[str, tuple] = {}  # username -> (the answer read, when its write may be sent)

    def known_since(self, username: str, user: Mapping[str, Any]) -> Optional[str]:
        with self._lock:
            self.answers[username] = (user, self.clock())
        return super().known_since(username, user)

    def note(self, username: str, outcome: str, skipped: bool) -> None:
        """The outcome into the state: a refusal with its answer and own write; a user enrolled or gone forgotten
        (a whole-pool run reads them again); nothing for a user the run learnt nothing of."""
        super().note(username, outcome, skipped)
        with self._lock:
            answer, write_from = self.answers.pop(username, (None, None))
            changed, record = username in self.changes, self.changes.pop(username, None)
        if not changed or (record is not None and answer is None):
            return
        if record is None:
            self.store.forget(username)
            return
        self.store.save_answer(username, self.started, answer, "not_enrolled", record.since.timestamp())
        sub = read_facts(answer)[0]
        if sub:
            self.store.note_write(sub, WRITE_EVENTS["write"], write_from, self.clock())

    def save(self) -> None:
        """Commit; forget own writes no window can see any more (whole-pool runs also do, at their end)."""
        self.records.refusals.close()
        self.store.forget_writes_before(self.clock() - change_signal.RETENTION.total_seconds())
        self.store.commit()


class _KnownRefusals:
    """Memory.records for StoreMemory: username -> enrol_memory.Record, from the state, one user at a time."""

    def __init__(self, refusals: Any):
        self.refusals = refusals

    def get(self, username: str) -> Optional[enrol_memory.Record]:
        row = self.refusals.get(username)
        if row is None:
            return None
        since, read_at = (datetime.datetime.fromtimestamp(moment, UTC) for moment in row)
        return enrol_memory.Record(since=since, checked=read_at)


# ----- the audit (cognito_user_mfa_info)

def audit_work(read: Callable[[str], Mapping[str, Any]], read_factors: Optional[Callable[[str], Mapping[str, Any]]],
               judge: Callable[..., Any], clock: Callable[[], float] = time.time) -> Callable[[Item], tuple]:
    """work(item) for the engine: (the user's audit, read_at, the answer to save or None). A carried user is judged
    from the record the state holds, as audit_user judges a read; a user to read is read (and its auth factors,
    when asked). judge(username, read, read_factors, record) is audit.audit_user with the task's policy bound."""

    def work(item: Item) -> tuple:
        if item.carried:
            record = item.record
            # items() carries a user only when its record holds the auth factors asked for: never a missing key as []
            factors = (lambda _name: {FACTORS: record[FACTORS]}) if read_factors else None
            return stamped(judge(item.username, None, factors, record), item.read_at, False), item.read_at, None
        kept: Dict[str, Any] = {}

        def reading(name: str) -> Mapping[str, Any]:
            answer = read(name)
            kept.update(answer)
            return answer

        def reading_factors(name: str) -> Mapping[str, Any]:
            answer = read_factors(name)
            kept["ConfiguredUserAuthFactors"] = list(answer.get("ConfiguredUserAuthFactors") or [])
            return answer

        read_at = clock()
        result = judge(item.username, reading, reading_factors if read_factors else None, None)
        complete = kept and (read_factors is None or "ConfiguredUserAuthFactors" in kept)
        answer = kept if complete and result.outcome not in ("failed", "not_found", "not_attempted") else None
        return stamped(result, read_at if answer else None, True), read_at, answer

    return work


def stamped(result: Any, read_at: Optional[float], read_this_run: bool) -> Any:
    """An audit row with when its verdict's read was made and whether this run made it."""
    result.fields["read_at"] = iso(read_at)
    result.fields["read_this_run"] = read_this_run
    return result


# ----- the enforcement (cognito_user_mfa)

# A carried user's last outcome -> what this run says of them without a read or a write.
CARRIED = {"changed": "unchanged", "unchanged": "unchanged", "not_enrolled": "not_enrolled", "not_applicable": "not_applicable"}
WRITE_EVENTS = {"write": "AdminSetUserMFAPreference", "delete_token": "AdminDeleteSoftwareToken"}


def carried_outcome(item: Item, methods: Mapping[str, Any]) -> Any:
    """The outcome of a user the state knows and no signal names, or None when the user must be read: compliant and
    unchanged (no read, no write), or known not enrolled with no event since (no write: replaces the retry window),
    or not applicable (federated, unconfirmed ...)."""
    from . import bulk, mfa, user_kind  # pylint: disable=import-outside-toplevel

    if not item.carried or CARRIED.get(item.outcome or "") is None:
        return None
    state = mfa.state_from_user(item.record)
    said = CARRIED[item.outcome]
    if said == "unchanged":
        if not mfa.satisfies(state, methods):
            return None
        return bulk.Outcome(item.username, said, before=state, after=state, wrote=False)
    if said == "not_enrolled":
        return bulk.Outcome(item.username, said, before=state, after=state, wrote=False, fields={"known_since": iso(item.since)},
                            message=f"not written: refused as not enrolled since {iso(item.since)}, no event since (state_dir)")
    kind = user_kind.classify(item.record)
    return bulk.Outcome(item.username, said, before=state, message=kind.message, fields={"reason": kind.reason}, wrote=False)


def enforce_work(api: Any, methods: Mapping[str, Any], converge: Callable[[Any, Any], Any],
                 clock: Callable[[], float] = time.time) -> Callable[[Item], tuple]:
    """work(item) for the engine: (outcome, read_at, answer to save or None, own writes [(event, sent, answered)],
    whether this run read the user).
    converge(api, request) is user_mfa.converge with the task's check mode, exclusions and claims bound."""
    from . import mfa, user_mfa  # pylint: disable=import-outside-toplevel

    def work(item: Item) -> tuple:
        carried = carried_outcome(item, methods)
        if carried is not None:
            return carried, item.read_at, None, (), False
        last: Dict[str, Any] = {}
        writes: list = []

        def read(name: str) -> Mapping[str, Any]:
            sent = clock()
            answer = api.read(name)
            last.update(answer=answer, at=sent)
            return answer

        def timed(kind: str) -> Callable[..., Any]:
            def call(*args: Any) -> Any:
                sent = clock()
                try:
                    return getattr(api, kind)(*args)
                finally:
                    writes.append((WRITE_EVENTS[kind], sent, clock()))
            return call

        wrapped = user_mfa.UserApi(read=read, write=timed("write"), delete_token=timed("delete_token"))
        outcome = converge(wrapped, mfa.UserRequest(username=item.username, methods=methods))
        keep = outcome.outcome in CARRIED and outcome.outcome != "failed"
        return outcome, last.get("at"), last.get("answer") if keep else None, writes, bool(last)

    return work


def enforce_saved(run: PoolRun, item: Item, result: tuple, now: Callable[[], float] = time.time) -> None:
    """Keep one enforced user's end of the run in the state (its read, its outcome, its own writes)."""
    outcome, read_at, answer, writes, _read_now = result
    for event, sent, answered in writes:
        run.note_write(item.sub, event, sent, answered)
    since = None
    if outcome.outcome == "not_enrolled":
        since = item.since if item.outcome == "not_enrolled" and item.since else now()
    run.saved(item, read_at, answer, outcome.outcome if outcome.outcome in CARRIED else None, since,
              gone=outcome.outcome == "not_found")
