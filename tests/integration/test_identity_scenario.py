"""Issue 12's email-sign-in pool through playbooks/enforce_mfa.yml and playbooks/audit_mfa.yml.

The pool signs users in by email (UsernameAttributes: [email]), so Cognito gives each user a UUID as
Username; it is case-insensitive (CaseSensitive: false), so Cognito stores the addresses in lowercase and
matches any case. moto is case-sensitive: the case-blind pool runs through C's Cognito front
(tests/support/cognito_front.py, the `standin` fixture), which answers as Cognito does. The same scenario
also runs in a case-sensitive pool, where the inventory spells the addresses as they were created.

The inventory lists Alice by email, selects the group staff (whose members come listed by UUID)
and excludes the break-glass account by email. Judged by the state read back with boto3 and by the writes
the stand-in counted: the break-glass account has a verified TOTP token, so a single write to it would
show in its state; it must get none, and the pool must count 2 distinct people, not 4.

Item 3 in the same pool: staff also holds an UNCONFIRMED user (signed up, never confirmed) and a
FORCE_CHANGE_PASSWORD one (created by an administrator, never signed in): no write, counted apart.
(moto cannot make an EXTERNAL_PROVIDER user; the unit tests cover federated users.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import seed
from tests.support.standin import write_calls

ROOT = Path(__file__).resolve().parents[2]
ENFORCE, AUDIT = ROOT / "playbooks" / "enforce_mfa.yml", ROOT / "playbooks" / "audit_mfa.yml"
HOST = "email-pool"
WRITE = "AdminSetUserMFAPreference"
TOTP = "SOFTWARE_TOKEN_MFA"
# As the inventory and the people who created the accounts spell them.
ALICE, BOB, BREAK_GLASS = "Alice@Example.com", "bob@example.com", "BreakGlass@Example.com"
UNCONFIRMED, FORCE_CHANGE = "una@example.com", "fred@example.com"


def email_pool(client: Any, case_sensitive: bool) -> tuple[seed.Pool, dict[str, str]]:
    """The pool, its users (email -> Cognito Username, a UUID) and the group staff holding all of them."""
    users = {ALICE: "totp_verified", BOB: "totp_verified", BREAK_GLASS: "totp_verified",
             FORCE_CHANGE: "force_change_password", UNCONFIRMED: "unconfirmed"}
    return seed.email_pool(client, case_sensitive, users, {"staff": list(users)})


def inventory(directory: Path, pool: seed.Pool, endpoint: str) -> Path:
    host = {
        "cognito_user_pool_id": pool.id,
        "cognito_region": "us-east-1",
        "cognito_endpoint_url": endpoint,
        "cognito_users": [ALICE],
        "cognito_groups": ["staff"],
        "cognito_exclude": [BREAK_GLASS],
    }
    path = directory / "inventory.yml"
    path.write_text(yaml.safe_dump({"cognito_pools": {"hosts": {HOST: host}, "vars": {"ansible_connection": "local"}}}))
    return path


def task(run: Any, name: str) -> dict[str, Any]:
    for played in run.output.get("plays", []):
        for ran in played["tasks"]:
            if ran["task"]["name"].endswith(f" : {name}"):
                return ran["hosts"][HOST]
    raise AssertionError(f"no task {name!r} ran\n{run}")


def totp(client: Any, pool: seed.Pool, username: str) -> tuple[list[str], str]:
    user = client.admin_get_user(UserPoolId=pool.id, Username=username)
    return user.get("UserMFASettingList") or [], user.get("PreferredMfaSetting") or ""


@pytest.fixture(params=[False, True], ids=["case-blind", "case-sensitive"])
def scenario(request: Any, standin: Any, cognito: Any, tmp_path: Path) -> tuple[seed.Pool, dict[str, str], Path]:
    pool, usernames = email_pool(cognito, case_sensitive=request.param)
    stored = cognito.admin_get_user(UserPoolId=pool.id, Username=usernames[ALICE])["UserAttributes"]
    assert {"Name": "email", "Value": ALICE if request.param else ALICE.lower()} in stored
    assert all(name != email for email, name in usernames.items())  # Cognito's Username is a UUID here
    return pool, usernames, inventory(tmp_path, pool, standin.endpoint)


def test_email_pool_enforce_then_audit(standin: Any, cognito: Any, run_playbook: Any, scenario: Any, tmp_path: Path) -> None:
    pool, usernames, path = scenario
    standin.reset_counts()
    run = run_playbook(ENFORCE, args=("-i", str(path)))
    assert run.rc == 0, run

    # Two people written, once each; the break-glass account, unconfirmed and force-change users: nothing.
    assert write_calls(standin.counts(pool.id)) == {WRITE: 2}, standin.counts(pool.id)
    assert totp(cognito, pool, usernames[ALICE]) == ([TOTP], TOTP)
    assert totp(cognito, pool, usernames[BOB]) == ([TOTP], TOTP)
    assert totp(cognito, pool, usernames[BREAK_GLASS]) == ([], "")
    # The group's members, less the exclusions and the users the listed batch handled (each matched by any
    # name), are selected by the enforcement itself, in the loop's last item (issue 15: read once).
    described = cognito.describe_user_pool(UserPoolId=pool.id)["UserPool"]
    email = ALICE if described.get("UsernameConfiguration", {}).get("CaseSensitive", True) else ALICE.lower()
    batches = task(run, "Enforce TOTP enabled and preferred, batch by batch")["results"]
    selected = batches[-1]
    assert selected["counts"]["changed"] == 1  # Bob: Alice was handled by the listed batch, the break-glass account excluded
    assert sorted(row["reason"] for row in selected["users"] if row["outcome"] == "not_applicable") == [
        "force_change_password", "unconfirmed"]
    summary = task(run, "Sum up the pool")["ansible_facts"]["enforce_mfa_summary"]
    assert summary["counts"]["changed"] == 2 and summary["counts"]["not_applicable"] == 2
    assert summary["counts"]["total"] == 4 and summary["considered"] == 2
    rows = {row["username"]: row for batch in batches for row in batch["users"] if row["outcome"] == "changed"}
    assert set(rows) == {usernames[ALICE], usernames[BOB]}
    assert (rows[usernames[ALICE]]["listed_as"], rows[usernames[ALICE]]["email"]) == (ALICE, email)

    # The audit: keyed by the canonical username, with the email; 2 people counted; the break-glass account not read.
    standin.reset_counts()
    report_dir = tmp_path / "audit"
    run = run_playbook(AUDIT, {"audit_mfa_report_dir": str(report_dir)}, args=("-i", str(path)))
    assert run.rc == 0, run
    assert write_calls(standin.counts(pool.id)) == {}
    report = json.loads((report_dir / "mfa-audit-latest.json").read_text())
    (audited,) = report["pools"]
    by_name = {user["username"]: user for user in audited["users"]}
    assert set(by_name) == {usernames[email] for email in (ALICE, BOB, UNCONFIRMED, FORCE_CHANGE)}
    assert by_name[usernames[ALICE]]["email"] == email and by_name[usernames[ALICE]]["state"] == "compliant"
    assert by_name[usernames[UNCONFIRMED]]["state"] == "unconfirmed"
    assert by_name[usernames[FORCE_CHANGE]]["state"] == "force_change_password"
    assert audited["counts"]["considered"] == 2 and audited["counts"]["compliant"] == 2
    assert audited["compliance_percent"] == 100


def test_duplicates_across_forms_fail_before_any_write_to_them(standin: Any, cognito: Any, run_playbook: Any, scenario: Any) -> None:
    """Alice listed by email and by her UUID: her batch fails before any write, naming both entries, and the pool
    fails. The group's other member, Bob, is still enforced by the selection (its own source, in the loop's last
    item): only the listed users are at fault."""
    pool, usernames, path = scenario
    hosts = yaml.safe_load(path.read_text())
    hosts["cognito_pools"]["hosts"][HOST]["cognito_users"] = [ALICE, usernames[ALICE]]
    path.write_text(yaml.safe_dump(hosts))
    standin.reset_counts()
    run = run_playbook(ENFORCE, args=("-i", str(path)))
    assert run.rc != 0
    assert write_calls(standin.counts(pool.id)) == {WRITE: 1}
    assert f"users[1] ({usernames[ALICE]}): the same user as users[0] ({ALICE})" in run.stdout, run
    assert totp(cognito, pool, usernames[ALICE]) == ([], "")
    assert totp(cognito, pool, usernames[BOB]) == ([TOTP], TOTP)
    assert totp(cognito, pool, usernames[BREAK_GLASS]) == ([], "")
