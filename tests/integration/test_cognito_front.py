# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection against the Cognito front (tests/support/cognito_front.py): each behaviour
where moto differs from Cognito, through the live stand-in. docs/cognito-behaviour.md
lists the sources."""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import pytest

from tests.support import seed
from tests.support.cognito_front import NOT_ENROLLED_WORDINGS, OFF_REFUSAL
from tests.support.standin import STANDIN_PASSWORD, STANDIN_TOTP_SECRET

AUTH = "mfaops.cognito.cognito_auth_test"
USER_MFA = "mfaops.cognito.cognito_user_mfa"
POOL_MFA = "mfaops.cognito.cognito_user_pool_mfa"


@pytest.fixture(scope="module")
def pools(cognito: Any) -> dict[str, seed.Pool]:
    optional = seed.create_pool(cognito, "front-optional", "OPTIONAL")
    for name, state in (("nobody", "no_mfa"), ("enabled", "totp_enabled"), ("both", "sms_totp_verified"),
                        ("twice", "totp_preferred")):
        seed.create_user(cognito, optional, name, state)
    cognito.admin_set_user_mfa_preference(
        UserPoolId=optional.id, Username="both", SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": False},
        SMSMfaSettings={"Enabled": True, "PreferredMfa": False},
    )
    on = seed.create_pool(cognito, "front-on", "ON")
    seed.create_user(cognito, on, "newcomer", "no_mfa")
    return {"optional": optional, "on": on}


def refusal(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def auth_task(name: str, pool: seed.Pool, username: str, **options: Any) -> dict[str, Any]:
    args = {"user_pool_id": pool.id, "client_id": pool.client_id, "username": username, "password": STANDIN_PASSWORD,
            "totp_secret": STANDIN_TOTP_SECRET, **options}
    return {"name": name, AUTH: args, "ignore_errors": True, "no_log": False}


@pytest.mark.parametrize("wording", NOT_ENROLLED_WORDINGS + ("A wording nobody reported yet",))
def test_not_enrolled_in_any_wording(front: Any, pools: dict[str, seed.Pool], run_playbook: Any, wording: str) -> None:
    front.configure(not_enrolled_message=wording)
    pool = pools["optional"]
    args = {"user_pool_id": pool.id, "users": ["nobody"], "software_token_mfa": {"enabled": True, "preferred": True}}
    run = run_playbook([{"name": "enforce", USER_MFA: args}])
    row = run.result("enforce")["users"][0]
    assert (row["username"], row["outcome"]) == ("nobody", "not_enrolled")
    assert row.get("cognito_message") == (None if wording in NOT_ENROLLED_WORDINGS else wording)


def test_off_is_accepted_as_cognito_requires(cognito: Any, run_playbook: Any) -> None:
    pool = seed.create_pool(cognito, "front-off", "ON")
    assert refusal(cognito.set_user_pool_mfa_config, UserPoolId=pool.id, MfaConfiguration="OFF",
                   SoftwareTokenMfaConfiguration={"Enabled": False}) == ("InvalidParameterException", OFF_REFUSAL)
    run = run_playbook([{"name": "off", POOL_MFA: {"user_pool_id": pool.id, "mfa_configuration": "OFF"}, "ignore_errors": True}])
    result = run.result("off")
    assert not result.get("failed"), result.get("msg")
    read = cognito.get_user_pool_mfa_config(UserPoolId=pool.id)
    assert read["MfaConfiguration"] == "OFF"
    assert not (read.get("SoftwareTokenMfaConfiguration") or {}).get("Enabled")
    assert not read.get("SmsMfaConfiguration")


def test_case_blind_email_pool_stores_and_matches_lowercase(cognito: Any) -> None:
    pool_id = cognito.create_user_pool(
        PoolName="front-case-blind", UsernameAttributes=["email"], UsernameConfiguration={"CaseSensitive": False}
    )["UserPool"]["Id"]
    created = cognito.admin_create_user(UserPoolId=pool_id, Username="Alice@Example.com", MessageAction="SUPPRESS")["User"]
    found = cognito.admin_get_user(UserPoolId=pool_id, Username="ALICE@example.COM")
    assert found["Username"] == created["Username"]
    assert {a["Name"]: a["Value"] for a in found["UserAttributes"]}["email"] == "alice@example.com"
    sensitive = seed.create_pool(cognito, "front-case-sensitive")
    cognito.admin_create_user(UserPoolId=sensitive.id, Username="Bob", MessageAction="SUPPRESS")
    assert refusal(cognito.admin_get_user, UserPoolId=sensitive.id, Username="bob")[0] == "UserNotFoundException"


def test_group_count_limit(front: Any, cognito: Any) -> None:
    front.configure(group_limit=2)
    pool = seed.create_pool(cognito, "front-groups")
    for name in ("one", "two"):
        cognito.create_group(UserPoolId=pool.id, GroupName=name)
    code, _message = refusal(cognito.create_group, UserPoolId=pool.id, GroupName="three")
    assert code == "LimitExceededException"
    assert [g["GroupName"] for g in cognito.list_groups(UserPoolId=pool.id)["Groups"]] == ["one", "two"]


@pytest.mark.parametrize(
    "pool_name, username, challenges",
    [
        ("optional", "enabled", ["SOFTWARE_TOKEN_MFA"]),  # TOTP enabled, not preferred: challenged
        ("optional", "both", ["SELECT_MFA_TYPE", "SOFTWARE_TOKEN_MFA"]),  # two methods, none preferred
        ("on", "newcomer", ["MFA_SETUP"]),  # ON pool, no MFA: must set up
    ],
)
def test_sign_in_challenges_moto_does_not_send(pools: dict[str, seed.Pool], run_playbook: Any, pool_name: str,
                                               username: str, challenges: list[str]) -> None:
    expect = "mfa_challenged" if challenges == ["MFA_SETUP"] else "mfa_required"
    run = run_playbook([auth_task("sign in", pools[pool_name], username, expect=expect)])
    result = run.result("sign in")
    assert result["challenges"] == challenges, result.get("msg")
    assert not result.get("failed"), result.get("msg")


def test_two_sign_in_tests_of_one_user_in_one_step_both_pass(pools: dict[str, seed.Pool], run_playbook: Any) -> None:
    """The front accepts a TOTP code once; the second task waits for a fresh step."""
    pool = pools["optional"]
    run = run_playbook([auth_task("first", pool, "twice", totp_min_remaining=0),
                        auth_task("second", pool, "twice", totp_min_remaining=0)], timeout=120)
    for name in ("first", "second"):
        result = run.result(name)
        assert result["authenticated"], (name, result.get("reason"), result.get("msg"))
