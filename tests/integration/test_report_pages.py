"""Every HTML page the collection writes, the way people read it: in Chromium (Debian's package, driven by Playwright
through ``executable_path``; no browser download), at 1280 and 800 px wide.

Pages: the audit report of two pools and the campaign page on its first day, each from a real playbook run against the
stand-in; the audit report of 50 pools with long names and the campaign page after 30 days, rendered by the
collection's own renderers from the data those runs wrote (the report's pool records, the campaign step), which costs
no 50 or 30 more runs. Checks on each page and width:

- no horizontal overflow: ``document.documentElement.scrollWidth <= window.innerWidth``, a table wider than the
  window only inside its own scroll container;
- no SVG text outside its SVG (each text's getBBox() within the viewBox);
- no console error, no page error;
- every number the page shows (in number cells, figures, bars, headings) carries the JSON pointer of the same number
  in the JSON the page was made from (data-json, data-json-count), and equals it.

Screenshots go to build/screenshots/ for a person to look at, with each page and the JSON it was checked against.
"""

from __future__ import annotations

import copy
import datetime
import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from tests.support import browser, seed

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
WIDTHS = (1280, 800)
STAFF, CUSTOMERS = "staff-us", "customers-eu"
STAFF_USERS = [("alice", "totp_preferred"), ("bob", "no_mfa"), ("carol", "sms_only"), ("dave", "totp_preferred"),
               ("erin", "totp_enabled"), ("fred", "totp_preferred"), ("gina", "disabled"), ("hugo", "totp_preferred")]
CUSTOMER_USERS = {"totp_preferred": 7, "totp_enabled": 2, "sms_totp_verified": 1, "no_mfa": 3, "disabled": 1}
CAMPAIGN = {"mfa_campaign_deadline": "2027-03-01", "mfa_campaign_switch_at_percent": 95, "mfa_campaign_today": "2027-01-10"}
CAMPAIGN_USERS = {"ann": "totp_preferred", "ben": "no_mfa", "cat": "no_mfa", "don": "totp_preferred", "eve": "sms_only"}

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (tests/requirements/ansible-2.21.txt)")


@pytest.fixture(scope="module")
def chromium_page() -> Iterator[Any]:
    path, why = browser.chromium()
    if not path:
        pytest.skip(f"no browser for the page tests: {why}")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield launched
        finally:
            launched.close()


def look(chromium: Any, html: Path, name: str, data: dict[str, Any], derived: dict[str, Any] | None = None) -> None:
    """Open the page at each width; every check of the module docstring; a screenshot of each."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"{name}.html").write_text(html.read_text())  # the page and its data beside its screenshots
    (SCREENSHOTS / f"{name}.json").write_text(json.dumps(data, indent=2, sort_keys=True))
    for width in WIDTHS:
        page = chromium.new_page(viewport={"width": width, "height": 900})
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(html.as_uri())
        seen = page.evaluate(browser.MEASURE)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        if width == WIDTHS[0]:  # what a person sees first (docs/images takes these)
            page.screenshot(path=str(SCREENSHOTS / f"{name}-top.png"))
        page.close()
        where = f"{name} at {width} px"
        assert errors == [], f"{where}: console errors {errors}"
        assert seen["scroll_width"] <= seen["inner_width"], f"{where}: the page is {seen['scroll_width']} px wide"
        assert all(table["in_scroll_container"] for table in seen["wide"]), f"{where}: wide tables {seen['wide']}"
        assert seen["clipped"] == [], f"{where}: SVG text clipped {seen['clipped']}"
        assert seen["unmapped"] == [], f"{where}: numbers with no JSON counterpart {seen['unmapped']}"
        assert seen["mapped"], f"{where}: no number mapped to the JSON"
        for mark in seen["mapped"]:
            if mark["campaign"]:
                expected = (derived or {})[mark["campaign"]]
            elif mark["count"]:
                expected = len(browser.pointer(data, mark["count"]))
            else:
                expected = browser.pointer(data, mark["json"])
            assert browser.same_number(mark["text"], expected), f"{where}: {mark} shows {mark['text']!r}, the JSON has {expected!r}"


@pytest.fixture(scope="module")
def plugin(collections_path: str) -> Any:
    """plugin("plugin_utils.campaign_page"): a module of the collection the playbooks run (build/collections)."""
    if collections_path not in sys.path:
        sys.path.insert(0, collections_path)
    return lambda name: importlib.import_module(f"ansible_collections.mfaops.cognito.plugins.{name}")


# ---------------------------------------------------------------- the audit report


@pytest.fixture(scope="module")
def audit_run(standin: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two pools on the stand-in, audited twice by playbooks/audit_mfa.yml (bob enrols and a new user comes between),
    so the page has a comparison too."""
    us, eu = standin.client(region="us-east-1"), standin.client(region="eu-west-1")
    staff = seed.create_pool(us, "pages-staff", "OPTIONAL")
    seed.seed_backdoor(standin, staff, STAFF_USERS)
    seed.add_to_group(us, staff, "admins", ["alice", "bob", "dave"])
    customers = seed.create_pool(eu, "pages-customers", "ON")
    seed.seed_backdoor(standin, customers, CUSTOMER_USERS, prefix="c-")
    directory = tmp_path_factory.mktemp("audit-pages")
    common = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
              "cognito_endpoint_url": standin.endpoint, "cognito_all_users": True}
    # The staff pool runs with a state (its users carried from it show when they were read; its pool section the run).
    hosts = {STAFF: {"cognito_user_pool_id": staff.id, "audit_mfa_required_groups": ["admins"],
                     "audit_mfa_state_dir": str(directory / "state")},
             CUSTOMERS: {"cognito_user_pool_id": customers.id, "audit_mfa_pool_min_compliance_percent": 50}}
    (directory / "inventory.yml").write_text(yaml.safe_dump({"cognito_pools": {"vars": common, "hosts": hosts}}))
    return {"directory": directory, "staff": staff, "us": us}


def run_audit(run_playbook: Any, audit_run: dict[str, Any]) -> Any:
    directory = audit_run["directory"]
    return run_playbook(ROOT / "playbooks" / "audit_mfa.yml", {"audit_mfa_report_dir": str(directory / "reports")},
                        args=("-i", str(directory / "inventory.yml")))


def test_audit_report_of_two_pools(run_playbook: Any, standin: Any, audit_run: dict[str, Any], chromium_page: Any) -> None:
    run_audit(run_playbook, audit_run)
    us, staff = audit_run["us"], audit_run["staff"]
    seed.enrol_totp(us, seed.sign_in(us, staff, "bob"))
    us.admin_set_user_mfa_preference(UserPoolId=staff.id, Username="bob", SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    seed.seed_backdoor(standin, staff, [("newbie", "no_mfa")])
    run = run_audit(run_playbook, audit_run)
    assert run.rc in (0, 2), run  # thresholds may fail the run; the reports are written first
    reports = audit_run["directory"] / "reports"
    report = json.loads((reports / "mfa-audit-latest.json").read_text())
    assert report["comparison"]["counts"]["became_compliant"] == 1 and report["overall"]["pools"] == 2
    staff_counts = next(pool["counts"] for pool in report["pools"] if pool["host"] == STAFF)
    # The vocabulary: the compliant TOTP users are compliant only; the breakdown names what it counts.
    assert staff_counts["compliant"] == 5 and "totp_preferred" not in staff_counts
    assert staff_counts["non_compliant_by_mfa_state"] == {"totp_preferred": 0, "totp_enabled_not_preferred": 1, "other_mfa_only": 1, "no_mfa": 1}
    staff_pool = next(pool for pool in report["pools"] if pool["host"] == STAFF)
    read = {user["username"]: user["read_this_run"] for user in staff_pool["users"]}
    assert read["carol"] is False and read["newbie"] is True and read["bob"] is True  # bob's enrolment is an event
    assert staff_pool["state_run"]["users_carried"] >= 1 and staff_pool["state_run"]["full_read_reason"] is None
    look(chromium_page, reports / "mfa-audit-latest.html", "audit-2-pools", report)


def test_audit_report_of_fifty_pools_with_long_names(
    run_playbook: Any, chromium_page: Any, audit_run: dict[str, Any], plugin: Any, tmp_path: Path
) -> None:
    """50 pools from the two real pools' records (the JSON the role wrote), renamed and thinned, joined and rendered by
    the collection's own code."""
    formats, model = plugin("plugin_utils.audit_report.formats"), plugin("plugin_utils.audit_report.model")
    audit_report = plugin("plugin_utils.audit_report.report").audit_report

    latest = audit_run["directory"] / "reports" / "mfa-audit-latest.json"
    if not latest.exists():  # run alone: one real audit of the two pools first
        assert run_audit(run_playbook, audit_run).rc in (0, 2)
    real = json.loads(latest.read_text())
    records = []
    for index in range(50):
        record = copy.deepcopy(real["pools"][index % 2])
        region = record["region"]
        record["host"] = f"{record['host']}-identity-platform-production-{region}-tenant-{index:02d}-with-a-long-descriptive-name"
        record["user_pool_id"] = f"{region}_Tenant{index:04d}"
        record["users"] = record["users"][: len(record["users"]) - index % 5]
        record["counts"] = model.count_states(record["users"])
        record["compliance_percent"] = model.shown(model.compliance(record["counts"]))
        record["required_groups"] = [] if index % 3 else record["required_groups"]
        for key in ("problems", "passed", "chart"):
            record.pop(key, None)
        records.append(record)
    report = json.loads(formats.render(audit_report(records, min_compliance_percent=60, generated_at=real["generated_at"]), "json"))
    page = tmp_path / "mfa-audit-50.html"
    page.write_text(formats.render(report, "html"))
    look(chromium_page, page, "audit-50-pools", report)


# ---------------------------------------------------------------- the campaign page


def test_campaign_page_on_day_one_and_after_thirty_days(run_playbook: Any, standin: Any, cognito: Any, chromium_page: Any,
                                                        plugin: Any, tmp_path: Path) -> None:
    campaign_page = plugin("plugin_utils.campaign_page")

    pool = seed.create_pool(cognito, "pages-campaign", mfa_configuration="OPTIONAL")
    for name, state in CAMPAIGN_USERS.items():
        seed.create_user(cognito, pool, name, state)
    host = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
            "cognito_user_pool_id": pool.id, "cognito_endpoint_url": standin.endpoint}
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump({"cognito_pools": {"hosts": {"staff": host}}}))
    run = run_playbook(ROOT / "playbooks" / "mfa_campaign.yml", CAMPAIGN, args=("-i", str(tmp_path / "inventory.yml")))
    assert run.rc == 0, run
    step = next(task["hosts"]["staff"] for play in run.output["plays"] for task in play["tasks"]
                if task["task"]["name"].endswith(" : Decide today's step, privileged groups first"))
    nudges = json.loads((tmp_path / "mfa-campaign" / "staff-nudges.json").read_text())
    assert nudges["coverage"] == step["coverage"]  # the page's numbers are the step's, which the nudge file carries
    html = (tmp_path / "mfa-campaign" / "staff-campaign.html").read_text()
    assert "No privileged groups in this campaign." in html and "<table" not in html
    assert not re.search(r"\b1 users\b", html) and '<span data-json="/lockout_risk/mfa_setup_users">2</span> users will meet' in html

    def days_left(today: str) -> int:
        return (datetime.date.fromisoformat(CAMPAIGN["mfa_campaign_deadline"]) - datetime.date.fromisoformat(today)).days

    look(chromium_page, tmp_path / "mfa-campaign" / "staff-campaign.html", "campaign-day-1", step,
         {"days_left": days_left(step["today"]), "threshold": CAMPAIGN["mfa_campaign_switch_at_percent"]})

    # 30 days on, from the real first day: coverage rising day by day, a privileged group past its deadline.
    first = datetime.date.fromisoformat(step["today"])
    start = step["coverage"]["percent"]
    history = {(first + datetime.timedelta(days=n)).isoformat(): round(start + n * (80 - start) / 29, 2) for n in range(30)}
    today = max(history)
    later = dict(step, today=today, history=history, nudges=step["nudges"][:1],
                 coverage={"total": 5, "compliant": 4, "percent": history[today],
                           "groups": {"platform-administrators": {"total": 3, "compliant": 2, "percent": 66.67}}})
    groups = {"platform-administrators": "2027-01-25"}
    page = tmp_path / "campaign-day-30.html"
    page.write_text(campaign_page.coverage_html(later, "staff", CAMPAIGN["mfa_campaign_deadline"], 95, groups))
    look(chromium_page, page, "campaign-day-30", later, {"days_left": days_left(today), "threshold": 95})
