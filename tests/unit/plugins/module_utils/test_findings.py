"""OCSF Detection Finding records and ASFF findings (module_utils/ocsf.py, asff.py, findings.py).

OCSF records are validated against the OCSF 1.5.0 schema that the ocsf-json-schema package ships
(offline, no download); ASFF requests against botocore's own Security Hub service model.
"""

import botocore.session
import pytest
from botocore.validate import ParamValidator
from jsonschema import Draft202012Validator
from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

from ansible_collections.mfaops.cognito.plugins.module_utils import asff
from ansible_collections.mfaops.cognito.plugins.module_utils import findings
from ansible_collections.mfaops.cognito.plugins.module_utils import ocsf

POOL = {"user_pool_id": "eu-west-1_AbCdEf123", "region": "eu-west-1", "account_id": "123456789012"}
ARN = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbCdEf123"
NOW_MS = 1_800_000_000_000
NOW = "2027-01-15T08:00:00Z"
ROWS = [
    {"username": "amy", "compliant": False, "not_found": False, "mfa_state": "no_mfa", "user_status": "CONFIRMED", "enabled_methods": []},
    {"username": "bob", "compliant": False, "not_found": False, "mfa_state": "other_mfa_only", "enabled_methods": ["sms_mfa"],
     "read_at": "2027-01-14T08:00:00Z", "read_this_run": False},  # a run with a state: carried from the state
    {"username": "cy", "compliant": True, "not_found": False, "mfa_state": "totp_preferred"},
    {"username": "ghost", "compliant": False, "not_found": True, "mfa_state": None},
    {"username": "err", "compliant": False, "not_found": False, "mfa_state": None, "error_code": "InternalErrorException"},
]
POOL_FINDINGS = [
    {"code": "mfa_optional", "severity": "medium", "message": "MFA is OPTIONAL"},
    {"code": "password_auth_without_srp", "severity": "low", "message": "App client web allows ...", "client_id": "c1", "client_name": "web"},
]


@pytest.fixture(scope="module")
def detection_finding_validator():
    schema = OcsfJsonSchemaEmbedded(get_ocsf_schema(version=ocsf.OCSF_VERSION))
    class_schema = schema.get_class_schema(schema.lookup_class_name_from_uid(ocsf.CLASS_UID), ["cloud"])
    Draft202012Validator.check_schema(class_schema)
    return Draft202012Validator(class_schema)


def test_every_ocsf_record_validates(detection_finding_validator):
    records = ocsf.records(ROWS, POOL_FINDINGS, POOL, NOW_MS, version="1.2.3")
    assert len(records) == 4  # 2 pool findings + amy + bob (not found / unread users are no findings)
    for record in records:
        errors = sorted(detection_finding_validator.iter_errors(record), key=str)
        assert not errors, [e.message for e in errors]


def test_a_user_record_says_when_its_verdict_was_read(detection_finding_validator):
    record = ocsf.user_record(ROWS[1], POOL, NOW_MS)
    assert (record["resources"][1]["data"]["read_at"], record["resources"][1]["data"]["read_this_run"]) == ("2027-01-14T08:00:00Z", False)
    assert "read_at" not in ocsf.user_record(ROWS[0], POOL, NOW_MS)["resources"][1]["data"]
    assert list(detection_finding_validator.iter_errors(record)) == []


def test_the_validator_rejects_a_broken_record(detection_finding_validator):
    record = ocsf.user_record(ROWS[0], POOL, NOW_MS)
    del record["finding_info"]["uid"]
    record["severity_id"] = 42
    assert len(list(detection_finding_validator.iter_errors(record))) == 2


def test_ocsf_user_record_names_pool_user_and_controls():
    record = ocsf.user_record(ROWS[0], POOL, NOW_MS)
    assert record["class_uid"] == 2004 and record["type_uid"] == 200401
    assert [r["uid"] for r in record["resources"]] == [ARN, ARN + "/user/amy"]
    assert record["resources"][1]["name"] == "amy"
    assert record["remediation"]["references"] == ["CIS Controls v8.1 6.3", "PCI DSS v4.0 8.4.2", "NIST SP 800-53 IA-2(1)"]
    assert record["unmapped"]["compliance"]["requirements"] == record["remediation"]["references"]
    assert record["finding_info"]["uid"] == ocsf.user_record(ROWS[0], POOL, NOW_MS + 5)["finding_info"]["uid"]


def test_ids_are_stable_and_distinct():
    ids = {findings.finding_id(ARN, "user", name) for name in ("amy", "bob")}
    ids |= {findings.finding_id(ARN, "pool", findings.pool_subject(p)) for p in POOL_FINDINGS}
    assert len(ids) == 4 and all(i.startswith(ARN + "/mfaops-") for i in ids)
    assert findings.finding_id(ARN, "user", "amy") == findings.finding_id(ARN, "user", "amy")
    assert asff.user_finding(ROWS[0], POOL, NOW)["Id"] == ocsf.user_record(ROWS[0], POOL, NOW_MS)["finding_info"]["uid"]


def test_arn_partition():
    assert findings.user_pool_arn("cn-north-1", "1", "cn-north-1_x").startswith("arn:aws-cn:")
    assert findings.user_pool_arn("us-gov-west-1", "1", "p").startswith("arn:aws-us-gov:")


@pytest.fixture(scope="module")
def securityhub_model():
    return botocore.session.get_session().get_service_model("securityhub")


def _valid(model, operation, params):
    report = ParamValidator().validate(params, model.operation_model(operation).input_shape)
    assert not report.has_errors(), report.generate_report()


def test_asff_findings_and_resolution(securityhub_model):
    open_ids = [findings.finding_id(ARN, "user", "cy"), findings.finding_id(ARN, "user", "amy")]
    run = asff.findings_for_run(ROWS, POOL_FINDINGS, POOL, NOW, open_ids=open_ids)
    status = {(x["Resources"][0]["Details"]["Other"].get("Username") or x["Resources"][0]["Details"]["Other"]["Code"]): x["Compliance"]["Status"] for x in run}
    assert status == {"mfa_optional": "FAILED", "password_auth_without_srp": "FAILED", "amy": "FAILED", "bob": "FAILED", "cy": "PASSED"}
    passed = [x for x in run if x["Compliance"]["Status"] == "PASSED"]
    assert passed[0]["Workflow"] == {"Status": "RESOLVED"} and passed[0]["Severity"] == {"Label": "INFORMATIONAL"}
    for batch in asff.batches(run):
        _valid(securityhub_model, "BatchImportFindings", {"Findings": batch})
    updates = asff.workflow_updates(run)
    assert len(updates) == 1 and updates[0]["FindingIdentifiers"] == [{"Id": passed[0]["Id"], "ProductArn": passed[0]["ProductArn"]}]
    _valid(securityhub_model, "BatchUpdateFindings", updates[0])


def test_compliant_users_never_flagged_before_get_no_finding():
    run = asff.findings_for_run([ROWS[2]], [], POOL, NOW)
    assert run == []


@pytest.mark.parametrize("count, sizes", [(0, []), (100, [100]), (101, [100, 1]), (250, [100, 100, 50])])
def test_batches_hold_at_most_100(count, sizes):
    assert [len(b) for b in asff.batches(list(range(count)))] == sizes


def test_batch_size_over_100_is_refused():
    with pytest.raises(ValueError, match="batch size 101"):
        asff.batches([1], 101)
