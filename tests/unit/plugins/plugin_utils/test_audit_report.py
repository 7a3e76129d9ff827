"""The audit_mfa role's decisions as tables: user states, pool findings, thresholds at the boundary, the
comparison with the previous report, and the CSV and JUnit renderings (plugins/filter/audit_report.py)."""

import csv
import io
import json
import xml.etree.ElementTree as ET
from fractions import Fraction

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mfaops.cognito.plugins.module_utils import files
from ansible_collections.mfaops.cognito.plugins.module_utils import mfa
from ansible_collections.mfaops.cognito.plugins.module_utils import pool_info
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report import csv_report
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report import findings
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report import html_report
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report import junit_report
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report import model
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report import ocsf_report
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report.report import audit_report

TOTP, SMS = "software_token_mfa", "sms_mfa"
METHODS = {
    "totp_preferred": ([TOTP], TOTP),
    "totp_enabled_not_preferred": ([TOTP], None),
    "other_mfa_only": ([SMS], SMS),
    "no_mfa": ([], None),
}
POOL_ID = "us-east-1_Pool1"


def row(username, mfa_state="totp_preferred", enabled=True, policy=None, **more):
    """A cognito_user_mfa_info row (report=all), judged as the module judges it: by default TOTP enabled and preferred."""
    methods, preferred = METHODS[mfa_state]
    policy = policy or {TOTP: mfa.MethodRequest(enabled=True, preferred=True)}
    return dict(
        username=username,
        compliant=mfa.satisfies(mfa.MfaState(frozenset(methods), preferred), policy),
        not_found=False,
        enabled=enabled,
        user_status="CONFIRMED",
        enabled_methods=methods,
        preferred_method=preferred,
        mfa_state=mfa_state,
        **more,
    )


def missing(username):
    return dict(username=username, compliant=False, not_found=True, enabled=None, user_status=None,
                enabled_methods=None, preferred_method=None, mfa_state=None)


def unreadable(username):
    return dict(missing(username), not_found=False, error_code="InternalErrorException", message="boom")


def info(*rows, mfa_configuration="ON", sms=False):
    config = {"mfa_configuration": mfa_configuration, "software_token_mfa_configuration": {"enabled": True}}
    if sms:
        config["sms_mfa_configuration"] = {"sms_authentication_message": "{####}"}
    return {"changed": False, "users": list(rows), "user_pool_mfa_config": config}


def pool(host="pool-a", pool_id=POOL_ID, results=None, **options):
    return model.audit_pool(results if results is not None else [info(row("alice"))], host, pool_id, **options)


def states(record):
    return {user["username"]: user["state"] for user in record["users"]}


# ----------------------------------------------------------------------- users and pools


@pytest.mark.parametrize(
    "given, expected",
    [
        (row("a"), "compliant"),
        (row("a", "totp_enabled_not_preferred"), "totp_enabled_not_preferred"),
        (row("a", "other_mfa_only"), "other_mfa_only"),
        (row("a", "no_mfa"), "no_mfa"),
        (row("a", "totp_preferred", enabled=False), "disabled"),
        (row("a", "no_mfa", enabled=False), "disabled"),
        (missing("a"), "not_found"),
        (unreadable("a"), "unreadable"),
    ],
)
def test_user_state(given, expected):
    assert mfa.audit_state(given) == expected


def test_compliance_follows_the_policy_of_the_audit():
    """The report counts as compliant whom the module's policy accepts, not whoever has TOTP preferred."""
    totp_enabled = {TOTP: mfa.MethodRequest(enabled=True)}
    record = pool(results=[info(row("erin", "totp_enabled_not_preferred", policy=totp_enabled), row("bob", "no_mfa", policy=totp_enabled))])
    assert states(record) == {"erin": "compliant", "bob": "no_mfa"}
    assert record["counts"]["compliant"] == 1 and record["compliance_percent"] == 50
    report = audit_report([record], min_compliance_percent=50)
    assert report["passed"] and report["overall"]["counts"]["compliant"] == 1
    rows = {row["username"]: row for row in csv.DictReader(io.StringIO(csv_report.render(report)))}
    assert (rows["erin"]["audit_state"], rows["erin"]["compliant"], rows["erin"]["mfa_state"]) == ("compliant", "true", "totp_enabled_not_preferred")

    # A policy that asks for more: TOTP preferred without SMS is not compliant, and says what the user has.
    with_sms = {TOTP: mfa.MethodRequest(enabled=True, preferred=True), SMS: mfa.MethodRequest(enabled=True)}
    record = pool(results=[info(row("alice", policy=with_sms))])
    assert states(record) == {"alice": "totp_preferred"}
    assert record["counts"]["non_compliant"] == 1 and record["compliance_percent"] == 0
    assert record["counts"]["non_compliant_by_mfa_state"]["totp_preferred"] == 1 and "totp_preferred" not in record["counts"]
    assert "1 TOTP enabled and preferred, yet not compliant" in record["message"]


def test_pool_counts_every_state_once_and_merges_results():
    listed = info(row("alice"), row("bob", "no_mfa"), missing("ghost"), row("dis", "no_mfa", enabled=False))
    everyone = info(row("alice"), row("carl", "other_mfa_only"), row("erin", "totp_enabled_not_preferred"), unreadable("x"))
    record = pool(results=[listed, {"skipped": True, "changed": False}, everyone])
    assert states(record) == {
        "alice": "compliant", "bob": "no_mfa", "carl": "other_mfa_only", "dis": "disabled",
        "erin": "totp_enabled_not_preferred", "ghost": "not_found", "x": "unreadable",
    }
    assert record["counts"] == {
        "compliant": 1,
        "non_compliant_by_mfa_state": {"totp_preferred": 0, "totp_enabled_not_preferred": 1, "other_mfa_only": 1, "no_mfa": 1},
        "disabled": 1,
        "federated": 0, "unconfirmed": 0, "password_reset_required": 0, "force_change_password": 0,
        "unreadable": 1, "not_found": 1, "total": 7, "considered": 5, "non_compliant": 4,
    }
    assert record["compliance_percent"] == 20
    assert [user["username"] for user in record["users"]] == sorted(states(record))
    assert record["users"][-1]["error_code"] == "InternalErrorException"
    assert record["region"] == "us-east-1" and record["error"] is None
    assert record["message"] == (
        "7 users: 1 compliant (20 %), 1 TOTP enabled but not preferred, 1 other MFA only, 1 no MFA, 1 disabled, "
        "1 could not be read, 1 not found"
    )


def test_rows_written_to_a_users_file_make_the_same_record(tmp_path):
    """A result whose rows went to users_file (files.RowsFile, in the order judged) gives the record its users would."""
    listed = info(row("bob", "no_mfa"), missing("ghost"))
    everyone = info(row("erin", "totp_enabled_not_preferred"), row("alice"), row("bob", "no_mfa"))
    rows = files.RowsFile(str(tmp_path / "all.jsonl"))
    for user in everyone["users"]:
        rows.write(user)
    rows.close()
    filed = dict(everyone, users=[], users_file=rows.path)
    assert pool(results=[listed, filed]) == pool(results=[listed, everyone])
    assert [user["username"] for user in pool(results=[listed, filed])["users"]] == ["alice", "bob", "erin", "ghost"]

    gone = dict(filed, users_file=str(tmp_path / "gone.jsonl"))
    with pytest.raises(AnsibleFilterError, match=f"cannot read the users_file {tmp_path / 'gone.jsonl'}"):
        pool(results=[gone])
    (tmp_path / "cut.jsonl").write_text('{"username": "alice"}\n{"usern')  # cut short
    with pytest.raises(AnsibleFilterError, match=f"cannot read the users_file {tmp_path / 'cut.jsonl'}"):
        pool(results=[dict(filed, users_file=str(tmp_path / "cut.jsonl"))])


def test_a_pool_with_no_user_to_count_is_fully_compliant():
    record = pool(results=[info(row("dis", enabled=False), missing("ghost"))])
    assert record["counts"]["considered"] == 0 and record["compliance_percent"] == 100


def test_required_groups_list_members_not_compliant_disabled_aside():
    groups = {
        "results": [
            {"item": "admins", "counts": {"total": 3}, "users": [row("bob", "no_mfa"), row("dis", "no_mfa", enabled=False)]},
            {"item": "ops", "counts": {"total": 2}, "users": []},
        ]
    }
    record = pool(required_groups=groups)
    assert record["required_groups"] == [
        {"group": "admins", "members": 3, "non_compliant": [{"username": "bob", "state": "no_mfa"}]},
        {"group": "ops", "members": 2, "non_compliant": []},
    ]
    assert pool(required_groups={"results": [], "skipped": True})["required_groups"] == []


DEVICES_ALWAYS = {"challenge_required_on_new_device": True, "device_only_remembered_on_user_prompt": False}


@pytest.mark.parametrize(
    "config, user_pool, clients, expected",
    [
        ({"mfa_configuration": "ON", "software_token_mfa_configuration": {"enabled": True}}, {}, [], []),
        ({"mfa_configuration": "OFF", "software_token_mfa_configuration": {"enabled": False}}, {}, [], ["mfa_off"]),
        ({"mfa_configuration": "OPTIONAL", "software_token_mfa_configuration": {"enabled": True}}, {}, [], ["mfa_optional"]),
        ({"mfa_configuration": "ON", "software_token_mfa_configuration": {"enabled": False}, "sms_mfa_configuration": {"x": 1}},
         {}, [], ["totp_not_offered", "sms_mfa_allowed"]),
        ({"mfa_configuration": "ON", "software_token_mfa_configuration": {"enabled": True}},
         {"device_configuration": DEVICES_ALWAYS}, [], ["remembered_devices_skip_mfa"]),
        # Devices remembered, but MFA still asked on them: no finding.
        ({"mfa_configuration": "ON", "software_token_mfa_configuration": {"enabled": True}},
         {"device_configuration": {"challenge_required_on_new_device": False, "device_only_remembered_on_user_prompt": True}}, [], []),
        ({"mfa_configuration": "ON", "software_token_mfa_configuration": {"enabled": True}}, {},
         [{"client_id": "1", "client_name": "web", "explicit_auth_flows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]},
          {"client_id": "2", "client_name": "cli", "explicit_auth_flows": ["ALLOW_USER_PASSWORD_AUTH"]},
          {"client_id": "3", "client_name": "old", "explicit_auth_flows": ["ADMIN_NO_SRP_AUTH"]},
          {"client_id": "4", "client_name": "default", "explicit_auth_flows": []}],
         ["password_auth_without_srp", "password_auth_without_srp"]),
        # Only DescribeUserPool known: its MFA configuration still counts.
        ({}, {"mfa_configuration": "OFF"}, [], ["mfa_off"]),
    ],
)
def test_pool_findings(config, user_pool, clients, expected):
    found = findings.pool_findings(config, user_pool, clients)
    assert [finding["code"] for finding in found] == expected
    assert all(finding["severity"] == findings.FINDINGS[finding["code"]] for finding in found)


def test_findings_name_the_client_and_how_devices_are_remembered():
    found = findings.pool_findings(
        {"mfa_configuration": "ON", "software_token_mfa_configuration": {"enabled": True}},
        {"device_configuration": dict(DEVICES_ALWAYS, device_only_remembered_on_user_prompt=True)},
        [{"client_id": "2", "client_name": "cli", "explicit_auth_flows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"]}],
    )
    assert found[0]["message"].endswith("devices are remembered when the user chooses so")
    assert found[1] == {
        "code": "password_auth_without_srp",
        "severity": "low",
        "message": "App client cli (2) allows password sign-in without SRP: ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "client_id": "2",
        "client_name": "cli",
    }


# ----------------------------------------------------------------------- thresholds


@pytest.mark.parametrize(
    "value, expected",
    [(None, None), ("", None), ("  ", None), (0, Fraction(0)), (40, Fraction(40)), ("40", Fraction(40)),
     (40.0, Fraction(40)), ("40.01", Fraction(4001, 100)), (33.33, Fraction(3333, 100)), (100, Fraction(100))],
)
def test_threshold(value, expected):
    assert model.threshold(value, "min") == expected


@pytest.mark.parametrize("value", [-0.01, 100.01, "abc", True, "1/0"])
def test_threshold_rejects(value):
    with pytest.raises(AnsibleFilterError, match="min must be a number from 0 to 100"):
        model.threshold(value, "min")


@pytest.mark.parametrize(
    "compliant, considered, minimum, passes",
    [
        (2, 5, 40, True),  # exactly at the boundary
        (2, 5, "40.0", True),
        (2, 5, 40.01, False),
        (1, 3, 33.33, True),  # 33.333... %
        (1, 3, 33.34, False),
        (2, 3, 66.67, False),  # 66.666... % is below 66.67, though it rounds to it
        (0, 0, 100, True),  # nobody to count
        (0, 5, 0, True),
        (5, 5, 100, True),
    ],
)
def test_pool_minimum_at_the_boundary(compliant, considered, minimum, passes):
    users = [row(f"ok{i}") for i in range(compliant)] + [row(f"no{i}", "no_mfa") for i in range(considered - compliant)]
    record = pool(results=[info(*users)], min_compliance_percent=minimum)
    report = audit_report([record], min_compliance_percent=minimum)
    assert report["passed"] is passes
    assert report["pools"][0]["passed"] is passes
    if not passes:
        assert [failure.split(":")[0] for failure in report["failures"]] == ["overall", f"pool pool-a ({POOL_ID})"]


@pytest.mark.parametrize("exact, shown", [(Fraction(100, 3), 33.33), (Fraction(200, 3), 66.66), (Fraction(40), 40), (Fraction(100), 100)])
def test_percentages_are_shown_rounded_down(exact, shown):
    assert model.shown(exact) == shown


def test_report_names_what_fell_short():
    weak = info(row("alice"), row("bob", "no_mfa"), row("cy", "no_mfa"), mfa_configuration="OPTIONAL")
    groups = [{"item": "admins", "counts": {"total": 2}, "users": [row("bob", "no_mfa")]}]
    records = [
        pool("staff", results=[weak], required_groups=groups, min_compliance_percent=50),
        pool("eu", "eu-west-1_Pool2", results=[info(row("dan"))]),
        model.audit_pool_error("broken", "us-east-1_Nope", error="users file 'x.yml' does not exist"),
        None,
    ]
    report = audit_report(
        records, hosts=["staff", "eu", "broken", "gone"], min_compliance_percent=60, fail_on_findings=["mfa_optional"],
        generated_at="2026-01-02T03:04:05Z",
    )
    assert report["failures"] == [
        "overall: 50 % compliant (2 of 4 users), below the minimum of 60 %",
        "pool staff (us-east-1_Pool1): 33.33 % compliant (1 of 3 users), below the minimum of 50 %",
        "pool staff (us-east-1_Pool1): group admins: 1 of 2 members not compliant: bob (no MFA)",
        "pool staff (us-east-1_Pool1): finding mfa_optional: MFA is OPTIONAL: users without an MFA method sign in with a password alone",
        "pool broken (us-east-1_Nope): the audit failed: users file 'x.yml' does not exist",
        "pool gone: the audit failed: the audit of this pool did not finish",
    ]
    assert [record["passed"] for record in report["pools"]] == [False, True, False, False]
    assert report["overall"]["pools"] == 4 and report["overall"]["pools_audited"] == 2
    assert report["summary"]["pools"]["eu"] == {
        "user_pool_id": "eu-west-1_Pool2", "passed": True, "error": None, "compliance_percent": 100,
        "counts": report["pools"][1]["counts"], "findings": [],
    }
    assert report["summary"]["passed"] is False and report["summary"]["comparison"]["available"] is False
    json.dumps(report)  # the report is plain data


def test_group_failure_lists_ten_names_then_a_count():
    members = [row(f"u{i:02d}", "no_mfa") for i in range(12)]
    record = pool(required_groups=[{"item": "admins", "counts": {"total": 12}, "users": members}])
    (failure,) = audit_report([record])["failures"]
    assert failure.endswith("u08 (no MFA), u09 (no MFA) and 2 more")


def test_unknown_finding_code_is_an_error():
    with pytest.raises(AnsibleFilterError, match="unknown finding"):
        audit_report([pool()], fail_on_findings=["mfa_of"])


def test_chart_covers_the_users_that_exist():
    record = pool(results=[info(row("a"), row("b", "no_mfa"), row("c", "no_mfa"), missing("g"))])
    chart = audit_report([record])["pools"][0]["chart"]
    assert [(seg["state"], seg["count"], seg["x"], seg["width"]) for seg in chart] == [
        ("compliant", 1, 0, 33.333), ("no_mfa", 2, 33.333, 66.667)
    ]


# ----------------------------------------------------------------------- comparison


def two_reports(before_rows, after_rows, **before_pool):
    previous = audit_report([pool(results=[info(*before_rows)], **before_pool)], generated_at="2026-01-01T00:00:00Z")
    return audit_report([pool(results=[info(*after_rows)])], previous=json.dumps(previous))


def test_comparison_says_who_became_compliant_and_who_fell_out():
    report = two_reports(
        [row("amy", "totp_enabled_not_preferred"), row("ben"), row("cy", "no_mfa"), row("dee", "no_mfa"), row("old", "no_mfa"),
         row("ted", enabled=False), unreadable("un")],
        [row("amy"), row("ben", "no_mfa"), row("cy"), row("dee", "no_mfa"), row("eve", "other_mfa_only"), row("fay"),
         row("ted"), row("un")],
    )
    comparison = report["comparison"]
    assert comparison["available"] and comparison["previous_generated_at"] == "2026-01-01T00:00:00Z"
    assert [(c["username"], c["before"], c["after"]) for c in comparison["became_compliant"]] == [
        ("amy", "totp_enabled_not_preferred", "compliant"), ("cy", "no_mfa", "compliant")
    ]
    assert [(c["username"], c["before"], c["after"]) for c in comparison["fell_out"]] == [("ben", "compliant", "no_mfa")]
    assert [(c["username"], c["before"], c["after"]) for c in comparison["new_non_compliant"]] == [("eve", None, "other_mfa_only")]
    assert comparison["counts"] == {"became_compliant": 2, "fell_out": 1, "new_non_compliant": 1}
    assert comparison["previous_compliance_percent"] == 16.66 and comparison["pools"] == {"pool-a": {"previous_compliance_percent": 16.66}}
    assert comparison["became_compliant"][0]["pool"] == "pool-a" and comparison["became_compliant"][0]["user_pool_id"] == POOL_ID


def test_pools_are_matched_by_id_not_by_host_name():
    previous = audit_report([pool("old-name", results=[info(row("amy", "no_mfa"))])])
    report = audit_report([pool("new-name", results=[info(row("amy"))])], previous=previous)
    assert [c["pool"] for c in report["comparison"]["became_compliant"]] == ["new-name"]
    # A pool the previous report did not have: nothing to compare, nobody "new".
    other = audit_report([pool("x", "us-east-1_Other", results=[info(row("amy", "no_mfa"))])], previous=previous)
    assert other["comparison"]["new_non_compliant"] == [] and other["comparison"]["pools"] == {}


@pytest.mark.parametrize(
    "previous, note",
    [
        (None, "No previous report"),
        ("", "No previous report"),
        ("{not json", "The previous report is not valid JSON: not compared"),
        ('{"schema": "other/1"}', "The previous report is not a mfaops.cognito.audit_mfa/1 report: not compared"),
        ([1, 2], "The previous report is not a mfaops.cognito.audit_mfa/1 report: not compared"),
    ],
)
def test_no_comparison_without_a_usable_previous_report(previous, note):
    comparison = audit_report([pool()], previous=previous)["comparison"]
    assert comparison["available"] is False and comparison["note"] == note and comparison["became_compliant"] == []


# ----------------------------------------------------------------------- renderings


def sample_report():
    return audit_report(
        [
            pool(results=[info(row("=cmd", "no_mfa"), row("alice"), row("bob", "totp_enabled_not_preferred"), unreadable("x"),
                               missing("ghost"), row("dis", enabled=False))]),
            model.audit_pool_error("broken", "us-east-1_Nope", error="boom"),
        ],
        min_compliance_percent=50,
        generated_at="2026-01-02T03:04:05Z",
    )


def test_csv_has_one_row_per_user_and_no_formulas():
    text = csv_report.render(sample_report())
    assert text.startswith(",".join(csv_report.CSV_FIELDS) + "\r\n")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [(r["username"], r["audit_state"], r["compliant"]) for r in rows] == [
        ("'=cmd", "no_mfa", "false"), ("alice", "compliant", "true"), ("bob", "totp_enabled_not_preferred", "false"),
        ("dis", "disabled", "false"), ("ghost", "not_found", "false"), ("x", "unreadable", "false"),
    ]
    assert rows[1] == {
        "pool": "pool-a", "user_pool_id": POOL_ID, "region": "us-east-1", "username": "alice", "email": "",
        "listed_as": "alice", "audit_state": "compliant", "compliant": "true", "mfa_state": "totp_preferred", "enabled": "true",
        "user_status": "CONFIRMED", "enabled_methods": TOTP, "preferred_method": TOTP, "error_code": "",
        "read_at": "", "read_this_run": "",
    }
    assert rows[5]["error_code"] == "InternalErrorException" and rows[4]["enabled"] == ""
    report = sample_report()  # a run with a state: when each verdict's read was made, and whether by this run
    report["pools"][0]["users"][1].update(read_at="2026-12-01T06:00:00Z", read_this_run=False)
    stateful = list(csv.DictReader(io.StringIO(csv_report.render(report), newline="")))[1]
    assert (stateful["read_at"], stateful["read_this_run"]) == ("2026-12-01T06:00:00Z", "false")


@pytest.mark.parametrize("value, cell", [("=1+1", "'=1+1"), ("+1555", "'+1555"), ("-x", "'-x"), ("@a", "'@a"), ("a=b", "a=b"),
                                         (None, ""), (True, "true"), ([TOTP, SMS], f"{TOTP} {SMS}")])
def test_csv_cells(value, cell):
    assert csv_report._cell(value) == cell


def test_junit_has_a_case_per_pool_and_per_user_not_compliant():
    root = ET.fromstring(junit_report.render(sample_report()).split("\n", 1)[1])
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert list(suites) == ["mfa-audit.pools", "mfa-audit.pool-a"]
    pools = {case.get("name"): case for case in suites["mfa-audit.pools"].findall("testcase")}
    assert list(pools) == ["overall", "pool-a", "broken"]
    assert pools["overall"].find("failure").get("message") == "overall: 25 % compliant (1 of 4 users), below the minimum of 50 %"
    assert pools["pool-a"].find("failure") is None and pools["broken"].find("error").get("type") == "audit_error"
    users = {case.get("name"): case for case in suites["mfa-audit.pool-a"].findall("testcase")}
    assert {name: (case[0].tag, case[0].get("type")) for name, case in users.items()} == {
        "=cmd": ("failure", "no_mfa"), "bob": ("failure", "totp_enabled_not_preferred"), "x": ("error", "unreadable"),
    }
    assert users["x"][0].get("message") == "could not be read: InternalErrorException: boom"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "3", "2")
    assert (suites["mfa-audit.pool-a"].get("tests"), suites["mfa-audit.pool-a"].get("errors")) == ("3", "1")


STATE_RUN = {"users_read": 1, "users_carried": 2, "full_read_reason": None, "full_read": False,
             "signal_window": {"start": "2026-12-01T05:45:00Z", "end": "2026-12-02T06:00:00Z", "signal_delay_seconds": 900.0}}


def stateful_report(full_read_reason=None):
    """A run with a state: =cmd read by this run, bob carried from the state, alice carried too."""
    results = [dict(info(row("=cmd", "no_mfa", read_at="2026-12-02T06:00:01Z", read_this_run=True),
                         row("alice", read_at="2026-11-30T06:00:00Z", read_this_run=False),
                         row("bob", "totp_enabled_not_preferred", read_at="2026-12-01T06:00:00Z", read_this_run=False)),
                    state=dict(STATE_RUN, full_read_reason=full_read_reason, full_read=full_read_reason is not None))]
    return audit_report([pool(results=results)], generated_at="2026-12-02T06:01:00Z")


def test_every_format_gives_read_at_and_read_this_run():
    report = stateful_report()
    assert report["pools"][0]["state_run"]["users_carried"] == 2
    assert {user["username"]: (user["read_at"], user["read_this_run"]) for user in json.loads(json.dumps(report["pools"][0]["users"]))} == {
        "=cmd": ("2026-12-02T06:00:01Z", True), "alice": ("2026-11-30T06:00:00Z", False), "bob": ("2026-12-01T06:00:00Z", False)}
    junit = ET.fromstring(junit_report.render(report).split("\n", 1)[1])
    cases = {case.get("name"): case for case in junit.iter("testcase")}
    properties = {name: {p.get("name"): p.get("value") for p in case.iter("property")} for name, case in cases.items()}
    assert properties["=cmd"] == {"read_at": "2026-12-02T06:00:01Z", "read_this_run": "true"}
    assert properties["bob"] == {"read_at": "2026-12-01T06:00:00Z", "read_this_run": "false"}
    assert cases["bob"][0].tag == "properties" and cases["bob"][1].tag == "failure"  # the JUnit schema's order
    assert properties["pool-a"] == {"users_read": "1", "users_carried": "2", "signal_window_start": "2026-12-01T05:45:00Z",
                                    "signal_window_end": "2026-12-02T06:00:00Z"}
    records = {r["resources"][1]["name"]: r["resources"][1]["data"] for r in map(json.loads, ocsf_report.render(report).splitlines())}
    assert {name: (data["read_at"], data["read_this_run"]) for name, data in records.items()} == {
        "=cmd": ("2026-12-02T06:00:01Z", True), "bob": ("2026-12-01T06:00:00Z", False)}
    page = html_report.render(report)
    assert "<th title=\"when the verdict was read; carried: from the state, not read by this run\">Read</th>" in page
    assert '<time datetime="2026-12-01T06:00:00Z">2026-12-01 06:00:00Z</time> <span class="carried"' in page
    assert '<time datetime="2026-12-02T06:00:01Z">2026-12-02 06:00:01Z</time></td>' in page  # read by this run: no mark
    assert ('Run with a state: <span data-json="/pools/0/state_run/users_read">1</span> user read, '
            '<span data-json="/pools/0/state_run/users_carried">2</span> carried from the state; '
            'only users that may have changed were read.') in page
    assert "Change signal window: 2026-12-01T05:45:00Z to 2026-12-02T06:00:00Z." in page


def test_reports_say_why_the_whole_pool_was_read():
    report = stateful_report("first run: no change signal read yet")
    junit = ET.fromstring(junit_report.render(report).split("\n", 1)[1])
    pool_case = next(case for case in junit.iter("testcase") if case.get("name") == "pool-a")
    assert {p.get("name"): p.get("value") for p in pool_case.iter("property")}["full_read_reason"] == "first run: no change signal read yet"
    assert "whole pool read: first run: no change signal read yet." in html_report.render(report)


def test_reports_without_a_state_have_no_read_column():
    report = sample_report()
    page = html_report.render(report)
    assert ">Read</th>" not in page and "Run with a state" not in page
    junit = junit_report.render(report)
    assert "<property" not in junit
    assert all("read_at" not in json.loads(line)["resources"][-1].get("data", {}) for line in ocsf_report.render(report).splitlines())


# ----------------------------------------------------------------------- cognito_user_pool_info's shaping


def test_app_client_result_never_has_the_secret():
    described = {"UserPoolClient": {"ClientId": "1", "ClientName": "web", "ClientSecret": "s3cr3t", "UserPoolId": POOL_ID,
                                    "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"]}}
    assert pool_info.app_client_result(described) == {
        "client_id": "1", "client_name": "web", "user_pool_id": POOL_ID, "explicit_auth_flows": ["ALLOW_USER_SRP_AUTH"],
        "has_client_secret": True,
    }
    assert pool_info.app_client_result({"UserPoolClient": {"ClientId": "2"}}) == {
        "client_id": "2", "explicit_auth_flows": [], "has_client_secret": False
    }


def test_user_pool_result_keeps_tag_keys():
    described = {"UserPool": {"Id": POOL_ID, "MfaConfiguration": "ON", "UserPoolTags": {"CostCenter": "Ops"},
                              "DeviceConfiguration": {"ChallengeRequiredOnNewDevice": True}}}
    assert pool_info.user_pool_result(described) == {
        "id": POOL_ID, "mfa_configuration": "ON", "user_pool_tags": {"CostCenter": "Ops"},
        "device_configuration": {"challenge_required_on_new_device": True},
    }


PASSKEY_POOL = {"id": "us-east-1_Pk", "policies": {"sign_in_policy": {"allowed_first_auth_factors": ["PASSWORD", "WEB_AUTHN", "EMAIL_OTP"]}}}
ON_TOTP = {"mfa_configuration": "ON", "software_token_mfa_configuration": {"enabled": True}}


@pytest.mark.parametrize(
    "config, clients, expected",
    [
        # passkeys (single factor: not set) and email codes as first factors, reachable through client 9
        (ON_TOTP, [{"client_id": "9", "client_name": "app", "explicit_auth_flows": ["ALLOW_USER_AUTH"]}],
         [("passkey_single_factor", "high"), ("passwordless_first_factor", "high"), ("client_user_auth", "high")]),
        # no client allows USER_AUTH: the policy is still reported, low
        (ON_TOTP, [{"client_id": "1", "explicit_auth_flows": ["ALLOW_USER_SRP_AUTH"]}],
         [("passkey_single_factor", "low"), ("passwordless_first_factor", "low")]),
        # passkeys are MFA: medium, reachable
        (dict(ON_TOTP, web_authn_configuration={"factor_configuration": "MULTI_FACTOR_WITH_USER_VERIFICATION"}),
         [{"client_id": "9", "explicit_auth_flows": ["ALLOW_USER_AUTH"]}],
         [("passwordless_first_factor", "high"), ("client_user_auth", "high"), ("passkey_first_factor", "medium")]),
        # clients not read (no cognito_user_pool_info app clients): assume reachable
        (ON_TOTP, None, [("passkey_single_factor", "high"), ("passwordless_first_factor", "high")]),
    ],
)
def test_sign_in_findings(config, clients, expected):
    found = findings.pool_findings(config, PASSKEY_POOL, clients)
    assert [(finding["code"], finding["severity"]) for finding in found] == expected
    assert all(finding["code"] in findings.FINDINGS for finding in found)
    reachable = [code for code, _severity in expected if code == "client_user_auth"]
    assert [finding.get("client_id") for finding in found if finding["code"] == "client_user_auth"] == ["9"] * len(reachable)


def test_no_sign_in_findings_for_a_password_only_pool():
    assert findings.pool_findings(ON_TOTP, {"id": "us-east-1_P"}, [{"client_id": "9", "explicit_auth_flows": ["ALLOW_USER_AUTH"]}]) == [
        {"code": "client_user_auth", "severity": "info", "client_id": "9",
         "message": "app client 9 allows choice-based sign-in (ALLOW_USER_AUTH): the sign-in policy allows only PASSWORD now"}
    ]
