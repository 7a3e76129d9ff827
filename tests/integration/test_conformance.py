"""The conformance kit (tests/conformance/, docs/conformance.md) run as its users run it, a subprocess:

- against the stand-in behind the front (``make conformance``): every probe whose behaviour the
  stand-in emulates agrees, nothing differs;
- against moto alone: the probes fail where moto is known to be lenient (so they can fail);
- a ``TARGET=aws`` run rehearsed on the stand-in (AWS-only waits shortened): it says what it will
  create and cost, refuses without the confirmation, and removes every pool it made; killed with
  SIGKILL after it created a pool, it leaves only pools that ``clean`` removes.

Each run is judged by its report (build/conformance/report.json's shape) and by the user pools
listed with boto3 afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]

# pylint: disable=wrong-import-position
from tests.conformance import kit, probes  # noqa: E402,F401  (probes fills kit.PROBES)  pylint: disable=unused-import
from tests.support.cognito_front import CognitoFront  # noqa: E402
from tests.support.proxy import Proxy  # noqa: E402
from tests.support.standin import FAKE_AWS_ENV, StandIn, StandInClient  # noqa: E402

# Probes of rows the stand-in emulates (the front, choice_sign_in.py, the proxy's quotas, or moto as
# the ledger says): each must agree against it.
EMULATED = (
    "not_enrolled_wording", "off_with_factors", "mfa_config_replaced", "case_blind_pool", "alias_username_is_uuid",
    "totp_code_used_once", "totp_rfc6238", "mfa_setup_challenge", "select_mfa_type", "totp_enabled_not_preferred",
    "session_tied_to_user", "disabled_user_admin_write", "request_quota_throttling", "webauthn_config_kept",
    "on_refused_with_single_factor_passkeys", "sign_in_policy_kept", "auth_factors_password_user", "user_auth_flow",
    "admin_calls_take_sub", "list_users_attributes", "default_pool_case_sensitive", "user_status_values",
    "list_users_fields", "access_denied", "cloudtrail_mfa_events", "cloudtrail_lookup_events", "cloudtrail_delivery_delay",
    "cloudtrail_event_time_seconds", "cloudtrail_event_names", "token_calls_unsigned", "caller_identity_needs_no_permission",
)
# The CloudTrail rows (43-48): moto 5.2.5 has no LookupEvents, so against moto alone they are skipped.
CLOUDTRAIL = tuple(name for name, probe_ in kit.PROBES.items() if "cloudtrail" in name)
# Where moto alone is known to be lenient (docs/cognito-behaviour.md rows 1, 2, 4, 6).
MOTO_LENIENT = ("not_enrolled_wording", "off_with_factors", "case_blind_pool", "totp_code_used_once")


def run_kit(tmp_path: Path, *args: str, **env: str) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    report_dir = tmp_path / "report"
    environ = {key: value for key, value in os.environ.items()
               if key not in ("TARGET", "AWS_PROFILE", "CONFORMANCE_ENDPOINT_URL", "CONFORMANCE_CONFIRM")}
    environ.update(FAKE_AWS_ENV, CONFORMANCE_REPORT_DIR=str(report_dir),
                   CONFORMANCE_SNAPSHOT_DIR=str(tmp_path / "snapshots"), **env)
    done = subprocess.run([sys.executable, "-m", "tests.conformance", *args], cwd=ROOT, env=environ,
                          capture_output=True, text=True, timeout=300, check=False)
    report = report_dir / "report.json"
    return done, json.loads(report.read_text()) if report.exists() else []


def by_probe(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["probe"]: row for row in rows}


def kit_pools(client: Any, run_id: str = "") -> list[str]:
    return [pool["Name"] for page in client.get_paginator("list_user_pools").paginate(MaxResults=60)
            for pool in page["UserPools"] if pool["Name"].startswith(kit.PREFIX + run_id)]


@pytest.fixture(scope="module")
def quota_front(moto_standin: StandIn) -> Iterator[Proxy]:
    """The stand-in behind the front with Cognito's request quotas, as ``make conformance`` starts it."""
    with Proxy(moto_standin.endpoint, front=CognitoFront()) as proxy:
        yield proxy


def test_every_emulated_probe_agrees_with_the_standin(tmp_path: Path) -> None:
    done, rows = run_kit(tmp_path)  # the default target: a stand-in of its own, behind the front
    assert done.returncode == 0, done.stderr[-4000:]
    assert set(kit.VERDICTS) >= {row["verdict"] for row in rows}
    assert all(set(row) >= {"probe", "ledger_row", "expected", "observed", "verdict"} for row in rows)
    verdicts = {name: row["verdict"] for name, row in by_probe(rows).items()}
    assert set(verdicts) == set(kit.PROBES)
    assert {name: verdicts[name] for name in EMULATED} == dict.fromkeys(EMULATED, "agrees")
    assert "differs" not in verdicts.values()
    unknown = {name for name, verdict in verdicts.items() if verdict == "unknown"}
    assert {"totp_code_reuse_error", "last_modified_on_mfa_change", "auth_factors_verified_not_enabled",
            "cloudtrail_token_call_sub"} <= unknown
    delivery = by_probe(rows)["cloudtrail_delivery_delay"]["observed"]["delivery"]
    assert delivery["measured"]["events_seen"] == delivery["measured"]["events_made"] > 0
    assert "only that the events arrive within the bound" in delivery["measured"]["note"]
    skipped = by_probe(rows)["off_pool_no_second_factor"]
    assert skipped["verdict"] == "skipped" and "does not reproduce" in skipped["why"]
    assert (tmp_path / "report" / "report.md").read_text().count("\n| ") == len(rows) + 1


def test_moto_alone_differs_where_it_is_lenient(tmp_path: Path, moto_standin: StandIn) -> None:
    done, rows = run_kit(tmp_path, CONFORMANCE_ENDPOINT_URL=moto_standin.endpoint)
    assert done.returncode == 1, done.stderr[-4000:]
    verdicts = {name: row["verdict"] for name, row in by_probe(rows).items()}
    assert {name: verdicts[name] for name in MOTO_LENIENT} == dict.fromkeys(MOTO_LENIENT, "differs")
    assert sum(verdict == "differs" for verdict in verdicts.values()) >= 4
    assert len(CLOUDTRAIL) == 6 and {verdicts[name] for name in CLOUDTRAIL} == {"skipped"}
    assert "LookupEvents" in by_probe(rows)["cloudtrail_mfa_events"]["why"]
    assert verdicts["access_denied"] == "skipped" and "CONFORMANCE_DENIED_ROLE_ARN" in by_probe(rows)["access_denied"]["why"]
    wording = by_probe(rows)["not_enrolled_wording"]
    assert wording["observed"]["admin"]["message"] == "User has not verified software token mfa"
    assert not kit_pools(StandInClient(moto_standin.endpoint).client())


def test_aws_run_rehearsed_on_the_standin_says_what_it_costs_and_removes_all_it_made(tmp_path: Path, quota_front: Proxy) -> None:
    client = StandInClient(quota_front.endpoint).client()
    refused, dummy = run_kit(tmp_path, "--probe", "not_enrolled_wording", TARGET="aws",
                             CONFORMANCE_ENDPOINT_URL=quota_front.endpoint)
    assert refused.returncode == 2
    assert "It will create up to 1 user pools" in refused.stderr and "No SMS or email is sent" in refused.stderr
    assert "CONFORMANCE_CONFIRM=yes" in refused.stderr and not kit_pools(client)

    done, rows = run_kit(tmp_path, TARGET="aws", CONFORMANCE_CONFIRM="yes", CONFORMANCE_ENDPOINT_URL=quota_front.endpoint,
                         CONFORMANCE_WAIT_SCALE="0", CONFORMANCE_CLOUDTRAIL_WAIT="1", CONFORMANCE_RUN_ID="rehearsal")
    # Only the rows the ledger says the stand-in does not reproduce differ (they run on AWS, so here too).
    gaps = {name for name, probe_ in kit.PROBES.items() if probe_.standin_gap}
    assert done.returncode == 1 and {row["probe"] for row in rows if row["verdict"] == "differs"} == gaps, done.stderr[-4000:]
    created = done.stderr.count("created user pool")
    assert created >= 25 and done.stderr.count("deleted user pool") == created
    assert f"created {created} user pools, deleted {created}" in done.stderr
    assert not kit_pools(client)
    ran = {row["probe"] for row in rows if row["verdict"] != "skipped"}
    written = {path.stem for path in (tmp_path / "snapshots").glob("*.json")}
    assert written == ran and "select_mfa_type" in ran  # opt-in probes run in a rehearsal
    assert all("written as its snapshot" in row["why"] for row in rows if row["verdict"] == "unknown")
    snapshot = json.loads((tmp_path / "snapshots" / "alias_username_is_uuid.json").read_text())
    assert snapshot["observed"] == {"get_by_email": "found", "username_is_uuid": True}


def stop_mid_run(tmp_path: Path, proxy: Proxy, run_id: str, signum: int) -> subprocess.CompletedProcess[str]:
    """A rehearsed TARGET=aws run, sent ``signum`` while its first AdminCreateUser is held (a pool exists)."""
    held, release = threading.Event(), threading.Event()

    def hold(operation: str) -> None:
        if operation == "AdminCreateUser" and not held.is_set():
            held.set()
            release.wait(30)

    proxy.on_operation = hold
    environ = {key: value for key, value in os.environ.items() if key not in ("TARGET", "AWS_PROFILE")}
    environ.update(FAKE_AWS_ENV, TARGET="aws", CONFORMANCE_CONFIRM="yes", CONFORMANCE_ENDPOINT_URL=proxy.endpoint,
                   CONFORMANCE_WAIT_SCALE="0", CONFORMANCE_RUN_ID=run_id, CONFORMANCE_REPORT_DIR=str(tmp_path / "r"),
                   CONFORMANCE_SNAPSHOT_DIR=str(tmp_path / "s"))
    try:
        # pylint: disable-next=consider-using-with
        runner = subprocess.Popen([sys.executable, "-m", "tests.conformance"], cwd=ROOT, env=environ,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert held.wait(120), "the runner never created a user"
        assert runner.poll() is None
        runner.send_signal(signum)
        if signum != signal.SIGKILL:
            release.set()
        stdout, stderr = runner.communicate(timeout=60)
    finally:
        proxy.on_operation = None
        release.set()
    return subprocess.CompletedProcess(runner.args, runner.returncode, stdout, stderr)


def test_a_terminated_run_deletes_what_it_created(tmp_path: Path, quota_front: Proxy) -> None:
    done = stop_mid_run(tmp_path, quota_front, "terminated", signal.SIGTERM)
    assert done.returncode == 130, done.stderr[-3000:]
    assert "stopped by SIGTERM" in done.stderr and "created 1 user pools, deleted 1" in done.stderr
    assert not kit_pools(StandInClient(quota_front.endpoint).client(), "terminated")


def test_a_killed_run_leaves_only_pools_that_clean_removes(tmp_path: Path, quota_front: Proxy) -> None:
    client = StandInClient(quota_front.endpoint).client()
    bystander = client.create_user_pool(PoolName="not-conformance-bystander")["UserPool"]["Id"]
    done = stop_mid_run(tmp_path, quota_front, "killed", signal.SIGKILL)
    assert done.returncode == -signal.SIGKILL
    left = kit_pools(client, "killed")
    assert left, "the kill came after the run had removed its pools"
    assert not (tmp_path / "r" / "report.json").exists()

    done, dummy = run_kit(tmp_path, "clean", CONFORMANCE_ENDPOINT_URL=quota_front.endpoint)
    assert done.returncode == 0, done.stderr
    assert f"{len(left)} user pools named {kit.PREFIX}* deleted" in done.stderr
    remaining = [pool["Id"] for pool in client.list_user_pools(MaxResults=60)["UserPools"]]
    assert not kit_pools(client) and bystander in remaining
    client.delete_user_pool(UserPoolId=bystander)
