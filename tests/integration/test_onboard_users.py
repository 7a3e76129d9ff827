# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/onboard_users.yml (the role mfaops.cognito.onboard_users, the cognito_user module)
through ansible-playbook, against the stand-in.

Each test builds its own pools and an inventory in tmp_path. Claims about calls are checked at
the stand-in, which counts calls per operation and pool; final states are read back through boto3.

moto quirks that matter here: it does not check temporary passwords against the pool's policy;
AdminCreateUser with MessageAction=RESEND replaces the user (attributes and groups lost), so
`invitation: resend` is covered by the unit tests only; it hands every user the same TOTP secret
(STANDIN_TOTP_SECRET).
"""

from __future__ import annotations

import re
import secrets
import stat
import subprocess
from pathlib import Path
from typing import Any

import yaml
from ansible.parsing.vault import VaultLib, VaultSecret

from tests.support import playbook as ansible
from tests.support import seed
from tests.support.standin import STANDIN_TOTP_SECRET, write_calls

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "playbooks" / "onboard_users.yml"
TASK_USERS = "Gather and check the users listed for the pool"
TASK_NEEDS = "Check that every new user can be invited, and that service accounts have what they need"
TASK_GROUPS = "Check the groups the users join (ListGroups), before any write"
TASK_CREATE = "Create the users, batch by batch"
TASK_SUMMARY = "Sum up the pool"
TASK_REPORT = "Report the pool"
# Fast enough for the stand-in; the defaults (half of Cognito's quotas) would make the tests slow.
FAST = {
    "onboard_users_reads_per_second": 200,
    "onboard_users_creates_per_second": 200,
    "onboard_users_group_reads_per_second": 200,
    "onboard_users_writes_per_second": 200,
}
POOL_VARS = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}", "cognito_region": "us-east-1"}


# ----------------------------------------------------------------------- helpers


def write_inventory(directory: Path, hosts: dict[str, dict[str, Any]], files: dict[str, Any] | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in (files or {}).items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(yaml.safe_dump(data, sort_keys=False))
    path = directory / "inventory.yml"
    path.write_text(yaml.safe_dump({"cognito_pools": {"vars": POOL_VARS, "hosts": hosts}}, sort_keys=False))
    return path


def play(run_playbook: Any, standin: Any, inventory: Path, extra_vars: dict[str, Any] | None = None, **options: Any) -> Any:
    """The onboard_users playbook on ``inventory`` against the stand-in; the stand-in's counts are reset first."""
    standin.reset_counts()
    return run_playbook(
        PLAYBOOK,
        {"cognito_endpoint_url": standin.endpoint, **FAST, **(extra_vars or {})},
        args=("-i", str(inventory), "--forks", "4"),
        config={"show_custom_stats": "true"},
        **options,
    )


def results(run: Any, task: str) -> dict[str, dict[str, Any]]:
    """``{host: result}`` of the role's task called ``task``."""
    for played in run.output.get("plays", []):
        for ran in played["tasks"]:
            if ran["task"]["name"].endswith(f" : {task}"):
                return ran["hosts"]
    return {}


def summary(run: Any, host: str) -> dict[str, Any]:
    return results(run, TASK_SUMMARY)[host]["ansible_facts"]["onboard_users_summary"]


def counts(total: int, **nonzero: int) -> dict[str, int]:
    return {"total": total, "created": 0, "existing": 0, "updated": 0, "failed": 0, "not_attempted": 0, **nonzero}


def batch_diffs(run: Any, host: str) -> tuple[dict[str, Any], dict[str, Any]]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for batch in results(run, TASK_CREATE)[host]["results"]:
        before.update(batch.get("diff", {}).get("before", {}))
        after.update(batch.get("diff", {}).get("after", {}))
    return before, after


def all_users(client: Any, pool_id: str) -> dict[str, dict[str, Any]]:
    """Every user of the pool: {username: {"status": ..., "attributes": {...}}} (ListUsers, paginated)."""
    found = {}
    for page in client.get_paginator("list_users").paginate(UserPoolId=pool_id):
        for user in page["Users"]:
            attributes = {a["Name"]: a["Value"] for a in user["Attributes"] if a["Name"] != "sub"}
            found[user["Username"]] = {"status": user["UserStatus"], "attributes": attributes}
    return found


def members(client: Any, pool_id: str, group: str) -> set[str]:
    pages = client.get_paginator("list_users_in_group").paginate(UserPoolId=pool_id, GroupName=group)
    return {user["Username"] for page in pages for user in page["Users"]}


def groups_of(client: Any, pool_id: str, username: str) -> list[str]:
    return sorted(g["GroupName"] for g in client.admin_list_groups_for_user(UserPoolId=pool_id, Username=username)["Groups"])


def lookup_message(run: Any, task: str) -> dict[str, str]:
    """``{host: message}`` of the hosts that failed ``task``; Ansible's own words before "pool <host>: " cut off."""
    failed = {host: result["msg"] for host, result in results(run, task).items() if result.get("failed")}
    return {host: msg[msg.find(f"pool {host}: "):] for host, msg in failed.items()}


# ----------------------------------------------------------------------- 500 users


def person(i: int) -> dict[str, Any]:
    """A users file entry, shared with enforce_mfa: MFA keys are ignored by onboarding."""
    entry: dict[str, Any] = {"username": f"user-{i:04d}", "email": f"user-{i:04d}@corp.example.com"}
    if i % 5 == 0:
        entry["phone_number"] = f"+1555010{i:04d}"
    if i % 3 == 0:
        entry["name"] = f"User {i}"
        entry["attributes"] = {"given_name": "User", "custom:team": f"t{i % 4}"}
    if i % 10 == 0:
        entry["groups"] = ["eng"]
    if i % 7 == 0:
        entry["software_token_mfa"] = {"enabled": True, "preferred": True}
    return entry


def test_500_users_check_then_apply_then_nothing_to_change(standin: Any, cognito: Any, run_playbook: Any, tmp_path: Path) -> None:
    """500 users from a users file, in batches of 200, every user joining `staff` and some `eng`; two of
    them exist already and are left alone. --check --diff creates nobody and lists the 498 that would be
    created; the run creates exactly them; a second run changes nothing and writes nothing."""
    pool = seed.create_pool(cognito, "onboard-500", "OFF")
    for group in ("staff", "eng"):
        cognito.create_group(UserPoolId=pool.id, GroupName=group)
    seed.create_user(cognito, pool, "user-0000")  # e-mail user-0000@example.com, CONFIRMED, no group
    seed.create_user(cognito, pool, "user-0001")
    host = "corp"
    inventory = write_inventory(
        tmp_path,
        {
            host: {
                "cognito_user_pool_id": pool.id,
                "cognito_users_files": ["users/corp.yml"],
                "onboard_users_groups": ["staff"],
                "onboard_users_batch_size": 200,
            }
        },
        files={"users/corp.yml": [person(i) for i in range(500)]},
    )
    new = {f"user-{i:04d}" for i in range(2, 500)}
    new_in_eng = {f"user-{i:04d}" for i in range(10, 500, 10)}

    # --check --diff: reads only.
    run = play(run_playbook, standin, inventory, check=True, diff=True)
    assert run.rc == 0, run
    made = standin.counts(pool.id)
    assert write_calls(made) == {} and "AdminCreateUser" not in made, made
    assert made == {"ListGroups": 4, "AdminGetUser": 500}  # the group check, then once per batch
    assert summary(run, host)["counts"] == counts(500, created=498, existing=2)
    before, after = batch_diffs(run, host)
    assert before == {} and set(after) == new
    assert after["user-0030"] == {
        "status": "FORCE_CHANGE_PASSWORD",
        "attributes": {
            "custom:team": "t2",
            "email": "user-0030@corp.example.com",
            "given_name": "User",
            "name": "User 30",
            "phone_number": "+15550100030",
        },
        "groups": ["eng", "staff"],
    }
    assert results(run, TASK_REPORT)[host]["msg"] == (
        f"{host} ({pool.id}): 500 users: 498 would be created, 2 existing, 0 would be updated, 0 failed"
    )
    assert set(all_users(cognito, pool.id)) == {"user-0000", "user-0001"}

    # Apply.
    run = play(run_playbook, standin, inventory)
    assert run.rc == 0, run
    batches = results(run, TASK_CREATE)[host]["results"]
    assert [batch["_ansible_item_label"] for batch in batches] == ["batch 1/3 (200 users)", "batch 2/3 (200 users)", "batch 3/3 (100 users)"]
    assert [batch["counts"]["created"] for batch in batches] == [198, 200, 100]
    assert summary(run, host)["counts"] == counts(500, created=498, existing=2)
    assert results(run, TASK_REPORT)[host]["msg"] == f"{host} ({pool.id}): 500 users: 498 created, 2 existing, 0 updated, 0 failed"
    assert run.output["global_custom_stats"]["onboard_users"] == {host: counts(500, created=498, existing=2)}
    made = standin.counts(pool.id)
    assert made["AdminCreateUser"] == 498
    assert made["AdminAddUserToGroup"] == 498 + len(new_in_eng)
    assert write_calls(made) == {"AdminCreateUser": 498, "AdminAddUserToGroup": 498 + len(new_in_eng)}
    assert standin.failures(pool.id) == {"AdminGetUser": 498}  # UserNotFoundException: the users to create

    users = all_users(cognito, pool.id)
    assert len(users) == 500
    assert {name for name, user in users.items() if user["status"] == "FORCE_CHANGE_PASSWORD"} == new
    for i in range(2, 500):
        expected = person(i)
        want = {"email": expected["email"], **expected.get("attributes", {})}
        want.update({key: expected[key] for key in ("phone_number", "name") if key in expected})
        assert users[f"user-{i:04d}"]["attributes"] == want, i
    assert users["user-0001"]["attributes"]["email"] == "user-0001@example.com"  # an existing user is left alone
    assert members(cognito, pool.id, "staff") == new
    assert members(cognito, pool.id, "eng") == new_in_eng
    assert groups_of(cognito, pool.id, "user-0000") == []

    # Nothing left to do.
    run = play(run_playbook, standin, inventory)
    assert run.rc == 0, run
    assert not any(batch["changed"] for batch in results(run, TASK_CREATE)[host]["results"])
    assert summary(run, host)["counts"] == counts(500, existing=500)
    assert write_calls(standin.counts(pool.id)) == {}


# ----------------------------------------------------------------------- service accounts and secrets


# A generated temporary password (cognito_user): 16+ characters of its alphabet, every kind among them.
GENERATED = re.compile(r"(?<![A-Za-z0-9!#%+=@_-])[A-Za-z0-9!#%+=@_-]{16,40}(?![A-Za-z0-9!#%+=@_-])")


def looks_generated(text: str) -> list[str]:
    return [
        word
        for word in GENERATED.findall(text)
        if re.search("[A-Z]", word) and re.search("[a-z]", word) and re.search("[0-9]", word) and re.search("[!#%+=@_-]", word)
    ]


def test_service_account_enrolled_its_secrets_in_the_vault_and_nothing_leaks(
    standin: Any, cognito: Any, run_playbook: Any, collections_path: str, tmp_path: Path
) -> None:
    """A pool with MFA OFF, a service account, two new people, one existing user to update; the pool goes
    to ON. At -vvvv: the service account signs in for the first time, enrols TOTP and ends with TOTP enabled
    and preferred; its secret and generated password are in a 0600 vault file and nowhere in the output, nor
    is the temporary password given for the people. cognito_auth_test signs it in with the secrets read back
    from the vault. A second run changes nothing: no write, no sign-in, the vault file untouched."""
    pool = seed.create_pool(cognito, "onboard-svc", "OFF")
    seed.create_user(cognito, pool, "cat")  # CONFIRMED, cat@example.com
    vault_password = "Vault-" + secrets.token_urlsafe(12)
    temporary = "Temp-" + secrets.token_urlsafe(12) + "#1a"
    secrets_file = tmp_path / "secrets" / "svc.vault.yml"
    host = "svc"
    hostvars = {
        "cognito_user_pool_id": pool.id,
        "cognito_client_id": pool.client_id,
        "cognito_users": [
            {"username": "svc-ci", "service_account": True, "groups": ["robots"]},
            {"username": "ann", "email": "ann@example.com", "phone_number": "+14155550123"},
            {"username": "ben", "email": "ben@example.com", "groups": ["ops"], "sms_mfa": {"enabled": False}},
            {"username": "cat", "email": "cat@new.example.com", "groups": ["ops"]},
        ],
        "onboard_users_pool_policy": "ON",
        "onboard_users_create_groups": True,
        "onboard_users_update_attributes": True,
        "onboard_users_update_groups": True,
        "onboard_users_secrets_file": str(secrets_file),
    }
    inventory = write_inventory(tmp_path / "inv", {host: hostvars})
    extra = {"onboard_users_secrets_vault_password": vault_password, "onboard_users_temporary_password": temporary}

    # First run, at -vvvv with the default output, as a person would see it.
    vars_file = tmp_path / "extra.yml"
    vars_file.write_text(yaml.safe_dump({"cognito_endpoint_url": standin.endpoint, **FAST, **extra}))
    standin.reset_counts()
    done = subprocess.run(
        [ansible.ansible_playbook(), "-vvvv", "-i", str(inventory), str(PLAYBOOK), "-e", f"@{vars_file}"],
        cwd=tmp_path,
        env=ansible.playbook_env(collections_path, tmp_path, nocolor="1"),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-5000:]
    made = standin.counts()  # every pool: the stand-in files the sign-in calls under none
    assert made["CreateGroup"] == 2  # robots, ops (the stand-in's WRITE_OPERATIONS misses CreateGroup)
    assert write_calls(made) == {
        "SetUserPoolMfaConfig": 1,
        "AdminCreateUser": 3,  # ann, ben, svc-ci
        "AdminAddUserToGroup": 3,  # ben and cat to ops, svc-ci to robots
        "AdminUpdateUserAttributes": 1,  # cat's e-mail address
        "AssociateSoftwareToken": 1,  # svc-ci's first sign-in
        "VerifySoftwareToken": 1,
        "AdminSetUserMFAPreference": 1,  # svc-ci: TOTP enabled and preferred
    }
    assert f"{host} ({pool.id}): 4 users: 3 created, 0 existing, 1 updated, 0 failed; groups created: robots, ops; " \
        "service accounts signed in and enrolled: svc-ci" in output

    # The vault file: 0600 in a 0700 directory, encrypted, with the secret and the generated password.
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(secrets_file.parent.stat().st_mode) == 0o700
    sealed = secrets_file.read_bytes()
    assert sealed.startswith(b"$ANSIBLE_VAULT;1.1;AES256\n")
    kept = yaml.safe_load(VaultLib([("default", VaultSecret(vault_password.encode()))]).decrypt(sealed))
    assert set(kept) == {"svc-ci"} and set(kept["svc-ci"]) == {"password", "totp_secret", "state"}
    assert kept["svc-ci"]["state"] == "confirmed"
    assert kept["svc-ci"]["totp_secret"] == STANDIN_TOTP_SECRET
    password = kept["svc-ci"]["password"]
    assert len(password) == 32

    # Nothing secret in the output: not the vault's content, nor its password, nor any temporary password.
    for secret in (password, STANDIN_TOTP_SECRET, vault_password, temporary):
        assert secret not in output
    assert looks_generated(output) == []

    # The pool and its users, read back.
    config = cognito.get_user_pool_mfa_config(UserPoolId=pool.id)
    assert (config["MfaConfiguration"], config["SoftwareTokenMfaConfiguration"]["Enabled"]) == ("ON", True)
    users = all_users(cognito, pool.id)
    assert {name: user["status"] for name, user in users.items()} == {
        "svc-ci": "CONFIRMED",
        "ann": "FORCE_CHANGE_PASSWORD",
        "ben": "FORCE_CHANGE_PASSWORD",
        "cat": "CONFIRMED",
    }
    assert users["svc-ci"]["attributes"] == {}
    assert users["cat"]["attributes"]["email"] == "cat@new.example.com"  # updated, as asked
    state = seed.mfa_state(cognito, pool.id, "svc-ci")
    assert state["enabled_methods"] == ["software_token_mfa"] and state["preferred_method"] == "software_token_mfa"
    assert groups_of(cognito, pool.id, "svc-ci") == ["robots"]
    assert groups_of(cognito, pool.id, "ben") == ["ops"] and groups_of(cognito, pool.id, "cat") == ["ops"]
    # The people got the temporary password given: their first sign-in asks for a new one.
    first = cognito.admin_initiate_auth(
        UserPoolId=pool.id,
        ClientId=pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ann", "PASSWORD": temporary},
    )
    assert first["ChallengeName"] == "NEW_PASSWORD_REQUIRED"

    # cognito_auth_test signs the service account in with what the vault holds: password and TOTP.
    signin = run_playbook(
        [
            {
                "name": "sign in",
                "mfaops.cognito.cognito_auth_test": {
                    "user_pool_id": pool.id,
                    "client_id": pool.client_id,
                    "username": "svc-ci",
                    "password": "{{ vaulted['svc-ci'].password }}",
                    "totp_secret": "{{ vaulted['svc-ci'].totp_secret }}",
                },
            }
        ],
        extra_vars={"vaulted": kept},
    ).result("sign in")
    assert not signin.get("failed"), signin["msg"]
    assert (signin["outcome"], signin["totp_required"], signin["challenges"]) == ("signed_in", True, ["SOFTWARE_TOKEN_MFA"])

    # Nothing left to do: no write, no sign-in, the vault file as it was.
    run = play(run_playbook, standin, inventory, extra, diff=True)
    assert run.rc == 0, run
    assert summary(run, host)["counts"] == counts(4, existing=4)
    assert batch_diffs(run, host) == ({}, {})
    made = standin.counts()
    assert write_calls(made) == {} and "CreateGroup" not in made and "AdminInitiateAuth" not in made, made
    assert secrets_file.read_bytes() == sealed


# ----------------------------------------------------------------------- bad input


def test_bad_inputs_fail_before_any_call(standin: Any, cognito: Any, run_playbook: Any, tmp_path: Path) -> None:
    """Each bad input fails its pool with one message naming the pool, the file and the entry; with
    any_errors_fatal no pool is touched. Input errors make no call at all; an unknown group costs one
    ListGroups, a pool not ready for service accounts one read of its MFA configuration and one of its sign-in
    policy: never a write."""
    # 1. Entries the lookup rejects.
    hosts = {
        "no-username": {"cognito_users": [{"email": "a@example.com"}]},
        "bad-email": {"cognito_users": [{"username": "a", "email": "a@example"}]},
        "bad-phone": {"cognito_users": [{"username": "a", "email": "a@example.com", "phone_number": "+1 415 555 0123"}]},
        "bad-attribute": {"cognito_users_files": ["users/bad.yml"]},
        "bad-group": {"cognito_users": ["a", {"username": "b", "email": "b@example.com", "groups": ["two words"]}]},
    }
    for n, hostvars in enumerate(hosts.values()):
        hostvars["cognito_user_pool_id"] = f"us-east-1_Bad{n}"
    bad_file = [{"username": "x", "email": "x@example.com"}, {"username": "a", "email": "a@example.com", "attributes": {"colour": "blue"}}]
    inventory = write_inventory(tmp_path / "B1", hosts, files={"users/bad.yml": bad_file})
    run = play(run_playbook, standin, inventory)
    assert run.rc != 0, run
    assert lookup_message(run, TASK_USERS) == {
        "no-username": "pool no-username: inline users, entry 1: username must be a non-empty string, got None",
        "bad-email": "pool bad-email: inline users, entry 1 (a).email: 'a@example' is not a valid e-mail address",
        "bad-phone": (
            "pool bad-phone: inline users, entry 1 (a).phone_number: '+1 415 555 0123' is not a phone number in E.164 form "
            "(a + sign, the country code and the number, digits only, at most 15, for example '+14155550123')"
        ),
        "bad-attribute": (
            "pool bad-attribute: users file 'users/bad.yml', entry 2 (a).attributes: unknown attribute 'colour' (a standard "
            "attribute such as email, phone_number, given_name, or a custom one written custom:<name>, at most 20 characters "
            "after the prefix)"
        ),
        "bad-group": "pool bad-group: inline users, entry 2 (b).groups[0]: group name 'two words' contains white space or control characters",
    }
    assert standin.counts() == {}

    # 2. Users the invitation cannot reach; a service account without an app client and vault password.
    hosts = {
        "unreachable": {"cognito_user_pool_id": "us-east-1_Bad8", "cognito_users": ["a", {"username": "b", "email": "b@example.com"}]},
        "no-client": {"cognito_user_pool_id": "us-east-1_Bad9", "cognito_users": [{"username": "svc", "service_account": True}]},
    }
    run = play(run_playbook, standin, write_inventory(tmp_path / "B2", hosts))
    assert run.rc != 0, run
    assert lookup_message(run, TASK_NEEDS) == {
        "unreachable": (
            "pool unreachable: the invitation (send) cannot reach 1 user who has no email or phone_number: a. "
            "Give them one, or set onboard_users_invitation: suppress."
        ),
        "no-client": (
            "pool no-client: 1 service account listed (svc): their first sign-in needs an app client (onboard_users_client_id, "
            "or the host var cognito_client_id) and their secrets a vault password (onboard_users_secrets_vault_password)."
        ),
    }
    assert standin.counts() == {}

    # 3. A group that does not exist: one ListGroups, and nothing written, in any pool.
    pool = seed.create_pool(cognito, "onboard-bad", "OFF")
    other = seed.create_pool(cognito, "onboard-good", "OFF")
    cognito.create_group(UserPoolId=pool.id, GroupName="staff")
    hosts = {
        "ghost": {"cognito_user_pool_id": pool.id, "cognito_users": [{"username": "a", "email": "a@example.com", "groups": ["staff", "ghost"]}]},
        "good": {"cognito_user_pool_id": other.id, "cognito_users": [{"username": "a", "email": "a@example.com"}]},
    }
    run = play(run_playbook, standin, write_inventory(tmp_path / "B3", hosts))
    assert run.rc != 0, run
    assert results(run, TASK_GROUPS)["ghost"]["msg"] == (
        f"Unknown group(s) in user pool {pool.id}: ghost. Create them first, or set create_groups: true. No user was created or changed."
    )
    assert standin.counts(pool.id) == {"ListGroups": 1}
    assert standin.counts() == {"ListGroups": 1}  # the good pool stopped too
    assert all_users(cognito, pool.id) == {} and all_users(cognito, other.id) == {}

    # 4. A service account in a pool whose MFA is not ON (and the role not asked to set it): one read.
    hosts = {
        "not-on": {
            "cognito_user_pool_id": pool.id,
            "cognito_client_id": pool.client_id,
            "cognito_users": [{"username": "svc", "service_account": True}],
            "onboard_users_secrets_vault_password": "x",
        }
    }
    run = play(run_playbook, standin, write_inventory(tmp_path / "B4", hosts))
    assert run.rc != 0, run
    assert lookup_message(run, "Check that service accounts can enrol") == {
        "not-on": (
            "pool not-on: service accounts enrol in TOTP at their first sign-in only in a pool whose MFA is ON with TOTP "
            'enabled, and this pool\'s is not. Set onboard_users_pool_policy: "ON".'
        )
    }
    assert standin.counts() == {"GetUserPoolMfaConfig": 1, "DescribeUserPool": 1}  # the MFA configuration and the sign-in policy (passkeys)
    assert all_users(cognito, pool.id) == {}
