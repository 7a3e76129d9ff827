"""The campaign's wiring: the OCSF report format, the kill-safe order of group changes
(module_utils/campaign_run.py), the nudge email templates and the role's files and checks."""

import json

import pytest
from jsonschema import Draft202012Validator
from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

from ansible_collections.mfaops.cognito.plugins.module_utils import campaign
from ansible_collections.mfaops.cognito.plugins.module_utils import campaign_run
from ansible_collections.mfaops.cognito.plugins.module_utils import nudge_email
from ansible_collections.mfaops.cognito.plugins.module_utils import ocsf
from ansible_collections.mfaops.cognito.plugins.module_utils import quotas
from ansible_collections.mfaops.cognito.plugins.module_utils.errors import InvalidRequest
from ansible_collections.mfaops.cognito.plugins.plugin_utils import campaign_files
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report import formats
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report import model
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report.report import audit_report

from fakes import client_error

POOL_ID = "eu-west-1_Camp1"
ARN = f"arn:aws:cognito-idp:eu-west-1:123456789012:userpool/{POOL_ID}"


def row(username, mfa_state, compliant=False, enabled=True):
    return {"username": username, "compliant": compliant, "not_found": False, "enabled": enabled, "user_status": "CONFIRMED",
            "enabled_methods": [], "preferred_method": None, "mfa_state": mfa_state}


def report():
    info = {"users": [row("amy", "no_mfa"), row("cy", "totp_preferred", compliant=True), row("dis", "no_mfa", enabled=False),
                      {"username": "ghost", "compliant": False, "not_found": True, "mfa_state": None}],
            "user_pool_mfa_config": {"mfa_configuration": "OPTIONAL", "software_token_mfa_configuration": {"enabled": True}}}
    pool_info = {"user_pool": {"arn": ARN, "name": "staff"}, "app_clients": []}
    pools = [model.audit_pool([info], "staff", POOL_ID, pool_info=pool_info), model.audit_pool_error("broken", "us-east-1_Nope")]
    return audit_report(pools, generated_at="2027-01-15T08:00:00Z")


def test_ocsf_report_validates_and_has_one_record_per_finding():
    schema = OcsfJsonSchemaEmbedded(get_ocsf_schema(version=ocsf.OCSF_VERSION))
    validator = Draft202012Validator(schema.get_class_schema(schema.lookup_class_name_from_uid(ocsf.CLASS_UID), ["cloud"]))
    text = formats.render(report(), "ocsf.jsonl")
    records = [json.loads(line) for line in text.splitlines()]
    for record in records:
        errors = sorted(validator.iter_errors(record), key=str)
        assert not errors, errors[0].message
    users = [r for r in records if r["finding_info"]["title"].endswith(" is not on TOTP MFA")]
    assert [r["finding_info"]["title"] for r in users] == ["Cognito user amy is not on TOTP MFA"]  # not the disabled, missing or compliant
    assert len(records) - len(users) == len(report()["pools"][0]["findings"]) >= 1  # MFA OPTIONAL is a pool finding
    assert {r["cloud"]["account"]["uid"] for r in records} == {"123456789012"}
    assert text.endswith("\n") and text.count("\n") == len(records)


def test_ocsf_report_of_failed_pools_only_is_empty():
    assert formats.render(audit_report([model.audit_pool_error("broken", "us-east-1_Nope")]), "ocsf.jsonl") == ""


class Calls:
    """A Caller stand-in that records the state file's removals at the moment of each call."""

    def __init__(self, saved, fail=None):
        self.saved, self.fail, self.seen = saved, fail or {}, []

    def __call__(self, category, operation, **params):
        self.seen.append((operation, params["Username"], json.loads(json.dumps(self.saved[-1]["removals"]))))
        if params["Username"] in self.fail:
            raise self.fail[params["Username"]]
        return {}


def planned(removals=(), restores=(), kept=None):
    state = campaign.new_state(POOL_ID)
    state["removals"] = dict(kept or {})
    return campaign.Plan({}, [], None, {}, list(removals), list(restores), state)


def test_a_removal_is_recorded_pending_before_the_call_and_removed_after():
    saved = []
    calls = Calls(saved)
    plan = planned(removals=[{"username": "bob", "group": "admins"}])
    done = campaign_run.apply_membership(calls, POOL_ID, plan, campaign.parse_date("2027-01-16", "t"), lambda s: saved.append(json.loads(json.dumps(s))))
    pending = {"admins/bob": {"group": "admins", "username": "bob", "status": "pending", "since": "2027-01-16"}}
    assert calls.seen == [("admin_remove_user_from_group", "bob", pending)]
    assert saved[-1]["removals"]["admins/bob"]["status"] == "removed" and done["removed"] == [{"username": "bob", "group": "admins"}]


def test_a_restore_is_recorded_restoring_before_the_call_and_forgotten_after():
    saved = []
    calls = Calls(saved)
    kept = {"admins/bob": {"group": "admins", "username": "bob", "status": "removed", "since": "2027-01-16"}}
    plan = planned(restores=[{"username": "bob", "group": "admins"}], kept=kept)
    campaign_run.apply_membership(calls, POOL_ID, plan, campaign.parse_date("2027-01-20", "t"), lambda s: saved.append(json.loads(json.dumps(s))))
    assert calls.seen[0][0] == "admin_add_user_to_group" and calls.seen[0][2]["admins/bob"]["status"] == "restoring"
    assert saved[-1]["removals"] == {}


def test_a_failed_call_leaves_its_record_for_the_next_run_and_a_missing_user_is_forgotten():
    saved = []
    calls = Calls(saved, fail={"bob": client_error("InternalErrorException"), "gone": client_error("UserNotFoundException")})
    plan = planned(removals=[{"username": "gone", "group": "admins"}, {"username": "bob", "group": "admins"}])
    with pytest.raises(Exception):
        campaign_run.apply_membership(calls, POOL_ID, plan, campaign.parse_date("2027-01-16", "t"), lambda s: saved.append(json.loads(json.dumps(s))))
    assert saved[-1]["removals"] == {"admins/bob": {"group": "admins", "username": "bob", "status": "pending", "since": "2027-01-16"}}
    again = campaign.plan(campaign.settings("2027-01-17", "2027-03-01", groups={"admins": "2027-01-15"}), [row("bob", "no_mfa")],
                          {"admins": []}, saved[-1], "OPTIONAL")
    assert again.removals == [{"username": "bob", "group": "admins"}]  # the next run finishes the pending removal


def test_emails_come_from_the_rows_attributes():
    rows = [dict(row("amy", "no_mfa"), attributes={"email": "amy@example.com"}), row("bo", "no_mfa")]
    assert campaign_run.emails(rows) == {"amy": "amy@example.com", "bo": ""}


@pytest.mark.parametrize(
    ("templates", "message"),
    [
        ({"subject": "Hi $name"}, "subject: unknown placeholder $name"),
        ({"text": "costs $5"}, "text: Invalid placeholder"),
    ],
)
def test_a_bad_template_is_an_error_naming_the_option(templates, message):
    with pytest.raises(InvalidRequest, match=message.replace("$", r"\$")):
        nudge_email.check_templates(templates)


def test_templates_are_filled_in_once_and_html_is_escaped():
    nudge = {"username": "<b>{{ lookup('pipe', 'id') }}</b>", "email": "x@example.com", "days_left": 3, "deadline": "2027-01-15"}
    mail = nudge_email.message(nudge, POOL_ID, "$days_left days", "Hi $username, by $deadline ($$)", "<p>$username</p>")
    assert mail["Subject"]["Data"] == "3 days"
    assert mail["Body"]["Text"]["Data"] == "Hi <b>{{ lookup('pipe', 'id') }}</b>, by 2027-01-15 ($)"
    assert mail["Body"]["Html"]["Data"] == "<p>&lt;b&gt;{{ lookup('pipe', 'id') }}&lt;/b&gt;</p>"


def test_nudge_csv_neutralises_text_formulas_and_keeps_numbers():
    text = campaign_files.nudge_csv([{"username": "=cmd", "email": "a@example.com", "group": "-admins", "days_left": -1,
                                      "days_on_list": 0, "nudges_sent": 2, "due": True},
                                     {"username": "-1", "email": "+b@example.com", "group": "@g", "days_left": "-3"}])
    assert text.splitlines()[1:] == ["'=cmd,a@example.com,'-admins,,-1,0,2,true", "'-1,'+b@example.com,'@g,,'-3,,,"]


def step_of(nudges, today="2027-01-10"):
    return {"today": today, "coverage": {"total": len(nudges), "compliant": 0, "percent": 0.0, "groups": {}}, "nudges": nudges}


def nudge(username, due=True, sent=0):
    return {"username": username, "email": f"{username}@example.com", "group": "", "deadline": "2027-03-01",
            "days_left": 50, "days_on_list": 0, "nudges_sent": sent, "due": due}


def test_the_nudge_list_is_written_then_its_due_nudges_recorded_once(tmp_path):
    out, state_dir = str(tmp_path / "out" / "lists"), str(tmp_path / "state")
    step = step_of([nudge("amy"), nudge("bo", due=False, sent=1)])
    paths, written, recorded = campaign_files.write_nudge_list(step, out, "staff", POOL_ID, state_dir, write=False)
    assert written == paths and recorded == ["amy"] and not (tmp_path / "out").exists() and not (tmp_path / "state").exists()
    paths, written, recorded = campaign_files.write_nudge_list(step, out, "staff", POOL_ID, state_dir)
    assert paths == [f"{out}/staff-nudges.csv", f"{out}/staff-nudges.json"] and written == paths and recorded == ["amy"]
    assert {oct((tmp_path / "out" / "lists" / f).stat().st_mode & 0o777) for f in ("staff-nudges.csv", "staff-nudges.json")} == {"0o600"}
    assert oct((tmp_path / "out" / "lists").stat().st_mode & 0o777) == "0o700"
    kept = json.loads((tmp_path / "state" / f"{POOL_ID}.campaign.json").read_text())
    assert kept["users"]["amy"]["nudges"] == ["2027-01-10"] and "bo" not in kept["users"]
    before = {p: (tmp_path / p).read_bytes() for p in ("out/lists/staff-nudges.csv", "state/" + POOL_ID + ".campaign.json")}
    assert campaign_files.write_nudge_list(step, out, "staff", POOL_ID, state_dir) == (paths, [], [])
    assert {p: (tmp_path / p).read_bytes() for p in before} == before


def test_a_list_that_cannot_be_written_records_nothing(tmp_path, monkeypatch):
    step, state_dir = step_of([nudge("amy")]), str(tmp_path / "state")
    (tmp_path / "out").write_text("a file, not a directory")
    with pytest.raises(ValueError, match="is not a directory"):
        campaign_files.write_nudge_list(step, str(tmp_path / "out"), "staff", POOL_ID, state_dir)
    with pytest.raises(OSError):
        campaign_files.write_nudge_list(step, str(tmp_path / "out" / "below"), "staff", POOL_ID, state_dir)
    real = campaign_files.files.write_private

    def json_fails(path, content):
        if path.endswith(".json"):
            raise OSError(28, "No space left on device")
        real(path, content)

    monkeypatch.setattr(campaign_files.files, "write_private", json_fails)
    with pytest.raises(OSError, match="No space left"):
        campaign_files.write_nudge_list(step, str(tmp_path / "list"), "staff", POOL_ID, state_dir)
    assert (tmp_path / "list" / "staff-nudges.csv").exists() and not (tmp_path / "list" / "staff-nudges.json").exists()
    assert not (tmp_path / "state").exists()  # the CSV alone hands nothing over: nothing recorded
    monkeypatch.setattr(campaign_files.files, "write_private", real)
    assert campaign_files.write_nudge_list(step, str(tmp_path / "list"), "staff", POOL_ID, state_dir)[1:] == (
        [str(tmp_path / "list" / "staff-nudges.json")], ["amy"])


def test_without_record_the_list_is_written_and_nothing_recorded(tmp_path):
    dummy, written, recorded = campaign_files.write_nudge_list(step_of([nudge("amy")]), str(tmp_path), "staff", POOL_ID,
                                                               str(tmp_path / "state"), record=False)
    assert len(written) == 2 and recorded == [] and not (tmp_path / "state").exists()


@pytest.mark.parametrize("pool", ["", "..", "a/b"])
def test_a_pool_name_that_is_not_a_file_name_is_refused(tmp_path, pool):
    with pytest.raises(ValueError, match="cannot name a nudge file"):
        campaign_files.write_nudge_list(step_of([]), str(tmp_path), pool, POOL_ID, str(tmp_path / "state"))


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"mfa_campaign_today": "2027-01-15", "mfa_campaign_deadline": "2027-03-01"}, None),
        ({"mfa_campaign_today": "15/01/2027", "mfa_campaign_deadline": "2027-03-01"}, "mfa_campaign_today: '15/01/2027' is not a date"),
        ({"mfa_campaign_today": "2027-01-15", "mfa_campaign_deadline": ""}, "mfa_campaign_deadline: '' is not a date"),
        ({"mfa_campaign_today": "2027-01-15", "mfa_campaign_deadline": "2027-03-01", "mfa_campaign_switch_at_percent": 120},
         "mfa_campaign_switch_at_percent: 120 is not a number from 0 to 100"),
    ],
)
def test_campaign_problems(options, problem):
    found = campaign_files.campaign_problems(options)
    assert found == ([] if problem is None else found) and (problem is None or problem in found[0])


def test_other_services_have_their_own_pace():
    assert quotas.category_of("SendEmail").key == quotas.EMAIL_SEND
    assert quotas.category_of("batch_import_findings").key == quotas.FINDINGS_WRITE
    assert quotas.category_of("AdminRemoveUserFromGroup").quota == "UserResourceUpdate"
