"""A listing of users that fails part-way (issue 27): the task, and the pool in enforce_mfa, fail with the
listing's message, and nothing is recorded for users the run never reached.

The proxy in front of the stand-in picks the fault of each request with its ``on_operation`` hook: an
``InternalErrorException`` for every ``ListUsers`` page after the first (with ``retries: 0``, so the
retries run out at once), or ``AccessDeniedException`` for every listing, as Cognito answers a caller whose
IAM policy does not allow ``cognito-idp:ListUsers`` (docs/cognito-behaviour.md, row 80).
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import seed, user_state
from tests.support.proxy import ACCESS_DENIED, ERROR_500

MODULE = "mfaops.cognito.cognito_user_mfa"
PLAYBOOK = Path(__file__).resolve().parents[2] / "playbooks" / "enforce_mfa.yml"
AUDIT_PLAYBOOK = PLAYBOOK.with_name("audit_mfa.yml")
LISTINGS = ("ListUsers", "ListUsersInGroup")
PAGE = 60  # ListUsers' largest (and default) page


@pytest.fixture
def listing_fault(standin: Any) -> Iterator[Any]:
    """``listing_fault(action, after=0)``: the proxy answers ``action`` to every listing call after the first
    ``after`` ones; the hook is removed after the test."""
    lock, seen = threading.Lock(), [0]

    def install(action: str, after: int = 0) -> None:
        def hook(operation: str) -> str | None:
            if operation not in LISTINGS:
                return None
            with lock:
                seen[0] += 1
                return action if seen[0] > after else None

        seen[0] = 0
        standin.proxy.on_operation = hook

    yield install
    standin.proxy.on_operation = None


def first_page(cognito: Any, pool: seed.Pool) -> list[str]:
    return [user["Username"] for user in cognito.list_users(UserPoolId=pool.id)["Users"]]


def remembered(state_dir: Path, pool: seed.Pool) -> set[str]:
    return set(user_state.not_enrolled(state_dir, pool.id))


def enforce_all(pool: seed.Pool, state_dir: Path, **options: Any) -> list[dict[str, Any]]:
    """The whole pool through a filter: users listed and read as they come, refusals remembered in the state."""
    return [{
        "name": "enforce",
        MODULE: {"user_pool_id": pool.id, "all_users": True, "filter": 'status = "Enabled"',
                 "software_token_mfa": {"enabled": True, "preferred": True},
                 "state_dir": str(state_dir), "retries": 0, "reads_per_second": 1000,
                 "writes_per_second": 1000, **options},
        "ignore_errors": True,
    }]


def test_a_listing_failing_at_its_second_page_records_only_users_refused(
    standin: Any, cognito: Any, run_playbook: Any, listing_fault: Any, tmp_path: Path
) -> None:
    pool = seed.create_pool(cognito, "listing-fails")
    seed.seed_backdoor(standin, pool, {"no_mfa": 40, "totp_verified": 40}, prefix="lf-")
    page_one = first_page(cognito, pool)
    assert len(page_one) == PAGE
    never_listed = set(pool.names()) - set(page_one)
    state_dir = tmp_path / "state"
    state_dir.mkdir()

    # The first page is worked on, the second fails: the task fails with the listing's message, and the memory
    # holds the users Cognito refused, all of them on the first page.
    listing_fault(ERROR_500, after=1)
    run = run_playbook(enforce_all(pool, state_dir))
    result = run.result("enforce")
    assert result["failed"], run
    assert result["msg"].startswith("Could not list the users of the pool (filter 'status = \"Enabled\"'): InternalErrorException"), result["msg"]
    refused = {row["username"] for row in result["users"] if row["outcome"] == "not_enrolled"}
    assert refused and refused <= set(page_one) and not refused & never_listed, refused
    assert remembered(state_dir, pool) == refused
    assert result["counts"]["total"] == PAGE

    # A first page of users all excluded: no user gets an outcome before the second page fails. The task still
    # fails with the listing's message (not a crash of the module), and nothing new is remembered.
    listing_fault(ERROR_500, after=1)
    run = run_playbook(enforce_all(pool, state_dir, exclude=page_one))
    result = run.result("enforce")
    assert result["failed"], run
    assert result["msg"].startswith("Could not list the users of the pool (filter 'status = \"Enabled\"'): InternalErrorException"), result["msg"]
    assert result["counts"]["total"] == 0
    assert remembered(state_dir, pool) == refused


def write_inventory(path: Path, endpoint: str, pools: dict[str, dict[str, Any]]) -> Path:
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable, "cognito_endpoint_url": endpoint}
    path.write_text(yaml.safe_dump({"cognito_pools": {"hosts": pools, "vars": local}}, sort_keys=False))
    return path


def test_a_pool_whose_users_cannot_be_listed_fails_the_run(
    standin: Any, cognito: Any, run_playbook: Any, listing_fault: Any, tmp_path: Path
) -> None:
    """enforce_mfa.yml on two pools with credentials that may not list users: one selects all its users (after a
    batch of listed users, which succeeds), the other a group. Both pools fail with the listing's message, and
    the run ends non-zero."""
    everyone, grouped = seed.create_pool(cognito, "denied-all"), seed.create_pool(cognito, "denied-group")
    seed.seed_backdoor(standin, everyone, {"totp_verified": 3}, prefix="da-")
    seed.seed_backdoor(standin, grouped, {"totp_verified": 3}, prefix="dg-")
    seed.add_to_group(cognito, grouped, "staff", grouped.names())
    listed = everyone.names()[0]
    inventory = write_inventory(tmp_path / "inventory.yml", standin.endpoint, {
        "everyone": {"cognito_user_pool_id": everyone.id, "cognito_all_users": True, "cognito_users": [listed]},
        "grouped": {"cognito_user_pool_id": grouped.id, "cognito_groups": ["staff"]},
    })

    listing_fault(ACCESS_DENIED)
    run = run_playbook(PLAYBOOK, args=("-i", str(inventory)))
    assert run.rc != 0, run
    for host, operation in (("everyone", "ListUsers"), ("grouped", "ListUsersInGroup")):
        summary = next(result for name, result in host_results(run, "Sum up the pool") if name == host)
        pool_summary = summary["ansible_facts"]["enforce_mfa_summary"]
        assert pool_summary["incomplete"] and "AccessDeniedException" in pool_summary["incomplete"][0], pool_summary
        assert f"cognito-idp:{operation}" in pool_summary["incomplete"][0]
        checked = dict(host_results(run, "Check the pool against its thresholds"))[host]
        assert checked["failed"], checked
        assert "AccessDeniedException" in checked["msg"] and "Could not list" in checked["msg"], checked["msg"]
    # The batch of listed users was worked on before the selection failed.
    assert seed.mfa_state(cognito, everyone.id, listed)["preferred_method"] == "software_token_mfa"


def test_an_audit_whose_users_cannot_be_listed_fails_the_run(
    standin: Any, cognito: Any, run_playbook: Any, listing_fault: Any, tmp_path: Path
) -> None:
    """audit_mfa keeps the pool in its report with the listing's error, and the report fails the run."""
    pool = seed.create_pool(cognito, "denied-audit")
    seed.seed_backdoor(standin, pool, {"totp_preferred": 2}, prefix="daud-")
    inventory = write_inventory(tmp_path / "inventory.yml", standin.endpoint,
                                {"audited": {"cognito_user_pool_id": pool.id, "cognito_all_users": True}})
    listing_fault(ACCESS_DENIED)
    run = run_playbook(AUDIT_PLAYBOOK, {"audit_mfa_report_dir": str(tmp_path / "reports")}, args=("-i", str(inventory)))
    assert run.rc != 0, run
    report = json.loads((tmp_path / "reports" / "mfa-audit-latest.json").read_text())
    (failure,) = report["failures"]
    assert failure.startswith(f"pool audited ({pool.id}): the audit failed: "), failure
    assert "AccessDeniedException" in failure and "cognito-idp:ListUsers" in failure, failure
    # The pool's private rows directory is deleted on the failing path too.
    [(_host, made)] = host_results(run, "Make a private directory for the pool's rows")
    assert made["path"] and not Path(made["path"]).exists(), made


def host_results(run: Any, task: str) -> list[tuple[str, dict[str, Any]]]:
    """``[(host, result)]`` of the role task whose name ends with ``task``."""
    return [
        (host, result)
        for played in run.output.get("plays", [])
        for ran in played["tasks"]
        if ran["task"]["name"].endswith(f" : {task}") or ran["task"]["name"] == task
        for host, result in ran["hosts"].items()
    ]
