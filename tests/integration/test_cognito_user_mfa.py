"""mfaops.cognito.cognito_user_mfa through ansible-playbook, against the stand-in.

Pools are seeded through the real API (seed.py) except the 1,000-user one (the
stand-in's seeding backdoor). Every claim about calls is checked at the stand-in,
which counts calls per operation and pool, independently of what the module says.

On moto, as on Cognito, an administrator cannot see whether a user has a verified
TOTP token: enabling TOTP for a user without one is a write that Cognito refuses.
So a rerun still sends that (refused) write for each not-enrolled user; "no write
call" is asserted strictly where every user can reach the requested state, and as
"no accepted write" where some cannot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.support import seed
from tests.support.standin import write_calls

MODULE = "mfaops.cognito.cognito_user_mfa"
TOTP_ON = {"enabled": True, "preferred": True}
TOTP = "software_token_mfa"
SMS = "sms_mfa"
WRITE = "AdminSetUserMFAPreference"
READ = "AdminGetUser"
# States by what enforcing TOTP (enabled + preferred) does to them.
COMPLIANT = ("totp_preferred",)
ENROLLABLE = ("totp_verified", "totp_enabled", "sms_totp_verified", "disabled_totp_verified")
NOT_ENROLLED = ("no_mfa", "sms_only", "disabled")


def outcomes(result: dict[str, Any]) -> dict[str, str]:
    return {row["username"]: row["outcome"] for row in result["users"]}


def rows(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["username"]: row for row in result["users"]}


def counts(total: int, **nonzero: int) -> dict[str, int]:
    base = dict.fromkeys(("unchanged", "changed", "not_enrolled", "not_applicable", "excluded", "not_found", "failed", "not_attempted"), 0)
    return {**base, **nonzero, "total": total}


def states(cognito: Any, pool: seed.Pool, names: list[str]) -> dict[str, dict[str, Any]]:
    return {name: seed.mfa_state(cognito, pool.id, name) for name in names}


def enforce_task(pool: seed.Pool, **options: Any) -> dict[str, Any]:
    return {
        "name": "enforce",
        MODULE: {"user_pool_id": pool.id, "users": "{{ names }}", "software_token_mfa": TOTP_ON, **options},
    }


def totp_preferred(state: dict[str, Any]) -> bool:
    return TOTP in state["enabled_methods"] and state["preferred_method"] == TOTP


def test_action_group_is_declared() -> None:
    """module_defaults: group/mfaops.cognito.aws (used by every test here) needs it."""
    runtime = yaml.safe_load((Path(__file__).resolve().parents[2] / "meta" / "runtime.yml").read_text())
    group = runtime["action_groups"]["aws"]
    assert {"metadata": {"extend_group": ["amazon.aws.aws"]}} in group
    assert "cognito_user_mfa" in group


def test_check_apply_and_rerun(standin: Any, cognito: Any, run_playbook: Any) -> None:
    """Every user state, plus names that do not exist: --check --diff writes
    nothing and names exactly the users that would change; applying changes
    exactly the enrollable ones (keeping SMS enabled); a rerun changes nothing."""
    pool = seed.every_state_pool(cognito, "enforce", per_state=2)[0]
    ghosts = seed.missing_names(pool, 2)
    names = pool.names() + ghosts
    compliant, enrollable = pool.names(*COMPLIANT), pool.names(*ENROLLABLE)
    not_enrolled = pool.names(*NOT_ENROLLED)
    before = states(cognito, pool, pool.names())
    playbook = [enforce_task(pool)]

    # 1. check mode with diff: reads only.
    standin.reset_counts()
    run = run_playbook(playbook, {"names": names}, check=True, diff=True)
    assert run.rc == 0, run
    result = run.result("enforce")
    # Whether a token is verified can't be read, so not-enrolled users "would change" too.
    would_change = sorted(enrollable + not_enrolled)
    assert result["changed"] is True
    assert result["counts"] == counts(18, unchanged=2, changed=14, not_found=2)
    assert outcomes(result) == {**dict.fromkeys(would_change, "changed"), **dict.fromkeys(ghosts, "not_found")}
    assert sorted(result["diff"]["before"]) == sorted(result["diff"]["after"]) == would_change
    assert all(result["diff"]["before"][name] == before[name] for name in would_change)
    assert all(totp_preferred(state) for state in result["diff"]["after"].values())
    assert SMS in result["diff"]["after"][pool.names("sms_totp_verified")[0]]["enabled_methods"]
    assert standin.counts(pool.id) == {READ: 18}
    assert states(cognito, pool, pool.names()) == before

    # 2. apply, with diff.
    standin.reset_counts()
    run = run_playbook(playbook, {"names": names}, diff=True)
    assert run.rc == 0, run  # fail_on defaults to [failed] with `users`
    result = run.result("enforce")
    assert result["changed"] is True
    assert result["counts"] == counts(18, unchanged=2, changed=8, not_enrolled=6, not_found=2)
    assert outcomes(result) == {
        **dict.fromkeys(enrollable, "changed"),
        **dict.fromkeys(not_enrolled, "not_enrolled"),
        **dict.fromkeys(ghosts, "not_found"),
    }
    assert sorted(result["diff"]["before"]) == sorted(result["diff"]["after"]) == enrollable
    assert all(rows(result)[name]["error_code"] == "InvalidParameterException" for name in not_enrolled)
    assert standin.counts(pool.id) == {READ: 18 + 8, WRITE: 8 + 6}  # read, write what differs, read back
    assert standin.failures(pool.id) == {READ: 2, WRITE: 6}  # the ghosts, the refused
    after = states(cognito, pool, pool.names())
    for name in enrollable + compliant:
        assert totp_preferred(after[name]), (name, after[name])
        assert rows(result).get(name, {}).get("after", after[name]) == after[name]
    for name in pool.names("sms_totp_verified"):  # never weaken: SMS stays enabled
        assert after[name] == {"enabled_methods": [TOTP, SMS], "preferred_method": TOTP}
    for name in not_enrolled:  # untouched, SMS-only users keep SMS preferred
        assert after[name] == before[name]

    # 3. the same again: nothing changes, no accepted write.
    standin.reset_counts()
    run = run_playbook(playbook, {"names": names}, diff=True)
    assert run.rc == 0, run
    result = run.result("enforce")
    assert result["changed"] is False
    assert result["counts"] == counts(18, unchanged=10, not_enrolled=6, not_found=2)
    assert outcomes(result) == {**dict.fromkeys(not_enrolled, "not_enrolled"), **dict.fromkeys(ghosts, "not_found")}
    assert not result.get("diff", {}).get("before")
    assert standin.counts(pool.id) == {READ: 18, WRITE: 6}
    assert standin.failures(pool.id) == {READ: 2, WRITE: 6}  # the ghosts, the refused
    assert states(cognito, pool, pool.names()) == after


def test_single_user_and_fail_on(standin: Any, cognito: Any, run_playbook: Any) -> None:
    """`username` fails by default when the user cannot reach the state; `fail_on`
    decides for lists; one user's failure does not stop the others."""
    pool = seed.every_state_pool(cognito, "single")[0]
    ghost = seed.missing_names(pool, 1)[0]
    [no_mfa] = pool.names("no_mfa")
    [verified] = pool.names("totp_verified")

    def task(name: str, **options: Any) -> dict[str, Any]:
        args = {"user_pool_id": pool.id, "software_token_mfa": TOTP_ON, **options}
        return {"name": name, MODULE: args, "ignore_errors": True}

    run = run_playbook(
        [
            task("single not enrolled", username=no_mfa),
            task("single not found", username=ghost),
            task("single not enrolled tolerated", username=no_mfa, fail_on=["not_found", "failed"]),
            task("single compliant", username=pool.names("totp_preferred")[0]),
            task("single sms and totp", username=pool.names("sms_totp_verified")[0]),
            task("list fail_on not_enrolled", users=[verified, no_mfa, ghost], fail_on=["not_enrolled"]),
            task("list default fail_on", users=[pool.names("sms_only")[0], ghost]),
            task(
                "list per-user settings",
                users=[{"username": pool.names("totp_enabled")[0], TOTP: {"preferred": False}}],
            ),
        ]
    )

    result = run.result("single not enrolled")
    assert result["failed"] is True
    assert result["user"]["outcome"] == "not_enrolled"
    assert no_mfa in result["msg"]

    result = run.result("single not found")
    assert result["failed"] is True
    assert result["user"]["outcome"] == "not_found"
    assert ghost in result["msg"]

    result = run.result("single not enrolled tolerated")
    assert not result.get("failed"), result
    assert result["changed"] is False
    assert result["user"]["outcome"] == "not_enrolled"

    result = run.result("single compliant")
    assert not result.get("failed"), result
    assert result["changed"] is False
    assert result["user"]["outcome"] == "unchanged"
    assert result["users"] == []

    result = run.result("single sms and totp")
    assert not result.get("failed"), result
    assert result["changed"] is True
    assert result["user"]["after"] == {"enabled_methods": [TOTP, SMS], "preferred_method": TOTP}

    result = run.result("list fail_on not_enrolled")
    assert result["failed"] is True
    assert no_mfa in result["msg"]
    assert result["counts"] == counts(3, changed=1, not_enrolled=1, not_found=1)
    assert totp_preferred(seed.mfa_state(cognito, pool.id, verified))  # done despite the failure

    result = run.result("list default fail_on")
    assert not result.get("failed"), result
    assert result["counts"] == counts(2, not_enrolled=1, not_found=1)

    # The user's own `preferred: false` refines the task-wide {enabled, preferred}:
    # TOTP enabled, not preferred is what this user already has.
    result = run.result("list per-user settings")
    assert not result.get("failed"), result
    assert result["counts"] == counts(1, unchanged=1)


def test_bad_input_fails_before_any_call(standin: Any, run_playbook: Any) -> None:
    """Each bad input fails with a message that names the problem, and the
    stand-in sees no call at all."""
    pool_id = "us-east-1_AbCdEf123"
    cases = {
        "bad pool id": ({"user_pool_id": "not-a-pool", "username": "alice"}, ["not-a-pool", "user pool id"]),
        "pool in another region": ({"user_pool_id": "eu-west-1_AbCdEf123", "username": "alice"}, ["eu-west-1", "region"]),
        "two preferred": (
            {"user_pool_id": pool_id, "username": "alice", SMS: {"preferred": True}},
            ["one method can be preferred"],
        ),
        "duplicate users": ({"user_pool_id": pool_id, "users": ["alice", "bob", "alice"]}, ["duplicate", "alice"]),
        "unknown key": (
            {"user_pool_id": pool_id, "users": [{"username": "alice", "softwaretoken": {"enabled": True}}]},
            ["unknown key", "softwaretoken"],
        ),
        "username and users": ({"user_pool_id": pool_id, "username": "alice", "users": ["bob"]}, ["mutually exclusive"]),
    }
    tasks = [
        {"name": name, MODULE: {TOTP: TOTP_ON, **case[0]}, "ignore_errors": True} for name, case in cases.items()
    ]
    standin.reset_counts()
    run = run_playbook(tasks)
    for name, case in cases.items():
        result, words = run.result(name), case[1]
        assert result.get("failed") is True, (name, result)
        for word in words:
            assert word.lower() in result["msg"].lower(), (name, word, result["msg"])
    assert standin.counts() == {}


def test_self_service_with_access_token(standin: Any, cognito: Any, run_playbook: Any) -> None:
    """access_token mode: check mode writes nothing, apply sets the token owner's
    preference, a rerun makes no write call; the token never appears in output."""
    pool = seed.create_pool(cognito, "self-service")
    enrolled = seed.create_user(cognito, pool, "selfie", "totp_verified")
    seed.create_user(cognito, pool, "unenrolled", "no_mfa")
    unenrolled_token = seed.sign_in(cognito, pool, "unenrolled")
    counts_url = {"url": "{{ cognito_endpoint }}/_standin/counts", "return_content": True}

    def own(name: str, token_var: str, **keywords: Any) -> dict[str, Any]:
        args = {"access_token": "{{ %s }}" % token_var, TOTP: TOTP_ON}
        return {"name": name, MODULE: args, **keywords}

    def snapshot(name: str) -> dict[str, Any]:
        return {"name": name, "ansible.builtin.uri": counts_url}

    run = run_playbook(
        [
            snapshot("counts at start"),
            own("check", "token", check_mode=True, diff=True),
            snapshot("counts after check"),
            own("apply", "token", diff=True),
            snapshot("counts after apply"),
            own("again", "token"),
            snapshot("counts after again"),
            own("not enrolled", "other_token", ignore_errors=True),
        ],
        {"token": enrolled.access_token, "other_token": unenrolled_token},
    )
    output = run.stdout + run.stderr
    assert enrolled.access_token not in output
    assert unenrolled_token not in output

    def pool_calls(start: str, end: str) -> dict[str, int]:
        first = run.result(start)["json"]["pools"].get(pool.id, {})
        last = run.result(end)["json"]["pools"].get(pool.id, {})
        return {op: n - first.get(op, 0) for op, n in last.items() if n - first.get(op, 0)}

    check = run.result("check")
    assert check["changed"] is True
    assert check["user"]["username"] == "selfie"
    assert check["user"]["outcome"] == "changed"
    assert list(check["diff"]["after"]) == ["selfie"]
    assert not write_calls(pool_calls("counts at start", "counts after check"))

    apply = run.result("apply")
    assert apply["changed"] is True
    assert apply["user"]["after"] == {"enabled_methods": [TOTP], "preferred_method": TOTP}
    assert pool_calls("counts after check", "counts after apply").get("SetUserMFAPreference") == 1
    assert totp_preferred(seed.mfa_state(cognito, pool.id, "selfie"))

    again = run.result("again")
    assert again["changed"] is False
    assert again["user"]["outcome"] == "unchanged"
    assert not write_calls(pool_calls("counts after apply", "counts after again"))

    result = run.result("not enrolled")
    assert result["failed"] is True  # fail_on defaults to everything with access_token
    assert result["user"]["outcome"] == "not_enrolled"


def test_thousand_users_in_one_task(standin: Any, cognito: Any, run_playbook: Any) -> None:
    """1,000 users (+10 unknown names) in one task: exact counts, exact calls,
    rows only for users worth reading about; then a rerun with no accepted write."""
    pool = seed.create_pool(cognito, "thousand")
    seed.seed_backdoor(
        standin, pool, {"totp_verified": 600, "totp_preferred": 250, "no_mfa": 100, "sms_totp_verified": 50}
    )
    ghosts = seed.missing_names(pool, 10)
    names = pool.names() + ghosts
    changing = pool.names("totp_verified", "sms_totp_verified")
    playbook = [enforce_task(pool, reads_per_second=5000, writes_per_second=5000, workers=8)]

    standin.reset_counts()
    run = run_playbook(playbook, {"names": names})
    assert run.rc == 0, run
    result = run.result("enforce")
    assert result["changed"] is True
    assert result["counts"] == counts(1010, unchanged=250, changed=650, not_enrolled=100, not_found=10)
    assert len(result["users"]) == 760  # no rows for the 250 unchanged
    assert sorted(n for n, o in outcomes(result).items() if o == "changed") == changing
    assert standin.counts(pool.id) == {READ: 1010 + 650, WRITE: 650 + 100}
    assert standin.failures(pool.id) == {READ: 10, WRITE: 100}  # the ghosts, the refused
    after = states(cognito, pool, changing)
    assert all(totp_preferred(state) for state in after.values())
    assert all(SMS in after[name]["enabled_methods"] for name in pool.names("sms_totp_verified"))

    standin.reset_counts()
    run = run_playbook(playbook, {"names": names})
    assert run.rc == 0, run
    result = run.result("enforce")
    assert result["changed"] is False
    assert result["counts"] == counts(1010, unchanged=900, not_enrolled=100, not_found=10)
    assert standin.counts(pool.id) == {READ: 1010, WRITE: 100}
    assert standin.failures(pool.id) == {READ: 10, WRITE: 100}  # the ghosts, the refused


def test_rerun_of_enrolled_users_makes_no_write_call(standin: Any, cognito: Any, run_playbook: Any) -> None:
    """Where every user can reach the state, the second run makes no write call
    at all."""
    pool = seed.create_pool(cognito, "all-enrolled")
    seed.seed_backdoor(standin, pool, {"totp_verified": 20, "totp_enabled": 10, "totp_preferred": 10})
    names = pool.names()
    play = [enforce_task(pool, reads_per_second=1000, writes_per_second=1000)]

    standin.reset_counts()
    run = run_playbook(play, {"names": names})
    assert run.rc == 0, run
    assert run.result("enforce")["counts"] == counts(40, unchanged=10, changed=30)
    assert standin.counts(pool.id) == {READ: 40 + 30, WRITE: 30}

    standin.reset_counts()
    run = run_playbook(play, {"names": names})
    assert run.rc == 0, run
    assert run.result("enforce")["changed"] is False
    assert run.result("enforce")["counts"] == counts(40, unchanged=40)
    assert standin.counts() == {READ: 40}
