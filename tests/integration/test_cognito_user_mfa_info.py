"""mfaops.cognito.cognito_user_mfa_info through ansible-playbook, against the stand-in.

Users are seeded in every MFA state (the stand-in's seeding backdoor; groups through the
API). What the module reports is compared with the users' state read directly with boto3,
and every claim about calls (how many reads, how many listing pages, no write at all) is
checked at the stand-in, which counts calls per operation and pool.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from tests.support import seed
from tests.support.standin import write_calls

MODULE = "mfaops.cognito.cognito_user_mfa_info"
READ = "AdminGetUser"
LIST = "ListUsers"
LIST_GROUP = "ListUsersInGroup"
POOL_CONFIG = "GetUserPoolMfaConfig"
DESCRIBE = "DescribeUserPool"
# The MFA state the module reports for each seeded state (a verified but not enabled token shows as no MFA).
MFA_STATE = {
    "no_mfa": "no_mfa",
    "totp_verified": "no_mfa",
    "totp_enabled": "totp_enabled_not_preferred",
    "totp_preferred": "totp_preferred",
    "sms_only": "other_mfa_only",
    "sms_totp_verified": "other_mfa_only",
    "disabled": "no_mfa",
    "disabled_totp_verified": "no_mfa",
}
COUNT_KEYS = (
    "total compliant non_compliant not_applicable not_found failed not_attempted disabled excluded "
    "totp_preferred totp_enabled_not_preferred other_mfa_only no_mfa"
).split()


REASONS = ("federated", "unconfirmed", "password_reset_required", "force_change_password", "disabled")


def counts(reasons: dict[str, int] | None = None, **nonzero: int) -> dict[str, Any]:
    return {**dict.fromkeys(COUNT_KEYS, 0), **nonzero, "not_applicable_reasons": {**dict.fromkeys(REASONS, 0), **(reasons or {})}}


def rows(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["username"]: row for row in result["users"]}


def calls_since(standin: Any, pool: seed.Pool, before: dict[str, int]) -> dict[str, int]:
    """Calls made in `pool` since the `before` snapshot of standin.counts(pool.id)."""
    return {op: n - before.get(op, 0) for op, n in standin.counts(pool.id).items() if n != before.get(op, 0)}


def info_task(name: str, pool: seed.Pool, **options: Any) -> dict[str, Any]:
    return {"name": name, MODULE: {"user_pool_id": pool.id, **options}, "ignore_errors": True}


# Above what the stand-in serves, so a test takes as long as the stand-in needs.
FAST = {"reads_per_second": 1000, "lists_per_second": 100}


def backdoor_pool(standin: Any, cognito: Any, name: str, users: dict[str, int]) -> seed.Pool:
    pool = seed.create_pool(cognito, name)
    seed.seed_backdoor(standin, pool, users)
    return pool


def test_info_over_a_list_in_check_mode_and_not(standin: Any, cognito: Any, run_playbook: Any) -> None:
    """One user in every state, a missing name and an exclusion: a row per user that matches
    what boto3 reads, counts per state (disabled users apart), the pool's MFA configuration;
    the same in check mode; never a write. A name listed twice fails before any user is read."""
    pool = backdoor_pool(standin, cognito, "info-list", {state: 1 for state in seed.STATES})
    [ghost] = seed.missing_names(pool, 1)
    [excluded] = pool.names("totp_verified")
    names = pool.names() + [ghost]
    task = info_task("info", pool, usernames=names, exclude=[excluded])

    before = standin.counts(pool.id)
    twice = pool.names("sms_only")[0]
    run = run_playbook([info_task("twice", pool, usernames=names + [twice])])
    assert f"usernames[{len(names)}] ({twice}): the same user as usernames[{names.index(twice)}]" in run.result("twice")["msg"], run
    assert calls_since(standin, pool, before) == {POOL_CONFIG: 1, DESCRIBE: 1}

    for check in (True, False):
        before = standin.counts(pool.id)
        run = run_playbook([task], check=check)
        assert run.rc == 0, run
        made = calls_since(standin, pool, before)
        assert made == {POOL_CONFIG: 1, DESCRIBE: 1, READ: 8}, made  # each name read once; no listing, no write
        assert write_calls(made) == {}
        result = run.result("info")
        assert not result.get("failed"), result
        assert result["changed"] is False
        assert result["counts"] == counts(
            total=8,
            compliant=1,
            non_compliant=4,
            not_applicable=2,
            reasons={"disabled": 2},
            not_found=1,
            disabled=2,
            excluded=1,
            totp_preferred=1,
            totp_enabled_not_preferred=1,
            other_mfa_only=2,
            no_mfa=3,
        )
        assert result["msg"] == "8 users: 1 compliant, 4 non-compliant, 2 not applicable, 1 not found, 0 failed"
        assert result["user_pool_mfa_config"] == {
            "mfa_configuration": "OPTIONAL",
            "software_token_mfa_configuration": {"enabled": True},
            "sms_mfa_configuration": {"sms_configuration": {"sns_caller_arn": seed.FAKE_SNS_ROLE, "external_id": "mfaops"}},
        }

        got = rows(result)
        assert [row["username"] for row in result["users"]] == sorted(set(names) - {excluded})
        assert got[ghost] == {
            "username": ghost,
            "email": None,
            "listed_as": ghost,
            "compliant": False,
            "not_found": True,
            "applicable": True,
            "reason": None,
            "enabled": None,
            "user_status": None,
            "enabled_methods": None,
            "preferred_method": None,
            "mfa_state": None,
        }
        for name, state in pool.users.items():
            if name == excluded:
                continue
            row = got[name]
            assert {key: row[key] for key in ("enabled_methods", "preferred_method")} == seed.mfa_state(cognito, pool.id, name)
            assert row["mfa_state"] == MFA_STATE[state], name
            assert row["compliant"] is (state == "totp_preferred")
            assert row["enabled"] is not state.startswith("disabled")
            assert row["user_status"] == "CONFIRMED"
            assert row["not_found"] is False


def test_info_over_groups(standin: Any, cognito: Any, run_playbook: Any) -> None:
    """Members of two overlapping groups, one over three 60-user pages; each user once;
    with report=non_compliant, rows only for the users out of line."""
    pool = backdoor_pool(standin, cognito, "info-groups", {"no_mfa": 130, "totp_preferred": 20})
    cognito.create_group(UserPoolId=pool.id, GroupName="staff")
    cognito.create_group(UserPoolId=pool.id, GroupName="admins")
    for name in pool.names():
        cognito.admin_add_user_to_group(UserPoolId=pool.id, Username=name, GroupName="staff")
    admins = pool.names("totp_preferred")[:5] + pool.names("no_mfa")[:2]
    for name in admins:
        cognito.admin_add_user_to_group(UserPoolId=pool.id, Username=name, GroupName="admins")
    excluded = pool.names("no_mfa")[-1]

    before = standin.counts(pool.id)
    run = run_playbook(
        [info_task("info", pool, groups=["admins", "staff"], exclude=[excluded], report="non_compliant", workers=4, **FAST)],
        check=True,
    )
    assert run.rc == 0, run
    result = run.result("info")
    assert result["counts"] == counts(total=149, compliant=20, non_compliant=129, excluded=1, totp_preferred=20, no_mfa=129)
    assert [row["username"] for row in result["users"]] == pool.names("no_mfa")[:-1]
    assert all(row["mfa_state"] == "no_mfa" and not row["compliant"] for row in result["users"])
    # admins: 1 page; staff: 150 members = 3 pages of 60; each of the 149 users read once
    assert calls_since(standin, pool, before) == {POOL_CONFIG: 1, DESCRIBE: 1, LIST_GROUP: 4, READ: 149}
    assert result["calls"]["list_users_in_group"]["calls"] == 4


def test_info_over_the_whole_pool(standin: Any, cognito: Any, run_playbook: Any) -> None:
    """Every user of a 260-user pool (five ListUsers pages), counts per state; with a
    ListUsers filter; the default policy and a policy of one's own."""
    users = {"totp_preferred": 100, "totp_enabled": 50, "sms_only": 40, "no_mfa": 60, "disabled": 10}
    pool = backdoor_pool(standin, cognito, "info-all", users)

    before = standin.counts(pool.id)
    run = run_playbook(
        [
            info_task("whole pool", pool, all_users=True, report="non_compliant", **FAST),
            info_task("filtered", pool, all_users=True, filter='username ^= "sms-only"', **FAST),
            info_task("disabled only", pool, all_users=True, filter='status = "Disabled"', report="non_compliant", count_disabled=True, **FAST),
            info_task("any TOTP", pool, all_users=True, report="non_compliant", policy={"software_token_mfa": {"enabled": True}}, **FAST),
        ]
    )
    assert run.rc == 0, run

    result = run.result("whole pool")
    assert result["counts"] == counts(
        total=260,
        compliant=100,
        non_compliant=150,
        not_applicable=10,
        reasons={"disabled": 10},
        disabled=10,
        totp_preferred=100,
        totp_enabled_not_preferred=50,
        other_mfa_only=40,
        no_mfa=70,
    )
    assert [row["username"] for row in result["users"]] == pool.names("totp_enabled", "sms_only", "no_mfa")  # disabled: apart
    assert result["calls"]["list_users"]["calls"] == 5  # 4 full pages of 60 and one of 20

    result = run.result("filtered")
    assert result["counts"] == counts(total=40, non_compliant=40, other_mfa_only=40)
    assert len(result["users"]) == 40
    assert all(row["enabled_methods"] == ["sms_mfa"] and row["preferred_method"] == "sms_mfa" for row in result["users"])

    result = run.result("disabled only")
    assert result["counts"] == counts(total=10, non_compliant=10, disabled=10, no_mfa=10)
    assert [row["username"] for row in result["users"]] == pool.names("disabled")
    assert all(row["enabled"] is False for row in result["users"])

    result = run.result("any TOTP")
    assert result["counts"]["compliant"] == 150
    assert [row["username"] for row in result["users"]] == pool.names("sms_only", "no_mfa")

    assert calls_since(standin, pool, before) == {POOL_CONFIG: 4, DESCRIBE: 4, LIST: 5 + 1 + 1 + 5, READ: 260 + 40 + 10 + 260}


def test_users_file_holds_the_rows_instead_of_the_result(standin: Any, cognito: Any, run_playbook: Any, tmp_path: Path) -> None:
    """users_file: the rows a whole-pool audit returns go to a private JSON-lines file, byte for byte the same rows,
    and the result carries none of them; a path that cannot be written fails before any user is read."""
    pool = backdoor_pool(standin, cognito, "info-rows-file", {"totp_preferred": 40, "no_mfa": 30, "disabled": 5})
    rows_path = tmp_path / "private" / "rows" / "all.jsonl"  # the two missing directories are made 0700
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    run = run_playbook([
        info_task("returned", pool, all_users=True, **FAST),
        info_task("to a file", pool, all_users=True, users_file=str(rows_path), **FAST),
    ])
    assert run.rc == 0, run
    returned, filed = run.result("returned"), run.result("to a file")
    assert filed["users"] == [] and filed["users_file"] == str(rows_path), filed
    assert filed["counts"] == returned["counts"] and returned["counts"]["total"] == 75
    in_file = [json.loads(line) for line in rows_path.read_text().splitlines()]
    assert sorted(in_file, key=lambda row: row["username"]) == returned["users"] and len(in_file) == 75
    assert stat.S_IMODE(rows_path.stat().st_mode) == 0o600
    assert {stat.S_IMODE(path.stat().st_mode) for path in (rows_path.parent, rows_path.parent.parent)} == {0o700}
    assert [path.name for path in rows_path.parent.iterdir()] == ["all.jsonl"]  # no temporary file left

    before = standin.counts(pool.id)
    run = run_playbook([info_task("unwritable", pool, all_users=True, users_file=str(blocker / "all.jsonl"), **FAST)])
    result = run.result("unwritable")
    assert result["failed"] and result["msg"].startswith(f"users_file {blocker / 'all.jsonl'}: cannot write it"), result
    assert READ not in calls_since(standin, pool, before) and LIST not in calls_since(standin, pool, before)


def test_bad_selection_fails_before_any_user_is_read(standin: Any, cognito: Any, run_playbook: Any) -> None:
    """A missing group and a filter Cognito rejects fail the task before any AdminGetUser;
    option mistakes fail before any call at all."""
    pool = backdoor_pool(standin, cognito, "info-errors", {"no_mfa": 3})
    cognito.create_group(UserPoolId=pool.id, GroupName="staff")

    before = standin.counts(pool.id)
    run = run_playbook(
        [
            info_task("missing group", pool, groups=["staff", "nope"], usernames=pool.names()),
            info_task("bad filter", pool, all_users=True, filter='shoe_size = "42"'),
            info_task("filter without all_users", pool, usernames=["a"], filter='status = "Enabled"'),
            info_task("nothing chosen", pool),
            info_task("two preferred", pool, usernames=["a"], policy={"software_token_mfa": {"preferred": True}, "sms_mfa": {"preferred": True}}),
            {"name": "wrong region", MODULE: {"user_pool_id": "eu-west-1_AbC123", "usernames": ["a"]}, "ignore_errors": True},
        ]
    )

    result = run.result("missing group")
    assert result["failed"] is True
    assert "Could not list the members of group 'nope'" in result["msg"]
    assert result["counts"]["total"] == 0

    result = run.result("bad filter")
    assert result["failed"] is True
    assert "Could not list the users of the pool" in result["msg"] and "InvalidParameterException" in result["msg"]

    assert "filter works only with all_users" in run.result("filter without all_users")["msg"]
    assert "choose the users" in run.result("nothing chosen")["msg"]
    assert "policy: only one method can be preferred" in run.result("two preferred")["msg"]
    assert "belongs to region eu-west-1" in run.result("wrong region")["msg"]

    # Only the two tasks that passed validation made calls, and neither read a user.
    assert calls_since(standin, pool, before) == {POOL_CONFIG: 2, DESCRIBE: 2, LIST_GROUP: 2, LIST: 1}


def test_sign_in_without_totp(standin: Any, cognito: Any, run_playbook: Any) -> None:
    """Choice-based sign-in: the pool lets users start with a passkey (passkeys are MFA) or an email
    code. With auth_factors, each user's ConfiguredUserAuthFactors (AdminGetUserAuthFactors, answered
    by the stand-in: moto 5.2.5 lacks it) decides: a TOTP user with a passkey signs in without TOTP,
    so is not compliant. Without it, neither the factors nor the pool's sign-in policy are read
    (the audit report's pool findings carry the policy)."""
    pool = seed.create_pool(cognito, "info-passkeys")
    described = cognito.describe_user_pool(UserPoolId=pool.id)["UserPool"]
    cognito.update_user_pool(
        UserPoolId=pool.id,
        AutoVerifiedAttributes=described["AutoVerifiedAttributes"],
        SmsConfiguration=described["SmsConfiguration"],
        Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN", "EMAIL_OTP"]}},
    )
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool.id,
        MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration={"Enabled": True},
        WebAuthnConfiguration={"RelyingPartyId": "auth.example.com", "FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"},
    )
    standin.seed(pool.id, users=[
        {"username": "tp", "state": "totp_preferred"},
        {"username": "tp-passkey", "state": "totp_preferred"},
        {"username": "nomfa", "state": "no_mfa", "attributes": {"email_verified": "true"}},
    ])
    standin.register_passkey(pool.id, "tp-passkey")
    names = ["tp", "tp-passkey", "nomfa"]
    before = standin.counts(pool.id)
    run = run_playbook([
        info_task("factors", pool, usernames=names, auth_factors=True, **FAST),
        info_task("no factors", pool, usernames=names, **FAST),
    ])
    factors, plain = rows(run.result("factors")), rows(run.result("no factors"))
    assert factors["tp"]["compliant"] is True
    assert factors["tp"]["configured_user_auth_factors"] == ["PASSWORD"]
    assert factors["tp-passkey"]["compliant"] is False
    assert factors["tp-passkey"]["mfa_state"] == "totp_preferred"
    assert factors["tp-passkey"]["sign_in_asks"] == "totp"
    assert factors["tp-passkey"]["sign_in_without_totp"] == ["WEB_AUTHN"]
    assert "passkey with user verification counts as MFA, but it is not TOTP" in factors["tp-passkey"]["sign_in_reason"]
    assert factors["nomfa"]["sign_in_without_totp"] == ["EMAIL_OTP"]
    assert run.result("factors")["counts"]["compliant"] == 1
    # with auth_factors, factors the user does not have are not reported at all
    assert "unchecked_first_factors" not in factors["tp"]
    # without auth_factors: compliance by the password path
    assert plain["tp-passkey"]["compliant"] is True
    assert plain["tp-passkey"]["sign_in_asks"] == "totp"
    assert "configured_user_auth_factors" not in plain["tp-passkey"]
    assert calls_since(standin, pool, before) == {
        POOL_CONFIG: 2, "DescribeUserPool": 2, READ: 6, "AdminGetUserAuthFactors": 3,
    }


def test_off_pool_users_are_not_compliant(standin: Any, cognito: Any, run_playbook: Any) -> None:
    """MFA OFF: Cognito asks no second factor whatever the user's settings, so a TOTP-preferred
    user is not compliant (moto keeps the user's TOTP and would still challenge)."""
    pool = seed.create_pool(cognito, "info-off", mfa_configuration="OFF")
    standin.seed(pool.id, users=[{"username": "tp", "state": "totp_preferred"}])
    run = run_playbook([info_task("off", pool, usernames=["tp"], **FAST)])
    row = rows(run.result("off"))["tp"]
    assert row["mfa_state"] == "totp_preferred"
    assert row["compliant"] is False
    assert row["sign_in_asks"] == "none"
    assert "MFA is OFF" in row["sign_in_reason"]
    assert run.result("off")["counts"]["non_compliant"] == 1
