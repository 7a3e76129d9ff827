"""The stand-in and the seeders themselves: TOTP checking is on with the long
secret, each seeded state is what seed.py says, the backdoor makes the same states
as the API, calls are counted per operation and pool, and the CLI starts and stops
a background stand-in."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyotp
import pytest

from tests.support import seed
from tests.support.standin import STANDIN_TOTP_SECRET, StandInClient

STANDIN_PY = Path(__file__).resolve().parents[2] / "tests" / "support" / "standin.py"
EXPECTED = {
    "no_mfa": ([], None, True),
    "totp_verified": ([], None, True),
    "totp_enabled": (["software_token_mfa"], None, True),
    "totp_preferred": (["software_token_mfa"], "software_token_mfa", True),
    "sms_only": (["sms_mfa"], "sms_mfa", True),
    "sms_totp_verified": (["sms_mfa"], "sms_mfa", True),
    "disabled": ([], None, False),
    "disabled_totp_verified": ([], None, False),
}


def user_view(cognito: Any, pool: seed.Pool, username: str) -> tuple[list[str], Any, bool, str, bool]:
    user = cognito.admin_get_user(UserPoolId=pool.id, Username=username)
    state = seed.mfa_state(cognito, pool.id, username)
    has_phone = any(a["Name"] == "phone_number" for a in user["UserAttributes"])
    return state["enabled_methods"], state["preferred_method"], user["Enabled"], user["UserStatus"], has_phone


def test_totp_checking_uses_the_long_secret(cognito: Any) -> None:
    pool = seed.create_pool(cognito, "totp-check")
    user = seed.create_user(cognito, pool, "checker", "no_mfa")
    token = seed.sign_in(cognito, pool, user.username)
    assert cognito.associate_software_token(AccessToken=token)["SecretCode"] == STANDIN_TOTP_SECRET
    assert len(STANDIN_TOTP_SECRET) == 32
    wrong = f"{(int(pyotp.TOTP(STANDIN_TOTP_SECRET).now()) + 1) % 1_000_000:06d}"
    with pytest.raises(cognito.exceptions.CodeMismatchException):
        cognito.verify_software_token(AccessToken=token, UserCode=wrong)


def test_api_and_backdoor_make_the_same_states(standin: Any, cognito: Any) -> None:
    api_pool = seed.every_state_pool(cognito, "states-api")[0]
    door_pool = seed.create_pool(cognito, "states-backdoor")
    seed.seed_backdoor(standin, door_pool, dict.fromkeys(seed.STATES, 1))
    assert api_pool.users == door_pool.users
    for username, state in api_pool.users.items():
        methods, preferred, enabled = EXPECTED[state]
        phone = state.startswith("sms")
        assert user_view(cognito, api_pool, username) == (methods, preferred, enabled, "CONFIRMED", phone), username
        assert user_view(cognito, door_pool, username) == (methods, preferred, enabled, "CONFIRMED", phone), username
    # Verified-but-not-enabled is real: enabling TOTP works for them and only them.
    for pool in (api_pool, door_pool):
        for username, state in pool.users.items():
            settings = {"Enabled": True, "PreferredMfa": True}
            if seed.USER_STATES[state].get("token_verified"):
                cognito.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, SoftwareTokenMfaSettings=settings)
            else:
                with pytest.raises(cognito.exceptions.InvalidParameterException):
                    cognito.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username, SoftwareTokenMfaSettings=settings)


def test_counts_per_operation_pool_and_token(standin: Any, cognito: Any) -> None:
    pool = seed.create_pool(cognito, "counting")
    seed.seed_backdoor(standin, pool, {"totp_verified": 2})
    [first, second] = pool.names()
    token = seed.sign_in(cognito, pool, first)
    standin.reset_counts()
    cognito.admin_get_user(UserPoolId=pool.id, Username=first)
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=pool.id, Username="nobody")
    cognito.admin_set_user_mfa_preference(
        UserPoolId=pool.id, Username=second, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    cognito.get_user(AccessToken=token)  # no pool id in the call: found from the token
    assert standin.counts(pool.id) == {"AdminGetUser": 2, "AdminSetUserMFAPreference": 1, "GetUser": 1}
    assert standin.failures(pool.id) == {"AdminGetUser": 1}
    assert standin.counts() == standin.counts(pool.id)


def test_backdoor_refuses_bad_input_whole(standin: Any, cognito: Any) -> None:
    pool = seed.create_pool(cognito, "refusing")
    seed.seed_backdoor(standin, pool, [("taken", "no_mfa")])
    for users in ([("new", "no_mfa"), ("taken", "no_mfa")], [("other", "no-such-state")]):
        with pytest.raises(RuntimeError, match="HTTP 400"):
            standin.seed(pool.id, users=[{"username": u, "state": s} for u, s in users])
    assert [u["Username"] for u in cognito.list_users(UserPoolId=pool.id)["Users"]] == ["taken"]
    with pytest.raises(RuntimeError, match="HTTP 404"):
        standin.seed("us-east-1_Nope", count=1)


def test_cli_starts_and_stops_a_background_standin(tmp_path: Path) -> None:
    state_file = tmp_path / "standin.json"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(STANDIN_PY), *args, "--state-file", str(state_file)],
            capture_output=True, text=True, timeout=120, check=False,
        )

    started = cli("start")
    assert started.returncode == 0, started.stderr
    try:
        state = json.loads(state_file.read_text())
        assert cli("start").stdout.startswith("stand-in already running")
        client = StandInClient(state["endpoint"]).client()
        assert client.list_user_pools(MaxResults=1)["UserPools"] == []
        assert cli("status").returncode == 0
    finally:
        stopped = cli("stop")
    assert stopped.returncode == 0, stopped.stderr
    assert not state_file.exists()
    stat = Path(f"/proc/{state['pid']}/stat")
    assert not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"  # gone, or a zombie of init
    assert cli("status").returncode == 1
