"""playbooks/audit_mfa.yml (the role mfaops.cognito.audit_mfa) against the stand-in.

Two pools in two regions, seeded with users in known MFA states (seed.py's states),
audited with forks > 1 through an inventory of the enforce_mfa shape:

- staff (us-east-1): users listed inline and in a users file, a user that does not
  exist, a disabled user, a break-glass account that is excluded. Its settings weaken
  MFA on purpose: MFA OPTIONAL, SMS allowed, remembered devices that skip MFA, an app
  client that allows password sign-in without SRP (and one with a secret that must
  never show up in a report).
- customers (eu-west-1): every user of the pool (the break-glass account excluded),
  MFA ON with TOTP only, app clients with SRP only: no finding.

Both pools are exactly 40 % compliant (2 of 5 and 8 of 20 enabled users), and so is
the whole: the thresholds are tested at that boundary. Every claim about calls is
checked at the stand-in, which counts calls per operation: the audit makes no write.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import seed
from tests.support.standin import write_calls

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "playbooks" / "audit_mfa.yml"
STAFF, CUSTOMERS = "staff", "customers"
FORKS = ("--forks", "4")
SHOW_STATS = {"show_custom_stats": "true"}
# The audit's state of a user seeded in each seed.py state. A verified but not enabled
# token is invisible to an administrator: such a user has no MFA.
AUDIT_STATE = {
    "no_mfa": "no_mfa",
    "totp_verified": "no_mfa",
    "totp_enabled": "totp_enabled_not_preferred",
    "totp_preferred": "compliant",
    "sms_only": "other_mfa_only",
    "sms_totp_verified": "other_mfa_only",
    "disabled": "disabled",
    "disabled_totp_verified": "disabled",
}
STATES = ("compliant", "totp_preferred", "totp_enabled_not_preferred", "other_mfa_only", "no_mfa", "disabled",
          "federated", "unconfirmed", "password_reset_required", "force_change_password", "unreadable", "not_found")
# Under these keys only in counts.non_compliant_by_mfa_state: counts.totp_preferred is cognito_user_mfa_info's (every user read).
MFA_STATES = ("totp_preferred", "totp_enabled_not_preferred", "other_mfa_only", "no_mfa")
NOT_COMPLIANT = ("totp_preferred", "totp_enabled_not_preferred", "other_mfa_only", "no_mfa", "unreadable")
READ_OPERATIONS = {
    "AdminGetUser",
    "GetUserPoolMfaConfig",
    "ListUsers",
    "ListUsersInGroup",
    "DescribeUserPool",
    "ListUserPoolClients",
    "DescribeUserPoolClient",
}

STAFF_INLINE = [("alice", "totp_preferred"), ("bob", "no_mfa"), ("carol", "sms_totp_verified")]
STAFF_FILE = [("dave", "totp_preferred"), ("erin", "totp_enabled"), ("gina", "disabled")]
STAFF_OTHERS = [("breakglass", "no_mfa"), ("uma", "no_mfa")]  # excluded; not selected
STAFF_GROUPS = {"admins": ["alice", "dave", "gina"], "support": ["bob", "dave"]}
CUSTOMER_STATES = {
    "totp_preferred": 8,
    "totp_enabled": 2,
    "totp_verified": 2,
    "sms_only": 2,
    "sms_totp_verified": 1,
    "no_mfa": 5,
    "disabled": 1,
    "disabled_totp_verified": 1,
}


# ----------------------------------------------------------------------- helpers


class Page(HTMLParser):
    """What the tests look at in the HTML report: text of table rows by table id,
    tags and attributes that would reach the network."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.tags: list[str] = []
        self.external: list[tuple[str, str, str]] = []
        self.text: list[str] = []
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action") or "url(" in (value or ""):
                self.external.append((tag, name, value or ""))
        if tag == "table":
            self._table = dict(attrs).get("id") or f"table-{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def parse_html(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text())
    page.close()
    return page


def make_pools(standin: Any, suffix: str) -> dict[str, dict[str, Any]]:
    """The two pools, seeded; ``{host: {"pool": seed.Pool, "states": {username: seed state}, "secret": ...}}``."""
    us = standin.client(region="us-east-1")
    staff = seed.create_pool(us, f"audit-staff{suffix}", "OPTIONAL", pool_id=f"us-east-1_AuditStaff{suffix}", standin=standin)
    us.update_user_pool(
        UserPoolId=staff.id,
        AutoVerifiedAttributes=["email"],
        DeviceConfiguration={"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": False},
    )
    secret = us.create_user_pool_client(
        UserPoolId=staff.id, ClientName="backend", GenerateSecret=True, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"]
    )["UserPoolClient"]["ClientSecret"]
    seed.seed_backdoor(standin, staff, STAFF_INLINE + STAFF_FILE + STAFF_OTHERS)
    for group, members in STAFF_GROUPS.items():
        seed.add_to_group(us, staff, group, members)

    eu = standin.client(region="eu-west-1")
    customers = seed.create_pool(eu, f"audit-customers{suffix}", "ON", pool_id=f"eu-west-1_AuditCust{suffix}", standin=standin)
    eu.set_user_pool_mfa_config(UserPoolId=customers.id, MfaConfiguration="ON", SoftwareTokenMfaConfiguration={"Enabled": True})
    eu.update_user_pool_client(
        UserPoolId=customers.id, ClientId=customers.client_id, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )
    seed.seed_backdoor(standin, customers, CUSTOMER_STATES, prefix="c-")
    seed.seed_backdoor(standin, customers, [("breakglass", "no_mfa")])
    return {
        STAFF: {"pool": staff, "secret": secret},
        CUSTOMERS: {"pool": customers},
    }


def write_inventory(directory: Path, pools: dict[str, dict[str, Any]], endpoint: str, hosts: dict[str, Any] | None = None) -> Path:
    """An inventory of the enforce_mfa shape for the pools (plus ``hosts``: more host vars, or more hosts)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "users").mkdir(exist_ok=True)
    (directory / "users" / "staff.yml").write_text(yaml.safe_dump([name for name, _state in STAFF_FILE] + ["ghost", "breakglass"]))
    inventory = {
        "cognito_pools": {
            "vars": {
                "ansible_connection": "local",
                "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                "cognito_endpoint_url": endpoint,
                "cognito_exclude": ["breakglass"],
            },
            "hosts": {
                STAFF: {
                    "cognito_user_pool_id": pools[STAFF]["pool"].id,
                    "cognito_region": "us-east-1",
                    "cognito_users": [name for name, _state in STAFF_INLINE[:2]] + [{"username": "carol", "sms_mfa": {"enabled": True}}],
                    "cognito_users_files": ["users/staff.yml"],
                },
                CUSTOMERS: {
                    "cognito_user_pool_id": pools[CUSTOMERS]["pool"].id,
                    "cognito_all_users": True,
                },
            },
        }
    }
    for host, hostvars in (hosts or {}).items():
        inventory["cognito_pools"]["hosts"].setdefault(host, {}).update(hostvars)
    path = directory / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    return path


def expected_states(pools: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    """``{host: {username: audit state}}`` of the users each pool's selection reads."""
    staff = {name: AUDIT_STATE[state] for name, state in STAFF_INLINE + STAFF_FILE}
    staff["ghost"] = "not_found"
    customers = {name: AUDIT_STATE[state] for name, state in pools[CUSTOMERS]["pool"].users.items() if name != "breakglass"}
    return {STAFF: staff, CUSTOMERS: customers}


def expected_counts(states: dict[str, str]) -> dict[str, Any]:
    counts: dict[str, Any] = {state: sum(1 for s in states.values() if s == state) for state in STATES if state not in MFA_STATES}
    counts["non_compliant_by_mfa_state"] = {state: sum(1 for s in states.values() if s == state) for state in MFA_STATES}
    counts["total"] = len(states)
    counts["considered"] = sum(1 for s in states.values() if s in ("compliant",) + NOT_COMPLIANT)
    counts["non_compliant"] = counts["considered"] - counts["compliant"]
    return counts


def audit(run_playbook: Any, standin: Any, inventory: Path, report_dir: Path, **extra_vars: Any) -> Any:
    standin.reset_counts()
    return run_playbook(
        PLAYBOOK,
        {"audit_mfa_report_dir": str(report_dir), **extra_vars},
        args=("-i", str(inventory), *FORKS),
        config=SHOW_STATS,
    )


def no_writes(standin: Any) -> None:
    made = standin.counts()
    assert write_calls(made) == {}, made
    assert set(made) <= READ_OPERATIONS, made


def task_results(run: Any, task: str) -> dict[str, dict[str, Any]]:
    """``{host: result}`` of the role's task called ``task``."""
    for played in run.output.get("plays", []):
        for ran in played["tasks"]:
            if ran["task"]["name"].endswith(f" : {task}"):
                return ran["hosts"]
    raise AssertionError(f"no task {task!r} ran\n{run}")


def latest(report_dir: Path, extension: str) -> Path:
    return report_dir / f"mfa-audit-latest.{extension}"


# ------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def pools(standin: Any) -> dict[str, dict[str, Any]]:
    return make_pools(standin, "A1")


def test_audit_reports_every_state_and_writes_nothing(
    standin: Any, run_playbook: Any, pools: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    """Counts and per-user states match the seeded states exactly; every threshold set exactly at the pools'
    compliance (40 %) passes, and so does a required group whose members are compliant (a disabled one aside);
    the four reports parse and agree; files are 0600; no write call; set_stats has the summary."""
    inventory = write_inventory(
        tmp_path / "inventory",
        pools,
        standin.endpoint,
        {
            STAFF: {"audit_mfa_pool_min_compliance_percent": 40, "audit_mfa_required_groups": ["admins"]},
            CUSTOMERS: {"audit_mfa_pool_min_compliance_percent": 40.0},
        },
    )
    report_dir = tmp_path / "reports"
    run = audit(run_playbook, standin, inventory, report_dir, audit_mfa_min_compliance_percent="40")
    assert run.rc == 0, run
    no_writes(standin)

    expected = expected_states(pools)
    report = json.loads(latest(report_dir, "json").read_text())
    assert report["passed"] is True and report["failures"] == []
    by_host = {pool["host"]: pool for pool in report["pools"]}
    for host in (STAFF, CUSTOMERS):
        assert {user["username"]: user["state"] for user in by_host[host]["users"]} == expected[host]
        assert by_host[host]["counts"] == expected_counts(expected[host])
        assert by_host[host]["compliance_percent"] == 40
    assert by_host[STAFF]["counts"]["not_found"] == 1 and by_host[STAFF]["counts"]["disabled"] == 1
    assert report["overall"]["compliance_percent"] == 40 and report["overall"]["counts"]["considered"] == 25
    assert report["comparison"]["available"] is False and report["comparison"]["note"] == "No previous report"
    assert by_host[STAFF]["required_groups"] == [{"group": "admins", "members": 3, "non_compliant": []}]

    # Findings: every weakening setting of the staff pool, none in the customers pool.
    codes = {finding["code"] for finding in by_host[STAFF]["findings"]}
    assert codes == {"mfa_optional", "sms_mfa_allowed", "remembered_devices_skip_mfa", "password_auth_without_srp"}
    weak_clients = [f["client_name"] for f in by_host[STAFF]["findings"] if f["code"] == "password_auth_without_srp"]
    assert weak_clients == ["audit-staffA1-app"]
    assert by_host[CUSTOMERS]["findings"] == []
    assert by_host[STAFF]["user_pool_mfa_config"]["mfa_configuration"] == "OPTIONAL"

    # CSV: one row per user read, in the same states.
    rows = list(csv.DictReader(io.StringIO(latest(report_dir, "csv").read_text(), newline="")))
    assert {(row["pool"], row["username"]): row["audit_state"] for row in rows} == {
        (host, name): state for host, states in expected.items() for name, state in states.items()
    }
    assert all(row["compliant"] == ("true" if row["audit_state"] == "compliant" else "false") for row in rows)

    # JUnit: one test case per pool (plus the overall one), one failed test case per user not compliant.
    root = ET.parse(latest(report_dir, "junit.xml")).getroot()
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    pool_cases = {case.get("name"): case for case in suites["mfa-audit.pools"].iter("testcase")}
    assert set(pool_cases) == {"overall", STAFF, CUSTOMERS}
    assert all(case.find("failure") is None and case.find("error") is None for case in pool_cases.values())
    for host in (STAFF, CUSTOMERS):
        failed = {case.get("name"): case.find("failure").get("type") for case in suites[f"mfa-audit.{host}"].iter("testcase")}
        assert failed == {name: state for name, state in expected[host].items() if state in NOT_COMPLIANT}
    non_compliant = sum(1 for states in expected.values() for state in states.values() if state in NOT_COMPLIANT)
    assert root.get("tests") == str(3 + non_compliant) and root.get("failures") == str(non_compliant)

    # HTML: self-contained, with the chart and exactly the users not compliant.
    page = parse_html(latest(report_dir, "html"))
    assert page.external == [] and not {"script", "link", "img", "iframe"} & set(page.tags)
    assert page.tags.count("svg") == 3 and "rect" in page.tags
    listed = {(row[0], row[1]): row[2] for row in page.tables["non-compliant-users"][1:]}
    assert set(listed) == {(host, name) for host, states in expected.items() for name, state in states.items() if state in NOT_COMPLIANT}
    assert listed[STAFF, "bob"] == "no MFA" and listed[STAFF, "erin"] == "TOTP enabled but not preferred"
    assert "PASSED" in page.text

    # Only the owner may read the files; no secret of an app client in any of them.
    assert stat.S_IMODE(report_dir.stat().st_mode) == 0o700
    files = sorted(report_dir.iterdir())
    assert len(files) == 6 and len([f for f in files if "latest" not in f.name]) == 1  # json, csv, html, junit.xml, ocsf.jsonl
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert pools[STAFF]["secret"] not in path.read_text()

    # The rows went from the modules to the report through private files, not the task results, and are gone.
    read_whole = {host: result for host, result in task_results(run, "Read the MFA of every user of the pool").items()
                  if not result.get("skipped")}
    assert read_whole, "no pool was read whole"
    for host, result in read_whole.items():
        assert result["users"] == [] and result["users_file"].endswith("/all.jsonl"), (host, result)
        assert not Path(result["users_file"]).parent.exists()

    stats = run.output["global_custom_stats"]["mfa_audit"]
    assert stats["passed"] is True and stats["counts"] == report["overall"]["counts"]
    assert stats["pools"][STAFF]["counts"] == expected_counts(expected[STAFF])
    assert stats["report_dir"] == str(report_dir)


def test_compliance_follows_the_audit_policy(
    standin: Any, run_playbook: Any, pools: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    """With a policy that asks only for TOTP enabled, users with TOTP enabled but not preferred count as
    compliant in every rendering of the report, and the percentage follows."""
    inventory = write_inventory(tmp_path / "inventory", pools, standin.endpoint, {})
    report_dir = tmp_path / "reports"
    policy = {"software_token_mfa": {"enabled": True}}
    run = audit(run_playbook, standin, inventory, report_dir, audit_mfa_policy=policy)
    assert run.rc == 0, run
    no_writes(standin)

    expected = {
        host: {name: "compliant" if state == "totp_enabled_not_preferred" else state for name, state in states.items()}
        for host, states in expected_states(pools).items()
    }
    report = json.loads(latest(report_dir, "json").read_text())
    by_host = {pool["host"]: pool for pool in report["pools"]}
    for host in (STAFF, CUSTOMERS):
        assert {user["username"]: user["state"] for user in by_host[host]["users"]} == expected[host]
        assert by_host[host]["counts"] == expected_counts(expected[host])
    assert by_host[STAFF]["compliance_percent"] == 60  # alice, dave, erin of 5
    rows = list(csv.DictReader(io.StringIO(latest(report_dir, "csv").read_text(), newline="")))
    assert {row["username"]: row["compliant"] for row in rows if row["pool"] == STAFF}["erin"] == "true"
    page = parse_html(latest(report_dir, "html"))
    assert (STAFF, "erin") not in {(row[0], row[1]) for row in page.tables["non-compliant-users"][1:]}


def test_thresholds_fail_and_name_what_fell_short(
    standin: Any, run_playbook: Any, pools: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    """Just above the boundary, each threshold fails and is named: the overall minimum, a pool's minimum, a
    required group with a member not compliant, a finding listed to fail, and a pool that could not be audited
    (its users file is missing); the other pools are still audited and the reports still written."""
    inventory = write_inventory(
        tmp_path / "inventory",
        pools,
        standin.endpoint,
        {
            STAFF: {"audit_mfa_pool_min_compliance_percent": 40.01, "audit_mfa_required_groups": ["admins", "support"]},
            CUSTOMERS: {"audit_mfa_pool_min_compliance_percent": 40},
            "broken": {"cognito_user_pool_id": "us-east-1_AuditNone", "cognito_users_files": ["users/missing.yml"]},
        },
    )
    report_dir = tmp_path / "reports"
    run = audit(
        run_playbook,
        standin,
        inventory,
        report_dir,
        audit_mfa_min_compliance_percent=40.001,
        audit_mfa_fail_on_findings=["remembered_devices_skip_mfa"],
    )
    assert run.rc != 0, run
    no_writes(standin)
    report = json.loads(latest(report_dir, "json").read_text())
    assert report["failures"][:4] == [
        "overall: 40 % compliant (10 of 25 users), below the minimum of 40.001 %",
        f"pool {STAFF} ({pools[STAFF]['pool'].id}): 40 % compliant (2 of 5 users), below the minimum of 40.01 %",
        f"pool {STAFF} ({pools[STAFF]['pool'].id}): group support: 1 of 2 members not compliant: bob (no MFA)",
        f"pool {STAFF} ({pools[STAFF]['pool'].id}): finding remembered_devices_skip_mfa: Remembered devices sign in "
        "without MFA (ChallengeRequiredOnNewDevice); devices are remembered always",
    ]
    # The broken pool's error as Ansible words it around the lookup's message.
    assert report["failures"][4].startswith("pool broken (us-east-1_AuditNone): the audit failed: ")
    assert f"pool broken: users file 'users/missing.yml' does not exist (looked in: {tmp_path / 'inventory' / 'users/missing.yml'}; " \
        in report["failures"][4]
    (checked,) = task_results(run, "Check the thresholds").values()  # run once
    assert checked["failed"] is True
    assert checked["msg"] == f"5 thresholds not met: {'; '.join(report['failures'])}"
    by_host = {pool["host"]: pool for pool in report["pools"]}
    assert by_host[CUSTOMERS]["passed"] is True and by_host[CUSTOMERS]["counts"] == expected_counts(expected_states(pools)[CUSTOMERS])
    expected = expected_states(pools)
    assert report["overall"]["counts"] == expected_counts({**expected[STAFF], **expected[CUSTOMERS]})

    root = ET.parse(latest(report_dir, "junit.xml")).getroot()
    pool_cases = {case.get("name"): case for case in root.find("testsuite").iter("testcase")}
    assert pool_cases["broken"].find("error") is not None
    assert pool_cases[STAFF].find("failure").get("message").count(f"pool {STAFF}") == 3
    assert pool_cases["overall"].find("failure") is not None and pool_cases[CUSTOMERS].find("failure") is None
    assert run.output["global_custom_stats"]["mfa_audit"]["passed"] is False


def test_comparison_with_the_previous_report(standin: Any, run_playbook: Any, tmp_path: Path) -> None:
    """A second audit into the same directory says who became compliant, who fell out and who is new and not
    compliant; the first report is kept beside the new one, and only the oldest reports of the same name are
    deleted beyond audit_mfa_keep_reports."""
    us = standin.client(region="us-east-1")
    pool = seed.create_pool(us, "audit-compare", "ON", pool_id="us-east-1_AuditCmpA1", standin=standin)
    # Usernames are data, never markup or templates: Cognito allows these two.
    script, template = "<script>alert(1)</script>", "{{7*7}}"
    seed.seed_backdoor(
        standin,
        pool,
        [("amy", "totp_enabled"), ("ben", "totp_preferred"), ("cy", "totp_verified"), ("dee", "no_mfa"),
         (script, "no_mfa"), (template, "no_mfa")],
    )
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(
        yaml.safe_dump(
            {
                "cognito_pools": {
                    "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
                    "hosts": {"cmp": {"cognito_user_pool_id": pool.id, "cognito_all_users": True, "cognito_endpoint_url": standin.endpoint}},
                }
            }
        )
    )
    report_dir = tmp_path / "reports"
    named = {"audit_mfa_report_name": "cmp", "audit_mfa_keep_reports": 2}
    assert audit(run_playbook, standin, inventory, report_dir, **named).rc == 0
    first = json.loads((report_dir / "cmp-latest.json").read_text())
    (report_dir / "cmp-20000101T000000Z.json").write_text("{}")  # the oldest: deleted by the next run
    (report_dir / "mfa-audit-20000101T000000Z.json").write_text("{}")  # another report's: kept

    # amy and cy turn TOTP on and preferred; ben's TOTP is switched off; eve joins without MFA.
    for name in ("amy", "cy"):
        us.admin_set_user_mfa_preference(
            UserPoolId=pool.id, Username=name, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
        )
    us.admin_set_user_mfa_preference(UserPoolId=pool.id, Username="ben", SoftwareTokenMfaSettings={"Enabled": False})
    seed.seed_backdoor(standin, pool, [("eve", "no_mfa")])

    run = audit(run_playbook, standin, inventory, report_dir, **named)
    assert run.rc == 0, run
    no_writes(standin)
    report = json.loads((report_dir / "cmp-latest.json").read_text())
    comparison = report["comparison"]
    assert comparison["available"] is True and comparison["previous_generated_at"] == first["generated_at"]
    assert [(c["username"], c["before"], c["after"]) for c in comparison["became_compliant"]] == [
        ("amy", "totp_enabled_not_preferred", "compliant"),
        ("cy", "no_mfa", "compliant"),
    ]
    assert [(c["username"], c["before"], c["after"]) for c in comparison["fell_out"]] == [("ben", "compliant", "no_mfa")]
    assert [(c["username"], c["after"]) for c in comparison["new_non_compliant"]] == [("eve", "no_mfa")]
    assert comparison["pools"] == {"cmp": {"previous_compliance_percent": 16.66}}
    assert report["pools"][0]["compliance_percent"] == 28.57
    assert run.output["global_custom_stats"]["mfa_audit"]["comparison"] == {
        "available": True, "became_compliant": 2, "fell_out": 1, "new_non_compliant": 1
    }

    history = sorted(path.name for path in report_dir.glob("cmp-2*.json"))
    assert len(history) == 2 and "cmp-20000101T000000Z.json" not in history, history
    assert json.loads((report_dir / history[0]).read_text())["generated_at"] == first["generated_at"]
    assert (report_dir / "mfa-audit-20000101T000000Z.json").exists()

    page = parse_html(report_dir / "cmp-latest.html")
    assert [row[1] for row in page.tables["became_compliant"][1:]] == ["amy", "cy"]
    assert [row[1:] for row in page.tables["fell_out"][1:]] == [["ben", "compliant", "no MFA"]]
    # The odd usernames come out as they are, as text: not run as a template, not parsed as markup.
    assert {row[1] for row in page.tables["non-compliant-users"][1:]} == {"ben", "dee", "eve", script, template}
    assert "script" not in page.tags
    assert {row["username"] for row in csv.DictReader(io.StringIO((report_dir / "cmp-latest.csv").read_text()))} >= {script, template}
    junit = ET.parse(report_dir / "cmp-latest.junit.xml").getroot()
    assert {case.get("name") for case in junit.iter("testcase")} >= {script, template}
    assert "49" not in {user["username"] for user in report["pools"][0]["users"]}

    # Check mode: the report is built, nothing is written or deleted, and the task says what would be.
    before = sorted(path.name for path in report_dir.iterdir())
    checked = run_playbook(PLAYBOOK, {"audit_mfa_report_dir": str(report_dir), **named, "audit_mfa_keep_reports": 1},
                           check=True, args=("-i", str(inventory)))
    assert checked.rc == 0, checked
    assert sorted(path.name for path in report_dir.iterdir()) == before
    (would,) = task_results(checked, "Write the report in every format, and delete the oldest timestamped ones").values()
    real = Path(os.path.realpath(report_dir))
    assert would["deleted"] == [str(real / name) for name in history]
    assert [Path(path).name for path in would["files"][1:]] == [f"cmp-latest.{ext}" for ext in ("json", "csv", "html", "junit.xml", "ocsf.jsonl")]


# Usernames Cognito permits (botocore UsernameType [\p{L}\p{M}\p{S}\p{N}\p{P}]+) that break careless renderings, and a
# control character the stand-in holds though Cognito would not: every format must still parse.
HOSTILE = ["]]>", "<b>&amp;</b>", '"q"', "=1+1", "{{7*7}}", "💥", "e\u0301", "ctl\x01name"]


def test_report_dirs_are_created_0700_and_existing_ones_left_as_they_are(standin: Any, run_playbook: Any, tmp_path: Path) -> None:
    """Missing directories are created 0700 (each level); an existing shared 1777 directory keeps its mode and
    sticky bit; a directory reached through a symlink is not changed. Every format parses with hostile usernames."""
    us = standin.client(region="us-east-1")
    pool = seed.create_pool(us, "audit-dirs", "ON", pool_id="us-east-1_AuditDirs1", standin=standin)
    seed.seed_backdoor(standin, pool, [("amy", "totp_preferred"), *[(name, "no_mfa") for name in HOSTILE]])
    inventory = tmp_path / "inventory.yml"
    host = {"cognito_user_pool_id": pool.id, "cognito_all_users": True, "cognito_endpoint_url": standin.endpoint}
    inventory.write_text(
        yaml.safe_dump(
            {
                "cognito_pools": {
                    "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
                    "hosts": {"dirs": host},
                }
            }
        )
    )
    created = tmp_path / "new" / "deeper"
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    target = tmp_path / "target"
    target.mkdir()
    target.chmod(0o755)
    link = tmp_path / "link"
    link.symlink_to(target)

    for report_dir in (created, shared, link):
        run = audit(run_playbook, standin, inventory, report_dir)
        assert run.rc == 0, run
        assert latest(report_dir, "json").exists()
    assert [stat.S_IMODE(path.stat().st_mode) for path in (created.parent, created)] == [0o700, 0o700]
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert link.is_symlink() and stat.S_IMODE(target.stat().st_mode) == 0o755

    names = set(HOSTILE) | {"amy"}
    report = json.loads(latest(created, "json").read_text())
    assert {user["username"] for user in report["pools"][0]["users"]} == names
    rows = csv.DictReader(io.StringIO(latest(created, "csv").read_text(), newline=""))
    assert {row["username"] for row in rows} == (names - {"=1+1"}) | {"'=1+1"}
    page = parse_html(latest(created, "html"))
    assert "b" not in page.tags and {row[1] for row in page.tables["non-compliant-users"][1:]} == set(HOSTILE)
    junit = ET.parse(latest(created, "junit.xml")).getroot()
    cases = {case.get("name") for case in junit.iter("testcase")}
    assert (set(HOSTILE) - {"ctl\x01name"}) | {"ctl\\u0001name"} <= cases
