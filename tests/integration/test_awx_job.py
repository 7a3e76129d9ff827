"""The three roles as AWX runs them, built the way AWX hands a job to ansible-runner:

- a private data dir whose ``inventory/hosts`` is an executable script printing the inventory as JSON,
  groups with their vars and ``_meta.hostvars`` (ansible/awx, awx/main/tasks/jobs.py ``build_inventory``
  and awx/main/models/inventory.py ``get_script_data``: the script is
  ``#! /usr/bin/env python3`` + ``print(<json>)``, mode 0700, each host's vars plus ``remote_tower_enabled``);
- the project checked out in ``project/`` with the inventory file it was synced from, the users files beside
  it and the job's playbook; ansible-runner runs the playbook from there (its working directory);
- the extra vars in ``env/extravars``: AWX's own ``awx_*`` vars and the survey's answers, every one a string;
- AWS credentials only in the environment, as AWX's "Amazon Web Services" credential injects them:
  ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY`` and ``AWS_SECURITY_TOKEN``, no ``AWS_SESSION_TOKEN``;
  no region anywhere (it comes from each pool id).

Cognito is the stand-in behind tests/support/proxy.py, which records the ``X-Amz-Security-Token`` header of
every request. Each job is judged by the state read back with boto3, the runner's artifacts and the header.
"""

from __future__ import annotations

import itertools
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from tests.support import seed
from tests.support.proxy import DEFAULT_QUOTAS, Proxy
from tests.support.standin import write_calls

BIN = Path(sys.executable).parent
STAFF, SUPPORT = "staff-eu", "support-us"
POOL_IDS = {STAFF: "eu-west-1_AwxStaff", SUPPORT: "us-east-1_AwxSupport"}  # + a number per test (one stand-in)
CREDENTIALS = {  # fake values, shaped like STS keys
    "AWS_ACCESS_KEY_ID": "ASIAFAKEAWXJOBKEY001",
    "AWS_SECRET_ACCESS_KEY": "fake-awx-secret-access-key-0123456789abcdef",
    "AWS_SECURITY_TOKEN": "FakeAwxSecurityToken//IQoJb3JpZ2luX2VjEAwxSessionOnly0123456789",
}
POOL_NUMBERS = itertools.count(1)
TOKEN = CREDENTIALS["AWS_SECURITY_TOKEN"]
AWX_VARS = {"awx_job_id": 4711, "awx_job_template_name": "MFA", "awx_job_launch_type": "manual", "tower_job_id": 4711}

# The project: the inventory file AWX synced the inventory from, and the users files it names.
PROJECT_INVENTORY = {
    "cognito_pools": {
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                 "cognito_exclude": ["breakglass"]},
        "hosts": {
            STAFF: {"cognito_user_pool_id": POOL_IDS[STAFF], "cognito_users_files": ["users/staff-eu.yml"]},
            SUPPORT: {"cognito_user_pool_id": POOL_IDS[SUPPORT], "cognito_groups": ["support"]},
        },
    }
}
USERS_FILES = {
    "users/staff-eu.yml": ["alice", "bob", "carol", "dave", "breakglass"],
    "users/new-eu.yml": [{"username": "erin", "email": "erin@example.com", "groups": ["eu-staff"]},
                         {"username": "frank", "email": "frank@example.com"}],
}
SEEDED = {
    STAFF: [("alice", "totp_verified"), ("bob", "totp_enabled"), ("carol", "totp_preferred"), ("dave", "no_mfa"),
            ("breakglass", "totp_verified")],
    SUPPORT: [("sam", "totp_verified"), ("sue", "totp_preferred"), ("sid", "sms_totp_verified")],
}


def awx_script_data(inventory: dict[str, Any]) -> dict[str, Any]:
    """The inventory as AWX's get_script_data(hostvars=True, towervars=True) gives it to a job."""
    data: dict[str, Any] = {"all": {"hosts": []}, "_meta": {"hostvars": {}}}
    for group, body in inventory.items():
        data[group] = {"hosts": sorted(body["hosts"]), "children": [], "vars": body.get("vars", {})}
        for host, host_vars in body["hosts"].items():
            data["_meta"]["hostvars"][host] = {**host_vars, "remote_tower_enabled": "true"}
    return data


def awx_job(root: Path, project_inventory: dict[str, Any], survey: dict[str, str], playbook: str) -> Path:
    """A private data dir as AWX writes it for one job of ``playbook`` (a collection playbook's name)."""
    private = root / "awx-job"
    project = private / "project"
    for name, content in USERS_FILES.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(yaml.safe_dump(content))
    (project / "inventory.yml").write_text(yaml.safe_dump(project_inventory))
    (project / "job.yml").write_text(yaml.safe_dump([{"name": "Job", "ansible.builtin.import_playbook": playbook}]))
    script = private / "inventory" / "hosts"
    script.parent.mkdir(parents=True)
    script.write_text("#! /usr/bin/env python3\n# -*- coding: utf-8 -*-\nprint(%r)\n" % json.dumps(awx_script_data(project_inventory)))
    script.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IWUSR)
    (private / "env").mkdir()
    assert all(isinstance(value, str) for value in survey.values())  # survey answers are strings
    (private / "env" / "extravars").write_text(json.dumps({**AWX_VARS, **survey}))
    return private


def run_job(private: Path, collections_path: str, monkeypatch: pytest.MonkeyPatch, ident: str) -> Any:
    import ansible_runner  # pylint: disable=import-outside-toplevel

    for name in list(os.environ):
        if name.startswith(("AWS_", "ANSIBLE_")):
            monkeypatch.delenv(name)
    run = ansible_runner.run(
        private_data_dir=str(private),
        playbook="job.yml",
        inventory=str(private / "inventory" / "hosts"),
        ident=ident,
        envvars={
            **CREDENTIALS,
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "ANSIBLE_COLLECTIONS_PATH": collections_path,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "ANSIBLE_LOCAL_TEMP": str(private / "tmp"),
            "PYTHONDONTWRITEBYTECODE": "1",
        },
        quiet=True,
        timeout=600,
    )
    run.stdout_text = run.stdout.read()
    return run


def custom_stats(run: Any) -> dict[str, Any]:
    (stats,) = [event for event in run.events if event["event"] == "playbook_on_stats"]
    return stats["event_data"]["artifact_data"]


def assert_job_credentials(run: Any, proxy: Proxy) -> None:
    """Every request carried the session token; the job's env had no AWS_SESSION_TOKEN; no secret in the output."""
    tokens = proxy.security_tokens()
    assert set(tokens) == {TOKEN} and sum(tokens.values()) >= 4, tokens
    env = json.loads((Path(run.config.artifact_dir) / "command").read_text())["env"]
    assert "AWS_SESSION_TOKEN" not in env and env["AWS_SECURITY_TOKEN"] == TOKEN
    assert not any(name in env for name in ("AWS_REGION", "AWS_DEFAULT_REGION"))
    events = "".join(path.read_text() for path in (Path(run.config.artifact_dir) / "job_events").iterdir())
    for secret in (TOKEN, CREDENTIALS["AWS_SECRET_ACCESS_KEY"]):
        assert secret not in run.stdout_text and secret not in events


@pytest.fixture
def proxy(standin: Any) -> Iterator[Proxy]:
    with Proxy(standin.endpoint, quotas={category: None for category in DEFAULT_QUOTAS}) as running:
        yield running


@pytest.fixture
def pools(standin: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, seed.Pool]:
    number = next(POOL_NUMBERS)
    monkeypatch.setattr(sys.modules[__name__], "POOL_IDS", {host: f"{pool_id}{number}" for host, pool_id in POOL_IDS.items()})
    monkeypatch.setitem(PROJECT_INVENTORY["cognito_pools"], "hosts", {
        host: {**host_vars, "cognito_user_pool_id": POOL_IDS[host]} for host, host_vars in PROJECT_INVENTORY["cognito_pools"]["hosts"].items()})
    created = {}
    for host, pool_id in POOL_IDS.items():
        client = standin.client(region=pool_id.split("_", maxsplit=1)[0])
        created[host] = seed.create_pool(client, f"awx-{host}", "OPTIONAL", pool_id=pool_id, standin=standin)
        seed.seed_backdoor(standin, created[host], SEEDED[host])
    seed.add_to_group(standin.client(region="us-east-1"), created[SUPPORT], "support", ["sam", "sue", "sid"])
    return created


def inventory_on(proxy: Proxy) -> dict[str, Any]:
    inventory = json.loads(json.dumps(PROJECT_INVENTORY))
    inventory["cognito_pools"]["vars"]["cognito_endpoint_url"] = proxy.endpoint
    return inventory


def mfa(standin: Any, host: str, username: str) -> dict[str, Any]:
    return seed.mfa_state(standin.client(region=POOL_IDS[host].split("_", maxsplit=1)[0]), POOL_IDS[host], username)


def test_enforce_as_an_awx_job(standin: Any, proxy: Proxy, pools: dict, collections_path: str, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    """enforce_mfa from the generated inventory script: the users file is found in the project, the survey's
    strings are lists, both regions come from the pool ids, every request carries AWS_SECURITY_TOKEN."""
    survey = {"enforce_mfa_fail_on": "failed,not_found", "enforce_mfa_exclude": "breakglass,sid", "enforce_mfa_batch_size": "2"}
    private = awx_job(tmp_path, inventory_on(proxy), survey, "mfaops.cognito.enforce_mfa")
    standin.reset_counts()
    run = run_job(private, collections_path, monkeypatch, "enforce")
    assert (run.status, run.rc) == ("successful", 0), run.stdout_text[-4000:]

    on_totp = {"enabled_methods": ["software_token_mfa"], "preferred_method": "software_token_mfa"}
    for host, username in ((STAFF, "alice"), (STAFF, "bob"), (STAFF, "carol"), (SUPPORT, "sam"), (SUPPORT, "sue")):
        assert mfa(standin, host, username) == on_totp, (host, username)
    assert mfa(standin, STAFF, "dave") == {"enabled_methods": [], "preferred_method": None}  # not enrolled: refused
    assert mfa(standin, STAFF, "breakglass")["preferred_method"] is None  # excluded by the inventory
    assert mfa(standin, SUPPORT, "sid")["preferred_method"] == "sms_mfa"  # excluded by the survey's string
    # alice, bob, and dave's write that Cognito refuses (not enrolled); sam in the other region.
    assert write_calls(standin.counts(POOL_IDS[STAFF])) == {"AdminSetUserMFAPreference": 3}
    assert standin.failures(POOL_IDS[STAFF]) == {"AdminSetUserMFAPreference": 1}
    assert write_calls(standin.counts(POOL_IDS[SUPPORT])) == {"AdminSetUserMFAPreference": 1}

    counts = custom_stats(run)["mfa_enforce"]
    assert set(counts) == {STAFF, SUPPORT}
    assert counts[STAFF]["changed"] == 2 and counts[STAFF]["not_enrolled"] == 1 and counts[STAFF]["unchanged"] == 1
    assert counts[SUPPORT]["changed"] == 1
    assert run.stats["failures"] == {} and set(run.stats["ok"]) == {STAFF, SUPPORT}
    assert_job_credentials(run, proxy)


def test_audit_as_an_awx_job(standin: Any, proxy: Proxy, pools: dict, collections_path: str, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    """audit_mfa: the survey's findings and minimum as strings; reports in the project; read only."""
    survey = {"audit_mfa_fail_on_findings": "mfa_off,totp_not_offered", "audit_mfa_min_compliance_percent": "20",
              "audit_mfa_exclude": "breakglass"}
    private = awx_job(tmp_path, inventory_on(proxy), survey, "mfaops.cognito.audit_mfa")
    standin.reset_counts()
    run = run_job(private, collections_path, monkeypatch, "audit")
    assert (run.status, run.rc) == ("successful", 0), run.stdout_text[-4000:]
    assert write_calls(standin.counts()) == {}

    summary = custom_stats(run)["mfa_audit"]
    assert summary["passed"] is True
    assert summary["counts"]["considered"] == 7 and summary["counts"]["compliant"] == 2  # carol, sue; breakglass left out
    assert summary["pools"][STAFF]["findings"] == summary["pools"][SUPPORT]["findings"]
    assert "mfa_optional" in summary["pools"][STAFF]["findings"]
    report_dir = private / "project" / "mfa-audit"
    assert summary["report_dir"] == str(report_dir.resolve())
    report = json.loads((report_dir / "mfa-audit-latest.json").read_text())
    assert {pool["host"]: pool["region"] for pool in report["pools"]} == {STAFF: "eu-west-1", SUPPORT: "us-east-1"}
    assert_job_credentials(run, proxy)


def test_onboarding_as_an_awx_job(standin: Any, proxy: Proxy, pools: dict, collections_path: str, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """onboard_users: the users file found in the project; the groups and delivery mediums of the survey as strings."""
    inventory = inventory_on(proxy)
    inventory["cognito_pools"]["hosts"] = {STAFF: {"cognito_user_pool_id": POOL_IDS[STAFF], "cognito_users_files": ["users/new-eu.yml"]}}
    survey = {"onboard_users_groups": "staff,onboarded", "onboard_users_create_groups": "true",
              "onboard_users_delivery_mediums": "EMAIL", "onboard_users_invitation": "suppress"}
    private = awx_job(tmp_path, inventory, survey, "mfaops.cognito.onboard_users")
    standin.reset_counts()
    run = run_job(private, collections_path, monkeypatch, "onboard")
    assert (run.status, run.rc) == ("successful", 0), run.stdout_text[-4000:]

    client = standin.client(region="eu-west-1")
    for username, groups in (("erin", {"staff", "onboarded", "eu-staff"}), ("frank", {"staff", "onboarded"})):
        user = client.admin_get_user(UserPoolId=POOL_IDS[STAFF], Username=username)
        assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["email"] == f"{username}@example.com"
        listed = client.admin_list_groups_for_user(UserPoolId=POOL_IDS[STAFF], Username=username)["Groups"]
        assert {group["GroupName"] for group in listed} == groups
    assert write_calls(standin.counts(POOL_IDS[STAFF]))["AdminCreateUser"] == 2
    counts = custom_stats(run)["onboard_users"][STAFF]
    assert counts["created"] == 2, counts
    assert_job_credentials(run, proxy)


def pool_results(run: Any, task: str) -> dict[str, dict[str, Any]]:
    """``{host: result}`` of the task named ``task`` (ansible.posix.json output)."""
    return {host: result for play in run.output["plays"] for entry in play["tasks"] if entry["task"]["name"] == task
            for host, result in entry["hosts"].items()}


def project_inventory(tmp_path: Path, standin: Any) -> Path:
    """The project's inventory file and its users files, for ansible-playbook on the command line."""
    inventory = json.loads(json.dumps(PROJECT_INVENTORY))
    inventory["cognito_pools"]["vars"]["cognito_endpoint_url"] = standin.endpoint
    for name, content in USERS_FILES.items():
        (tmp_path / "project" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "project" / name).write_text(yaml.safe_dump(content))
    path = tmp_path / "project" / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory))
    return path


@pytest.mark.parametrize("form", ["string", "list"])
def test_list_variables_as_key_value_strings(standin: Any, pools: dict, run_playbook: Any, tmp_path: Path, form: str) -> None:
    """``-e enforce_mfa_fail_on=not_enrolled`` and ``-e audit_mfa_fail_on_findings=mfa_optional,sms_mfa_allowed``
    mean what the YAML lists mean: the same failures, named, instead of a crash after the writes or
    "unknown finding(s) ,, _, a ..."."""
    inventory = project_inventory(tmp_path, standin)
    reports = tmp_path / "reports"
    if form == "string":
        enforce = ("-e", "enforce_mfa_fail_on=not_enrolled")
        audit = ("-e", "audit_mfa_fail_on_findings=mfa_optional,sms_mfa_allowed", "-e", f"audit_mfa_report_dir={reports}")
    else:
        enforce = ("-e", json.dumps({"enforce_mfa_fail_on": ["not_enrolled"]}))
        audit = ("-e", json.dumps({"audit_mfa_fail_on_findings": ["mfa_optional", "sms_mfa_allowed"], "audit_mfa_report_dir": str(reports)}))
    for name, args in (("enforce_mfa", enforce), ("audit_mfa", audit)):
        (tmp_path / "project" / f"{name}.yml").write_text(
            yaml.safe_dump([{"name": name, "ansible.builtin.import_playbook": f"mfaops.cognito.{name}"}]))
    run = run_playbook(tmp_path / "project" / "enforce_mfa.yml", args=("-i", str(inventory), *enforce))
    assert run.rc != 0, run
    checked = pool_results(run, "mfaops.cognito.enforce_mfa : Check the pool against its thresholds")
    assert checked[STAFF]["failed"] is True, checked
    assert checked[STAFF]["msg"] == (
        f"{STAFF}: 4 users: 1 already compliant, 2 changed, 1 not enrolled. 1 not enrolled (fails the run: enforce_mfa_fail_on): dave.")
    assert checked[SUPPORT].get("failed") is not True, checked  # nobody not enrolled there
    assert mfa(standin, STAFF, "alice")["preferred_method"] == "software_token_mfa"  # the writes were made

    run = run_playbook(tmp_path / "project" / "audit_mfa.yml", args=("-i", str(inventory), *audit))
    assert run.rc != 0, run
    report = json.loads((reports / "mfa-audit-latest.json").read_text())
    findings = sorted(failure.split(": ")[1] for failure in report["failures"] if ": finding " in failure)
    assert findings == sorted(["finding mfa_optional", "finding mfa_optional", "finding sms_mfa_allowed", "finding sms_mfa_allowed"])


def test_modules_take_the_region_from_the_pool_id(standin: Any, pools: dict, run_playbook: Any) -> None:
    """No region on the task or in the environment: the module works in the pool id's region. A region set on
    the task that is not the pool's fails before any call."""
    staff = POOL_IDS[STAFF]
    keys = {"endpoint_url": standin.endpoint, "access_key": "testing", "secret_key": "testing"}
    plays = [{
        "name": "region", "hosts": "localhost", "connection": "local", "gather_facts": False,
        "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "environment": {"AWS_REGION": "", "AWS_DEFAULT_REGION": ""},  # run_playbook's environment sets us-east-1
        "module_defaults": {"group/mfaops.cognito.aws": keys},
        "tasks": [
            {"name": "pool info", "mfaops.cognito.cognito_user_pool_info": {"user_pool_id": staff}, "register": "info"},
            {"name": "mfa info", "mfaops.cognito.cognito_user_mfa_info": {"user_pool_id": staff, "usernames": ["carol"]}},
            {"name": "wrong region", "mfaops.cognito.cognito_user_pool_info": {"user_pool_id": staff, "region": "ap-south-1"},
             "ignore_errors": True},
        ],
    }]
    standin.reset_counts()
    run = run_playbook(plays)
    assert run.rc == 0, run
    assert run.result("pool info").get("failed") is not True, run.result("pool info")
    assert run.result("mfa info")["counts"]["compliant"] == 1, run.result("mfa info")
    wrong = run.result("wrong region")
    assert wrong["failed"] is True and "belongs to region eu-west-1, but the task runs in region ap-south-1" in wrong["msg"], wrong
    assert standin.counts(staff).get("DescribeUserPool") == 2  # pool info and mfa info (the pool naming); none for the wrong region
