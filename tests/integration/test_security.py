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
2. Malformed inputs: the table of them, across every module and role, is test_bad_inputs.py.
3. Files: enforce_mfa and the modules write no file (the runs above leave nothing but Ansible's
   log in their working directory), so there is nothing to create with mode 0600; the audit and
   onboarding roles have their own tests for their report and vault files.
4. An interrupted run: SIGTERM during a task leaves ansible-core's copy of the module, with its
   arguments, in ~/.ansible/tmp; README "Stopping a run" says so, and its command cleans it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import socket
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


# ----------------------------------------------------------------------- 4. an interrupted run


def test_an_interrupted_run_leaves_its_arguments_and_the_readme_cleans_them(collections_path: str, tmp_path: Path) -> None:
    """What README "Stopping a run" says: SIGTERM while cognito_auth_test waits on Cognito leaves
    ~/.ansible/tmp/ansible-tmp-*/AnsiballZ_cognito_auth_test.py behind, holding the password; the README's
    command removes it."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("**Stopping a run.**") :]
    command = re.search(r"```sh\n(find ~/.ansible/tmp .*)\n```", section).group(1)
    silent = socket.create_server(("127.0.0.1", 0))  # accepts, never answers: the module waits
    home = tmp_path / "home"
    home.mkdir()
    playbook = tmp_path / "wait.yml"
    task = {AUTH: {"user_pool_id": "us-east-1_AbCdEf123", "client_id": "abc", "username": "alice", "password": STANDIN_PASSWORD}}
    play = module_play(f"http://127.0.0.1:{silent.getsockname()[1]}", [{"name": "waits", **task, "no_log": True}])
    playbook.write_text(yaml.safe_dump([play], sort_keys=False))
    env = ansible.playbook_env(collections_path, tmp_path, remote_tmp=str(home / ".ansible" / "tmp"))
    env["HOME"] = str(home)
    with silent, subprocess.Popen(
        [ansible.ansible_playbook(), "-i", "localhost,", str(playbook)], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    ) as run:
        waiting, _address = silent.accept()  # the module's connection, kept open and unanswered
        left = list((home / ".ansible" / "tmp").glob("ansible-tmp-*/AnsiballZ_cognito_auth_test.py"))
        run.terminate()
        run.wait(timeout=60)
        waiting.close()
    assert len(left) == 1 and left[0].exists(), "the module's file should be left after SIGTERM"
    assert STANDIN_PASSWORD in left[0].read_text()  # no_log or not: the arguments are in the file
    subprocess.run(["sh", "-c", command], env={"HOME": str(home), "PATH": "/usr/bin:/bin"}, check=True)
    assert not list((home / ".ansible" / "tmp").iterdir())
