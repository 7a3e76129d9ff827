"""playbooks/mfa_campaign.yml (the role mfaops.cognito.mfa_campaign) over simulated days
(``-e mfa_campaign_today=...``), through ansible-playbook, against the stand-in.

Each claim is judged by what the stand-in holds afterwards: group members (ListUsersInGroup),
the pool's MFA configuration, the emails SES counted (GetSendQuota), the Security Hub findings
(GetFindings), and the calls the stand-in counted. Users enrol the way a user does: sign in,
AssociateSoftwareToken + VerifySoftwareToken with a real code, then TOTP enabled and preferred.
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from jsonschema import Draft202012Validator
from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

from tests.support import seed
from tests.support.standin import DEFAULT_REGION, FAKE_AWS_ENV

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "playbooks" / "mfa_campaign.yml"
HOST = "staff"
REMOVE, ADD, SET_POOL = "AdminRemoveUserFromGroup", "AdminAddUserToGroup", "SetUserPoolMfaConfig"
READ = "AdminGetUser"
WRITES = (REMOVE, ADD, SET_POOL, "AdminSetUserMFAPreference")
SHOW_STATS = {"show_custom_stats": "true"}
# alice and dave are on TOTP; bob (an admin) and carol are not; root is the break-glass admin.
USERS = {"alice": "totp_preferred", "bob": "no_mfa", "carol": "no_mfa", "dave": "totp_preferred", "root": "no_mfa"}
ADMINS = ["bob", "dave", "root"]
CAMPAIGN = {"mfa_campaign_deadline": "2027-03-01", "mfa_campaign_groups": {"admins": "2027-01-15"},
            "mfa_campaign_switch_at_percent": 100}


@pytest.fixture
def pool(cognito: Any) -> seed.Pool:
    made = seed.create_pool(cognito, "campaign", mfa_configuration="OPTIONAL")
    for name, state in USERS.items():
        seed.create_user(cognito, made, name, state)
    seed.add_to_group(cognito, made, "admins", ADMINS)
    return made


def inventory(tmp_path: Path, pool: seed.Pool, standin: Any, **hostvars: Any) -> Path:
    host = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
            "cognito_user_pool_id": pool.id, "cognito_endpoint_url": standin.endpoint, "cognito_exclude": ["root"], **hostvars}
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump({"cognito_pools": {"hosts": {HOST: host}}}))
    return path


def day(run_playbook: Any, standin: Any, inv: Path, today: str, check: bool = False, **extra: Any) -> Any:
    standin.reset_counts()
    return run_playbook(PLAYBOOK, {**CAMPAIGN, "mfa_campaign_today": today, **extra}, args=("-i", str(inv)), check=check,
                        config=SHOW_STATS)


def step(run: Any) -> dict[str, Any]:
    for played in run.output["plays"]:
        for task in played["tasks"]:
            if task["task"]["name"].endswith(" : Decide today's step, privileged groups first"):
                return task["hosts"][HOST]
    raise AssertionError(f"the campaign step did not run\n{run}")


def members(cognito: Any, pool: seed.Pool, group: str = "admins") -> list[str]:
    return sorted(u["Username"] for u in cognito.list_users_in_group(UserPoolId=pool.id, GroupName=group)["Users"])


def pool_mfa(cognito: Any, pool: seed.Pool) -> str:
    return cognito.get_user_pool_mfa_config(UserPoolId=pool.id)["MfaConfiguration"]


def enrol(cognito: Any, pool: seed.Pool, username: str) -> None:
    seed.enrol_totp(cognito, seed.sign_in(cognito, pool, username))
    cognito.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=username,
                                          SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})


def stats(run: Any) -> dict[str, Any]:
    return run.output["global_custom_stats"]["mfa_campaign"][HOST]


def aws(standin: Any, service: str) -> Any:
    """A boto3 client of another service on the stand-in (moto serves them all on one endpoint)."""
    return boto3.client(service, endpoint_url=standin.endpoint, region_name=DEFAULT_REGION,
                        aws_access_key_id=FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"])


def writes(standin: Any, pool: seed.Pool) -> dict[str, int]:
    return {op: n for op, n in standin.counts(pool.id).items() if op in WRITES}


def test_campaign_over_days(run_playbook: Any, standin: Any, cognito: Any, pool: seed.Pool, tmp_path: Path) -> None:
    inv = inventory(tmp_path, pool, standin)

    # Day 1: bob and carol are nudged; nothing changes in Cognito.
    run = day(run_playbook, standin, inv, "2027-01-10")
    assert run.rc == 0, run
    first = step(run)
    assert [(n["username"], n["group"], n["days_left"], n["due"]) for n in first["nudges"]] == [
        ("bob", "admins", 5, True), ("carol", "", 50, True)]
    assert first["coverage"] == {"total": 4, "compliant": 2, "percent": 50.0,
                                 "groups": {"admins": {"total": 2, "compliant": 1, "percent": 50.0}}}
    assert first["lockout_risk"]["mfa_setup_users"] == 2
    assert writes(standin, pool) == {}
    rows = list(csv.DictReader((tmp_path / "mfa-campaign" / f"{HOST}-nudges.csv").open()))
    assert [(r["username"], r["email"]) for r in rows] == [("bob", "bob@example.com"), ("carol", "carol@example.com")]
    listed = json.loads((tmp_path / "mfa-campaign" / f"{HOST}-nudges.json").read_text())
    assert listed["date"] == "2027-01-10" and [n["username"] for n in listed["nudges"]] == ["bob", "carol"]
    kept = json.loads((tmp_path / "mfa-campaign" / "state" / f"{pool.id}.campaign.json").read_text())
    assert kept["started"] == "2027-01-10" and kept["users"]["bob"]["nudges"] == ["2027-01-10"]
    assert stats(run)["to_enrol"] == 2 and stats(run)["switch"] is None

    # Day 2, dry run: bob would lose admins; nothing is written anywhere.
    run = day(run_playbook, standin, inv, "2027-01-16", check=True)
    assert run.rc == 0, run
    assert step(run)["removed"] == [{"username": "bob", "group": "admins"}]
    assert members(cognito, pool) == ADMINS and writes(standin, pool) == {}
    assert json.loads((tmp_path / "mfa-campaign" / "state" / f"{pool.id}.campaign.json").read_text()) == kept

    # Day 2: bob, past the admins' deadline, is removed; root (excluded) and dave stay.
    run = day(run_playbook, standin, inv, "2027-01-16")
    assert run.rc == 0, run
    assert members(cognito, pool) == ["dave", "root"]
    assert writes(standin, pool) == {REMOVE: 1}
    assert stats(run)["removed"] == 1

    # The same day again: nothing more.
    run = day(run_playbook, standin, inv, "2027-01-16")
    assert run.rc == 0 and not step(run)["changed"], run
    assert writes(standin, pool) == {}

    # bob enrols; the next day he is put back, and coverage (3/4) is still below the threshold.
    enrol(cognito, pool, "bob")
    run = day(run_playbook, standin, inv, "2027-01-20")
    assert run.rc == 0, run
    assert members(cognito, pool) == ADMINS
    assert step(run)["restored"] == [{"username": "bob", "group": "admins"}]
    assert writes(standin, pool) == {ADD: 1} and pool_mfa(cognito, pool) == "OPTIONAL"
    assert [n["username"] for n in step(run)["nudges"]] == ["carol"]

    # carol enrols: coverage 100% reaches the threshold, and the pool goes to ON with TOTP.
    enrol(cognito, pool, "carol")
    run = day(run_playbook, standin, inv, "2027-01-21")
    assert run.rc == 0, run
    assert step(run)["switch"] == "threshold"
    config = cognito.get_user_pool_mfa_config(UserPoolId=pool.id)
    assert config["MfaConfiguration"] == "ON" and config["SoftwareTokenMfaConfiguration"]["Enabled"]
    assert stats(run)["switched"] and stats(run)["pool_mfa_configuration"] == "ON"
    page = (tmp_path / "mfa-campaign" / f"{HOST}-campaign.html").read_text()
    points = page.split('class="coverage" points="')[1].split('"')[0].split()
    assert len(points) == 4  # 10, 16, 20 and 21 January; the dry run kept nothing
    assert page.count('class="deadline"') == 2 and "switch at 100%" in page


def test_an_incremental_campaign_reads_only_what_changed(run_playbook: Any, standin: Any, cognito: Any, tmp_path: Path) -> None:
    """mfa_campaign_incremental: the first day reads every user; later days read only the users CloudTrail names
    (none in a quiet week, --check included) and decide what a full read decides."""
    made = seed.create_pool(cognito, "campaign-state", mfa_configuration="OPTIONAL")
    # Seeded through the stand-in's backdoor: users made before the campaign, with no event in CloudTrail.
    seed.seed_backdoor(standin, made, [("alice", "totp_preferred"), ("bob", "totp_verified"), ("carol", "no_mfa"),
                                       ("dave", "totp_preferred"), ("root", "no_mfa")])
    seed.add_to_group(cognito, made, "admins", ADMINS)
    inv = inventory(tmp_path, made, standin, mfa_campaign_incremental="true")  # a string, as an AWX survey gives it
    kept = tmp_path / "mfa-campaign" / "state" / f"{made.id}.sqlite3"

    run = day(run_playbook, standin, inv, "2027-01-10")
    assert run.rc == 0, run
    assert standin.counts(made.id)[READ] == 4  # root is excluded
    assert stats(run)["state_run"]["full_read"] and "first run" in stats(run)["state_run"]["full_read_reason"]
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
    assert [n["username"] for n in step(run)["nudges"]] == ["bob", "carol"]

    # A quiet week: the dry run and the day's run read no one; bob, past the admins' deadline, is removed.
    run = day(run_playbook, standin, inv, "2027-01-16", check=True)
    assert run.rc == 0 and standin.counts(made.id).get(READ, 0) == 0, run
    assert step(run)["removed"] == [{"username": "bob", "group": "admins"}] and members(cognito, made) == ADMINS
    assert step(run)["coverage"]["total"] == 4  # measured from the state, not skipped by check mode
    run = day(run_playbook, standin, inv, "2027-01-16")
    assert run.rc == 0 and standin.counts(made.id).get(READ, 0) == 0, run
    assert members(cognito, made) == ["dave", "root"]
    quiet = stats(run)["state_run"]
    assert quiet["users_read"] == 0 and quiet["users_carried"] == 4 and not quiet["full_read"], quiet

    # bob turns TOTP on (an admin call, recorded by CloudTrail): the next run reads him alone and puts him back.
    cognito.admin_set_user_mfa_preference(UserPoolId=made.id, Username="bob",
                                          SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    time.sleep(3.1)  # the clock margin: an event is after a read unless it is 3 s before it
    run = day(run_playbook, standin, inv, "2027-01-20")
    assert run.rc == 0 and standin.counts(made.id)[READ] == 1, run
    assert step(run)["restored"] == [{"username": "bob", "group": "admins"}] and members(cognito, made) == ADMINS
    # The same day read in full (a dry run without the state) measures the same pool.
    full = day(run_playbook, standin, inv, "2027-01-20", check=True, mfa_campaign_incremental=False)
    assert full.rc == 0 and standin.counts(made.id)[READ] == 4, full
    assert step(full)["coverage"] == step(run)["coverage"] == {
        "total": 4, "compliant": 3, "percent": 75.0, "groups": {"admins": {"total": 2, "compliant": 2, "percent": 100.0}}}
    assert [n["username"] for n in step(full)["nudges"]] == [n["username"] for n in step(run)["nudges"]] == ["carol"]


def test_switch_at_the_deadline(run_playbook: Any, standin: Any, cognito: Any, pool: seed.Pool, tmp_path: Path) -> None:
    inv = inventory(tmp_path, pool, standin)
    extra = {"mfa_campaign_groups": {}, "mfa_campaign_switch_at_percent": ""}
    run = day(run_playbook, standin, inv, "2027-02-28", **extra)
    assert run.rc == 0 and step(run)["switch"] is None and pool_mfa(cognito, pool) == "OPTIONAL", run
    run = day(run_playbook, standin, inv, "2027-03-01", check=True, **extra)
    assert run.rc == 0 and step(run)["switch"] == "deadline" and pool_mfa(cognito, pool) == "OPTIONAL", run
    run = day(run_playbook, standin, inv, "2027-03-01", **extra)
    assert run.rc == 0 and step(run)["switch"] == "deadline", run
    assert pool_mfa(cognito, pool) == "ON" and writes(standin, pool) == {SET_POOL: 1}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"mfa_campaign_today": "2027-13-01"}, "mfa_campaign_today: '2027-13-01' is not a date"),
        ({"mfa_campaign_deadline": "2026-12-01", "mfa_campaign_groups": {}}, "mfa_campaign_deadline: 2026-12-01 is already past on the campaign's first run"),
        ({"mfa_campaign_groups": {"wizards": "2027-01-15"}}, "mfa_campaign_groups: group wizards does not exist in the user pool"),
        ({"mfa_campaign_groups": {"wizards": "2027-01-15"}, "mfa_campaign_incremental": True},
         "mfa_campaign_groups: group wizards does not exist in the user pool"),
    ],
    ids=["bad-date", "deadline-past", "unknown-group", "unknown-group-incremental"],
)
def test_bad_input_fails_before_any_write(run_playbook: Any, standin: Any, cognito: Any, pool: seed.Pool, tmp_path: Path,
                                          extra: dict[str, Any], message: str) -> None:
    inv = inventory(tmp_path, pool, standin)
    run = day(run_playbook, standin, inv, extra.pop("mfa_campaign_today", "2027-01-10"), **extra)
    assert run.rc != 0, run
    failed = [r for played in run.output["plays"] for t in played["tasks"] for r in t["hosts"].values() if r.get("failed")]
    assert len(failed) == 1 and message in failed[0]["msg"], run
    assert writes(standin, pool) == {}
    kept = tmp_path / "mfa-campaign" / "state"
    if extra.get("mfa_campaign_incremental"):  # the measurement before the step recorded its reads, nothing else
        assert (kept / f"{pool.id}.sqlite3").exists() and not list(kept.glob("*.campaign.json*")), list(kept.iterdir())
    else:
        assert not kept.exists()  # not even an empty state directory
    assert members(cognito, pool) == ADMINS


def test_ses_nudges(run_playbook: Any, standin: Any, cognito: Any, pool: seed.Pool, tmp_path: Path) -> None:
    ses = aws(standin, "ses")
    ses.verify_email_identity(EmailAddress="it@example.com")
    sent_before = ses.get_send_quota()["SentLast24Hours"]
    inv = inventory(tmp_path, pool, standin)
    email = {"mfa_campaign_ses": {"source": "it@example.com", "subject": "MFA: $days_left days left",
                                  "text": "Hello $username, set up an authenticator app before $deadline."},
             "mfa_campaign_emails_per_second": 20}
    run = day(run_playbook, standin, inv, "2027-01-10", check=True, **email)
    assert run.rc == 0, run
    assert ses.get_send_quota()["SentLast24Hours"] == sent_before
    run = day(run_playbook, standin, inv, "2027-01-10", **email)
    assert run.rc == 0, run
    assert ses.get_send_quota()["SentLast24Hours"] == sent_before + 2
    assert stats(run)["emailed"] == 2
    kept = json.loads((tmp_path / "mfa-campaign" / "state" / f"{pool.id}.campaign.json").read_text())
    assert kept["users"]["carol"]["nudges"] == ["2027-01-10"]
    # Within nudge_every_days nobody is due again: no email.
    run = day(run_playbook, standin, inv, "2027-01-12", **email)
    assert run.rc == 0 and ses.get_send_quota()["SentLast24Hours"] == sent_before + 2, run
    # A week on, both are due again.
    run = day(run_playbook, standin, inv, "2027-01-17", **{**email, "mfa_campaign_groups": {}})
    assert run.rc == 0 and ses.get_send_quota()["SentLast24Hours"] == sent_before + 4, run


def test_securityhub_findings_across_runs(run_playbook: Any, standin: Any, cognito: Any, pool: seed.Pool, tmp_path: Path) -> None:
    hub = aws(standin, "securityhub")
    try:
        hub.enable_security_hub()
    except hub.exceptions.ResourceConflictException:
        pass
    inv = inventory(tmp_path, pool, standin, mfa_campaign_securityhub=True)

    def mine() -> dict[str, dict[str, Any]]:
        found = hub.get_findings(MaxResults=100)["Findings"]
        return {f["Resources"][0]["Details"]["Other"]["Username"]: f for f in found
                if f["Resources"][0]["Details"]["Other"].get("UserPoolId") == pool.id}

    run = day(run_playbook, standin, inv, "2027-01-10")
    assert run.rc == 0, run
    first = mine()
    assert sorted(first) == ["bob", "carol"]
    assert all(f["Compliance"]["Status"] == "FAILED" and f["Workflow"]["Status"] == "NEW" for f in first.values())
    assert "CIS Controls v8.1 6.3" in first["bob"]["Compliance"]["RelatedRequirements"]

    run = day(run_playbook, standin, inv, "2027-01-11")
    assert run.rc == 0, run
    again = mine()
    assert {u: f["Id"] for u, f in again.items()} == {u: f["Id"] for u, f in first.items()}

    enrol(cognito, pool, "bob")
    run = day(run_playbook, standin, inv, "2027-01-12")
    assert run.rc == 0, run
    last = mine()
    assert sorted(last) == ["bob", "carol"]
    assert last["bob"]["Compliance"]["Status"] == "PASSED" and last["bob"]["Workflow"]["Status"] == "RESOLVED"
    assert last["carol"]["Compliance"]["Status"] == "FAILED"


def test_audit_writes_valid_ocsf_and_imports_into_securityhub(run_playbook: Any, standin: Any, pool: seed.Pool, tmp_path: Path) -> None:
    hub = aws(standin, "securityhub")
    try:
        hub.enable_security_hub()
    except hub.exceptions.ResourceConflictException:
        pass
    inv = inventory(tmp_path, pool, standin, cognito_all_users=True)
    standin.reset_counts()
    run = run_playbook(ROOT / "playbooks" / "audit_mfa.yml", {"audit_mfa_securityhub": True, "audit_mfa_report_dir": str(tmp_path / "audit")},
                       args=("-i", str(inv)))
    assert run.rc == 0, run
    lines = (tmp_path / "audit" / "mfa-audit-latest.ocsf.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    schema = OcsfJsonSchemaEmbedded(get_ocsf_schema(version="1.5.0"))
    validator = Draft202012Validator(schema.get_class_schema(schema.lookup_class_name_from_uid(2004), ["cloud"]))
    assert all(not list(validator.iter_errors(r)) for r in records)
    users = sorted(r["finding_info"]["title"] for r in records if r["finding_info"]["title"].endswith("is not on TOTP MFA"))
    assert users == ["Cognito user bob is not on TOTP MFA", "Cognito user carol is not on TOTP MFA"]  # root is excluded
    assert {r["cloud"]["account"]["uid"] for r in records} == {"123456789012"}
    found = [f for f in hub.get_findings(MaxResults=100)["Findings"]
             if f["Resources"][0]["Details"]["Other"].get("UserPoolId") == pool.id]
    assert sorted(f["Resources"][0]["Details"]["Other"]["Username"] for f in found if "Username" in f["Resources"][0]["Details"]["Other"]) == [
        "bob", "carol"]
    assert len(found) == len(records)  # the same findings: users and pool settings
    assert writes(standin, pool) == {}
