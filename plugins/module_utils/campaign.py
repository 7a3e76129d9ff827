# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure decisions of the staged enrolment campaign (role mfaops.cognito.mfa_campaign).

Input: the audit's per-user rows (cognito_user_mfa_info), the members of the campaign's
groups, today's date, the deadlines, the switch threshold, the exclusions and the kept
campaign state. Output: what this run does (nudge list, group removals and restores, whether
the pool goes to ON) and the state it leads to. Nothing here talks to AWS or touches a file,
so every rule is a table test (tests/unit/plugins/module_utils/test_campaign.py).

State (a JSON document, see campaign_state.py), per pool::

    {"version": 1, "user_pool_id": ..., "started": "YYYY-MM-DD", "last_run": "YYYY-MM-DD",
     "users": {username: {"first_seen": date, "nudges": [date, ...], "enrolled": date|null}},
              (a nudge's date is recorded once it was handed over: its list written, or its email accepted)
     "removals": {"group/username": {"group", "username", "status": "pending"|"removed"|"restoring",
                                    "since": date}},
     "history": {date: coverage percent}}   (one entry per run day, for the coverage-over-time chart)
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from .words import counted

STATE_VERSION = 1
PENDING = "pending"
REMOVED = "removed"
RESTORING = "restoring"
REMOVAL_STATUSES = (PENDING, REMOVED, RESTORING)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Sign-in flows that return challenges an app can answer with AssociateSoftwareToken +
# VerifySoftwareToken + RespondToAuthChallenge(MFA_SETUP). An app client allowing none of
# them (only CUSTOM_AUTH and/or REFRESH_TOKEN_AUTH) never shows MFA_SETUP to its users.
FLOWS_ANSWERING_MFA_SETUP = frozenset(
    {
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "ALLOW_USER_AUTH",
        "USER_PASSWORD_AUTH",
        "ADMIN_NO_SRP_AUTH",
    }
)


class CampaignError(ValueError):
    """Bad campaign input, raised before any call or write. The message names the culprit."""


@dataclass(frozen=True)
class Settings:
    today: datetime.date
    deadline: datetime.date
    switch_at_percent: Optional[float] = None
    groups: Mapping[str, datetime.date] = field(default_factory=dict)
    exclude: frozenset = frozenset()
    nudge_every_days: int = 7


def parse_date(value: Any, where: str) -> datetime.date:
    """A YYYY-MM-DD date (a date object passes through)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip() if value is not None else ""
    if DATE.fullmatch(text):
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            pass
    raise CampaignError(f"{where}: {value!r} is not a date (expected YYYY-MM-DD, for example 2027-01-15)")


def settings(
    today: Any,
    deadline: Any,
    switch_at_percent: Any = None,
    groups: Optional[Mapping[str, Any]] = None,
    exclude: Iterable[str] = (),
    nudge_every_days: Any = 7,
    known_groups: Optional[Iterable[str]] = None,
) -> Settings:
    """Check and convert the campaign's options; known_groups (the pool's groups) if given."""
    day = parse_date(today, "mfa_campaign_today")
    pool_deadline = parse_date(deadline, "mfa_campaign_deadline")
    percent = None
    if switch_at_percent not in (None, ""):
        try:
            percent = float(switch_at_percent)
        except (TypeError, ValueError):
            percent = -1.0
        if not 0 <= percent <= 100:
            raise CampaignError(f"mfa_campaign_switch_at_percent: {switch_at_percent!r} is not a number from 0 to 100")
    try:
        every = int(nudge_every_days)
    except (TypeError, ValueError):
        every = 0
    if every < 1:
        raise CampaignError(f"mfa_campaign_nudge_every_days: {nudge_every_days!r} is not a whole number of days >= 1")
    if groups is not None and not isinstance(groups, Mapping):
        raise CampaignError("mfa_campaign_groups: expected a mapping of group name to deadline (YYYY-MM-DD)")
    group_deadlines = {str(g): parse_date(d, f"mfa_campaign_groups.{g}") for g, d in (groups or {}).items()}
    if known_groups is not None:
        unknown = sorted(set(group_deadlines) - set(known_groups))
        if unknown:
            raise CampaignError(f"mfa_campaign_groups: group {', '.join(unknown)} does not exist in the user pool")
    for group, when in group_deadlines.items():
        if when > pool_deadline:
            raise CampaignError(
                f"mfa_campaign_groups.{group}: deadline {when} is after the pool's deadline {pool_deadline}; "
                "a group's deadline must be the same or earlier"
            )
    return Settings(day, pool_deadline, percent, group_deadlines, frozenset(exclude or ()), every)


def new_state(user_pool_id: str) -> Dict[str, Any]:
    return {"version": STATE_VERSION, "user_pool_id": user_pool_id, "started": None, "last_run": None, "users": {}, "removals": {}}


def check_state(state: Mapping[str, Any], user_pool_id: str, where: str) -> None:
    if state.get("version") != STATE_VERSION:
        raise CampaignError(f"{where}: campaign state version {state.get('version')!r} is not {STATE_VERSION}")
    if state.get("user_pool_id") not in (None, user_pool_id):
        raise CampaignError(f"{where}: the campaign state belongs to user pool {state.get('user_pool_id')}, not {user_pool_id}")
    for key, removal in (state.get("removals") or {}).items():
        if removal.get("status") not in REMOVAL_STATUSES:
            raise CampaignError(f"{where}: removal {key} has an unknown status {removal.get('status')!r}")


def check_first_run(state: Mapping[str, Any], s: Settings) -> None:
    """A campaign cannot start with a deadline already past: that would switch or remove at once."""
    if state.get("started"):
        return
    if s.deadline < s.today:
        raise CampaignError(
            f"mfa_campaign_deadline: {s.deadline} is already past on the campaign's first run ({s.today}); "
            "choose a later date"
        )
    for group, when in sorted(s.groups.items()):
        if when < s.today:
            raise CampaignError(
                f"mfa_campaign_groups.{group}: deadline {when} is already past on the campaign's first run ({s.today}); "
                "choose a later date"
            )


def removal_key(group: str, username: str) -> str:
    return f"{group}/{username}"


@dataclass
class Plan:
    coverage: Dict[str, Any]
    nudges: List[Dict[str, Any]]
    switch: Optional[str]
    lockout_risk: Dict[str, Any]
    removals: List[Dict[str, str]]
    restores: List[Dict[str, str]]
    state: Dict[str, Any]

    def as_dict(self) -> Dict[str, Any]:
        return {
            "coverage": self.coverage,
            "nudges": self.nudges,
            "switch": self.switch,
            "lockout_risk": self.lockout_risk,
            "removals": self.removals,
            "restores": self.restores,
        }


def _percent(compliant: int, total: int) -> float:
    return round(100.0 * compliant / total, 2) if total else 100.0


def coverage(rows: Iterable[Mapping[str, Any]], members: Mapping[str, Iterable[str]], exclude: frozenset) -> Dict[str, Any]:
    """Compliant share of the users read (not found, unread and excluded users do not count), overall and per group."""
    judged = {r["username"]: bool(r.get("compliant")) for r in rows if _judged(r) and r["username"] not in exclude}
    compliant = sum(judged.values())
    groups = {}
    for group, names in sorted(members.items()):
        inside = [judged[n] for n in names if n in judged]
        groups[group] = {"total": len(inside), "compliant": sum(inside), "percent": _percent(sum(inside), len(inside))}
    return {"total": len(judged), "compliant": compliant, "percent": _percent(compliant, len(judged)), "groups": groups}


def _judged(row: Mapping[str, Any]) -> bool:
    return not row.get("not_found") and row.get("mfa_state") is not None


def lockout_risk(rows: Iterable[Mapping[str, Any]], app_clients: Iterable[Mapping[str, Any]], exclude: frozenset) -> Dict[str, Any]:
    """Who meets MFA_SETUP once the pool is ON (users read with no MFA method at all), and which app
    clients allow only flows that cannot answer it."""
    setup = sorted(r["username"] for r in rows if r.get("mfa_state") == "no_mfa" and r["username"] not in exclude and not r.get("not_found"))
    clients = []
    for client in app_clients:
        flows = set(client.get("explicit_auth_flows") or [])
        if not flows & FLOWS_ANSWERING_MFA_SETUP:
            clients.append({"client_id": client.get("client_id"), "client_name": client.get("client_name"), "explicit_auth_flows": sorted(flows)})
    names = ", ".join(f"{c['client_name'] or c['client_id']} ({', '.join(c['explicit_auth_flows']) or 'no flows'})" for c in clients)
    line = f"{counted(len(setup), 'user')} will meet MFA_SETUP at their next sign-in"
    line += f"; app clients that cannot answer it: {names}" if clients else "; every app client allows a flow that can answer it"
    return {"mfa_setup_users": len(setup), "app_clients": clients, "line": line}


def plan(
    s: Settings,
    rows: Iterable[Mapping[str, Any]],
    members: Mapping[str, Iterable[str]],
    state: Mapping[str, Any],
    pool_mfa_configuration: str,
    app_clients: Iterable[Mapping[str, Any]] = (),
    emails: Optional[Mapping[str, str]] = None,
) -> Plan:
    """The actions of this run and the state it leads to (removals still as recorded: the caller
    records each removal as pending before making it, see campaign_state)."""
    rows = [r for r in rows if r.get("username")]
    members = {g: sorted(set(members.get(g) or ())) for g in s.groups}
    today = s.today.isoformat()
    new = {
        "version": STATE_VERSION,
        "user_pool_id": state.get("user_pool_id"),
        "started": state.get("started") or today,
        "last_run": today,
        "users": {u: dict(v, nudges=list(v.get("nudges") or [])) for u, v in (state.get("users") or {}).items()},
        "removals": {k: dict(v) for k, v in (state.get("removals") or {}).items()},
        "history": dict(state.get("history") or {}),
    }
    nudges = _nudges(s, rows, members, new, dict(emails or {}))
    removals, restores = _group_changes(s, {r["username"]: r for r in rows}, members, new["removals"])
    # A group's coverage counts the members the campaign removed from it too: it is the same group of people
    # before and after the removals, so every run of a day (a rerun after a kill among them) measures the same.
    removed = {g: {r["username"] for r in new["removals"].values() if r["group"] == g} for g in members}
    cover = coverage(rows, {g: sorted(set(names) | removed[g]) for g, names in members.items()}, s.exclude)
    new["history"][today] = cover["percent"]
    return Plan(cover, nudges, _switch(s, pool_mfa_configuration, cover), lockout_risk(rows, app_clients, s.exclude),
                removals, restores, new)


def _nudges(
    s: Settings, rows: List[Mapping[str, Any]], members: Mapping[str, List[str]], new: Dict[str, Any], emails: Mapping[str, str]
) -> List[Dict[str, Any]]:
    """One nudge row per user still to enrol (due from the nudges recorded before today); marks in ``new["users"]``
    who enrolled today and who is on the list."""
    today = s.today.isoformat()
    removed_from: Dict[str, List[str]] = {}
    for removal in new["removals"].values():
        removed_from.setdefault(removal["username"], []).append(removal["group"])
    nudges = []
    for row in sorted(rows, key=lambda r: r["username"]):
        name = row["username"]
        if name in s.exclude or not _judged(row):
            continue
        kept = new["users"].get(name)
        if row.get("compliant"):
            if kept is not None and not kept.get("enrolled"):
                kept["enrolled"] = today
            continue
        if kept is None:
            kept = new["users"][name] = {"first_seen": today, "nudges": [], "enrolled": None}
        kept["enrolled"] = None
        groups = sorted({g for g, names in members.items() if name in names} | set(removed_from.get(name, ())))
        deadline = min([s.groups[g] for g in groups if g in s.groups] + [s.deadline])
        before = nudges_before(kept, s.today)
        nudges.append(
            {
                "username": name,
                "email": emails.get(name) or row.get("email") or "",
                "group": ",".join(groups),
                "deadline": deadline.isoformat(),
                "days_left": (deadline - s.today).days,
                "days_on_list": (s.today - parse_date(kept["first_seen"], "state")).days,
                "nudges_sent": len(before),
                "due": not before or (s.today - parse_date(before[-1], "state")).days >= s.nudge_every_days,
            }
        )
    return nudges


def _group_changes(
    s: Settings, by_name: Mapping[str, Mapping[str, Any]], members: Mapping[str, List[str]], recorded: Dict[str, Any]
) -> Tuple[List[Dict[str, str]], List[Dict[str, str]]]:
    """(removals, restores) of this run: the recorded removals carried on or undone, and the members of each group
    past its deadline who are still not compliant. Drops from ``recorded`` what no longer applies."""
    removals, restores = [], []
    for key, removal in sorted(recorded.items()):
        name, group = removal["username"], removal["group"]
        row = by_name.get(name)
        if name in s.exclude or (row is not None and row.get("not_found")):
            del recorded[key]
            continue
        if row is not None and row.get("compliant"):
            restores.append({"username": name, "group": group})
        elif removal["status"] == PENDING or name in members.get(group, ()):
            removals.append({"username": name, "group": group})
        elif removal["status"] == RESTORING:
            removal["status"] = REMOVED
    for group, when in sorted(s.groups.items()):
        if s.today <= when:
            continue
        for name in members[group]:
            row = by_name.get(name)
            if name in s.exclude or row is None or not _judged(row) or row.get("compliant"):
                continue
            if removal_key(group, name) not in recorded:
                removals.append({"username": name, "group": group})
    return removals, restores


def _switch(s: Settings, pool_mfa_configuration: str, cover: Mapping[str, Any]) -> Optional[str]:
    """Why the pool goes to ON this run ("deadline", "threshold"), or None."""
    if pool_mfa_configuration == "ON":
        return None
    if s.today >= s.deadline:
        return "deadline"
    if s.switch_at_percent is not None and cover["percent"] >= s.switch_at_percent and cover["total"]:
        return "threshold"
    return None


def nudges_before(user: Mapping[str, Any], day: datetime.date) -> List[str]:
    """The user's nudges recorded before `day`, oldest first. The decisions of a day rest on these only, so
    every run of that day, whatever it was handed over earlier that day, lists the same nudges."""
    return sorted(d for d in user.get("nudges") or () if parse_date(d, "state") < day)


def nudged_on(state: Mapping[str, Any], username: str, day: datetime.date) -> bool:
    """Whether a nudge of `username` was already handed over on `day` (its list written, or its email accepted)."""
    return day.isoformat() in ((state.get("users") or {}).get(username) or {}).get("nudges", ())


def record_nudge(state: Dict[str, Any], username: str, day: datetime.date) -> None:
    """Record a nudge handed over on `day`: call it only once the list that carries it is written, or once SES
    accepted its email."""
    user = state["users"].setdefault(username, {"first_seen": day.isoformat(), "nudges": [], "enrolled": None})
    if day.isoformat() not in user["nudges"]:
        user["nudges"].append(day.isoformat())


def record_removal(state: Dict[str, Any], group: str, username: str, status: str, day: datetime.date) -> None:
    key = removal_key(group, username)
    kept = state["removals"].get(key) or {"group": group, "username": username, "since": day.isoformat()}
    state["removals"][key] = dict(kept, status=status)


def forget_removal(state: Dict[str, Any], group: str, username: str) -> None:
    state["removals"].pop(removal_key(group, username), None)
