# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One pool's summary over the batches of a bulk module run in a loop (enforce_mfa: cognito_user_mfa,
onboard_users: cognito_user), and the thresholds the roles check on it."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.mfaops.cognito.plugins.module_utils import bulk
from ansible_collections.mfaops.cognito.plugins.module_utils import onboarding
from ansible_collections.mfaops.cognito.plugins.module_utils import user_mfa
from ansible_collections.mfaops.cognito.plugins.module_utils.words import counted

LISTED_NAMES = 10
# A bulk module's outcomes, in summary order; those with a list of names; those always in the message,
# with their words (and their words in check mode).
KINDS = {
    "mfa": {
        "outcomes": user_mfa.OUTCOMES,
        "listed": (user_mfa.CHANGED, user_mfa.NOT_ENROLLED, user_mfa.NOT_FOUND),
        "words": {user_mfa.UNCHANGED: ("already compliant", "already compliant"), user_mfa.CHANGED: ("changed", "would change")},
        "met": (user_mfa.UNCHANGED, user_mfa.CHANGED),
        # Outside the denominator of max_noncompliant_percent: users MFA does not apply to, excluded users.
        "apart": (user_mfa.NOT_APPLICABLE, user_mfa.EXCLUDED),
    },
    "onboarding": {
        "outcomes": onboarding.OUTCOMES,
        "listed": (),
        "words": {
            onboarding.CREATED: ("created", "would be created"),
            onboarding.EXISTING: ("existing", "existing"),
            onboarding.UPDATED: ("updated", "would be updated"),
            bulk.FAILED: ("failed", "failed"),
        },
        "met": (onboarding.CREATED, onboarding.EXISTING, onboarding.UPDATED),
    },
}


def _name(entry):
    return entry.get("username") if isinstance(entry, dict) else entry


def _names(names):
    return ", ".join(names[:LISTED_NAMES]) + (" ..." if len(names) > LISTED_NAMES else "")


def summarise(runs, kind="mfa", already_compliant=0, check_mode=False, lost_items=(), not_applicable=0):
    """Counts of every outcome (with total), the names per listed outcome, the rows that failed or were not
    attempted, and one line for people. already_compliant and not_applicable: users found so before the run.
    A run that failed as a whole (no counts) counts its users - its loop item, else lost_items - as not
    attempted, so no user is ever lost from the summary. A run that failed without naming its users (a selection
    of groups or all users: its loop item and lost_items are empty) is `incomplete`: the users it did not reach
    are unknown, and problems() fails the pool with its message whatever the thresholds."""
    if isinstance(runs, dict):
        runs = runs.get("results", [runs] if "counts" in runs else [])
    if not isinstance(runs, list):
        raise AnsibleFilterError("the summary expects the registered result of a looped bulk module task")
    if kind not in KINDS:
        raise AnsibleFilterError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    spec = KINDS[kind]
    outcomes = spec["outcomes"]
    counts = dict.fromkeys(outcomes, 0)
    counts[outcomes[0]] += int(already_compliant)
    if not_applicable:
        counts[user_mfa.NOT_APPLICABLE] += int(not_applicable)
    names = {outcome: [] for outcome in spec["listed"]}
    failed, lost, stopped, incomplete = [], [], [], []
    for run in runs:
        if not isinstance(run, dict) or run.get("skipped"):
            continue
        if run.get("failed") and not (run.get("item") or lost_items):
            # A selection (groups, all users) that failed: the users it did not reach are not known, so none of
            # them has an outcome (a listing refused, expired credentials, retries exhausted).
            incomplete.append(run.get("msg") or "the selection of users failed")
        if "counts" not in run:
            reason = run.get("msg", "the batch failed")
            stopped.append(reason)
            for entry in run.get("item") or lost_items or []:
                lost.append(_name(entry))
                failed.append({"username": _name(entry), "outcome": bulk.NOT_ATTEMPTED, "error_code": "BatchFailed", "message": reason})
            continue
        for outcome in outcomes:
            counts[outcome] += run["counts"].get(outcome, 0)
        for row in run.get("users", []):
            if row["outcome"] in names:
                names[row["outcome"]].append(row["username"])
            elif row["outcome"] in (bulk.FAILED, bulk.NOT_ATTEMPTED):
                failed.append(dict(row))
    counts[bulk.NOT_ATTEMPTED] += len(lost)
    counts["total"] = sum(counts[outcome] for outcome in outcomes)
    words = {outcome: pair[1 if check_mode else 0] for outcome, pair in spec["words"].items()}
    message = f"{counted(counts['total'], 'user')}: " + ", ".join(
        f"{counts[outcome]} {words.get(outcome, outcome.replace('_', ' '))}" for outcome in outcomes if counts[outcome] or outcome in words
    )
    incomplete = sorted(set(incomplete), key=incomplete.index)
    if incomplete:
        message += "; NOT ALL USERS REACHED: " + "; ".join(incomplete)
    return dict(
        counts=counts,
        failed=failed,
        not_attempted=lost,
        stopped_because=sorted(set(stopped), key=stopped.index),
        incomplete=incomplete,
        unmet=counts["total"] - sum(counts[outcome] for outcome in spec["met"] + spec.get("apart", ())),
        considered=counts["total"] - sum(counts[outcome] for outcome in spec.get("apart", ())),
        message=message,
        **{outcome: sorted(found) for outcome, found in names.items()},
    )


def problems(summary, role, fail_on=(), max_noncompliant_percent=None, max_failed=None):
    """The sentences that fail a pool's run (empty when it is within its thresholds). Without max_failed
    a user not attempted fails the run; with it, failed and not attempted users count against it."""
    counts, found = summary["counts"], []
    for reason in summary.get("incomplete") or ():  # whatever the thresholds: these users have no outcome at all
        found.append(f"The users to work on could not all be read, so not every user was reached: {reason}")
    if max_failed is None and counts[bulk.NOT_ATTEMPTED]:
        codes = dict.fromkeys(row.get("error_code") or "" for row in summary["failed"] if row["outcome"] == bulk.NOT_ATTEMPTED)
        found.append(f"The run stopped early ({', '.join(codes)}): run it again once the cause is fixed.")
    for outcome in fail_on or ():
        if counts.get(outcome):
            listed = summary.get(outcome) or [row["username"] for row in summary["failed"] if row["outcome"] == outcome]
            found.append(f"{counts[outcome]} {outcome.replace('_', ' ')} (fails the run: {role}_fail_on): {_names(listed)}.")
    if max_noncompliant_percent is not None:
        considered = summary.get("considered", counts["total"])
        percent = 100 * summary["unmet"] / considered if considered else 0
        if percent > float(max_noncompliant_percent):
            found.append(
                f"{round(percent, 2)} % of the users are not on TOTP, more than {role}_max_noncompliant_percent ({max_noncompliant_percent} %)."
            )
    if max_failed is not None:
        unmet = counts[bulk.FAILED] + counts[bulk.NOT_ATTEMPTED]
        if unmet > int(max_failed):
            found.append(
                f"{counted(unmet, 'user')} failed or not attempted (more than {role}_max_failed, {max_failed}): "
                f"{_names([row['username'] for row in summary['failed']])}."
            )
            found.append(". ".join(f"{row['username']}: {row.get('message') or 'failed'}" for row in summary["failed"][:3]))
        found.extend(summary["stopped_because"])
    return [sentence for sentence in found if sentence]


def service_accounts(service, run=None, signins=None, mfa_run=None, check_mode=False, users=None, groups_created=()):
    """How the service accounts of onboarding fared: those whose first sign-in this run completes (in check
    mode, would complete), those signed in and enrolled, and those not on TOTP at the end, as "name: why".
    With the users' summary (summarise's, with its problems), the whole pool's: its line for people and the
    sentences that fail it."""
    users = users or {"message": "", "problems": []}
    names = [entry["username"] if isinstance(entry, dict) else entry for entry in service or []]
    rows = (run or {}).get("users") or []
    to_enrol = [row["username"] for row in rows if row["outcome"] in (onboarding.CREATED, onboarding.UPDATED)]
    signed = [result for result in (signins or {}).get("results") or [] if isinstance(result, dict)]
    enrolled = [result["item"] for result in signed if result.get("enrolled") and result.get("action") != "done"]
    bad = [result for result in signed if not result.get("enrolled")]
    problems = [f"{result['item']}: {result.get('msg', 'the sign-in failed')}" for result in bad]
    if (signins or {}).get("failed") and not signed:
        problems += [f"{name}: {signins.get('msg', 'the sign-in failed')}" for name in names]
    mfa_run = mfa_run or {}
    if mfa_run.get("skipped") or "counts" in mfa_run or not mfa_run:
        skip = {result["item"] for result in bad}
        problems += [
            f"{row['username']}: {row['outcome']}: {row.get('message', '')}"
            for row in mfa_run.get("users") or []
            if row["outcome"] not in (user_mfa.CHANGED, user_mfa.UNCHANGED) and row["username"] not in skip
        ]
    else:
        problems += [f"{name}: {mfa_run.get('msg', 'setting TOTP failed')}" for name in names]
    not_enrolled = [] if check_mode else problems
    parts = [users["message"]]
    if groups_created:
        parts.append(f"groups {'to create' if check_mode else 'created'}: {', '.join(groups_created)}")
    if to_enrol or enrolled:
        parts.append(
            f"service accounts to sign in and enrol: {', '.join(to_enrol)}" if check_mode
            else f"service accounts signed in and enrolled: {', '.join(enrolled) or 'none'}"
        )
    if not_enrolled:
        parts.append("service accounts NOT enrolled: " + ", ".join(problem.split(":")[0] for problem in not_enrolled))
    return {
        **users,
        "problems": users["problems"] + ([f"Service account(s) not enrolled - {'; '.join(not_enrolled)}."] if not_enrolled else []),
        "service_accounts": names,
        "to_enrol": to_enrol,
        "enrolled": enrolled,
        "not_enrolled": not_enrolled,
        "groups_created": list(groups_created),
        "message": "; ".join(part for part in parts if part),
    }


def service_secrets(signins, passwords, given=None):
    """What to keep in the vault for each service account whose password was changed (even when its enrolment
    failed after that): its TOTP secret when enrolled, and its password when it was generated here."""
    kept = {}
    for result in (signins or {}).get("results") or []:
        if not (isinstance(result, dict) and result.get("password_changed")):
            continue
        entry = {"totp_secret": result["totp_secret"]} if result.get("enrolled") else {}
        if result["item"] not in (given or {}):
            entry["password"] = passwords[result["item"]]
        if entry:
            kept[result["item"]] = entry
    return kept
