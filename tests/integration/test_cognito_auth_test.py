# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mfaops.cognito.cognito_auth_test and the mfaops.cognito.totp lookup through ansible-playbook,
against the local stand-in (moto, TOTP checking on).

What the stand-in can and cannot show (moto 5.2.5):
- TOTP codes are checked (current 30 s step only); a wrong code is CodeMismatchException.
- MFA_SETUP comes after NEW_PASSWORD_REQUIRED or the SRP step in a pool whose MFA is ON, so
  enrolment is tested here; AdminInitiateAuth never returns MFA_SETUP or SELECT_MFA_TYPE
  (those paths are unit-tested with a stubbed client in tests/unit/plugins/module_utils/test_auth_signin.py).
- moto does not check the SRP proof (a wrong password passes USER_SRP_AUTH there): the SRP
  math is unit-tested against an independent SRP server in tests/unit/plugins/module_utils/test_auth_signin.py.
- SECRET_HASH is checked in USER_SRP_AUTH and in SOFTWARE_TOKEN_MFA answers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import subprocess
import time
from typing import Any

import pytest

from tests.support import playbook as ansible
from tests.support import seed
from tests.support.standin import STANDIN_PASSWORD, STANDIN_TOTP_SECRET, write_calls

pyotp = pytest.importorskip("pyotp")

try:
    import pycognito  # noqa: F401  pylint: disable=unused-import

    HAS_PYCOGNITO = True
except ImportError:
    HAS_PYCOGNITO = False

MODULE = "mfaops.cognito.cognito_auth_test"
NEW_PASSWORD = "Svc-N3w-Passw0rd!x"
TEMP_PASSWORD = "Temp-Passw0rd!x"
needs_pycognito = pytest.mark.skipif(not HAS_PYCOGNITO, reason="pycognito (for USER_SRP_AUTH) is not installed")


@pytest.fixture(scope="module")
def world(cognito: Any) -> dict[str, Any]:
    """On the session's stand-in:
    - pool OPTIONAL: alice, lookup-1 and lookup-2 (TOTP verified + enabled + preferred, through the
      real API flow with the stand-in's secret), nomfa (no MFA), gone (disabled); its app client, and a second
      app client with a secret;
    - pool ON: svc-1, svc-2, svc-x (created by an administrator with a temporary password, no MFA).
    """
    pool = seed.create_pool(cognito, "auth-test", "OPTIONAL")
    seed.create_user(cognito, pool, "alice", "totp_preferred")
    # Cognito accepts a code once per user, and the totp lookup cannot know which steps other
    # tasks used: users of their own for the lookup's code, so it is fresh.
    seed.create_user(cognito, pool, "lookup-1", "totp_preferred")
    seed.create_user(cognito, pool, "lookup-2", "totp_preferred")
    seed.create_user(cognito, pool, "nomfa", "no_mfa")
    seed.create_user(cognito, pool, "gone", "disabled")
    secret_client = cognito.create_user_pool_client(
        UserPoolId=pool.id, ClientName="with-secret", GenerateSecret=True, ExplicitAuthFlows=seed.APP_CLIENT_FLOWS
    )["UserPoolClient"]
    on_pool = seed.create_pool(cognito, "auth-test-on", "ON")
    for name in ("svc-1", "svc-2", "svc-x"):
        cognito.admin_create_user(
            UserPoolId=on_pool.id, Username=name, TemporaryPassword=TEMP_PASSWORD, MessageAction="SUPPRESS"
        )
    return {
        "pool": pool.id,
        "client_id": pool.client_id,
        "secret_client_id": secret_client["ClientId"],
        "client_secret": secret_client["ClientSecret"],
        "on": {"user_pool_id": on_pool.id, "client_id": on_pool.client_id},
    }


def signin(world: dict[str, Any], username: str = "alice", **options: Any) -> dict[str, Any]:
    """Module arguments: ``world``'s OPTIONAL pool and client, password from the ``pw`` extra var."""
    args = {"user_pool_id": world["pool"], "client_id": world["client_id"], "username": username, "password": "{{ pw }}"}
    args.update(options)
    return args


def tasks_of(*named_args: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"name": name, MODULE: args, "ignore_errors": True} for name, args in named_args]


def play(run_playbook: Any, *named_args: tuple[str, dict[str, Any]], extra_vars: dict[str, Any] | None = None, **kwargs: Any):
    """Run one task per (name, module arguments); returns {name: result}."""
    variables = {"pw": STANDIN_PASSWORD, "totp": STANDIN_TOTP_SECRET, **(extra_vars or {})}
    run = run_playbook(tasks_of(*named_args), extra_vars=variables, **kwargs)
    return {name: run.result(name) for name, _args in named_args}


def failed(result: dict[str, Any]) -> bool:
    return bool(result.get("failed"))


# --- the enrolled user: right code passes, wrong code is refused -----------------------------------

FLOWS = [
    "ADMIN_USER_PASSWORD_AUTH",
    "USER_PASSWORD_AUTH",
    pytest.param("USER_SRP_AUTH", marks=needs_pycognito),
]
SUMMARY = ("changed", "authenticated", "outcome", "challenges", "totp_required", "token_type", "expires_in")


def wrong_code() -> str:
    """Not the current code (nor, by a wide margin, a neighbour)."""
    return "{0:06d}".format((int(pyotp.TOTP(STANDIN_TOTP_SECRET).now()) + 500000) % 1000000)


@pytest.mark.parametrize("flow", FLOWS)
def test_enrolled_user_signs_in_with_the_right_code_and_is_refused_with_a_wrong_one(world, run_playbook, flow):
    wrong = wrong_code()
    results = play(
        run_playbook,
        ("right code", signin(world, auth_flow=flow, totp_secret="{{ totp }}")),
        ("wrong code", signin(world, auth_flow=flow, totp_code=wrong)),
        ("wrong code, refused expected", signin(world, auth_flow=flow, totp_code=wrong, expect="refused")),
    )
    ok, wrong_default, wrong_refused = results.values()

    prefix = ["PASSWORD_VERIFIER"] if flow == "USER_SRP_AUTH" else []
    assert not failed(ok), ok["msg"]
    assert {key: ok[key] for key in SUMMARY} == {
        "changed": False,
        "authenticated": True,
        "outcome": "signed_in",
        "challenges": prefix + ["SOFTWARE_TOKEN_MFA"],
        "totp_required": True,
        "token_type": "Bearer",
        "expires_in": 3600,
    }
    assert ok["device_metadata_issued"] is False
    assert "tokens" not in ok and "totp_secret" not in ok
    assert ok["msg"] == "The user signed in and TOTP was required (challenges: {0}).".format(", ".join(ok["challenges"]))

    assert failed(wrong_default) and wrong_default["authenticated"] is False
    assert wrong_default["error_code"] == "CodeMismatchException"
    assert wrong_default["msg"] == (
        "Expected the user to sign in with TOTP, but Cognito refused at SOFTWARE_TOKEN_MFA: "
        "CodeMismatchException: wrong TOTP code (challenges: {0}).".format(", ".join(prefix + ["SOFTWARE_TOKEN_MFA"]))
    )

    assert not failed(wrong_refused), wrong_refused["msg"]
    assert (wrong_refused["outcome"], wrong_refused["decided_by"]) == ("refused", "SOFTWARE_TOKEN_MFA")


def under_no_log(name: str, args: dict[str, Any]) -> list[dict[str, Any]]:
    """The task under no_log (return_tokens / return_secret need it), then its registered result shown as a fact."""
    return [
        {"name": name, MODULE: args, "no_log": True, "register": "hidden", "ignore_errors": True},
        {"name": f"{name}, shown", "ansible.builtin.set_fact": {"shown": "{{ hidden }}"}},
    ]


def shown(run: Any, name: str) -> dict[str, Any]:
    return run.result(f"{name}, shown")["ansible_facts"]["shown"]


def test_tokens_only_when_asked(world, run_playbook):
    run = run_playbook(under_no_log("tokens", signin(world, totp_secret="{{ totp }}", return_tokens=True)),
                       extra_vars={"pw": STANDIN_PASSWORD, "totp": STANDIN_TOTP_SECRET})
    tokens = shown(run, "tokens")["tokens"]
    assert sorted(tokens) == ["access_token", "id_token", "refresh_token"]
    assert tokens["access_token"].startswith("eyJ") and tokens["id_token"].startswith("eyJ")  # JWTs
    assert tokens["refresh_token"]  # moto: a UUID


def test_code_from_the_lookup(world, run_playbook):
    before = time.time()
    run = run_playbook(
        tasks_of(("sign in", signin(world, username="lookup-1",
                                    totp_code="{{ lookup('mfaops.cognito.totp', totp, min_remaining=10) }}")))
        + [{"name": "code", "ansible.builtin.set_fact": {"code": "{{ lookup('mfaops.cognito.totp', totp) }}"}}],
        extra_vars={"pw": STANDIN_PASSWORD, "totp": STANDIN_TOTP_SECRET},
    )
    after = time.time()
    assert not failed(run.result("sign in")), run.result("sign in")["msg"]
    assert run.result("sign in")["challenges"] == ["SOFTWARE_TOKEN_MFA"]
    code = run.result("code")["ansible_facts"]["code"]
    totp = pyotp.TOTP(STANDIN_TOTP_SECRET)
    assert code in {totp.at(t) for t in range(int(before), int(after) + 1)}


# --- expect ------------------------------------------------------------------------------------------


def test_expect_mismatches_fail_with_clear_messages(world, run_playbook):
    results = play(
        run_playbook,
        ("no mfa", signin(world, "nomfa")),
        ("refused expected", signin(world, totp_secret="{{ totp }}", expect="refused")),
        ("wrong password", signin(world, password="Wrong-Passw0rd!", totp_secret="{{ totp }}", expect="success")),
        ("disabled", signin(world, "gone", totp_secret="{{ totp }}")),
        ("unknown user", signin(world, "ghost", totp_secret="{{ totp }}")),
        ("no code", signin(world)),
    )
    for name, result in results.items():
        assert failed(result), name
        assert result["changed"] is False, name
    assert results["no mfa"]["authenticated"] is True
    assert results["no mfa"]["msg"] == (
        "Expected sign-in to require TOTP, but the user signed in without a TOTP challenge (challenges: none)."
    )
    assert results["refused expected"]["msg"] == (
        "Expected sign-in to be refused, but the user signed in (challenges: SOFTWARE_TOKEN_MFA)."
    )
    # moto's wrong-password message is the username; Cognito's says "Incorrect username or password."
    assert results["wrong password"]["msg"] == (
        "Expected the user to sign in, but Cognito refused at ADMIN_USER_PASSWORD_AUTH: NotAuthorizedException: "
        "not authorized (wrong password, disabled user or lockout) (challenges: none)."
    )
    assert results["disabled"]["msg"] == (
        "Expected the user to sign in with TOTP, but Cognito refused at ADMIN_USER_PASSWORD_AUTH: "
        "NotAuthorizedException: user is disabled (challenges: none)."
    )
    assert results["unknown user"]["msg"] == (
        "Expected the user to sign in with TOTP, but Cognito refused at ADMIN_USER_PASSWORD_AUTH: "
        "UserNotFoundException: user not found (challenges: none)."
    )
    assert results["no code"]["msg"] == (
        "Sign-in stopped at SOFTWARE_TOKEN_MFA: SOFTWARE_TOKEN_MFA asks for a TOTP code: give totp_secret or "
        "totp_code (challenges: SOFTWARE_TOKEN_MFA)."
    )


def test_expect_success_refused_and_mfa_challenged(world, run_playbook):
    results = play(
        run_playbook,
        ("success", signin(world, "nomfa", expect="success")),
        ("challenged", signin(world, expect="mfa_challenged")),
        ("not challenged", signin(world, "nomfa", expect="mfa_challenged")),
        ("disabled refused", signin(world, "gone", expect="refused")),
    )
    success = results["success"]
    assert not failed(success) and success["challenges"] == [] and success["totp_required"] is False
    challenged = results["challenged"]
    assert not failed(challenged), challenged["msg"]
    assert (challenged["outcome"], challenged["authenticated"], challenged["totp_required"]) == ("challenged", False, True)
    assert failed(results["not challenged"])
    assert "without a TOTP challenge" in results["not challenged"]["msg"]
    disabled = results["disabled refused"]
    assert not failed(disabled) and disabled["reason"] == "user is disabled"


def test_client_secret_sends_secret_hash(world, run_playbook):
    with_secret = {"client_id": world["secret_client_id"], "totp_secret": "{{ totp }}"}
    named = [
        ("user password", signin(world, client_secret="{{ cs }}", auth_flow="USER_PASSWORD_AUTH", **with_secret)),
        ("wrong secret", signin(world, client_secret="wrong-secret", expect="success", **with_secret)),
    ]
    if HAS_PYCOGNITO:
        named.append(("srp", signin(world, client_secret="{{ cs }}", auth_flow="USER_SRP_AUTH", **with_secret)))
    results = play(run_playbook, *named, extra_vars={"cs": world["client_secret"]})
    assert not failed(results["user password"]), results["user password"]["msg"]
    # moto checks SECRET_HASH in the SOFTWARE_TOKEN_MFA answer; its message is the hash itself: masked.
    wrong = results["wrong secret"]
    assert failed(wrong)
    assert (wrong["decided_by"], wrong["error_code"]) == ("SOFTWARE_TOKEN_MFA", "NotAuthorizedException")
    assert wrong["error_message"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    if HAS_PYCOGNITO:
        assert not failed(results["srp"]), results["srp"]["msg"]
        assert results["srp"]["challenges"] == ["PASSWORD_VERIFIER", "SOFTWARE_TOKEN_MFA"]


# --- enrolment through MFA_SETUP, and check mode -------------------------------------------------------


def test_first_sign_in_sets_the_password_and_enrols_totp(world, run_playbook):
    on = world["on"]
    run = run_playbook(
        [
            *under_no_log("enrol", signin(world, "svc-1", password="{{ temp }}", new_password="{{ new }}", enroll=True, return_secret=True, **on)),
            *tasks_of(
                ("again", signin(world, "svc-1", password="{{ new }}", auth_flow="USER_PASSWORD_AUTH", totp_secret="{{ hidden.totp_secret }}", **on)),
                ("no enroll", signin(world, "svc-2", password="{{ temp }}", new_password="{{ new }}", **on)),
            ),
        ],
        extra_vars={"temp": TEMP_PASSWORD, "new": NEW_PASSWORD},
    )
    enrolled, again, no_enroll = shown(run, "enrol"), run.result("again"), run.result("no enroll")
    assert not failed(enrolled), enrolled["msg"]
    assert enrolled["changed"] is True
    assert (enrolled["password_changed"], enrolled["enrolled"], enrolled["totp_required"]) == (True, True, True)
    assert enrolled["challenges"] == ["NEW_PASSWORD_REQUIRED", "MFA_SETUP"]
    assert enrolled["totp_secret"] == STANDIN_TOTP_SECRET  # moto hands out one secret to everyone

    # With its new password and the returned secret; moto challenges a verified token in an ON pool
    # with USER_PASSWORD_AUTH (not with ADMIN_USER_PASSWORD_AUTH unless TOTP is also preferred).
    assert not failed(again), again["msg"]
    assert again["changed"] is False
    assert again["challenges"] == ["SOFTWARE_TOKEN_MFA"]

    assert failed(no_enroll)
    assert no_enroll["changed"] is True  # the new password was set before MFA_SETUP ended the test
    assert no_enroll["msg"] == (
        "Sign-in stopped at MFA_SETUP: MFA_SETUP: the user has no TOTP authenticator yet and must enrol; "
        "set enroll=true to enrol it (challenges: NEW_PASSWORD_REQUIRED, MFA_SETUP)."
    )


def test_check_mode_signs_nothing_in(world, standin, run_playbook):
    standin.reset_counts()
    results = play(run_playbook, ("check", signin(world, totp_secret="{{ totp }}")), check=True)
    assert results["check"]["changed"] is False
    assert results["check"]["outcome"] == "not_attempted"
    assert results["check"]["msg"] == "Check mode: no sign-in was attempted."
    assert standin.counts() == {}


def test_bad_arguments_fail_before_any_call(world, standin, run_playbook):
    bad_secret = "NOT-BASE32-8901!"
    standin.reset_counts()
    results = play(
        run_playbook,
        ("code format", signin(world, totp_code="12ab56")),
        ("secret", signin(world, totp_secret=bad_secret)),
        ("short secret", signin(world, totp_secret="JBSWY3DPEHPK3PXP")),
        ("pool id", signin(world, user_pool_id="not-a-pool", totp_secret="{{ totp }}")),
        ("min remaining", signin(world, totp_secret="{{ totp }}", totp_min_remaining=31)),
        ("both", signin(world, totp_secret="{{ totp }}", totp_code="123456")),
        ("return_secret alone", signin(world, totp_secret="{{ totp }}", return_secret=True)),
    )
    messages = {name: result["msg"] for name, result in results.items()}
    assert [name for name, result in results.items() if not failed(result)] == [], messages
    assert messages["code format"] == "totp_code must be exactly 6 digits"
    assert messages["secret"].startswith("totp_secret: the TOTP secret is not valid base32 of at least 112 bits")
    assert messages["short secret"].startswith("totp_secret: the TOTP secret is not valid base32 of at least 112 bits")
    assert messages["pool id"].startswith("user_pool_id 'not-a-pool' is not a Cognito user pool id")
    assert messages["min remaining"] == "totp_min_remaining must be between 0 and 30"
    assert "mutually exclusive: totp_secret|totp_code" in messages["both"]
    assert messages["return_secret alone"] == "return_secret=true needs enroll=true: only an enrolment makes a new secret"
    assert bad_secret not in json.dumps(results)
    assert standin.counts() == {}


# --- nothing secret in -vvvv output --------------------------------------------------------------------


def _codes_around(start: float, end: float) -> set:
    totp = pyotp.TOTP(STANDIN_TOTP_SECRET)
    return {totp.at(t) for t in range(int(start) - 60, int(end) + 61, 30)}


def _secret_hash(username: str, client_id: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def test_no_secret_in_vvvv_output(world, standin, cognito, run_playbook, collections_path, tmp_path):
    """Runs one playbook of successes, refusals, failures and an enrolment with -vvvv, with the
    default callback (what a person sees) and with the JSON callback (what a job log keeps), and
    searches all output for every secret the run used, every TOTP code around it, and any token."""
    wrong_secret = "wrong-client-secret-value"
    wrong_pw = "Wr0ng-Passw0rd!"
    wrong = wrong_code()
    secret_flow = "USER_SRP_AUTH" if HAS_PYCOGNITO else "USER_PASSWORD_AUTH"
    cognito.admin_create_user(
        UserPoolId=world["on"]["user_pool_id"], Username="svc-y", TemporaryPassword=TEMP_PASSWORD, MessageAction="SUPPRESS"
    )
    named = [
        ("secret", signin(world, totp_secret="{{ totp }}")),
        ("lookup", signin(world, username="lookup-2", totp_code="{{ lookup('mfaops.cognito.totp', totp, min_remaining=10) }}", auth_flow="USER_PASSWORD_AUTH")),
        ("client secret", signin(world, client_id=world["secret_client_id"], client_secret="{{ cs }}", totp_secret="{{ totp }}", auth_flow=secret_flow)),
        ("wrong client secret", signin(world, client_id=world["secret_client_id"], client_secret="{{ wrong_cs }}", totp_secret="{{ totp }}")),
        ("wrong password", signin(world, password="{{ wrong_pw }}", totp_secret="{{ totp }}")),
        ("refused expected", signin(world, totp_secret="{{ totp }}", expect="refused")),
        ("wrong code", signin(world, totp_code="{{ wrong_code }}", expect="refused")),
        ("enrol x", signin(world, "svc-x", password="{{ temp }}", new_password="{{ new }}", enroll=True, **world["on"])),
    ]
    extra_vars = {
        "pw": STANDIN_PASSWORD,
        "totp": STANDIN_TOTP_SECRET,
        "cs": world["client_secret"],
        "wrong_cs": wrong_secret,
        "wrong_pw": wrong_pw,
        "wrong_code": wrong,
        "temp": TEMP_PASSWORD,
        "new": NEW_PASSWORD,
    }
    start = time.time()
    # 1. The JSON callback: results in full, invocation (module arguments) included.
    json_run = run_playbook(tasks_of(*named), extra_vars=extra_vars, args=("-vvvv",))
    results = {name: json_run.result(name) for name, _args in named}
    # 2. The default callback, as a person runs it: one more enrolment (svc-y), the same tasks.
    named[-1] = ("enrol y", signin(world, "svc-y", password="{{ temp }}", new_password="{{ new }}", enroll=True, **world["on"]))
    playbook = tmp_path / "leak.yml"
    play_data = {
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "module_defaults": {"group/mfaops.cognito.aws": {"endpoint_url": standin.endpoint, "region": "us-east-1"}},
        "tasks": tasks_of(*named),
    }
    playbook.write_text(json.dumps([play_data]))
    varfile = tmp_path / "leak-vars.json"
    varfile.write_text(json.dumps(extra_vars))
    human = subprocess.run(
        [ansible.ansible_playbook(), "-i", "localhost,", str(playbook), "-e", "@" + str(varfile), "-vvvv"],
        env=ansible.playbook_env(collections_path, tmp_path, nocolor="1"),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    end = time.time()

    # The tasks ran as intended: successes, refusals, failures, an enrolment.
    assert {name: failed(result) for name, result in results.items()} == {
        "secret": False,
        "lookup": False,
        "client secret": False,
        "wrong client secret": True,
        "wrong password": True,
        "refused expected": True,
        "wrong code": False,
        "enrol x": False,
    }, {name: result.get("msg") for name, result in results.items()}
    assert results["wrong code"]["error_code"] == "CodeMismatchException"
    assert results["enrol x"]["enrolled"] is True and results["enrol x"]["password_changed"] is True
    assert human.stdout.count("ok: [localhost]") + human.stdout.count("changed: [localhost]") == 5, human.stdout[-3000:]
    assert '"enrolled": true' in human.stdout
    for text in (json_run.stdout, human.stdout):
        assert "ESTABLISH LOCAL CONNECTION" in text and "AnsiballZ_cognito_auth_test.py" in text  # it is -vvvv
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in json_run.stdout  # the masked module arguments

    secrets = {
        "password": STANDIN_PASSWORD,
        "wrong password": wrong_pw,
        "temporary password": TEMP_PASSWORD,
        "new password": NEW_PASSWORD,
        "TOTP secret": STANDIN_TOTP_SECRET,
        "client secret": world["client_secret"],
        "wrong client secret": wrong_secret,
        "SECRET_HASH": _secret_hash("alice", world["secret_client_id"], world["client_secret"]),
        "wrong SECRET_HASH": _secret_hash("alice", world["secret_client_id"], wrong_secret),
    }
    outputs = {
        "JSON callback output": json_run.stdout + json_run.stderr,
        "default callback output": human.stdout + human.stderr,
    }
    for where, text in outputs.items():
        for label, value in secrets.items():
            assert value not in text, "the {0} appears in the {1}".format(label, where)
        for code in _codes_around(start, end) | {wrong}:
            assert not re.search(r"(?<![0-9]){0}(?![0-9])".format(code), text), "a TOTP code appears in the " + where
        assert "eyJ" not in text, "a token (JWT) appears in the " + where


# --- choice-based sign-in (USER_AUTH) -------------------------------------------------------------
# moto 5.2.5 refuses AuthFlow USER_AUTH; the stand-in answers it (tests/support/choice_sign_in.py):
# PREFERRED_CHALLENGE PASSWORD / PASSWORD_SRP go on as moto's password / SRP flows, so the TOTP
# challenge after them is moto's; without a preference it answers SELECT_CHALLENGE itself.


def test_user_auth_flow(world, cognito, standin, run_playbook):
    choice = cognito.create_user_pool_client(
        UserPoolId=world["pool"], ClientName="choice", ExplicitAuthFlows=["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    flows = dict(client_id=choice, auth_flow="USER_AUTH", totp_secret="{{ totp }}")
    named = [
        ("password", signin(world, preferred_challenge="PASSWORD", **flows)),
        ("select", signin(world, **flows)),
        ("not enabled", signin(world, auth_flow="USER_AUTH", totp_secret="{{ totp }}")),
        ("preferred without USER_AUTH", signin(world, preferred_challenge="PASSWORD")),
    ]
    if HAS_PYCOGNITO:
        named.append(("srp", signin(world, preferred_challenge="PASSWORD_SRP", **flows)))
    before = standin.counts()
    results = play(run_playbook, *named)
    calls = {op: n - before.get(op, 0) for op, n in standin.counts().items() if n != before.get(op, 0)}

    for name in ("password", "select") + (("srp",) if HAS_PYCOGNITO else ()):
        assert not failed(results[name]), results[name]["msg"]
        assert results[name]["authenticated"] is True and results[name]["totp_required"] is True
    assert results["password"]["challenges"] == ["SOFTWARE_TOKEN_MFA"]
    assert results["select"]["challenges"] == ["SELECT_CHALLENGE", "SOFTWARE_TOKEN_MFA"]
    assert results["select"]["available_challenges"] == ["PASSWORD", "PASSWORD_SRP"]
    assert results["select"]["sign_in_without_totp"] == []
    if HAS_PYCOGNITO:
        assert results["srp"]["challenges"] == ["PASSWORD_VERIFIER", "SOFTWARE_TOKEN_MFA"]
    assert failed(results["not enabled"]) and results["not enabled"]["error_code"] == "InvalidParameterException"
    assert "USER_AUTH flow not enabled" in results["not enabled"]["error_message"]
    assert "preferred_challenge needs auth_flow=USER_AUTH" in results["preferred without USER_AUTH"]["msg"]
    srp = 1 if HAS_PYCOGNITO else 0
    # password, select (SELECT_CHALLENGE, then the TOTP answer), not enabled; SRP: two answers
    assert calls.get("InitiateAuth") == 3 + srp
    assert calls.get("RespondToAuthChallenge") == 1 + 2 + 2 * srp
    assert not write_calls(calls)


def test_user_auth_offers_a_way_in_without_totp(cognito, standin, run_playbook):
    """The pool allows email codes as a first factor: SELECT_CHALLENGE offers EMAIL_OTP to a user
    with a verified email and no MFA, so mfa_required fails, naming it."""
    pool = seed.create_pool(cognito, "auth-test-choice")
    described = cognito.describe_user_pool(UserPoolId=pool.id)["UserPool"]
    cognito.update_user_pool(
        UserPoolId=pool.id,
        AutoVerifiedAttributes=described["AutoVerifiedAttributes"],
        SmsConfiguration=described["SmsConfiguration"],
        Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}},
    )
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool.id, ClientName="choice", ExplicitAuthFlows=["ALLOW_USER_AUTH"]
    )["UserPoolClient"]["ClientId"]
    seed.create_user(cognito, pool, "plain", "no_mfa")
    args = {"user_pool_id": pool.id, "client_id": client_id, "username": "plain", "password": "{{ pw }}", "auth_flow": "USER_AUTH"}
    results = play(run_playbook, ("mfa", args), ("success", dict(args, expect="success")))
    assert failed(results["mfa"])
    assert results["mfa"]["sign_in_without_totp"] == ["EMAIL_OTP"]
    assert "offered EMAIL_OTP as a first factor (SELECT_CHALLENGE): the user can sign in without TOTP" in results["mfa"]["msg"]
    assert not failed(results["success"]) and results["success"]["authenticated"] is True
    assert results["success"]["available_challenges"] == ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"]
