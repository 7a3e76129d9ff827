"""Service accounts' secrets: the plan per account (module_utils/service_account.py) and the controller's store
(plugin_utils/secrets_store.py: the vault file, directories, AWX jobs)."""

import os
import stat

import pytest
from ansible.parsing.vault import VaultLib, VaultSecret

from ansible_collections.mfaops.cognito.plugins.module_utils import files
from ansible_collections.mfaops.cognito.plugins.module_utils import service_account as sa
from ansible_collections.mfaops.cognito.plugins.plugin_utils import secrets_store

PENDING_PW = {"state": "pending", "password": "pw"}
PENDING_TOTP = {"state": "pending", "password": "pw", "totp_secret": "S"}
CONFIRMED = {"state": "confirmed", "password": "pw", "totp_secret": "S"}


@pytest.mark.parametrize(
    "status, entry, given, expected",
    [
        (None, None, None, sa.ABSENT),
        ("FORCE_CHANGE_PASSWORD", None, None, sa.FIRST),
        ("FORCE_CHANGE_PASSWORD", PENDING_PW, None, sa.FIRST),  # killed before the password was set
        ("CONFIRMED", PENDING_PW, None, sa.RESUME),  # killed after the password was set
        ("CONFIRMED", PENDING_TOTP, None, sa.RESUME),  # killed around the verification
        ("CONFIRMED", CONFIRMED, None, sa.DONE),
        ("CONFIRMED", {"totp_secret": "S", "password": "pw"}, None, sa.DONE),  # an entry from before states
        ("CONFIRMED", {"totp_secret": "S"}, "given", sa.DONE),
        ("CONFIRMED", {"totp_secret": "S"}, None, sa.LOST),
        ("CONFIRMED", None, None, sa.LOST),  # enrolled, the store lost it
        ("CONFIRMED", {"state": sa.RESERVED}, None, sa.LOST),  # the writability check's placeholder only
        ("CONFIRMED", None, "given", sa.RESUME),
        ("RESET_REQUIRED", PENDING_PW, None, sa.LOST),
    ],
)
def test_plan(status, entry, given, expected):
    assert sa.plan(status, entry, given) == expected


def test_entry_keeps_a_given_password_out():
    assert sa.entry("pw", given=True, totp_secret="S") == {"state": "pending", "totp_secret": "S"}
    assert sa.entry("pw", given=False, totp_secret="S", state=sa.CONFIRMED) == {"state": "confirmed", "password": "pw", "totp_secret": "S"}


def test_secret_name():
    assert sa.secret_name("ci/{pool}/{user_pool_id}/{username}", "corp", "eu-west-1_Ab", "svc") == "ci/corp/eu-west-1_Ab/svc"


def test_make_dirs_creates_0700_and_leaves_existing_and_symlinks_alone(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    target = tmp_path / "elsewhere"
    target.mkdir()
    os.chmod(target, 0o755)
    (tmp_path / "link").symlink_to(target)
    files.make_dirs(str(shared / "a" / "b"))
    files.make_dirs(str(tmp_path / "link"))
    files.make_dirs(str(tmp_path / "link" / "c"))
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert stat.S_IMODE((shared / "a").stat().st_mode) == 0o700
    assert stat.S_IMODE((shared / "a" / "b").stat().st_mode) == 0o700
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    assert stat.S_IMODE((target / "c").stat().st_mode) == 0o700


def test_vault_file_problems(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    other = tmp_path / "other.vault.yml"
    other.write_bytes(VaultLib().encrypt("a: 1\n", VaultSecret(b"other")))
    assert secrets_store.VaultFile(str(tmp_path / "new" / "s.yml"), "pw").problems() == []
    assert secrets_store.VaultFile(str(blocker / "s.yml"), "pw").problems() == [f"vault file {blocker}/s.yml: {blocker} is not a directory"]
    assert "does not decrypt" in secrets_store.VaultFile(str(other), "pw").problems()[0]
    assert secrets_store.VaultFile(str(other), "").problems() == [f"vault file {other}: no vault password (onboard_users_secrets_vault_password)"]
    assert secrets_store.VaultFile(str(other), "other").problems() == []


def test_vault_file_put_merges_and_is_0600(tmp_path):
    path = tmp_path / "s" / "v.yml"
    store = secrets_store.VaultFile(str(path), "pw")
    store.put({"a": {"state": "pending"}})
    store.put({"b": {"state": "confirmed"}})
    assert store.read() == {"a": {"state": "pending"}, "b": {"state": "confirmed"}}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert sorted(os.listdir(path.parent)) == ["v.yml"]


@pytest.mark.parametrize(
    "task_vars, expected",
    [({}, False), ({"awx_job_id": 7}, True), ({"tower_job_id": "7"}, True), ({"awx_job_id": ""}, False)],
)
def test_awx_job(task_vars, expected):
    assert secrets_store.awx_job(task_vars) is expected


def test_job_dirs_of_an_awx_layout(tmp_path):
    private = tmp_path / "awx_42_x"
    (private / "inventory").mkdir(parents=True)
    (private / "project").mkdir()
    dirs = secrets_store.job_dirs({"inventory_dir": str(private / "inventory"), "playbook_dir": str(private / "project")})
    assert secrets_store.under(str(private / "secrets" / "s.yml"), dirs)
    assert not secrets_store.under(str(tmp_path / "durable" / "s.yml"), dirs)
