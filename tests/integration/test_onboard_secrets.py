# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""onboard_users never loses a service account's secrets (issue 14 item 1, issue 13 "secrets outlive the job").

Each fault is injected at one point of the service account's way - an unusable store before the first write,
a store write that fails, a kill of ansible-playbook between two Cognito steps (the proxy's on_operation hook) -
and judged by what Cognito holds (boto3) and what the store holds (the vault file decrypted, Secrets Manager read
back): either the account is as it was (never signed in), or the store holds the password that signs it in. A
rerun then finishes the account.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest
import yaml
from ansible.parsing.vault import VaultLib, VaultSecret

from tests.integration.test_onboard_users import FAST, POOL_VARS
from tests.support import playbook as ansible
from tests.support import seed
from tests.support.proxy import DROP_AFTER, DROP_BEFORE, ERROR_500, Proxy
from tests.support.standin import STANDIN_TOTP_SECRET, write_calls

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "playbooks" / "onboard_users.yml"
VAULT_PASSWORD = "Vault-pass-for-tests-1"
SVC = "svc-ci"


def inventory(tmp_path: Path, pool: Any, **hostvars: Any) -> Path:
    host = {"cognito_user_pool_id": pool.id, "cognito_client_id": pool.client_id, "onboard_users_pool_policy": "ON",
            "cognito_users": [{"username": SVC, "service_account": True}], **hostvars}
    path = tmp_path / "inv" / "inventory.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"cognito_pools": {"vars": POOL_VARS, "hosts": {"svc": host}}}))
    return path


def run(tmp_path: Path, collections_path: str, endpoint: str, inv: Path, kill_on: Any = None, **extra: Any) -> subprocess.CompletedProcess:
    """ansible-playbook in its own process group, so a hook can kill it mid-run."""
    vars_file = tmp_path / "extra.json"
    vars_file.write_text(json.dumps({"cognito_endpoint_url": endpoint, "onboard_users_secrets_vault_password": VAULT_PASSWORD,
                                     **FAST, **extra}))
    command = [ansible.ansible_playbook(), "-i", str(inv), str(PLAYBOOK), "-e", f"@{vars_file}"]
    env = ansible.playbook_env(collections_path, tmp_path, nocolor="1", stdout_callback="ansible.posix.json")
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    if kill_on is not None:
        kill_on["pid"] = process.pid
    out, err = process.communicate(timeout=600)
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def vault(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    return yaml.safe_load(VaultLib([("default", VaultSecret(VAULT_PASSWORD.encode()))]).decrypt(path.read_bytes())) or {}


def signs_in(cognito: Any, pool: Any, password: str) -> bool:
    """Whether Cognito takes this password for the account (a TOTP challenge counts: the password is right)."""
    try:
        answer = cognito.admin_initiate_auth(UserPoolId=pool.id, ClientId=pool.client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                             AuthParameters={"USERNAME": SVC, "PASSWORD": password})
    except botocore.exceptions.ClientError:
        return False
    return answer.get("ChallengeName") != "NEW_PASSWORD_REQUIRED"


def status(cognito: Any, pool: Any) -> str | None:
    try:
        return cognito.admin_get_user(UserPoolId=pool.id, Username=SVC)["UserStatus"]
    except cognito.exceptions.UserNotFoundException:
        return None


def assert_nothing_lost(cognito: Any, pool: Any, entry: dict[str, Any]) -> None:
    """Either the account never signed in (the old state: a rerun starts over), or the store's password works."""
    if status(cognito, pool) in (None, "FORCE_CHANGE_PASSWORD"):
        return
    assert entry.get("password") and signs_in(cognito, pool, entry["password"]), entry.keys()


def assert_enrolled(cognito: Any, pool: Any, entry: dict[str, Any]) -> None:
    assert entry["state"] == "confirmed" and entry["totp_secret"] == STANDIN_TOTP_SECRET
    assert signs_in(cognito, pool, entry["password"])
    state = seed.mfa_state(cognito, pool.id, SVC)
    assert state["enabled_methods"] == ["software_token_mfa"] and state["preferred_method"] == "software_token_mfa"


# ----------------------------------------------------------------------- the store, checked before the first write


def test_unusable_store_fails_before_any_write(standin: Any, cognito: Any, collections_path: str, tmp_path: Path) -> None:
    """A vault file that the password does not decrypt, a parent path that is a file, an AWX job with the default
    (job-local) vault file: each fails before any write to Cognito, and the account is never created."""
    pool = seed.create_pool(cognito, "secrets-bad", "OFF")
    other = tmp_path / "other.vault.yml"
    other.write_bytes(VaultLib().encrypt("x: 1\n", VaultSecret(b"another password")))
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    cases = {
        "does not decrypt with onboard_users_secrets_vault_password": {"onboard_users_secrets_file": str(other)},
        "is not a directory": {"onboard_users_secrets_file": str(blocker / "secrets" / "svc.vault.yml")},
        "this is an AWX job": {"onboard_users_secrets_file": str(tmp_path / "inv" / "secrets" / "svc.vault.yml"), "awx_job_id": 42},
        "This is an AWX job, which keeps no file": {"tower_job_id": 42},
    }
    for expected, hostvars in cases.items():
        inv = inventory(tmp_path, pool, **{k: v for k, v in hostvars.items() if k.startswith("onboard")})
        standin.reset_counts()
        done = run(tmp_path, collections_path, standin.endpoint, inv, **{k: v for k, v in hostvars.items() if not k.startswith("onboard")})
        assert done.returncode != 0 and expected in done.stdout, (expected, done.stdout[-3000:])
        made = standin.counts(pool.id)
        assert write_calls(made) == {} and "AdminCreateUser" not in made, (expected, made)
        assert status(cognito, pool) is None
    assert other.read_bytes().startswith(b"$ANSIBLE_VAULT;1.1;AES256")


# ----------------------------------------------------------------------- faults between the steps

PENDING, CONFIRMED = "pending", "confirmed"
FAULTS = [
    # The operation at fault (its first request), what the proxy does with it, a kill or every attempt failing;
    # then what Cognito (UserStatus) and the vault file (state, TOTP secret kept) hold after that first run.
    pytest.param("AdminInitiateAuth", DROP_BEFORE, "kill", ("FORCE_CHANGE_PASSWORD", PENDING, False), id="kill-before-sign-in"),
    pytest.param("AdminRespondToAuthChallenge", DROP_AFTER, "kill", ("CONFIRMED", PENDING, False), id="kill-after-new-password-set"),
    pytest.param("AssociateSoftwareToken", DROP_AFTER, "kill", ("CONFIRMED", PENDING, False), id="kill-after-associate"),
    pytest.param("VerifySoftwareToken", DROP_BEFORE, "kill", ("CONFIRMED", PENDING, True), id="kill-before-verify"),
    pytest.param("VerifySoftwareToken", DROP_AFTER, "kill", ("CONFIRMED", PENDING, True), id="kill-after-verify"),
    pytest.param("AdminSetUserMFAPreference", DROP_BEFORE, "kill", ("CONFIRMED", CONFIRMED, True), id="kill-before-preference"),
    pytest.param("VerifySoftwareToken", ERROR_500, "fail", ("CONFIRMED", PENDING, True), id="verify-fails"),
    pytest.param("PutSecretValue", ERROR_500, "fail", (None, None, False), id="store-write-fails"),
]


@pytest.mark.parametrize(("operation", "fault", "how", "after"), FAULTS)
def test_fault_between_steps_loses_nothing_and_a_rerun_finishes(
    standin: Any, cognito: Any, collections_path: str, tmp_path: Path, operation: str, fault: str, how: str, after: Any
) -> None:
    pool = seed.create_pool(cognito, f"secrets-{operation[:12]}-{fault[:6]}-{how}", "OFF")
    secrets_file = tmp_path / "vault" / "svc.vault.yml"
    inv = inventory(tmp_path, pool, onboard_users_secrets_file=str(secrets_file), onboard_users_secrets_manager=True)
    kill: dict[str, Any] = {}
    hit: list[str] = []

    def on_operation(name: str) -> str | None:
        if name != operation or hit:
            return None
        hit.append(name)
        if how == "kill":
            os.killpg(kill["pid"], signal.SIGKILL)
        return fault

    with Proxy(standin.endpoint, quotas={}) as proxy:
        proxy.on_operation = on_operation
        # 500s are retried by the engine: fail every attempt of that operation.
        if how == "fail":
            proxy.on_operation = lambda name: fault if name == operation else None
        first = run(tmp_path, collections_path, proxy.endpoint, inv, kill_on=kill)
        assert first.returncode != 0
        entry = vault(secrets_file).get(SVC, {})
        assert_nothing_lost(cognito, pool, entry)
        assert (status(cognito, pool), entry.get("state"), "totp_secret" in entry) == after
        proxy.on_operation = None
        second = run(tmp_path, collections_path, proxy.endpoint, inv)
    assert second.returncode == 0, second.stdout[-3000:]
    entry = vault(secrets_file)[SVC]
    assert_enrolled(cognito, pool, entry)
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    secretsmanager = boto_secretsmanager(standin)
    kept = json.loads(secretsmanager.get_secret_value(SecretId=f"mfaops/cognito/{pool.id}/{SVC}")["SecretString"])
    assert kept == entry


def boto_secretsmanager(standin: Any) -> Any:
    import boto3

    return boto3.client("secretsmanager", endpoint_url=standin.endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


# ----------------------------------------------------------------------- Secrets Manager alone, and a lost secret


def test_secrets_manager_only_then_lost_secret_is_loud(standin: Any, cognito: Any, collections_path: str, tmp_path: Path) -> None:
    """Secrets Manager as the only store, with a name pattern of one's own: the account's secret holds its
    confirmed secrets; a second run signs nobody in. With the secret deleted, the run fails and says how to
    re-enrol the account - never "within thresholds"."""
    pool = seed.create_pool(cognito, "secrets-sm", "OFF")
    inv = inventory(tmp_path, pool, onboard_users_secrets_manager=True, onboard_users_secrets_manager_name="ci/{pool}/{username}")
    done = run(tmp_path, collections_path, standin.endpoint, inv, onboard_users_secrets_vault_password="")
    assert done.returncode == 0, done.stdout[-3000:]
    assert not (tmp_path / "inv" / "secrets").exists()
    client = boto_secretsmanager(standin)
    entry = json.loads(client.get_secret_value(SecretId=f"ci/svc/{SVC}")["SecretString"])
    assert_enrolled(cognito, pool, entry)

    standin.reset_counts()
    again = run(tmp_path, collections_path, standin.endpoint, inv, onboard_users_secrets_vault_password="")
    assert again.returncode == 0
    made = standin.counts(pool.id)
    assert write_calls(made) == {} and "AdminInitiateAuth" not in standin.counts(), made

    client.delete_secret(SecretId=f"ci/svc/{SVC}", ForceDeleteWithoutRecovery=True)
    lost = run(tmp_path, collections_path, standin.endpoint, inv, onboard_users_secrets_vault_password="")
    assert lost.returncode != 0
    assert "its secrets are not in the store" in lost.stdout and "admin-delete-software-token" in lost.stdout
    assert "within thresholds" not in lost.stdout
