"""Issue 22: runs with a state read only what changed (incremental.py, user_state.py, change_signal.py).

Every claim is judged by the calls the stand-in counted (AdminGetUser, writes, LookupEvents) and by a full read of
the same pool (the module without a state) giving the same verdicts. Changes are made through the Cognito front,
which records a CloudTrail event for each (tests/support/cloudtrail.py); users are seeded through the stand-in's
backdoor, which records none, as users made before the first run.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from pathlib import Path
from typing import Any

from tests.support import seed, user_state
from tests.support.proxy import ERROR_500

MODULE = "mfaops.cognito.cognito_user_mfa_info"
ENFORCE = "mfaops.cognito.cognito_user_mfa"
READ = "AdminGetUser"
WRITES = ("AdminSetUserMFAPreference", "AdminDeleteSoftwareToken")


def audit(run_playbook: Any, pool: seed.Pool, state_dir: Path | None, check: bool = False, **options: Any) -> dict[str, Any]:
    args = dict(user_pool_id=pool.id, all_users=True, report="all", **options)
    if state_dir is not None:
        args["state_dir"] = str(state_dir)
    run = run_playbook([{"name": "audit", MODULE: args, "register": "out", "ignore_errors": True}], check=check)
    return run.result("audit")


def verdicts(result: dict[str, Any]) -> dict[str, tuple]:
    return {row["username"]: (row["compliant"], row["applicable"], row["mfa_state"], row["enabled"], row["user_status"])
            for row in result["users"]}


def seeded(standin: Any, cognito: Any, name: str, users: dict[str, int]) -> seed.Pool:
    pool = seed.create_pool(cognito, name)
    seed.seed_backdoor(standin, pool, users, prefix=f"{name}-")
    return pool


def test_first_run_reads_all_then_nothing_then_only_what_changed(standin: Any, cognito: Any, run_playbook: Any,
                                                                 tmp_path: Path) -> None:
    pool = seeded(standin, cognito, "st-basic", {"no_mfa": 6, "totp_verified": 4, "totp_preferred": 6})
    state_dir = tmp_path / "state" / "pools"
    standin.reset_counts()
    first = audit(run_playbook, pool, state_dir)
    assert not first.get("failed"), first
    assert first["state"]["full_read"] and "first run" in first["state"]["full_read_reason"]
    assert standin.counts(pool.id)[READ] == 16
    assert all(row["read_this_run"] and row["read_at"] for row in first["users"])
    assert oct((state_dir / f"{pool.id}.sqlite3").stat().st_mode & 0o777) == "0o600"
    assert oct(state_dir.stat().st_mode & 0o777) == "0o700"

    standin.reset_counts()
    second = audit(run_playbook, pool, state_dir)
    assert standin.counts(pool.id).get(READ, 0) == 0, second["state"]
    assert second["state"]["users_carried"] == 16 and not second["state"]["full_read"]
    assert second["state"]["signal_calls"] >= 1
    assert verdicts(second) == verdicts(first)
    assert not any(row["read_this_run"] for row in second["users"])

    verified = pool.names("totp_verified")
    cognito.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=verified[0],
                                          SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    cognito.admin_disable_user(UserPoolId=pool.id, Username=pool.names("no_mfa")[0])
    cognito.admin_delete_user(UserPoolId=pool.id, Username=pool.names("no_mfa")[1])
    cognito.admin_create_user(UserPoolId=pool.id, Username="st-basic-new", MessageAction="SUPPRESS")
    time.sleep(3.1)  # the clock margin: an event is after a read unless it is 3 s before it
    standin.reset_counts()
    third = audit(run_playbook, pool, state_dir)
    assert standin.counts(pool.id)[READ] == 3, third["state"]  # the enrolled, the disabled, the new
    assert third["state"]["users_forgotten"] == 1
    full = audit(run_playbook, pool, None)
    assert verdicts(third) == verdicts(full)
    read_now = {row["username"] for row in third["users"] if row["read_this_run"]}
    assert read_now == {verified[0], pool.names("no_mfa")[0], "st-basic-new"}


def test_check_mode_says_how_many_it_would_read_and_max_reads_fails_before_reading(
        standin: Any, cognito: Any, run_playbook: Any, tmp_path: Path) -> None:
    pool = seeded(standin, cognito, "st-check", {"no_mfa": 5, "totp_preferred": 5})
    state_dir = tmp_path / "state"
    standin.reset_counts()
    checked = audit(run_playbook, pool, state_dir, check=True)
    assert checked["would_read"] == 10 and standin.counts(pool.id).get(READ, 0) == 0, checked
    refused = audit(run_playbook, pool, state_dir, max_reads=9)
    assert refused["failed"] and "would read 10 users" in refused["msg"] and "max_reads (9)" in refused["msg"]
    assert standin.counts(pool.id).get(READ, 0) == 0
    done = audit(run_playbook, pool, state_dir, max_reads=10)
    assert not done.get("failed") and standin.counts(pool.id)[READ] == 10


def test_lookup_events_refused_reads_the_whole_pool_and_says_why(standin: Any, cognito: Any, front: Any,
                                                                 run_playbook: Any, tmp_path: Path) -> None:
    pool = seeded(standin, cognito, "st-refused", {"no_mfa": 4, "totp_preferred": 4})
    state_dir = tmp_path / "state"
    audit(run_playbook, pool, state_dir)
    front.configure(cloudtrail_refuse="AccessDeniedException")
    standin.reset_counts()
    second = audit(run_playbook, pool, state_dir)
    assert second["state"]["full_read"] and "LookupEvents failed" in second["state"]["full_read_reason"]
    assert "AccessDeniedException" in second["state"]["full_read_reason"]
    assert standin.counts(pool.id)[READ] == 8


def test_an_event_not_tied_to_one_user_reads_the_whole_pool(standin: Any, cognito: Any, front: Any,
                                                            run_playbook: Any, tmp_path: Path) -> None:
    pool = seeded(standin, cognito, "st-untied", {"no_mfa": 4, "totp_verified": 4})
    state_dir = tmp_path / "state"
    audit(run_playbook, pool, state_dir)
    front.configure(cloudtrail_unattributed=["AdminSetUserMFAPreference"])
    cognito.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=pool.names("totp_verified")[0],
                                          SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    standin.reset_counts()
    second = audit(run_playbook, pool, state_dir)
    assert second["state"]["full_read"] and "not tied to one user" in second["state"]["full_read_reason"], second["state"]
    assert standin.counts(pool.id)[READ] == 8


def test_a_last_run_older_than_90_days_reads_the_whole_pool(standin: Any, cognito: Any, run_playbook: Any,
                                                            tmp_path: Path) -> None:
    pool = seeded(standin, cognito, "st-old", {"no_mfa": 3, "totp_preferred": 3})
    state_dir = tmp_path / "state"
    audit(run_playbook, pool, state_dir)
    path = state_dir / f"{pool.id}.sqlite3"
    with sqlite3.connect(path) as db:  # as if the last run had been 91 days ago
        db.execute("UPDATE meta SET value = ? WHERE key = 'signal_through'", (repr(time.time() - 91 * 86400),))
    standin.reset_counts()
    second = audit(run_playbook, pool, state_dir)
    assert second["state"]["full_read"] and "more than 89 days" in second["state"]["full_read_reason"]
    assert standin.counts(pool.id)[READ] == 6


def test_a_user_whose_read_failed_is_read_by_the_next_run(standin: Any, cognito: Any, run_playbook: Any,
                                                          tmp_path: Path) -> None:
    """The event that named a user is behind the signal's mark once the run ends; a read that failed must not leave
    the user carried on their old state."""
    pool = seeded(standin, cognito, "st-failed", {"totp_preferred": 4})
    state_dir = tmp_path / "state"
    audit(run_playbook, pool, state_dir, signal_delay="1s")  # no overlap to see the event again
    user = pool.names()[0]
    cognito.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=user,
                                          SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False})
    time.sleep(3.1)
    standin.proxy.on_operation = lambda operation: ERROR_500 if operation == READ else None
    try:
        failed = audit(run_playbook, pool, state_dir, retries=0, signal_delay="1s")
    finally:
        standin.proxy.on_operation = None
    assert failed["state"]["users_to_read"] == 1 and failed["state"]["complete"], failed["state"]
    standin.reset_counts()
    after = audit(run_playbook, pool, state_dir, signal_delay="1s")
    assert standin.counts(pool.id)[READ] == 1, after["state"]
    row = next(row for row in after["users"] if row["username"] == user)
    assert row["read_this_run"] and not row["compliant"], row


def test_a_late_event_within_the_signal_delay_is_still_seen(standin: Any, cognito: Any, front: Any,
                                                            run_playbook: Any, tmp_path: Path) -> None:
    front.configure(hide_last_modified=True)  # the event is the only signal of the change
    pool = seeded(standin, cognito, "st-late", {"totp_verified": 3, "no_mfa": 2})
    state_dir = tmp_path / "state"
    audit(run_playbook, pool, state_dir)
    user = pool.names("totp_verified")[0]
    time.sleep(3.1)
    front.configure(cloudtrail_delay=40.0)  # delivered 40 s after the call: after the next run's lookup
    cognito.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=user,
                                          SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    changed_at = time.monotonic()
    front.configure(cloudtrail_delay=0.0)
    # The run right after the change does not see the event yet; its verdict is the state's, read before the change.
    early = audit(run_playbook, pool, state_dir, signal_delay="1m")
    assert early["state"]["users_read"] == 0, early["state"]
    time.sleep(max(0.0, changed_at + 41 - time.monotonic()))
    standin.reset_counts()
    later = audit(run_playbook, pool, state_dir, signal_delay="1m")  # looks back 1 minute before the last run
    assert standin.counts(pool.id)[READ] == 1, later["state"]
    assert {row["username"]: row["compliant"] for row in later["users"]}[user] is True


def test_a_damaged_or_foreign_state_file_is_one_clear_error(standin: Any, cognito: Any, run_playbook: Any,
                                                            tmp_path: Path) -> None:
    pool = seeded(standin, cognito, "st-damaged", {"no_mfa": 2})
    state_dir = tmp_path / "state"
    state_dir.mkdir(mode=0o700)
    (state_dir / f"{pool.id}.sqlite3").write_bytes(b"not a database at all, " * 100)
    standin.reset_counts()
    result = audit(run_playbook, pool, state_dir)
    assert result["failed"] and f"{pool.id}.sqlite3" in result["msg"] and "move it away" in result["msg"], result
    assert standin.counts(pool.id).get(READ, 0) == 0
    (state_dir / f"{pool.id}.sqlite3").unlink()
    (state_dir / f"{pool.id}.sqlite3").symlink_to(tmp_path / "elsewhere.sqlite3")
    result = audit(run_playbook, pool, state_dir)
    assert result["failed"] and "symlink" in result["msg"], result
    assert not (tmp_path / "elsewhere.sqlite3").exists()


def enforce(run_playbook: Any, pool: seed.Pool, state_dir: Path, check: bool = False, **options: Any) -> dict[str, Any]:
    args = dict(user_pool_id=pool.id, all_users=True, state_dir=str(state_dir),
                software_token_mfa={"enabled": True, "preferred": True}, **options)
    run = run_playbook([{"name": "enforce", ENFORCE: args, "register": "out", "ignore_errors": True}], check=check)
    return run.result("enforce")


def test_a_second_enforce_on_an_unchanged_pool_reads_and_writes_nothing(standin: Any, cognito: Any, run_playbook: Any,
                                                                        tmp_path: Path) -> None:
    pool = seeded(standin, cognito, "st-enforce", {"no_mfa": 5, "totp_verified": 5, "totp_preferred": 5, "disabled": 2})
    state_dir = tmp_path / "state"
    standin.reset_counts()
    first = enforce(run_playbook, pool, state_dir)
    assert not first.get("failed"), first
    counts = standin.counts(pool.id)
    assert counts["AdminSetUserMFAPreference"] == 5 + 5 + 2, counts  # the verified are put on TOTP, the rest refused
    assert first["counts"]["changed"] == 5 and first["counts"]["not_enrolled"] == 7, first["counts"]
    time.sleep(1)
    standin.reset_counts()
    second = enforce(run_playbook, pool, state_dir)
    counts = standin.counts(pool.id)
    assert counts.get(READ, 0) == 0 and not any(counts.get(name) for name in WRITES), (counts, second["state"])
    assert second["state"]["own_write_events"] == 12 and second["state"]["users_carried"] == 17, second["state"]
    assert second["counts"]["unchanged"] == 10 and second["counts"]["not_enrolled"] == 7 and not second["changed"]
    # A not-enrolled user who enrols is read again (their own calls are events) and put on TOTP.
    user = pool.names("no_mfa")[0]
    token = seed.sign_in(cognito, pool, user)
    seed.enrol_totp(cognito, token)
    time.sleep(3.1)
    standin.reset_counts()
    third = enforce(run_playbook, pool, state_dir)
    counts = standin.counts(pool.id)
    assert counts[READ] == 2 and counts["AdminSetUserMFAPreference"] == 1, (counts, third["state"])  # read, write, read-back
    assert seed.mfa_state(cognito, pool.id, user)["preferred_method"] == "software_token_mfa"
    checked = enforce(run_playbook, pool, state_dir, check=True)
    assert checked["would_read"] == 0, checked


def test_runs_on_listed_users_keep_their_refusals_in_the_same_state(
        standin: Any, cognito: Any, run_playbook: Any, tmp_path: Path) -> None:
    """The not-enrolled memory is the pool's state: a run on listed users (not_enrolled_state_dir, the alias of
    state_dir) reads each of them, writes none Cognito refused before unless they changed since, and keeps what it
    learnt as the whole-pool runs do, so the next whole-pool run neither reads nor writes them."""
    pool = seeded(standin, cognito, "st-listed", {"no_mfa": 4, "totp_verified": 2, "totp_preferred": 2})
    never = pool.names("no_mfa")
    state_dir = tmp_path / "state"
    first = enforce(run_playbook, pool, state_dir)
    assert first["counts"]["not_enrolled"] == 4 and first["state"]["full_read"], first["counts"]
    cognito.admin_update_user_attributes(UserPoolId=pool.id, Username=never[0],
                                         UserAttributes=[{"Name": "given_name", "Value": "Changed"}])
    time.sleep(3.1)
    standin.reset_counts()
    listed = run_playbook([{"name": "enforce", ENFORCE: dict(
        user_pool_id=pool.id, users=never, not_enrolled_state_dir=str(state_dir),
        software_token_mfa={"enabled": True, "preferred": True}), "register": "out"}]).result("enforce")
    counts = standin.counts(pool.id)
    assert counts[READ] == 4 and counts["AdminSetUserMFAPreference"] == 1, counts  # only the changed one is tried
    skipped = {row["username"]: row["known_since"] for row in listed["users"] if row.get("known_since")}
    assert sorted(skipped) == sorted(never[1:]), listed["users"]
    known = user_state.not_enrolled(state_dir, pool.id)
    assert sorted(known) == sorted(never) and all(skipped[name] == known[name]["since"] for name in skipped)
    assert known[never[0]]["read_at"] > known[never[1]]["read_at"]  # read again by the listed run
    assert not list(state_dir.glob("*.json"))  # no other memory than the state

    standin.reset_counts()
    second = enforce(run_playbook, pool, state_dir)
    counts = standin.counts(pool.id)
    assert counts.get(READ, 0) == 0 and not any(counts.get(name) for name in WRITES), (counts, second["state"])
    assert second["counts"]["not_enrolled"] == 4 and second["state"]["users_carried"] == 8, second["state"]
    refused = run_playbook([{"name": "enforce", ENFORCE: dict(
        user_pool_id=pool.id, users=never, state_dir=str(state_dir), max_reads=10,
        software_token_mfa={"enabled": True, "preferred": True}), "register": "out", "ignore_errors": True}])
    assert refused.result("enforce")["msg"] == ("max_reads works with all_users: true only (no username, users, "
                                                "groups or filter): listed users are all read"), refused.result("enforce")


def test_incremental_verdicts_equal_a_full_read_over_random_churn(standin: Any, cognito: Any, front: Any,
                                                                  run_playbook: Any, tmp_path: Path) -> None:
    rng = random.Random(22)
    front.configure(hide_last_modified=True)  # CloudTrail the only signal of MFA changes (ledger row 42)
    pool = seeded(standin, cognito, "st-churn", {"no_mfa": 12, "totp_verified": 10, "totp_enabled": 6,
                                                 "totp_preferred": 10, "sms_only": 4})
    state_dir = tmp_path / "state"
    audit(run_playbook, pool, state_dir, signal_delay="1m")
    time.sleep(3.1)
    names = sorted(pool.users)
    rng.shuffle(names)
    churn = iter(names)
    for _enrolment in range(3):  # enrolments (TOTP put on by the admin)
        name = next(churn)
        if pool.users[name] in ("totp_verified", "totp_enabled"):
            cognito.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=name,
                                                  SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    for _disabling in range(3):  # users disabling TOTP
        cognito.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=next(churn),
                                              SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False})
    cognito.admin_disable_user(UserPoolId=pool.id, Username=next(churn))
    cognito.admin_update_user_attributes(UserPoolId=pool.id, Username=next(churn),
                                         UserAttributes=[{"Name": "email", "Value": "changed@example.com"}])
    cognito.admin_delete_user(UserPoolId=pool.id, Username=next(churn))
    recreated = next(churn)
    cognito.admin_delete_user(UserPoolId=pool.id, Username=recreated)
    cognito.admin_create_user(UserPoolId=pool.id, Username=recreated, MessageAction="SUPPRESS")
    for index in range(2):
        cognito.admin_create_user(UserPoolId=pool.id, Username=f"st-churn-new-{index}", MessageAction="SUPPRESS")
    late = next(churn)
    front.configure(cloudtrail_delay=40.0)  # delivered after the next run's lookup: the run after it must see it
    cognito.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=late,
                                          SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False})
    late_at = time.monotonic()
    front.configure(cloudtrail_delay=0.0)
    time.sleep(3.1)
    standin.reset_counts()
    incremental = audit(run_playbook, pool, state_dir, signal_delay="1m")
    reads = standin.counts(pool.id)[READ]
    assert reads <= 16, incremental["state"]  # 14 changed or new users, the late one not yet delivered
    time.sleep(max(0.0, late_at + 41 - time.monotonic()))
    incremental = audit(run_playbook, pool, state_dir, signal_delay="1m")
    full = audit(run_playbook, pool, None)
    assert verdicts(incremental) == verdicts(full)
    assert len(full["users"]) == len(pool.users) - 1 + 2


def test_the_roles_keep_a_state_and_report_read_at(standin: Any, cognito: Any, run_playbook: Any, tmp_path: Path) -> None:
    from tests.integration.test_account_budget import inventory  # pylint: disable=import-outside-toplevel

    root = Path(__file__).resolve().parents[2]
    pool = seeded(standin, cognito, "st-roles", {"no_mfa": 3, "totp_verified": 3, "totp_preferred": 4})
    pool_users = pool.users.copy()
    pool.users.clear()  # no listed users: the whole pool is selected (cognito_all_users)
    state_dir = tmp_path / "state"
    path = inventory(tmp_path, {"pool": pool}, standin.endpoint, cognito_all_users=True, enforce_mfa_state_dir=str(state_dir),
                     audit_mfa_state_dir=str(state_dir / "audit"), audit_mfa_report_dir=str(tmp_path / "reports"),
                     enforce_mfa_report=True, enforce_mfa_max_age="30d")
    for _round in range(2):
        standin.reset_counts()
        run = run_playbook(root / "playbooks" / "enforce_mfa.yml", {}, args=("-i", str(path)))
        assert run.rc == 0, run
    counts = standin.counts(pool.id)
    assert counts.get(READ, 0) == 0 and not any(counts.get(name) for name in WRITES), counts
    # enforce-then-prove (enforce_mfa_report): the report says when each verdict's read was made, and the run's state
    proved = json.loads((tmp_path / "reports" / "mfa-audit-latest.json").read_text())["pools"][0]
    assert proved["state_run"]["users_carried"] == len(pool_users) and proved["state_run"]["users_read"] == 0
    assert all(row["read_at"] and row["read_this_run"] is False for row in proved["users"]), proved["users"]
    for _round in range(2):
        standin.reset_counts()
        run = run_playbook(root / "playbooks" / "audit_mfa.yml", {}, args=("-i", str(path)))
        assert run.rc == 0, run
    assert standin.counts(pool.id).get(READ, 0) == 0
    report = (tmp_path / "reports" / "mfa-audit-latest.csv").read_text()
    assert report.splitlines()[0].endswith("read_at,read_this_run") and len(report.splitlines()) == 1 + len(pool_users)
    assert all(line.endswith(",false") for line in report.splitlines()[1:])
    # With a filter both roles read every selected user (a filtered listing is not the whole pool's state), and
    # enforce_mfa still writes none of the users the state knows Cognito refused.
    filtered = {"cognito_users_filter": 'status = "Enabled"'}
    for playbook in ("audit_mfa.yml", "enforce_mfa.yml"):
        standin.reset_counts()
        run = run_playbook(root / "playbooks" / playbook, filtered, args=("-i", str(path)))
        assert run.rc == 0, (playbook, run)
        counts = standin.counts(pool.id)
        assert counts[READ] == len(pool_users) and not any(counts.get(name) for name in WRITES), (playbook, counts)


def test_the_whole_pool_run_keeps_the_refusals_its_listed_batches_just_saved(
        standin: Any, cognito: Any, run_playbook: Any, tmp_path: Path) -> None:
    """enforce_mfa with listed users and cognito_all_users: the batches remember whom Cognito refused, and the
    whole-pool run that leaves them out (handled) keeps those rows, so the next day writes none of them again."""
    from tests.integration.test_account_budget import inventory  # pylint: disable=import-outside-toplevel

    root = Path(__file__).resolve().parents[2]
    pool = seeded(standin, cognito, "st-mixed", {"no_mfa": 4, "totp_preferred": 4})
    never = pool.names("no_mfa")
    listed = never[:3]
    pool.users.clear()
    pool.users.update((name, "no_mfa") for name in listed)  # the inventory's cognito_users
    state_dir = tmp_path / "state"
    path = inventory(tmp_path, {"pool": pool}, standin.endpoint, cognito_all_users=True, enforce_mfa_state_dir=str(state_dir))
    counts = []
    for _day in range(2):
        standin.reset_counts()
        run = run_playbook(root / "playbooks" / "enforce_mfa.yml", {}, args=("-i", str(path)))
        assert run.rc == 0, run
        counts.append(standin.counts(pool.id))
        time.sleep(1)
    assert counts[0]["AdminSetUserMFAPreference"] == 4, counts[0]  # 3 listed + 1 of the rest refused
    assert sorted(user_state.not_enrolled(state_dir, pool.id)) == sorted(never)
    assert counts[1].get("AdminSetUserMFAPreference", 0) == 0, counts[1]  # nobody written twice
    assert counts[1][READ] == 3, counts[1]  # the batches read their users; the whole pool run reads nobody


def test_max_age_re_reads_are_spread_over_runs_oldest_first(standin: Any, cognito: Any, run_playbook: Any,
                                                            tmp_path: Path) -> None:
    """All six users pass max_age (1d) at once: a run 6 h after the last one re-reads ceil(6 * 6 / 24) = 2 of them, the
    oldest; the next run, seconds later, one more; never all six in one run."""
    pool = seeded(standin, cognito, "st-age", {"no_mfa": 3, "totp_preferred": 3})
    state_dir = tmp_path / "state"
    assert audit(run_playbook, pool, state_dir, max_age="1d")["state"]["full_read"]
    now = time.time()
    with sqlite3.connect(state_dir / f"{pool.id}.sqlite3") as db:  # as if read 2 days ago (one a minute) and run 6 h ago
        names = [row[0] for row in db.execute("SELECT username FROM users ORDER BY username")]
        db.executemany("UPDATE users SET read_at = ? WHERE username = ?",
                       [(now - 2 * 86400 + 60 * index, name) for index, name in enumerate(names)])
        db.execute("UPDATE meta SET value = ? WHERE key = 'signal_through'", (repr(now - 6 * 3600),))
    standin.reset_counts()
    second = audit(run_playbook, pool, state_dir, max_age="1d")
    assert standin.counts(pool.id)[READ] == 2, second["state"]
    assert second["state"]["read_reasons"] == {"older than max_age": 2} and second["state"]["users_past_max_age"] == 6
    assert sorted(row["username"] for row in second["users"] if row["read_this_run"]) == names[:2]
    standin.reset_counts()
    third = audit(run_playbook, pool, state_dir, max_age="1d")
    assert standin.counts(pool.id)[READ] == 1, third["state"]
    assert [row["username"] for row in third["users"] if row["read_this_run"]] == names[2:3]
    assert verdicts(third) == verdicts(audit(run_playbook, pool, None))


def passkey_pool(standin: Any, cognito: Any, name: str) -> seed.Pool:
    """A pool whose users may sign in first with a passkey (choice-based sign-in), as test_sign_in_without_totp's."""
    pool = seed.create_pool(cognito, name)
    described = cognito.describe_user_pool(UserPoolId=pool.id)["UserPool"]
    cognito.update_user_pool(UserPoolId=pool.id, AutoVerifiedAttributes=described["AutoVerifiedAttributes"],
                             SmsConfiguration=described["SmsConfiguration"],
                             Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}})
    cognito.set_user_pool_mfa_config(UserPoolId=pool.id, MfaConfiguration="OPTIONAL",
                                     SoftwareTokenMfaConfiguration={"Enabled": True},
                                     WebAuthnConfiguration={"RelyingPartyId": "auth.example.com",
                                                            "FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"})
    standin.seed(pool.id, users=[{"username": f"{name}-tp", "state": "totp_preferred"},
                                 {"username": f"{name}-pk", "state": "totp_preferred"}])
    return pool


def test_an_audit_with_auth_factors_reads_the_users_an_enforcement_read_since(standin: Any, cognito: Any,
                                                                              run_playbook: Any, tmp_path: Path) -> None:
    """An enforcement saves AdminGetUser answers, which hold no auth factors: the next audit with auth_factors reads
    those users again instead of carrying them as having none (a passkey registered meanwhile is seen)."""
    pool = passkey_pool(standin, cognito, "st-factors")
    state_dir = tmp_path / "state"
    first = audit(run_playbook, pool, state_dir, auth_factors=True)
    assert all(row["compliant"] for row in first["users"]), first["users"]
    standin.register_passkey(pool.id, "st-factors-pk")  # no event in the next window: as if registered long before
    enforced = enforce(run_playbook, pool, state_dir)
    assert not enforced.get("failed") and enforced["calls"]["admin_get_user"]["calls"] == 2, enforced  # audited only
    standin.reset_counts()
    second = audit(run_playbook, pool, state_dir, auth_factors=True)
    assert not second["state"]["full_read"], second["state"]
    assert second["state"]["read_reasons"] == {"auth factors not read": 2}, second["state"]
    assert standin.counts(pool.id)["AdminGetUserAuthFactors"] == 2
    rows = {row["username"]: row for row in second["users"]}
    assert rows["st-factors-pk"]["compliant"] is False and rows["st-factors-pk"]["sign_in_without_totp"] == ["WEB_AUTHN"]
    assert rows["st-factors-tp"]["compliant"] is True
    standin.reset_counts()
    third = audit(run_playbook, pool, state_dir, auth_factors=True)  # now the state holds them, [] included
    assert standin.counts(pool.id).get("AdminGetUserAuthFactors", 0) == 0 and third["state"]["users_carried"] == 2
    assert verdicts(third) == verdicts(second)


def test_a_change_of_the_pools_mfa_configuration_reads_the_whole_pool(standin: Any, cognito: Any, run_playbook: Any,
                                                                      tmp_path: Path) -> None:
    pool = seeded(standin, cognito, "st-config", {"no_mfa": 3, "totp_preferred": 3})
    state_dir = tmp_path / "state"
    audit(run_playbook, pool, state_dir)
    standin.reset_counts()
    assert not audit(run_playbook, pool, state_dir)["state"]["full_read"]
    cognito.set_user_pool_mfa_config(UserPoolId=pool.id, MfaConfiguration="OFF")
    standin.reset_counts()
    changed = audit(run_playbook, pool, state_dir)
    assert changed["state"]["full_read_reason"] == "the pool's MFA or sign-in configuration changed since the last run"
    assert standin.counts(pool.id)[READ] == 6
    assert not any(row["compliant"] for row in changed["users"])  # OFF: no user is asked for TOTP
    assert verdicts(changed) == verdicts(audit(run_playbook, pool, None))
    standin.reset_counts()
    assert not audit(run_playbook, pool, state_dir)["state"]["full_read"] and not standin.counts(pool.id).get(READ)


def test_a_controller_clock_off_aws_reads_the_whole_pool_and_says_by_how_much(
        standin: Any, cognito: Any, front: Any, run_playbook: Any, tmp_path: Path) -> None:
    pool = seeded(standin, cognito, "st-skew", {"no_mfa": 2, "totp_preferred": 2})
    state_dir = tmp_path / "state"
    audit(run_playbook, pool, state_dir)
    assert not audit(run_playbook, pool, state_dir)["state"]["full_read"]  # the front's own Date: no skew
    front.configure(date_offset=-30.0)  # AWS's clock 30 s behind the controller's
    standin.reset_counts()
    skewed = audit(run_playbook, pool, state_dir)
    reason = skewed["state"]["full_read_reason"]
    assert reason and reason.startswith("the controller's clock is 30 s ahead of AWS's (Date header)"), skewed["state"]
    assert standin.counts(pool.id)[READ] == 4


def test_lookup_events_throttled_until_the_retries_run_out_reads_the_whole_pool_and_warns(
        standin: Any, cognito: Any, front: Any, run_playbook: Any, tmp_path: Path) -> None:
    pool = seeded(standin, cognito, "st-throttled", {"no_mfa": 2, "totp_preferred": 2})
    state_dir = tmp_path / "state"
    audit(run_playbook, pool, state_dir)
    front.configure(cloudtrail_refuse="ThrottlingException")  # every LookupEvents is throttled
    standin.reset_counts()
    second = audit(run_playbook, pool, state_dir, retries=2)
    assert not second.get("failed"), second
    reason = second["state"]["full_read_reason"]
    assert reason.startswith("LookupEvents failed") and "ThrottlingException" in reason, second["state"]
    assert second["calls"]["lookup_events"]["retries"] == 2 and second["calls"]["lookup_events"]["throttled"] == 3
    assert any("the whole pool is read" in warning for warning in second.get("warnings", [])), second.get("warnings")
    assert standin.counts(pool.id)[READ] == 4
    front.configure(cloudtrail_refuse=None)
    standin.reset_counts()
    assert not audit(run_playbook, pool, state_dir)["state"]["full_read"] and not standin.counts(pool.id).get(READ)
