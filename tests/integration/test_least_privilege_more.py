"""Least privilege, the other two playbooks: ``onboard_users`` (with the Secrets Manager store) and ``mfa_campaign``
(SES nudges, Security Hub import) each run green with the keys of an IAM user that holds only its documented policy
(plugins/module_utils/iam.py, docs/iam/), resources widened to ``*``, on a stand-in with moto's IAM checks on
(tests/integration/test_least_privilege.py's ``IamStandIn``: a stand-in of its own for this file).

What moto's IAM check covers: every request that reaches moto signed, whatever the service. Cognito, Secrets
Manager (JSON protocol), SES (query protocol) and Security Hub's routes moto serves are all refused for a caller
whose policies do not allow the action (``test_the_standin_checks_every_service_of_these_policies``, for each
service the playbooks call), and Security Hub's ``BatchUpdateFindings``, which the stand-in answers itself, asks
moto's check too. Resources are not evaluated (moto evaluates actions only): the secret name prefix and the SES
identity of the policies are checked by the unit tests' linting only.

"0 called not listed": IAM is enforced, so a green run called nothing outside its policy; and the calls the
stand-in counts (Cognito and Secrets Manager, by ``X-Amz-Target``) and the proxy sees (SES, by ``Action=``) are
checked to be in the policy. "0 listed unused": those counted calls, plus the Security Hub calls proven used by
what the run leaves (findings imported, one resolved) and, for ``securityhub:GetFindings``, which leaves nothing
to see, the one-action-removed run of the same module in test_least_privilege.py (``PROVEN_ELSEWHERE``).
Four playbook runs in all: one onboarding, three days of one campaign.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator

import boto3
import botocore.exceptions
import botocore.session
import pytest
import yaml

from tests.integration.test_least_privilege import JOB_USER, IamStandIn, iam, token_operations
from tests.integration.test_onboard_secrets import assert_enrolled
from tests.integration.test_onboard_users import FAST
from tests.support import playbook as ansible
from tests.support import seed
from tests.support.cognito_front import CognitoFront
from tests.support.proxy import DEFAULT_QUOTAS, Proxy, QueryError
from tests.support.standin import DEFAULT_REGION, StandIn

ROOT = Path(__file__).resolve().parents[2]
SENDER = "it@example.com"
# Actions of a policy that a run here leaves nothing to count or see, with the test that proves them used.
PROVEN_ELSEWHERE = {
    "securityhub:GetFindings": "test_least_privilege.py: audit_mfa's run without it fails (same module, "
                               "cognito_mfa_securityhub, same calls)",
}
CAMPAIGN_DAYS = ("2027-01-10", "2027-01-17", "2027-03-01")  # nudges; admins' deadline passed; the campaign's deadline
CAMPAIGN = {"mfa_campaign_deadline": CAMPAIGN_DAYS[2], "mfa_campaign_groups": {"admins": "2027-01-12"},
            "mfa_campaign_securityhub": True, "mfa_campaign_emails_per_second": 50,
            "mfa_campaign_ses": {"source": SENDER, "subject": "MFA: $days_left days left",
                                 "text": "Hello $username, set up an authenticator app before $deadline."}}


class Seen:
    """The query-protocol actions (SES's; STS's ``GetCallerIdentity``, which needs no permission) the proxy saw, in
    order, whatever their answer."""

    def __init__(self) -> None:
        self.actions: list[str] = []

    def __call__(self, action: str, fields: dict[str, str]) -> QueryError | None:  # pylint: disable=unused-argument
        self.actions.append(action)
        return None


@pytest.fixture(scope="module")
def standin() -> Iterator[tuple[IamStandIn, Seen]]:
    """A stand-in with IAM checks on, its proxy recording the query-protocol actions."""
    seen = Seen()
    with StandIn() as moto, Proxy(moto.endpoint, quotas={c: None for c in DEFAULT_QUOTAS}, front=CognitoFront()) as proxy:
        proxy.on_query = seen
        yield IamStandIn(moto, proxy), seen


def admin(checked: IamStandIn, service: str) -> Any:
    return boto3.client(service, endpoint_url=checked.endpoint, region_name=DEFAULT_REGION,
                        aws_access_key_id=checked.admin_keys[0], aws_secret_access_key=checked.admin_keys[1])


def run(checked: IamStandIn, playbook: str, tmp_path: Path, hosts: dict[str, Any], **extra: Any) -> subprocess.CompletedProcess:
    """ansible-playbook playbooks/<playbook>.yml with the job user's keys only."""
    common = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
              "cognito_region": DEFAULT_REGION, "cognito_endpoint_url": checked.endpoint}
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"cognito_pools": {"vars": common, "hosts": hosts}}))
    extra_vars = tmp_path / "extra.yml"
    extra_vars.write_text(yaml.safe_dump(extra))
    env = ansible.playbook_env(ansible.collections_path(tmp_path / "collections"), tmp_path, nocolor="1")
    env.pop("AWS_SESSION_TOKEN", None)
    env.update(AWS_ACCESS_KEY_ID=checked.job_keys[0], AWS_SECRET_ACCESS_KEY=checked.job_keys[1])
    command = [ansible.ansible_playbook(), "-i", str(inventory), str(ROOT / "playbooks" / f"{playbook}.yml"),
               "-e", f"@{extra_vars}"]
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False)


def counted(checked: IamStandIn) -> set[str]:
    """The IAM actions of the JSON-protocol calls the stand-in counted (Cognito's token calls need none)."""
    secrets = set(botocore.session.get_session().get_service_model("secretsmanager").operation_names)
    public = set(token_operations())
    return {f"secretsmanager:{op}" if op in secrets else f"cognito-idp:{op}"
            for op, n in checked.counts(None).items() if n and op not in public}


def test_the_standin_checks_every_service_of_these_policies(standin: tuple[IamStandIn, Seen]) -> None:
    """A caller allowed Cognito's ListUsers only is refused SES, Secrets Manager and Security Hub calls: moto's IAM
    check covers them, so a green run below called none that its policy does not list."""
    checked, _seen = standin
    checked.grant({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "cognito-idp:ListUsers", "Resource": "*"}]})

    def job(service: str) -> Any:
        return boto3.client(service, endpoint_url=checked.endpoint, region_name=DEFAULT_REGION,
                            aws_access_key_id=checked.job_keys[0], aws_secret_access_key=checked.job_keys[1])

    calls = {
        "ses:SendEmail": lambda: job("ses").send_email(Source=SENDER, Destination={"ToAddresses": ["a@example.com"]},
                                                       Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}),
        "secretsmanager:CreateSecret": lambda: job("secretsmanager").create_secret(Name="mfaops/cognito/x", SecretString="{}"),
        "secretsmanager:GetSecretValue": lambda: job("secretsmanager").get_secret_value(SecretId="mfaops/cognito/x"),
        "securityhub:GetFindings": lambda: job("securityhub").get_findings(),
        "securityhub:BatchUpdateFindings": lambda: job("securityhub").batch_update_findings(
            FindingIdentifiers=[{"Id": "x", "ProductArn": "arn:aws:securityhub:us-east-1::product/x/default"}],
            Workflow={"Status": "RESOLVED"}),
    }
    for action, call in calls.items():
        with pytest.raises(botocore.exceptions.ClientError) as refused:
            call()
        error = refused.value.response["Error"]
        assert error["Code"] in ("AccessDeniedException", "AccessDenied"), (action, refused.value.response)
        assert action in error["Message"] and JOB_USER in error["Message"], (action, error)


def test_onboard_users_runs_green_under_its_policy(standin: tuple[IamStandIn, Seen], tmp_path: Path) -> None:
    """A pool with MFA OFF going to ON; two service accounts whose secrets go to Secrets Manager only (one new, one
    created before and never signed in), a new person, an existing user whose e-mail address and groups are updated,
    groups created: every action of the policy is called, and none outside it."""
    checked, _seen = standin
    cognito = checked.cognito
    pool = seed.create_pool(cognito, "iam-onboard", "OFF")
    seed.create_user(cognito, pool, "cat")
    # A service account created before and never signed in: it gets a fresh temporary password (AdminSetUserPassword).
    cognito.admin_create_user(UserPoolId=pool.id, Username="svc-old", MessageAction="SUPPRESS",
                              TemporaryPassword="Temp-Before-" + "x" * 8 + "#1a")
    checked.grant(iam.policy("onboard_users", wide=True))
    checked.reset_counts()
    host = {"cognito_user_pool_id": pool.id, "cognito_client_id": pool.client_id,
            "cognito_users": [{"username": "svc-ci", "service_account": True, "groups": ["robots"]},
                              {"username": "svc-old", "service_account": True},
                              {"username": "ann", "email": "ann@example.com", "groups": ["ops"]},
                              {"username": "cat", "email": "cat@new.example.com", "groups": ["ops"]}],
            "onboard_users_pool_policy": "ON", "onboard_users_create_groups": True,
            "onboard_users_update_attributes": True, "onboard_users_update_groups": True,
            "onboard_users_secrets_manager": True}
    done = run(checked, "onboard_users", tmp_path, {"svc": host}, onboard_users_secrets_vault_password="", **FAST)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    # What the run did, read back with the admin's keys.
    assert cognito.get_user_pool_mfa_config(UserPoolId=pool.id)["MfaConfiguration"] == "ON"
    assert seed.mfa_state(cognito, pool.id, "svc-ci")["preferred_method"] == "software_token_mfa"
    called = counted(checked)
    stored = admin(checked, "secretsmanager").get_secret_value(SecretId=f"mfaops/cognito/{pool.id}/svc-ci")["SecretString"]
    assert_enrolled(cognito, pool, json.loads(stored))  # its secrets in Secrets Manager sign it in
    assert seed.mfa_state(cognito, pool.id, "svc-old")["preferred_method"] == "software_token_mfa"
    listed = set(iam.playbook_actions("onboard_users"))
    assert called <= listed, f"called but not in the policy: {sorted(called - listed)}"
    assert listed - called == set(), f"listed but not used: {sorted(listed - called)}"


def test_mfa_campaign_runs_green_under_its_policy(standin: tuple[IamStandIn, Seen], tmp_path: Path) -> None:
    """Three days of one campaign with SES nudges and the Security Hub import: nudges and findings; the admins'
    deadline passes (removed from the group); one of them enrols, and on the campaign's deadline is restored, the
    pool goes to ON and that user's finding is resolved. The campaign keeps a user state (mfa_campaign_incremental),
    so CloudTrail's LookupEvents is in play too. Every action of the policy is used."""
    checked, seen = standin
    cognito = checked.cognito
    pool = seed.create_pool(cognito, "iam-campaign", "OPTIONAL")
    for user in ("ann", "ben", "cat"):
        seed.create_user(cognito, pool, user, "no_mfa")
    seed.add_to_group(cognito, pool, "admins", ["ann", "ben"])
    admin(checked, "ses").verify_email_identity(EmailAddress=SENDER)
    hub = admin(checked, "securityhub")
    hub.enable_security_hub()
    checked.grant(iam.policy("mfa_campaign", wide=True))
    host = {"cognito_user_pool_id": pool.id, "mfa_campaign_state_dir": str(tmp_path / "state"),
            "mfa_campaign_output_dir": str(tmp_path / "out"), "mfa_campaign_incremental": True}
    seen.actions.clear()
    called: set[str] = set()
    # The onboarding test's events on this stand-in (a session's AssociateSoftwareToken has no sub) would make the
    # campaign's next run read the whole pool, as they would on a real account: this test starts a CloudTrail of its own.
    checked.proxy.front.trail.clear()
    time.sleep(3.1)  # the clock margin: users created within 3 s before a read are read again by the next run
    for today in CAMPAIGN_DAYS:
        if today == CAMPAIGN_DAYS[2]:  # ann, removed from admins on day 2, enrols
            token = seed.sign_in(cognito, pool, "ann")
            seed.enrol_totp(cognito, token)
            cognito.admin_set_user_mfa_preference(UserPoolId=pool.id, Username="ann",
                                                  SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
        (tmp_path / today).mkdir()
        checked.reset_counts()
        done = run(checked, "mfa_campaign", tmp_path / today, {"staff": host}, mfa_campaign_today=today, **CAMPAIGN)
        assert done.returncode == 0, today + "\n" + done.stdout[-4000:] + done.stderr[-2000:]
        called |= counted(checked)
        if today == CAMPAIGN_DAYS[1]:
            # The user state's second run carried its users on CloudTrail's word: LookupEvents was allowed and
            # answered (refused, the run would have read the whole pool and warned naming it).
            assert "(0 read, 3 carried from the state)" in done.stdout, done.stdout[-4000:]
            assert "full read" not in done.stdout and "LookupEvents" not in done.stdout, done.stdout[-4000:]
            called.add("cloudtrail:LookupEvents")
    called |= {f"ses:{action}" for action in seen.actions if action != "GetCallerIdentity"}
    members = sorted(u["Username"] for u in cognito.list_users_in_group(UserPoolId=pool.id, GroupName="admins")["Users"])
    assert members == ["ann"], members  # ben removed on day 2; ann removed, then restored once enrolled
    assert cognito.get_user_pool_mfa_config(UserPoolId=pool.id)["MfaConfiguration"] == "ON"
    findings = [f for f in hub.get_findings(MaxResults=100)["Findings"]
                if f["Resources"][0]["Details"]["Other"].get("UserPoolId") == pool.id]
    assert findings, "BatchImportFindings: the campaign's findings are in Security Hub"
    called.add("securityhub:BatchImportFindings")
    resolved = [f for f in findings if f.get("Workflow", {}).get("Status") == "RESOLVED"]
    assert resolved, "BatchUpdateFindings: the finding of ann, now enrolled, is resolved"
    called.add("securityhub:BatchUpdateFindings")
    listed = set(iam.playbook_actions("mfa_campaign"))
    assert called <= listed, f"called but not in the policy: {sorted(called - listed)}"
    assert listed - called - set(PROVEN_ELSEWHERE) == set(), f"listed but not used: {sorted(listed - called)}"
