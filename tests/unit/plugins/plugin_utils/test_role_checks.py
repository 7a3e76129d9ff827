"""The roles' input checks and summaries as tables (plugins/plugin_utils/role_checks.py and summary.py)."""

import string

import pytest

from ansible_collections.mfaops.cognito.plugins.plugin_utils import role_checks
from ansible_collections.mfaops.cognito.plugins.plugin_utils import summary

BAD_ID = 'cognito_user_pool_id "{}" is not a Cognito user pool id (expected <region>_<id>, for example eu-west-1_AbCdEf123)'


@pytest.mark.parametrize(
    "pool, region, expected",
    [
        ("us-east-1_AbC123", "", []),
        ("us-east-1_AbC123", "us-east-1", []),
        ("us-east-1-NoUnderscore", "", [BAD_ID.format("us-east-1-NoUnderscore")]),
        ("us-east-1_AbC123\n", "", [BAD_ID.format("us-east-1_AbC123\\n")]),
        ("us-east-1_" + "a" * 50, "", [BAD_ID.format("us-east-1_" + "a" * 50)]),
        (
            "us-east-1_AbC123",
            "eu-west-1",
            ['cognito_user_pool_id "us-east-1_AbC123" is in region us-east-1, but the region is set to "eu-west-1" (cognito_region)'],
        ),
    ],
)
def test_pool_problems(pool, region, expected):
    assert role_checks.pool_problems(pool, region) == expected


def test_option_problems_name_each_option_out_of_range():
    options = {
        "r_batch_size": 0, "r_workers": "8", "r_reads_per_second": "0.5", "r_writes_per_second": 0,
        "r_max_noncompliant_percent": 150, "r_min_percent": "100",
    }
    assert role_checks.option_problems(options) == [
        "r_batch_size must be at least 1, got 0",
        "r_writes_per_second must be greater than 0, got 0",
        "r_max_noncompliant_percent must be between 0 and 100, got 150",
    ]
    assert role_checks.option_problems({"r_workers": "many"}) == ["r_workers must be at least 1, got many"]


PEOPLE = [
    {"username": "a"},
    {"username": "b", "email": "b@example.com", "groups": ["staff"]},
    {"username": "c", "attributes": {"phone_number": "+15550100"}},
    {"username": "svc", "service_account": True, "groups": ["robots", "staff"]},
    {"username": "d", "service_account": False, "email": "d@example.com"},
]


def test_accounts_split_people_from_service_accounts_and_gather_groups():
    split = role_checks.accounts(PEOPLE, ["all"])
    assert [user["username"] for user in split["people"]] == ["a", "b", "c", "d"]
    assert split["service"] == [{"username": "svc", "groups": ["robots", "staff"]}]
    assert all("service_account" not in user for user in split["people"])
    assert split["groups"] == ["all", "staff", "robots"]


@pytest.mark.parametrize(
    "invitation, mediums, unreachable",
    [
        ("send", [], "1 user who has no email or phone_number: a."),
        ("send", ["EMAIL"], "2 users who have no email: a, c."),
        ("resend", ["SMS"], "3 users who have no phone_number: a, b, d."),
        ("send", ["EMAIL", "SMS"], "4 users who have no email or phone_number: a, c, b, d."),
        ("suppress", ["EMAIL"], None),
    ],
)
def test_onboarding_problems_say_whom_the_invitation_cannot_reach(invitation, mediums, unreachable):
    split = role_checks.accounts(PEOPLE)
    found = role_checks.onboarding_problems(split, invitation, mediums, client_id="app", vault_password="pw")
    expected = (
        [f"the invitation ({invitation}) cannot reach {unreachable} Give them one, or set onboard_users_invitation: suppress."]
        if unreachable else []
    )
    assert found == expected


def test_service_accounts_need_an_app_client_and_a_vault_password():
    split = role_checks.accounts(PEOPLE)
    assert role_checks.onboarding_problems(split, "suppress", client_id="app", vault_password="pw") == []
    assert role_checks.onboarding_problems(split, "suppress", client_id="app") == [
        "1 service account listed (svc): their first sign-in needs an app client (onboard_users_client_id, or the host "
        "var cognito_client_id) and their secrets a vault password (onboard_users_secrets_vault_password)."
    ]


def test_service_passwords_keep_given_ones_and_generate_the_rest():
    chosen = role_checks.service_passwords(["given", "new", "other"], {"given": "Given-1!"})
    assert chosen["given"] == "Given-1!"
    assert chosen["new"] != chosen["other"]
    for password in (chosen["new"], chosen["other"]):
        assert len(password) == 32
        for kind in role_checks.PASSWORD_KINDS:
            assert sum(ch in kind for ch in password) == 8
        assert set(password) <= set(string.ascii_letters + string.digits + "!#%+-=@_")


def onboarding_batch(created=0, existing=0, updated=0, failed=(), item=()):
    rows = [{"username": name, "outcome": "failed", "error_code": "X", "message": "boom"} for name in failed]
    counts = {"created": created, "existing": existing, "updated": updated, "failed": len(rows), "not_attempted": 0}
    return {"counts": dict(counts, total=sum(counts.values())), "users": rows, "item": list(item)}


def test_onboarding_summary_counts_every_user_and_checks_the_failures_allowed():
    lost = {"failed": True, "msg": "expired", "item": [{"username": "x"}, {"username": "y"}]}
    result = summary.summarise([onboarding_batch(created=3, failed=["f"]), lost, {"skipped": True}], "onboarding")
    assert result["counts"] == {"created": 3, "existing": 0, "updated": 0, "failed": 1, "not_attempted": 2, "total": 6}
    assert result["not_attempted"] == ["x", "y"] and result["stopped_because"] == ["expired"]
    assert result["message"] == "6 users: 3 created, 0 existing, 0 updated, 1 failed, 2 not attempted"
    assert summary.problems(result, "onboard_users", max_failed=3) == ["expired"]
    assert summary.problems(result, "onboard_users", max_failed=2) == [
        "3 users failed or not attempted (more than onboard_users_max_failed, 2): f, x, y.",
        "f: boom. x: expired. y: expired",
        "expired",
    ]
    checked = summary.summarise([onboarding_batch(created=2, existing=1)], "onboarding", check_mode=True)
    assert checked["message"] == "3 users: 2 would be created, 1 existing, 0 would be updated, 0 failed"


def test_a_single_run_that_failed_whole_counts_the_given_users():
    result = summary.summarise([{"failed": True, "msg": "denied"}], "onboarding", lost_items=[{"username": "svc"}])
    assert result["counts"]["not_attempted"] == 1 and result["not_attempted"] == ["svc"]


def test_service_account_summary():
    users = summary.summarise([onboarding_batch(created=1)], "onboarding")
    users["problems"] = []
    run = {"users": [{"username": "svc-a", "outcome": "created"}, {"username": "svc-b", "outcome": "updated"}]}
    signins = {"results": [{"item": "svc-a", "enrolled": True}, {"item": "svc-b", "msg": "wrong password"}]}
    mfa_run = {"counts": {}, "users": [{"username": "svc-a", "outcome": "changed"}, {"username": "svc-b", "outcome": "failed"}]}
    result = summary.service_accounts(["svc-a", "svc-b"], run, signins, mfa_run, False, users, ["robots"])
    assert (result["to_enrol"], result["enrolled"]) == (["svc-a", "svc-b"], ["svc-a"])
    assert result["not_enrolled"] == ["svc-b: wrong password"]
    assert result["problems"] == ["Service account(s) not enrolled - svc-b: wrong password."]
    assert result["message"] == (
        "1 user: 1 created, 0 existing, 0 updated, 0 failed; groups created: robots; "
        "service accounts signed in and enrolled: svc-a; service accounts NOT enrolled: svc-b"
    )
    assert summary.service_accounts(["svc-a", "svc-b"], {}, {}, {"failed": True, "msg": "throttled"})["not_enrolled"] == [
        "svc-a: throttled", "svc-b: throttled"
    ]
    assert summary.service_accounts(["svc-a"], run, signins, mfa_run, True, users)["not_enrolled"] == []


def test_service_secrets_keep_what_changed():
    signins = {"results": [
        {"item": "a", "password_changed": True, "enrolled": True, "totp_secret": "S"},
        {"item": "b", "password_changed": True, "enrolled": False},
        {"item": "c", "password_changed": False},
        {"item": "d", "password_changed": True, "enrolled": False},
    ]}
    kept = summary.service_secrets(signins, {"a": "pa", "b": "pb", "d": "pd"}, {"d": "given"})
    assert kept == {"a": {"totp_secret": "S", "password": "pa"}, "b": {"password": "pb"}}
