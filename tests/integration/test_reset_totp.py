"""reset_software_token (the lost-phone case), then enforcing TOTP again, against the stand-in.

moto 5.2.5 has no AdminDeleteSoftwareToken; the stand-in answers it as Cognito documents
it (tests/support/standin.py, MISSING_OPERATIONS): the token and any TOTP preference go,
other methods stay.
"""

from __future__ import annotations

from typing import Any

from tests.support import seed

MODULE = "mfaops.cognito.cognito_user_mfa"
DELETE = "AdminDeleteSoftwareToken"
TOTP = "software_token_mfa"
SMS = "sms_mfa"


def outcomes(result: dict[str, Any]) -> dict[str, str]:
    return {row["username"]: row["outcome"] for row in result["users"]}


def test_reset_then_reenforce(standin: Any, cognito: Any, run_playbook: Any) -> None:
    pool = seed.create_pool(cognito, "reset-totp")
    users = seed.seed_api(
        cognito, pool, [("alice", "totp_preferred"), ("bob", "sms_only"), ("carol", "sms_totp_verified")]
    )
    cognito.admin_set_user_mfa_preference(
        UserPoolId=pool.id, Username="carol", SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": False}
    )
    names = ["alice", "bob", "carol"]
    reset = {"name": "reset", MODULE: {"user_pool_id": pool.id, "users": names, "reset_software_token": True}}
    enforce = {
        "name": "enforce",
        MODULE: {"user_pool_id": pool.id, "users": names, TOTP: {"enabled": True, "preferred": True}},
    }

    standin.reset_counts()
    check = run_playbook([reset], check=True, diff=True).result("reset")
    assert outcomes(check) == {"alice": "changed", "carol": "changed"}, check
    assert check["diff"]["after"]["alice"] == {"enabled_methods": [], "preferred_method": None}
    assert DELETE not in standin.counts(pool.id)

    applied = run_playbook([reset]).result("reset")
    assert applied["changed"] and outcomes(applied) == {"alice": "changed", "carol": "changed"}, applied
    assert standin.counts(pool.id)[DELETE] == 2
    assert seed.mfa_state(cognito, pool.id, "alice") == {"enabled_methods": [], "preferred_method": None}
    # carol keeps SMS, and SMS stays her preferred method
    assert seed.mfa_state(cognito, pool.id, "carol") == {"enabled_methods": [SMS], "preferred_method": SMS}

    standin.reset_counts()
    again = run_playbook([reset, enforce])
    assert not again.result("reset")["changed"] and DELETE not in standin.counts(pool.id)
    # the authenticators are gone: enforcing TOTP now finds alice and carol not enrolled
    assert outcomes(again.result("enforce")) == {name: "not_enrolled" for name in names}

    # alice sets up a new authenticator (her sign-in no longer asks for TOTP), then enforcement works again
    seed.enrol_totp(cognito, seed.sign_in(cognito, pool, "alice"))
    final = run_playbook([enforce]).result("enforce")
    assert outcomes(final) == {"alice": "changed", "bob": "not_enrolled", "carol": "not_enrolled"}, final
    assert seed.mfa_state(cognito, pool.id, "alice") == {"enabled_methods": [TOTP], "preferred_method": TOTP}
    assert users["alice"].state == "totp_preferred"


def test_reset_rejects_totp_settings_and_missing_pool_before_any_call(standin: Any, run_playbook: Any) -> None:
    standin.reset_counts()
    run = run_playbook(
        [
            {
                "name": "both",
                MODULE: {"user_pool_id": "us-east-1_Nope1", "username": "alice", "reset_software_token": True, TOTP: {"enabled": True}},
                "ignore_errors": True,
            },
            {
                "name": "missing pool",
                MODULE: {"user_pool_id": "us-east-1_Nope1", "username": "alice", "reset_software_token": True},
                "ignore_errors": True,
            },
        ]
    )
    both = run.result("both")
    assert both["failed"] and "mutually exclusive" in both["msg"] and "reset_software_token" in both["msg"], both
    missing = run.result("missing pool")
    assert missing["failed"] and "ResourceNotFoundException" in missing["msg"], missing
    assert missing["counts"]["not_attempted"] == 1
    assert standin.counts().get(DELETE, 0) == 0
