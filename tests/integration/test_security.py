"""Security of what the collection prints and accepts: no secret in any output, and every
malformed input refused before any call.

1. No leak. One playbook runs every module of this suite (cognito_user_mfa with usernames, a
   list and an access token; cognito_user_mfa_info; cognito_user_pool_mfa; cognito_auth_test:
   password, TOTP secret, TOTP code from the lookup, a client secret, a wrong password, an
   enrolment with a new password, tokens returned under no_log) and then the enforce_mfa
   playbook, all through the proxy, which records every secret value that passes it (passwords,
   TOTP secrets and codes, sessions, access / ID / refresh tokens, SECRET_HASH). It runs three
   times: the default callback with --diff, -vvvv and the module arguments injected into the
   results (ANSIBLE_INJECT_INVOCATION); the JSON callback with --check --diff -vvvv; the JSON
   callback with --diff -vvvv. The AWS credentials are distinctive fake values, given both as
   module_defaults and in the environment. stdout, stderr, Ansible's log file and every file the
   run left in its working directory are searched for every secret, for every TOTP code valid
   around the run, and for anything that looks like a JWT.
2. Malformed inputs: a table of them across the four modules and the enforce_mfa role, run in
   one playbook through the proxy: each fails with one message that names the culprit, and the
   proxy counts no API call at all.
3. Files: enforce_mfa and the modules write no file (the runs above leave nothing but Ansible's
   log in their working directory), so there is nothing to create with mode 0600; the audit and
   onboarding roles have their own tests for their report and vault files.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator

import pyotp
import pytest
import yaml

from tests.support import playbook as ansible
from tests.support import seed
from tests.support.proxy import Proxy
from tests.support.standin import DEFAULT_REGION, STANDIN_PASSWORD, STANDIN_TOTP_SECRET

PLAYBOOK = Path(__file__).resolve().parents[2] / "playbooks" / "enforce_mfa.yml"
GROUP = "group/mfaops.cognito.aws"
USER_MFA, INFO = "mfaops.cognito.cognito_user_mfa", "mfaops.cognito.cognito_user_mfa_info"
POOL_MFA, AUTH = "mfaops.cognito.cognito_user_pool_mfa", "mfaops.cognito.cognito_auth_test"
TOTP_ON = {"enabled": True, "preferred": True}
# Distinctive fake credentials: a real-looking shape, found nowhere else.
FAKE_ACCESS_KEY = "AKIAMFAOPSLEAKTEST01"
FAKE_SECRET_KEY = "mfaopsFakeSecretKeyForLeakTests0123456789"
FAKE_SESSION_TOKEN = "mfaopsFakeSessionTokenForLeakTests/IQoJb3JpZ2luX2VjE0123456789"
TEMP_PASSWORD = "Temp-Leak-Passw0rd!"
NEW_PASSWORD = "New-Leak-Passw0rd!x"
WRONG_PASSWORD = "Wr0ng-Leak-Passw0rd!"
WRONG_CLIENT_SECRET = "wrong-client-secret-mfaops-leak-test"
BOGUS_ACCESS_TOKEN = "bogus-access-token-mfaops-leak-test-0001"
BAD_TOTP_SECRET = "NOT-BASE32-LEAK-TEST-8901!"
NO_LOG_MASK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


@pytest.fixture
def proxy(standin: Any) -> Iterator[Proxy]:
    """Cognito's default quotas off (this is not about speed), secrets recorded."""
    unlimited = {category: None for category in ("UserRead", "UserResourceUpdate", "UserAuthentication")}
    with Proxy(standin.endpoint, quotas=unlimited, record_secrets=True) as running:
        yield running


def secret_hash(username: str, client_id: str, client_secret: str) -> str:
    digest = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def totp_codes(start: float, end: float) -> set[str]:
    totp = pyotp.TOTP(STANDIN_TOTP_SECRET)
    return {totp.at(t) for t in range(int(start) - 60, int(end) + 61, 30)}


def run_ansible(
    playbook: Path, inventory: Path, extra_vars: Path, workdir: Path, collections_path: str, *args: str, **config: str
) -> subprocess.CompletedProcess:
    """ansible-playbook in ``workdir`` with the fake credentials in its environment and a log file."""
    env = ansible.playbook_env(collections_path, workdir, log_path=str(workdir / "ansible.log"), nocolor="1", **config)
    env.update(AWS_ACCESS_KEY_ID=FAKE_ACCESS_KEY, AWS_SECRET_ACCESS_KEY=FAKE_SECRET_KEY, AWS_SESSION_TOKEN=FAKE_SESSION_TOKEN)
    return subprocess.run(
        [ansible.ansible_playbook(), "-i", str(inventory), str(playbook), "-e", f"@{extra_vars}", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def module_play(endpoint: str, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": "every module",
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "module_defaults": {
            GROUP: {
                "endpoint_url": endpoint,
                "region": DEFAULT_REGION,
                "access_key": FAKE_ACCESS_KEY,
                "secret_key": FAKE_SECRET_KEY,
                "session_token": FAKE_SESSION_TOKEN,
            }
        },
        "tasks": tasks,
    }


# ----------------------------------------------------------------------- 1. no leak


@pytest.fixture
def world(standin: Any, cognito: Any) -> dict[str, Any]:
    """Pools and users made straight on the stand-in (not through the proxy):
    - an OPTIONAL pool: alice (TOTP preferred), bob (TOTP verified, his access token kept), carol
      (no MFA), dave (SMS only); its app client, and one with a client secret;
    - an ON pool with svc-1..3, created with a temporary password (one enrols per applying run);
    - a pool of 30 users in mixed states for the enforce_mfa playbook."""
    pool = seed.create_pool(cognito, "leak", "OPTIONAL")
    seeded = seed.seed_api(
        cognito, pool, [("alice", "totp_preferred"), ("bob", "totp_verified"), ("carol", "no_mfa"), ("dave", "sms_only")]
    )
    with_secret = cognito.create_user_pool_client(
        UserPoolId=pool.id, ClientName="with-secret", GenerateSecret=True, ExplicitAuthFlows=seed.APP_CLIENT_FLOWS
    )["UserPoolClient"]
    on_pool = seed.create_pool(cognito, "leak-on", "ON")
    for name in ("svc-1", "svc-2", "svc-3"):
        cognito.admin_create_user(UserPoolId=on_pool.id, Username=name, TemporaryPassword=TEMP_PASSWORD, MessageAction="SUPPRESS")
    role_pool = seed.create_pool(cognito, "leak-role", "OPTIONAL")
    seed.seed_backdoor(standin, role_pool, {"totp_verified": 10, "totp_preferred": 10, "no_mfa": 5, "sms_totp_verified": 5}, prefix="r-")
    return {
        "pool": pool,
        "secret_client": with_secret,
        "on": on_pool,
        "role_pool": role_pool,
        "bob_token": seeded["bob"].access_token,
    }


def leak_tasks(world: dict[str, Any], enrol: str) -> list[dict[str, Any]]:
    pool, on, secret_client = world["pool"], world["on"], world["secret_client"]
    sign_in = {"user_pool_id": pool.id, "client_id": pool.client_id, "password": "{{ pw }}"}
    with_secret = {**sign_in, "client_id": secret_client["ClientId"], "client_secret": "{{ client_secret }}"}
    named = [
        ("pool mfa", POOL_MFA, {"user_pool_id": pool.id, "mfa_configuration": "OPTIONAL", "software_token_mfa_enabled": True}),
        ("users", USER_MFA, {"user_pool_id": pool.id, "users": ["alice", "bob", "carol", "dave", "nobody"], "software_token_mfa": TOTP_ON}),
        ("one user", USER_MFA, {"user_pool_id": pool.id, "username": "carol", "software_token_mfa": TOTP_ON}),
        ("access token", USER_MFA, {"access_token": "{{ bob_token }}", "software_token_mfa": TOTP_ON}),
        ("bogus access token", USER_MFA, {"access_token": "{{ bogus_token }}", "software_token_mfa": TOTP_ON}),
        ("info", INFO, {"user_pool_id": pool.id, "usernames": ["alice", "bob", "carol", "dave"], "report": "all"}),
        ("sign in, secret", AUTH, {**sign_in, "username": "alice", "totp_secret": "{{ totp_secret }}"}),
        (
            "sign in, code from the lookup",
            AUTH,
            {
                **sign_in,
                "username": "alice",
                "auth_flow": "USER_PASSWORD_AUTH",
                "totp_code": "{{ lookup('mfaops.cognito.totp', totp_secret, min_remaining=10) }}",
            },
        ),
        (
            "sign in, client secret",
            AUTH,
            {**with_secret, "username": "alice", "auth_flow": "USER_PASSWORD_AUTH", "totp_secret": "{{ totp_secret }}"},
        ),
        (
            "sign in, wrong client secret",
            AUTH,
            {**with_secret, "client_secret": "{{ wrong_client_secret }}", "username": "alice", "totp_secret": "{{ totp_secret }}"},
        ),
        ("sign in, wrong password", AUTH, {**sign_in, "username": "alice", "password": "{{ wrong_pw }}", "expect": "refused"}),
        ("sign in, no MFA", AUTH, {**sign_in, "username": "carol", "expect": "success"}),
        (
            "enrol",
            AUTH,
            {
                "user_pool_id": on.id,
                "client_id": on.client_id,
                "username": enrol,
                "password": "{{ temp_pw }}",
                "new_password": "{{ new_pw }}",
                "enroll": True,
            },
        ),
    ]
    tasks = [{"name": name, module: args, "ignore_errors": True} for name, module, args in named]
    tasks.append(
        {
            "name": "tokens, under no_log",
            AUTH: {**sign_in, "username": "alice", "totp_secret": "{{ totp_secret }}", "return_tokens": True},
            "no_log": True,
            "ignore_errors": True,
            "register": "tokens",
        }
    )
    tasks.append(
        {
            "name": "the registered tokens are there",
            "ansible.builtin.assert": {"that": ["tokens.tokens.access_token | length > 100"], "quiet": True},
            "when": "not ansible_check_mode",
        }
    )
    return tasks


def write_leak_run(world: dict[str, Any], endpoint: str, directory: Path, enrol: str) -> tuple[Path, Path, Path]:
    """(playbook, inventory, extra vars file) in ``directory``: every module on localhost, then
    the enforce_mfa playbook on the role pool (all users, 3 excluded, pool policy OPTIONAL)."""
    directory.mkdir()
    role_pool = world["role_pool"]
    playbook = directory / "leak.yml"
    playbook.write_text(
        yaml.safe_dump([module_play(endpoint, leak_tasks(world, enrol)), {"import_playbook": str(PLAYBOOK)}], sort_keys=False)
    )
    inventory = directory / "inventory.yml"
    inventory.write_text(
        yaml.safe_dump(
            {
                "cognito_pools": {
                    "hosts": {
                        "leak-role": {
                            "ansible_connection": "local",
                            "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                            "cognito_user_pool_id": role_pool.id,
                            "cognito_endpoint_url": endpoint,
                            "cognito_all_users": True,
                            "cognito_exclude": role_pool.names()[:3],
                            "cognito_users": ["r-missing-user"],
                            "enforce_mfa_pool_policy": "OPTIONAL",
                            "enforce_mfa_batch_size": 10,
                        }
                    }
                }
            }
        )
    )
    extra_vars = directory / "vars.json"
    extra_vars.write_text(
        json.dumps(
            {
                "pw": STANDIN_PASSWORD,
                "wrong_pw": WRONG_PASSWORD,
                "temp_pw": TEMP_PASSWORD,
                "new_pw": NEW_PASSWORD,
                "totp_secret": STANDIN_TOTP_SECRET,
                "client_secret": world["secret_client"]["ClientSecret"],
                "wrong_client_secret": WRONG_CLIENT_SECRET,
                "bob_token": world["bob_token"],
                "bogus_token": BOGUS_ACCESS_TOKEN,
            }
        )
    )
    return playbook, inventory, extra_vars


def files_left(workdir: Path) -> dict[str, str]:
    """Every file the run left in its working directory (its log included), as text."""
    return {str(path.relative_to(workdir)): path.read_text(errors="replace") for path in workdir.rglob("*") if path.is_file()}


def find_leaks(texts: dict[str, str], secrets: dict[str, set[str]], codes: set[str]) -> list[str]:
    leaks = []
    for where, text in texts.items():
        for label, values in secrets.items():
            for value in values:
                if value in text:
                    leaks.append(f"{label} ({value[:4]}...) in {where}")
        for code in codes:
            if re.search(rf"(?<![0-9.:]){code}(?![0-9])", text):
                leaks.append(f"a TOTP code ({code}) in {where}")
        if re.search(r"eyJ[A-Za-z0-9_-]{8,}", text):
            leaks.append(f"something like a JWT in {where}")
    return leaks


def json_results(stdout: str) -> dict[str, dict[str, Any]]:
    """{task name: result on its one host} from the JSON callback's output."""
    output = json.loads(stdout[stdout.index("{") :])
    return {task["task"]["name"]: next(iter(task["hosts"].values())) for play in output["plays"] for task in play["tasks"] if task["hosts"]}


def test_no_secret_in_any_output(standin: Any, world: dict[str, Any], proxy: Proxy, collections_path: str, tmp_path: Path) -> None:
    runs = {
        "default callback, --diff, invocation injected": ("svc-1", ("--diff",), {"inject_invocation": "true"}),
        "JSON callback, --check --diff": ("svc-2", ("--check", "--diff"), {"stdout_callback": "ansible.posix.json"}),
        "JSON callback, --diff": ("svc-3", ("--diff",), {"stdout_callback": "ansible.posix.json"}),
    }
    outputs: dict[str, dict[str, str]] = {}
    done: dict[str, subprocess.CompletedProcess] = {}
    start = time.time()
    for n, (label, (enrol, args, config)) in enumerate(runs.items()):
        inputs = write_leak_run(world, proxy.endpoint, tmp_path / f"in-{n}", enrol)
        workdir = tmp_path / f"run-{n}"
        workdir.mkdir()
        done[label] = run_ansible(*inputs, workdir, collections_path, "-vvvv", *args, **config)
        outputs[label] = {"stdout": done[label].stdout, "stderr": done[label].stderr, **files_left(workdir)}
    end = time.time()

    # The runs did what they were meant to: -vvvv, every task ran, the secrets did flow.
    for label, run in done.items():
        assert run.returncode == 0, f"{label}:\n{run.stdout[-3000:]}"
        assert "ESTABLISH LOCAL CONNECTION" in run.stdout and "AnsiballZ_cognito_user_mfa.py" in run.stdout, label
        # enforce_mfa and the modules write no file: nothing to protect with mode 0600 here.
        assert sorted(outputs[label]) == ["ansible.log", "stderr", "stdout"], sorted(outputs[label])
        assert "leak-role" in run.stdout, label  # the enforce_mfa playbook ran
    applied = json_results(done["JSON callback, --diff"].stdout)
    assert applied["users"]["counts"]["total"] == 5
    assert applied["access token"]["user"]["username"] == "bob"
    assert applied["bogus access token"]["failed"]
    assert not applied["sign in, secret"].get("failed"), applied["sign in, secret"]
    assert not applied["sign in, client secret"].get("failed"), applied["sign in, client secret"]
    assert applied["sign in, wrong password"]["outcome"] == "refused"
    assert applied["enrol"]["enrolled"] is True
    assert applied["tokens, under no_log"]["censored"]
    assert not applied["the registered tokens are there"].get("failed")
    role_summary = applied["mfaops.cognito.enforce_mfa : Sum up the pool"]["ansible_facts"]["enforce_mfa_summary"]
    assert role_summary["message"] == "28 users: 25 already compliant, 0 changed, 2 not enrolled, 1 not found"
    checked = json_results(done["JSON callback, --check --diff"].stdout)
    assert checked["users"]["diff"]["after"]  # --check --diff showed what would change
    assert NO_LOG_MASK in done["default callback, --diff, invocation injected"].stdout  # arguments shown, masked

    seen = proxy.secrets()
    for field in (
        "PASSWORD",
        "NEW_PASSWORD",
        "AccessToken",
        "IdToken",
        "RefreshToken",
        "Session",
        "SecretCode",
        "UserCode",
        "SOFTWARE_TOKEN_MFA_CODE",
        "SECRET_HASH",
    ):
        assert seen.get(field), f"no {field} went through the proxy: the test would prove nothing about it"
    codes = set(seen.pop("UserCode")) | set(seen.pop("SOFTWARE_TOKEN_MFA_CODE")) | totp_codes(start, end)
    client = world["secret_client"]
    secrets = {
        **{f"{field} seen by the proxy": values for field, values in seen.items()},
        "password": {STANDIN_PASSWORD, TEMP_PASSWORD, NEW_PASSWORD, WRONG_PASSWORD},
        "TOTP secret": {STANDIN_TOTP_SECRET, STANDIN_TOTP_SECRET.lower(), BAD_TOTP_SECRET},
        "client secret": {client["ClientSecret"], WRONG_CLIENT_SECRET},
        "SECRET_HASH": {secret_hash("alice", client["ClientId"], s) for s in (client["ClientSecret"], WRONG_CLIENT_SECRET)},
        "access token": {world["bob_token"], BOGUS_ACCESS_TOKEN},
        "AWS secret key": {FAKE_SECRET_KEY},
        "AWS session token": {FAKE_SESSION_TOKEN},
    }
    leaks = [f"{label}: {leak}" for label, texts in outputs.items() for leak in find_leaks(texts, secrets, codes)]
    assert not leaks, "\n".join(leaks)


# ----------------------------------------------------------------------- 2. malformed inputs

POOL = "us-east-1_AbCdEf123"
BAD_MODULE_INPUTS: list[tuple[str, str, dict[str, Any], str]] = [
    # (case, module, arguments, the words the message must hold: the culprit)
    (
        "pool id malformed",
        USER_MFA,
        {"user_pool_id": "not-a-pool", "username": "alice", "software_token_mfa": TOTP_ON},
        "user_pool_id 'not-a-pool' is not a Cognito user pool id",
    ),
    (
        "pool in another region",
        USER_MFA,
        {"user_pool_id": "eu-west-1_AbC123", "username": "alice", "software_token_mfa": TOTP_ON},
        "belongs to region eu-west-1, but the task runs in region us-east-1",
    ),
    (
        "two preferred methods",
        USER_MFA,
        {"user_pool_id": POOL, "username": "alice", "software_token_mfa": TOTP_ON, "sms_mfa": {"preferred": True}},
        "only one method can be preferred, got software_token_mfa, sms_mfa",
    ),
    (
        "preferred but disabled",
        USER_MFA,
        {"user_pool_id": POOL, "username": "alice", "software_token_mfa": {"enabled": False, "preferred": True}},
        "software_token_mfa: a method cannot be preferred and disabled at once",
    ),
    (
        "typo in a setting",
        USER_MFA,
        {"user_pool_id": POOL, "username": "alice", "software_token_mfa": {"enable": True}},
        "software_token_mfa.enable",
    ),
    (
        "unknown key in a user entry",
        USER_MFA,
        {"user_pool_id": POOL, "users": ["bob", {"username": "alice", "totp": True}], "software_token_mfa": TOTP_ON},
        "users[1] (alice): unknown key(s) totp",
    ),
    (
        "duplicate user",
        USER_MFA,
        {"user_pool_id": POOL, "users": ["alice", "bob", "alice"], "software_token_mfa": TOTP_ON},
        "users[2] (alice): duplicate of users[0]",
    ),
    (
        "white space in a username",
        USER_MFA,
        {"user_pool_id": POOL, "users": ["alice", "bad name"], "software_token_mfa": TOTP_ON},
        "users[1]: username 'bad name' contains white space",
    ),
    ("nothing to set", USER_MFA, {"user_pool_id": POOL, "users": ["alice"]}, "users[0] (alice): no MFA setting requested"),
    (
        "workers 0",
        USER_MFA,
        {"user_pool_id": POOL, "users": ["alice"], "software_token_mfa": TOTP_ON, "workers": 0},
        "workers must be at least 1, got 0",
    ),
    (
        "writes per second 0",
        USER_MFA,
        {"user_pool_id": POOL, "users": ["alice"], "software_token_mfa": TOTP_ON, "writes_per_second": 0},
        "writes_per_second must be greater than 0",
    ),
    (
        "unknown fail_on outcome",
        USER_MFA,
        {"user_pool_id": POOL, "users": ["alice"], "software_token_mfa": TOTP_ON, "fail_on": ["nope"]},
        "fail_on",
    ),
    (
        "username and users",
        USER_MFA,
        {"user_pool_id": POOL, "username": "alice", "users": ["bob"], "software_token_mfa": TOTP_ON},
        "mutually exclusive: username|users|access_token",
    ),
    (
        "access token with a pool",
        USER_MFA,
        {"user_pool_id": POOL, "access_token": BOGUS_ACCESS_TOKEN, "software_token_mfa": TOTP_ON},
        "mutually exclusive: access_token|user_pool_id",
    ),
    (
        "info: filter without all_users",
        INFO,
        {"user_pool_id": POOL, "usernames": ["alice"], "filter": 'status = "Enabled"'},
        "filter works only with all_users",
    ),
    ("info: malformed filter", INFO, {"user_pool_id": POOL, "all_users": True, "filter": "status == Enabled"}, "filter"),
    ("info: unknown report", INFO, {"user_pool_id": POOL, "usernames": ["alice"], "report": "everything"}, "report"),
    (
        "pool mfa: unknown configuration",
        POOL_MFA,
        {"user_pool_id": POOL, "mfa_configuration": "MAYBE"},
        "mfa_configuration must be one of: OFF, OPTIONAL, ON",
    ),
    (
        "pool mfa: OFF with TOTP",
        POOL_MFA,
        {"user_pool_id": POOL, "mfa_configuration": "OFF", "software_token_mfa_enabled": True},
        "OFF turns MFA off for the whole pool",
    ),
    (
        "auth: code not 6 digits",
        AUTH,
        {"user_pool_id": POOL, "client_id": "abc", "username": "alice", "password": "{{ pw }}", "totp_code": "12ab56"},
        "totp_code must be exactly 6 digits",
    ),
    (
        "auth: secret not base32",
        AUTH,
        {"user_pool_id": POOL, "client_id": "abc", "username": "alice", "password": "{{ pw }}", "totp_secret": BAD_TOTP_SECRET},
        "totp_secret: the TOTP secret is not valid base32",
    ),
    (
        "auth: secret and code",
        AUTH,
        {
            "user_pool_id": POOL,
            "client_id": "abc",
            "username": "alice",
            "password": "{{ pw }}",
            "totp_secret": STANDIN_TOTP_SECRET,
            "totp_code": "123456",
        },
        "mutually exclusive: totp_secret|totp_code",
    ),
    (
        "auth: pool id malformed",
        AUTH,
        {"user_pool_id": "nope", "client_id": "abc", "username": "alice", "password": "{{ pw }}"},
        "user_pool_id must look like REGION_ID",
    ),
]
# (pool host, its host vars, the task that refuses it, the words of the message)
BAD_ROLE_INPUTS: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "pool-id",
        {"cognito_user_pool_id": "us-east-1-NoUnderscore"},
        "Check the pool id",
        'cognito_user_pool_id "us-east-1-NoUnderscore" is not a Cognito user pool id',
    ),
    ("region", {"cognito_region": "eu-west-1"}, "Check the pool's region", 'is in region us-east-1, but the region is set to "eu-west-1"'),
    (
        "batch-size",
        {"enforce_mfa_batch_size": 0},
        "Check the pace, batches and thresholds",
        "enforce_mfa_batch_size must be at least 1, got 0",
    ),
    (
        "writes",
        {"enforce_mfa_writes_per_second": 0},
        "Check the pace, batches and thresholds",
        "enforce_mfa_writes_per_second must be greater than 0",
    ),
    (
        "percent",
        {"enforce_mfa_max_noncompliant_percent": 150},
        "Check the pace, batches and thresholds",
        "enforce_mfa_max_noncompliant_percent must be between 0 and 100",
    ),
    (
        "filter",
        {"cognito_users_filter": 'status = "Enabled"'},
        "Check the pace, batches and thresholds",
        "cognito_users_filter works only with cognito_all_users",
    ),
    (
        "policy",
        {"enforce_mfa_pool_policy": "MAYBE"},
        "Validating arguments",
        "enforce_mfa_pool_policy must be one of: none, OPTIONAL, ON, got: MAYBE",
    ),
    (
        "fail-on",
        {"enforce_mfa_fail_on": ["nope"]},
        "Validating arguments",
        "enforce_mfa_fail_on must be one or more of: failed, not_enrolled, not_found",
    ),
    (
        "unknown-key",
        {"cognito_users": ["alice", {"username": "bob", "totp": True}]},
        "Gather and check the users",
        "pool unknown-key: inline users, entry 2 (bob): unknown key(s) totp",
    ),
    (
        "duplicate",
        {"cognito_users": ["alice", "bob", "alice"]},
        "Gather and check the users",
        "pool duplicate: inline users, entry 3 (alice): duplicate of inline users, entry 1",
    ),
    (
        "missing-file",
        {"cognito_users_files": ["users/nobody.yml"]},
        "Gather and check the users",
        "pool missing-file: users file 'users/nobody.yml' does not exist",
    ),
]


def test_malformed_inputs_are_refused_before_any_call(proxy: Proxy, collections_path: str, tmp_path: Path) -> None:
    """Every malformed input of the table fails its task with one message naming the culprit
    (no traceback, no module failure), none echoes a secret, and the proxy sees no API call."""
    assert len(BAD_MODULE_INPUTS) + len(BAD_ROLE_INPUTS) >= 15
    tasks = [{"name": case, module: args, "ignore_errors": True} for case, module, args, _words in BAD_MODULE_INPUTS]
    role_play = {
        "name": "the enforce_mfa role on bad pools",
        "hosts": "cognito_pools",
        "gather_facts": False,
        "roles": ["mfaops.cognito.enforce_mfa"],
    }
    playbook = tmp_path / "bad.yml"
    playbook.write_text(yaml.safe_dump([module_play(proxy.endpoint, tasks), role_play], sort_keys=False))
    hosts = {
        host: {
            "ansible_connection": "local",
            "ansible_python_interpreter": "{{ ansible_playbook_python }}",
            "cognito_user_pool_id": f"us-east-1_Bad{n}",
            "cognito_endpoint_url": proxy.endpoint,
            "cognito_users": ["alice", "bob"],
            **hostvars,
        }
        for n, (host, hostvars, _task, _words) in enumerate(BAD_ROLE_INPUTS)
    }
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"cognito_pools": {"hosts": hosts}}))
    extra_vars = tmp_path / "vars.json"
    extra_vars.write_text(json.dumps({"pw": STANDIN_PASSWORD}))

    run = run_ansible(playbook, inventory, extra_vars, tmp_path, collections_path, stdout_callback="ansible.posix.json")
    output = json.loads(run.stdout[run.stdout.index("{") :])
    module_results = {task["task"]["name"]: task["hosts"]["localhost"] for task in output["plays"][0]["tasks"]}
    role_failures = {
        host: (task["task"]["name"], result["msg"])
        for task in output["plays"][1]["tasks"]
        for host, result in task["hosts"].items()
        if result.get("failed")
    }

    problems = []
    for case, module, _args, words in BAD_MODULE_INPUTS:
        result = module_results[case]
        msg = result.get("msg", "")
        if not result.get("failed") or words not in msg or "Traceback" in msg or "MODULE FAILURE" in msg or "\n" in msg.strip():
            problems.append(f"{module.rsplit('.', maxsplit=1)[-1]} / {case}: {msg!r}")
    for host, _hostvars, task, words in BAD_ROLE_INPUTS:
        failed_task, msg = role_failures.get(host, ("(nothing failed)", ""))
        if task not in failed_task or words not in msg:
            problems.append(f"enforce_mfa / {host}: {failed_task}: {msg!r}")
    assert not problems, "\n".join(problems)
    assert set(role_failures) == set(hosts)  # each bad pool failed (once: a failed host runs no more tasks)
    for secret in (STANDIN_PASSWORD, STANDIN_TOTP_SECRET, BAD_TOTP_SECRET, BOGUS_ACCESS_TOKEN, FAKE_SECRET_KEY):
        assert secret not in run.stdout + run.stderr
    assert proxy.counts() == {}, proxy.counts()
