# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every bulk module returns: one Outcome per user, a Report of them, the task's result.

Each module names its own outcome vocabulary (user_mfa: unchanged/changed/...; onboarding:
created/existing/updated/...); FAILED and NOT_ATTEMPTED are common to all. The Report counts
every outcome but keeps rows only for users worth reading about: the "quiet" outcomes
(compliant, unchanged, existing) get a row only when asked, so a 100,000-user pool that is
in order yields a tiny result.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from .errors import Abort
from .words import counted

FAILED = "failed"
NOT_ATTEMPTED = "not_attempted"
STOPPED_EARLY = "the run stopped early"


def _plain(value: Any) -> Any:
    return value.as_dict() if hasattr(value, "as_dict") else value


@dataclass
class Outcome:
    """What happened to one user.

    fields: the module's own row fields (user_status, actions, groups_added ...), in row order; empty ones
    are left out of the row. before / after: the user's state, for the diff (and for the row where the
    Report says so). wrote: whether anything was written, where the outcome alone does not say it.
    secret: a value never put in a row (a generated temporary password).
    """

    username: str
    outcome: str
    error_code: Optional[str] = None
    message: Optional[str] = None
    before: Any = None
    after: Any = None
    fields: Dict[str, Any] = field(default_factory=dict)
    wrote: Optional[bool] = None
    secret: Optional[str] = field(default=None, repr=False)

    def __getattr__(self, name: str) -> Any:
        fields = self.__dict__.get("fields")
        if fields is not None and name in fields:
            return fields[name]
        raise AttributeError(name)

    def as_row(self, with_states: bool = False) -> Dict[str, Any]:
        row: Dict[str, Any] = {"username": self.username, "outcome": self.outcome}
        if with_states:
            for key in ("before", "after"):
                if getattr(self, key) is not None:
                    row[key] = _plain(getattr(self, key))
        for key, value in self.fields.items():
            if value:
                row[key] = list(value) if isinstance(value, (list, tuple)) else value
        if self.error_code:
            row["error_code"] = self.error_code
        if self.message:
            row["message"] = self.message
        return row


def not_attempted(username: str, abort: Abort, doing: str = "not attempted") -> Outcome:
    return Outcome(username, NOT_ATTEMPTED, error_code=abort.code, message=f"{doing}: {STOPPED_EARLY}")


class Report:
    """Counts every outcome; keeps rows for the outcomes that are not quiet (and for all with report_quiet).

    outcomes: the vocabulary, in summary order. quiet: outcomes without a row unless report_quiet.
    changing: outcomes that mean something was (or, in check mode, would be) written.
    shown: outcomes named in the summary even at 0. check_labels: their words in check mode.
    with_states: put before / after in the rows.
    sink: where the rows go instead of `rows` (files.RowsFile.write), for runs too large to hold them.
    """

    def __init__(
        self,
        outcomes: Sequence[str],
        quiet: Iterable[str] = (),
        changing: Iterable[str] = (),
        shown: Iterable[str] = (),
        check_labels: Optional[Mapping[str, str]] = None,
        report_quiet: bool = False,
        diff: bool = False,
        with_states: bool = False,
        sink: Optional[Callable[[Dict[str, Any]], None]] = None,
    ):
        self.outcomes = tuple(outcomes)
        self.quiet = frozenset(quiet)
        self.changing = frozenset(changing)
        self.shown = frozenset(shown)
        self.check_labels = dict(check_labels or {})
        self.report_quiet = report_quiet
        self.with_states = with_states
        self.counts = {outcome: 0 for outcome in self.outcomes}
        self.rows: List[Dict[str, Any]] = []
        self.keep_row = sink or self.rows.append
        self.diff: Optional[Dict[str, Dict[str, Any]]] = {"before": {}, "after": {}} if diff else None
        self.secrets: Dict[str, str] = {}
        self.wrote = False

    def add(self, result: Outcome) -> None:
        self.counts[result.outcome] += 1
        if result.outcome not in self.quiet or self.report_quiet:
            self.keep_row(result.as_row(self.with_states))
        if result.outcome in self.changing or result.wrote:
            self.wrote = True
        if self.diff is not None and result.outcome in self.changing:
            if result.before is not None:
                self.diff["before"][result.username] = _plain(result.before)
            self.diff["after"][result.username] = _plain(result.after)
        if result.secret:
            self.secrets[result.username] = result.secret

    @property
    def changed(self) -> bool:
        return self.wrote

    def summary(self, check_mode: bool) -> str:
        labels = self.check_labels if check_mode else {}
        parts = [
            f"{self.counts[outcome]} {labels.get(outcome, outcome.replace('_', ' '))}"
            for outcome in self.outcomes
            if self.counts[outcome] or outcome in self.shown
        ]
        return f"{counted(sum(self.counts.values()), 'user')}: " + ", ".join(parts)

    def result(self) -> Dict[str, Any]:
        counts = dict(self.counts, total=sum(self.counts.values()))
        self.rows.sort(key=lambda row: row["username"])
        return {"changed": self.changed, "counts": counts, "users": self.rows}


def calls(caller: Any) -> Dict[str, Dict[str, int]]:
    """The `calls` result of every module: AWS calls made per operation, with retries and throttled replies."""
    return {operation: asdict(stats) for operation, stats in sorted(caller.stats.items())}


def shape(report: Report, caller: Any, check_mode: bool, single: bool, asked_quiet: bool) -> Tuple[Dict[str, Any], str]:
    """The task's result and summary line.

    A single-user task also gets `user`, its row, quiet or not (its Report has report_quiet); it stays in
    `users` only if it is not quiet or the task asked for quiet rows (asked_quiet).
    """
    result = report.result()
    result["calls"] = calls(caller)
    if single and result["users"]:
        result["user"] = result["users"][0]
        if result["user"]["outcome"] in report.quiet and not asked_quiet:
            result["users"] = []
    if report.diff is not None:
        result["diff"] = report.diff
    return result, report.summary(check_mode)


def unmet_message(rows: List[Dict[str, Any]], outcomes: Iterable[str], what: str) -> str:
    """'3 users {what}: alice (failed: Code), ...' naming the first ten."""
    wanted = set(outcomes) | {NOT_ATTEMPTED}
    unmet = [row for row in rows if row["outcome"] in wanted]
    shown = ", ".join(
        f"{row['username']} ({row['outcome']}{': ' + row['error_code'] if row.get('error_code') else ''})" for row in unmet[:10]
    )
    more = f" and {len(unmet) - 10} more" if len(unmet) > 10 else ""
    return f"{counted(len(unmet), 'user')} {what}: {shown}{more}"


def finish(module: Any, caller: Any, result: Dict[str, Any], summary: str, fail_on: Iterable[str], what: str) -> None:
    """Exit the task: failed if the run stopped early or a user ended in one of fail_on, else ok."""
    fail_on = list(fail_on)
    if caller.aborted:
        module.fail_json(msg=f"Stopped early: {caller.aborted.code}: {caller.aborted.message}. {summary}", **result)
    if any(result["counts"][outcome] for outcome in fail_on):
        module.fail_json(msg=f"{unmet_message(result['users'], fail_on, what)}. {summary}", **result)
    module.exit_json(msg=summary, **result)
