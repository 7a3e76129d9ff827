"""Least privilege: each playbook runs green with the keys of an IAM user that holds only its documented policy
(plugins/module_utils/iam.py, docs/iam/), and fails with one clear message when one action is missing.

The stand-in here is a stand-in of its own with moto's IAM checks on (``/moto-api/reset-auth``: every
request after that must be signed by a moto IAM user whose policies allow the action; moto evaluates actions
only, so the policies' resources are widened to ``*``; docs/iam/ is linted for its resources in the unit tests).
The Cognito front turns moto's XML 403 into Cognito's JSON ``AccessDeniedException``.

"Every listed action is used": the Cognito calls counted in a green run, and for every action its
one-action-removed test (a run fails without the action only if it calls it). The playbooks run with a state
directory (``enforce_mfa_state_dir`` / ``audit_mfa_state_dir``: state runs on the "everyone" pool, whose users are
all selected), so their CloudTrail ``LookupEvents`` is in play too: the Cognito front answers it itself
(tests/support/cloudtrail.py) and asks the stand-in whether the caller's policies allow it
(``POST /_standin/iam_allows``), answering CloudTrail's JSON ``AccessDeniedException`` if not. A refused
``LookupEvents`` does not fail the run, by design (issue 22, the ``state_dir`` documentation): the change signal
is incomplete, so the run reads the whole pool, stays correct, and warns naming the refused action and the pool
(``SIGNAL_ACTIONS``). Its one-action-removed test runs twice on one state directory: the first run of a state
reads the whole pool without asking CloudTrail.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest
import yaml

from tests.support import playbook as ansible
from tests.support.cognito_front import CognitoFront
from tests.support.proxy import DEFAULT_QUOTAS, Proxy
from tests.support.standin import ACCOUNT_ID, DEFAULT_REGION, STANDIN_PASSWORD, WRITE_OPERATIONS, StandIn

ROOT = Path(__file__).resolve().parents[2]


def _load_iam() -> Any:
    """plugins/module_utils/iam.py, by path (it imports nothing of the collection)."""
    spec = importlib.util.spec_from_file_location("mfaops_iam", ROOT / "plugins" / "module_utils" / "iam.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


iam = _load_iam()
JOB_USER = "mfaops-job"
POLICY_NAME = "mfaops-playbook"
ADMIN_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
# Actions a playbook's policy lists that no run here can show, with the reason (see the module docstring).
NOT_RUN_HERE: dict[str, str] = {}
# Actions whose refusal the collection survives by design (a full read that says why): the run stays green and warns.
SIGNAL_ACTIONS = {"cloudtrail:LookupEvents"}
# More variables of a playbook's run here: every statement of its policy in use.
RUN_VARS = {"enforce_mfa": {}, "audit_mfa": {"audit_mfa_securityhub": True}}
# The pools' MFA configuration before each run: OFF for enforce_mfa (so it has the pool's configuration to write),
# ON for audit_mfa (so alice is compliant: a PASSED finding, which the Security Hub import resolves).
POOL_MFA = {"enforce_mfa": {"MfaConfiguration": "OFF"},
            "audit_mfa": {"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": True}}}
# Reads a playbook makes before writing: without one of them, none of these writes is made. The pool's MFA
# configuration and sign-in policy are read before the pool is changed; each user before that user.
PRE_WRITE_CHECKS = {
    "enforce_mfa": {"cognito-idp:GetUserPoolMfaConfig": WRITE_OPERATIONS, "cognito-idp:DescribeUserPool": WRITE_OPERATIONS,
                    "cognito-idp:AdminGetUser": {"AdminSetUserMFAPreference"}},
    "audit_mfa": {},
}
TESTED = ("enforce_mfa", "audit_mfa")


class IamStandIn:
    """A stand-in with IAM checks on, behind the Cognito front; an admin's keys for the tests' own calls, and
    the job user whose policy each test sets."""

    def __init__(self, moto: StandIn, proxy: Proxy) -> None:
        self.moto, self.proxy, self.endpoint = moto, proxy, proxy.endpoint
        iam_client = self._client("iam", moto.endpoint, ("x", "x"))
        self.admin_keys = self._user(iam_client, "standin-admin", ADMIN_POLICY)
        self.job_keys = self._user(iam_client, JOB_USER, None)
        request = urllib.request.Request(moto.endpoint + "/moto-api/reset-auth", data=b"0", method="POST",
                                         headers={"Content-Type": "text/plain"})
        with urllib.request.urlopen(request, timeout=30):  # from now on every call is checked
            pass
        self.iam = self._client("iam", moto.endpoint, self.admin_keys)
        self.cognito = self._client("cognito-idp", proxy.endpoint, self.admin_keys)

    @staticmethod
    def _client(service: str, endpoint: str, keys: tuple[str, str]) -> Any:
        return boto3.client(service, endpoint_url=endpoint, region_name=DEFAULT_REGION,
                            aws_access_key_id=keys[0], aws_secret_access_key=keys[1])

    @staticmethod
    def _user(client: Any, name: str, policy: dict[str, Any] | None) -> tuple[str, str]:
        client.create_user(UserName=name)
        if policy is not None:
            client.put_user_policy(UserName=name, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(policy))
        key = client.create_access_key(UserName=name)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    def grant(self, document: dict[str, Any]) -> None:
        """The job user's only policy."""
        self.iam.put_user_policy(UserName=JOB_USER, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(document))

    def counts(self, pool: str) -> dict[str, int]:
        return self.moto.counts(pool)

    def reset_counts(self) -> None:
        self.moto.reset_counts()


@pytest.fixture(scope="session")
def iam_standin() -> Iterator[IamStandIn]:
    """One stand-in with IAM checks on for this file (its own process: the shared one stays unchecked)."""
    with StandIn() as moto, Proxy(moto.endpoint, quotas={c: None for c in DEFAULT_QUOTAS}, front=CognitoFront()) as proxy:
        yield IamStandIn(moto, proxy)


@pytest.fixture(scope="session")
def pools(iam_standin: IamStandIn) -> dict[str, str]:
    """Two small pools: users listed and a group ("listed"), every user ("everyone"); each with an app client."""
    cognito, made = iam_standin.cognito, {}
    for name in ("listed", "everyone"):
        pool = cognito.create_user_pool(PoolName=f"iam-{name}")["UserPool"]["Id"]
        cognito.create_user_pool_client(UserPoolId=pool, ClientName="web")
        for state, user in (("totp_preferred", "alice"), ("no_mfa", "bob"), ("no_mfa", "breakglass")):
            iam_standin.moto.seed(pool, users=[{"username": user, "state": state}])
        cognito.create_group(UserPoolId=pool, GroupName="admins")
        cognito.admin_add_user_to_group(UserPoolId=pool, Username="alice", GroupName="admins")
        made[name] = pool
    return made


def inventory(directory: Path, pools: dict[str, str], endpoint: str, more: dict[str, Any]) -> Path:
    hosts = {
        "listed": {"cognito_user_pool_id": pools["listed"], "cognito_users": ["alice", "bob"], "cognito_groups": ["admins"]},
        "everyone": {"cognito_user_pool_id": pools["everyone"], "cognito_all_users": True},
    }
    data = {"cognito_pools": {"vars": {
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "cognito_region": DEFAULT_REGION, "cognito_endpoint_url": endpoint, "cognito_exclude": ["breakglass"],
        "enforce_mfa_pool_policy": "ON", "enforce_mfa_report": True, "enforce_mfa_report_dir": str(directory / "reports"),
        "audit_mfa_report_dir": str(directory / "reports"), "enforce_mfa_state_dir": str(directory / "state"),
        "audit_mfa_state_dir": str(directory / "state"), **more,
    }, "hosts": hosts}}
    (directory / "state").mkdir(mode=0o700, exist_ok=True)  # not_enrolled_state_dir (the "listed" pool) wants it made
    path = directory / "inventory.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def run(iam_standin: IamStandIn, pools: dict[str, str], playbook: str, tmp_path: Path, limit: str = "all",
        pool_mfa: dict[str, Any] | None = None) -> subprocess.CompletedProcess:
    """ansible-playbook playbooks/<playbook>.yml with the job user's keys (no session token), on pools whose MFA
    is set as POOL_MFA says (or ``pool_mfa``)."""
    for pool in pools.values():
        iam_standin.cognito.set_user_pool_mfa_config(UserPoolId=pool, **(pool_mfa or POOL_MFA[playbook]))
    iam_standin.reset_counts()
    collections = ansible.collections_path(tmp_path / "collections")
    env = ansible.playbook_env(collections, tmp_path, nocolor="1")
    env.pop("AWS_SESSION_TOKEN", None)
    env.update(AWS_ACCESS_KEY_ID=iam_standin.job_keys[0], AWS_SECRET_ACCESS_KEY=iam_standin.job_keys[1])
    command = [ansible.ansible_playbook(), "-i", str(inventory(tmp_path, pools, iam_standin.endpoint, RUN_VARS[playbook])),
               str(ROOT / "playbooks" / f"{playbook}.yml"), "--limit", limit]
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False)


def called_actions(iam_standin: IamStandIn, pools: dict[str, str]) -> set[str]:
    """The IAM actions of the Cognito calls the stand-in counted for these pools (token calls need none)."""
    public = set(token_operations())
    return {f"cognito-idp:{op}" for pool in pools.values() for op, n in iam_standin.counts(pool).items()
            if n and op not in public}


def token_operations() -> list[str]:
    import botocore.session  # pylint: disable=import-outside-toplevel

    model = botocore.session.get_session().get_service_model("cognito-idp")
    return [name for name in model.operation_names if model.operation_model(name).auth_type == "none"]


@pytest.mark.parametrize("playbook", TESTED)
def test_playbook_runs_green_under_its_policy(iam_standin: IamStandIn, pools: dict[str, str], playbook: str, tmp_path: Path) -> None:
    """0 actions called that the policy does not list (else the run fails: IAM is enforced), and 0 listed that no run
    uses: the Cognito calls the stand-in counted here; every other action by its one-action-removed test, which
    fails only if a run calls that action."""
    iam_standin.grant(iam.policy(playbook, wide=True))
    done = run(iam_standin, pools, playbook, tmp_path)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    called = called_actions(iam_standin, pools)
    listed = {action for action in iam.playbook_actions(playbook) if action.startswith("cognito-idp:")}
    assert called <= listed, f"called but not in the policy: {sorted(called - listed)}"
    assert listed - called == set(), f"listed but not used: {sorted(listed - called)}"


REMOVALS = [(playbook, action) for playbook in TESTED for action in iam.playbook_actions(playbook) if action not in NOT_RUN_HERE]


@pytest.mark.parametrize(("playbook", "action"), REMOVALS, ids=[f"{p}-{a.split(':')[1]}" for p, a in REMOVALS])
def test_one_missing_action_fails_the_run_with_one_clear_message(
    iam_standin: IamStandIn, pools: dict[str, str], playbook: str, action: str, tmp_path: Path
) -> None:
    # one pool a run: the one that needs it (the state runs are on "everyone")
    limit = "everyone" if action in {"cognito-idp:ListUsers"} | SIGNAL_ACTIONS else "listed"
    if action in SIGNAL_ACTIONS:
        _missing_signal_action_reads_the_whole_pool(iam_standin, pools, playbook, action, tmp_path)
        return
    if action == "securityhub:BatchUpdateFindings":  # called to resolve open findings: open one first (OFF pool)
        iam_standin.grant(iam.policy(playbook, wide=True))
        (tmp_path / "first").mkdir()
        first = run(iam_standin, pools, playbook, tmp_path / "first", limit, POOL_MFA["enforce_mfa"])
        assert first.returncode == 0, first.stdout[-3000:]
    iam_standin.grant(iam.policy(playbook, wide=True, without=[action]))
    done = run(iam_standin, pools, playbook, tmp_path, limit)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output[-3000:]
    assert "Traceback" not in output
    for secret in (iam_standin.job_keys[1], iam_standin.admin_keys[1], STANDIN_PASSWORD):
        assert secret not in output
    failed = [line for line in output.splitlines() if "AccessDeniedException" in line and action in line]
    assert failed, output[-3000:]
    assert any(pool in line for line in failed for pool in pools.values()), failed
    if action in PRE_WRITE_CHECKS[playbook]:
        kept_from = PRE_WRITE_CHECKS[playbook][action]
        writes = {op: n for pool in pools.values() for op, n in iam_standin.counts(pool).items() if op in kept_from and n}
        assert writes == {}, writes


def _missing_signal_action_reads_the_whole_pool(iam_standin: IamStandIn, pools: dict[str, str], playbook: str, action: str,
                                                tmp_path: Path) -> None:
    """A first state run with the whole policy (it reads the whole pool without asking CloudTrail), then one without
    ``action``: it is green, reads every user again, and warns once naming the refused action and the pool."""
    iam_standin.grant(iam.policy(playbook, wide=True))
    first = run(iam_standin, pools, playbook, tmp_path, "everyone")
    assert first.returncode == 0, first.stdout[-3000:]
    assert action not in first.stdout + first.stderr
    iam_standin.grant(iam.policy(playbook, wide=True, without=[action]))
    done = run(iam_standin, pools, playbook, tmp_path, "everyone")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "Traceback" not in output
    for secret in (iam_standin.job_keys[1], iam_standin.admin_keys[1], STANDIN_PASSWORD):
        assert secret not in output
    flat = "".join(output.split())  # warnings are wrapped to the terminal's width
    warning = f"userpool{pools['everyone']}:thewholepoolisread,LookupEventsfailed(AccessDeniedException:"
    assert flat.count(warning) == 1, output[-3000:]
    assert action in flat.split(warning, 1)[1].split("thechangesignalisincomplete", 1)[0], output[-3000:]
    assert iam_standin.counts(pools["everyone"]).get("AdminGetUser", 0) >= 2  # alice and bob read again


def test_the_front_answers_access_denied_as_cognito(iam_standin: IamStandIn, pools: dict[str, str]) -> None:
    """JSON AccessDeniedException (HTTP 400) naming the action and the pool's ARN; token calls are not refused."""
    iam_standin.grant({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "cognito-idp:ListUsers", "Resource": "*"}]})
    job = IamStandIn._client("cognito-idp", iam_standin.endpoint, iam_standin.job_keys)
    pool = pools["listed"]
    with pytest.raises(job.exceptions.ClientError) as denied:
        job.admin_get_user(UserPoolId=pool, Username="alice")
    error = denied.value.response["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Message"] == (
        f"User: arn:aws:iam::{ACCOUNT_ID}:user/{JOB_USER} is not authorized to perform: cognito-idp:AdminGetUser on "
        f"resource: arn:aws:cognito-idp:{DEFAULT_REGION}:{ACCOUNT_ID}:userpool/{pool} because no identity-based "
        "policy allows the cognito-idp:AdminGetUser action")
    assert job.list_users(UserPoolId=pool)["Users"]
    client_id = iam_standin.cognito.list_user_pool_clients(UserPoolId=pool)["UserPoolClients"][0]["ClientId"]
    with pytest.raises(job.exceptions.ClientError) as token_call:  # authorised by the token, not IAM: no 500
        job.associate_software_token(Session="not-a-session-" + "x" * 40)
    assert token_call.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400, token_call.value.response
    with pytest.raises(job.exceptions.ClientError) as sign_in:
        job.respond_to_auth_challenge(ClientId=client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session="x" * 40,
                                      ChallengeResponses={"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": "000000"})
    assert sign_in.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400, sign_in.value.response
