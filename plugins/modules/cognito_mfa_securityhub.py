#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cognito_mfa_securityhub
short_description: Import the MFA findings of an Amazon Cognito user pool into AWS Security Hub
version_added: 0.1.0
description:
  - Imports one Security Hub finding (ASFF) per user not on TOTP MFA and one per pool finding, with
    C(BatchImportFindings), at most 100 findings a call, under its own pace (Security Hub allows 10 calls a
    second per account and region).
  - Finding ids are stable (the pool ARN, the kind and the username or finding code), so a rerun updates the
    same findings instead of adding new ones.
  - A user whose finding is open (C(Compliance.Status=FAILED), read with C(GetFindings)) and who is compliant now
    gets C(Compliance.Status=PASSED), and C(Workflow.Status=RESOLVED) through C(BatchUpdateFindings)
    (C(BatchImportFindings) cannot change the workflow of an existing finding).
  - Each finding names the controls it supports, CIS Controls v8.1 6.3, PCI DSS v4.0 8.4.2 and NIST SP 800-53 IA-2(1),
    in C(Compliance.RelatedRequirements).
  - In check mode nothing is imported; the result counts what would be.
author:
  - mfaops.cognito contributors (@mfaops)
options:
  user_pool_id:
    description: The user pool, for example V(us-east-1_AbCdEf123).
    type: str
    required: true
  account_id:
    description: The AWS account of the pool (the findings' C(AwsAccountId)); read with C(sts:GetCallerIdentity) when omitted.
    type: str
  users:
    description: The RV(mfaops.cognito.cognito_user_mfa_info#module:users) rows of the users audited (C(report=all)).
    type: list
    elements: dict
    required: true
  pool_findings:
    description: The pool's findings (C(code), C(severity), C(message), optionally C(client_id)), as the audit report has them.
    type: list
    elements: dict
    default: []
  retries:
    description: Retries of a throttled or failed call.
    type: int
    default: 10
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Security Hub must be enabled in the account and region.
  - Needs the IAM permissions C(securityhub:BatchImportFindings), C(securityhub:BatchUpdateFindings),
    C(securityhub:GetFindings) and, without O(account_id), C(sts:GetCallerIdentity).
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: none
  idempotent:
    description: When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
    support: none
    details: Every run imports the current findings again, with a new C(UpdatedAt).
seealso:
  - module: mfaops.cognito.cognito_user_mfa_info
"""

EXAMPLES = r"""
- name: Read every user of the pool
  mfaops.cognito.cognito_user_mfa_info:
    user_pool_id: us-east-1_AbCdEf123
    all_users: true
  register: audit

- name: Import the findings into Security Hub
  mfaops.cognito.cognito_mfa_securityhub:
    user_pool_id: us-east-1_AbCdEf123
    users: "{{ audit.users }}"
"""

RETURN = r"""
imported:
  description: Findings imported (in check mode, that would be), FAILED and PASSED ones together.
  returned: always
  type: int
  sample: 42
created:
  description: FAILED findings that were not open before this run.
  returned: always
  type: int
updated:
  description: FAILED findings that were open before and are imported again.
  returned: always
  type: int
resolved:
  description: Findings of users now compliant, set to PASSED and RESOLVED.
  returned: always
  type: int
batches:
  description: C(BatchImportFindings) calls made (at most 100 findings each).
  returned: always
  type: int
refused:
  description:
    - Findings Security Hub refused, with its error (C(Id), C(ErrorCode), C(ErrorMessage)); when any is, the task fails.
  returned: always
  type: list
  elements: dict
calls:
  description: AWS calls made per operation, with retries and throttled replies.
  returned: always
  type: dict
"""

import datetime

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mfaops.cognito.plugins.module_utils import asff
from ansible_collections.mfaops.cognito.plugins.module_utils import bulk
from ansible_collections.mfaops.cognito.plugins.module_utils import cognito
from ansible_collections.mfaops.cognito.plugins.module_utils import findings
from ansible_collections.mfaops.cognito.plugins.module_utils import quotas
from ansible_collections.mfaops.cognito.plugins.module_utils.words import counted
from ansible_collections.mfaops.cognito.plugins.module_utils.errors import CALL_ERRORS, InvalidRequest, fail_aws
from ansible_collections.mfaops.cognito.plugins.module_utils.validate import check_user_pool_id

CATEGORIES = (quotas.FINDINGS_WRITE, quotas.FINDINGS_READ)
ARGUMENT_SPEC = dict(
    user_pool_id=dict(type="str", required=True),
    account_id=dict(type="str"),
    users=dict(type="list", elements="dict", required=True),
    pool_findings=dict(type="list", elements="dict", default=[]),
    retries=dict(type="int", default=10),
)


def open_user_findings(call, arn):
    """Ids of the pool's user findings that are ACTIVE and FAILED (GetFindings, filtered again here)."""
    filters = {
        "GeneratorId": [{"Value": findings.GENERATOR_USER, "Comparison": "EQUALS"}],
        "ResourceId": [{"Value": arn, "Comparison": "EQUALS"}],
        "ComplianceStatus": [{"Value": asff.FAILED, "Comparison": "EQUALS"}],
        "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
    }

    def page(token):
        params = dict(Filters=filters, MaxResults=100)
        if token:
            params["NextToken"] = token
        return call(quotas.FINDINGS_READ, "get_findings", **params)

    ids = set()
    for item in (x for pg in cognito.paginate(page) for x in pg.get("Findings") or []):
        if (item.get("GeneratorId") == findings.GENERATOR_USER and item.get("RecordState", "ACTIVE") == "ACTIVE"
                and (item.get("Compliance") or {}).get("Status") == asff.FAILED
                and any(r.get("Id") == arn for r in item.get("Resources") or [])):
            ids.add(item["Id"])
    return ids


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    p = module.params
    pool = p["user_pool_id"]
    try:
        check_user_pool_id(pool, module.region)
        if p["account_id"] is not None and not (p["account_id"].isdigit() and len(p["account_id"]) == 12):
            raise InvalidRequest(f"account_id: {p['account_id']!r} is not a 12-digit AWS account id")
        bad = [f for f in p["pool_findings"] if not f.get("code")]
        if bad:
            raise InvalidRequest("pool_findings: every finding needs a code")
    except InvalidRequest as e:
        module.fail_json(msg=str(e))

    account = p["account_id"]
    if account is None:
        try:
            account = module.client("sts").get_caller_identity()["Account"]
        except CALL_ERRORS as e:
            fail_aws(module, e, "Could not read the account id (sts:GetCallerIdentity)")
    region = module.region
    target = {"user_pool_id": pool, "region": region, "account_id": account}
    arn = findings.user_pool_arn(region, account, pool)
    client = module.client("securityhub", config=cognito.client_config(1))
    call = cognito.caller(client, CATEGORIES, retries=p["retries"])
    try:
        open_ids = open_user_findings(call, arn)
    except CALL_ERRORS as e:
        fail_aws(module, e, f"Could not read the open findings of user pool {pool} from Security Hub")
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    items = asff.findings_for_run(p["users"], p["pool_findings"], target, now, open_ids)
    failing = [x for x in items if x["Compliance"]["Status"] == asff.FAILED and x["GeneratorId"] == findings.GENERATOR_USER]
    result = dict(
        imported=len(items),
        created=sum(1 for x in failing if x["Id"] not in open_ids),
        updated=sum(1 for x in failing if x["Id"] in open_ids),
        resolved=sum(1 for x in items if x["Compliance"]["Status"] == asff.PASSED),
        batches=len(asff.batches(items)),
        refused=[],
    )
    if module.check_mode:
        module.exit_json(changed=bool(items), calls=bulk.calls(call), **result)
    try:
        for batch in asff.batches(items):
            answer = call(quotas.FINDINGS_WRITE, "batch_import_findings", Findings=batch)
            result["refused"].extend(answer.get("FailedFindings") or [])
        for update in asff.workflow_updates(x for x in items if x["Id"] not in {f["Id"] for f in result["refused"]}):
            call(quotas.FINDINGS_WRITE, "batch_update_findings", **update)
    except CALL_ERRORS as e:
        fail_aws(module, e, f"Could not import the findings of user pool {pool} into Security Hub", calls=bulk.calls(call), **result)
    if result["refused"]:
        module.fail_json(msg=f"Security Hub refused {len(result['refused'])} of {counted(len(items), 'finding')}",
                         changed=True, calls=bulk.calls(call), **result)
    module.exit_json(changed=bool(items), calls=bulk.calls(call), **result)


if __name__ == "__main__":
    main()
