"""Issue 15: one write budget per account and region, and no write for users known not to be enrolled.

Both through playbooks/enforce_mfa.yml against the stand-in. The budget test goes through the
Cognito-like quota proxy (tests/support/proxy.py) with its write quota set to the role's write
rate: three pools of one account at once must draw on one budget, so the proxy throttles nothing
(each pool at the full rate would be three times the quota). Behaviour only, no timing.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import seed, user_state
from tests.support.proxy import Proxy, totals

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "playbooks" / "enforce_mfa.yml"
WRITE = "AdminSetUserMFAPreference"
TASK_ENFORCE = "Enforce TOTP enabled and preferred, batch by batch"
TASK_SUMMARY = "Sum up the pool"
TOTP_PREFERRED = {"enabled_methods": ["software_token_mfa"], "preferred_method": "software_token_mfa"}


def inventory(directory: Path, pools: dict[str, seed.Pool], endpoint: str, **role_vars: Any) -> Path:
    hosts = {
        host: {
            "cognito_user_pool_id": pool.id,
            "cognito_users": pool.names(),
            "cognito_endpoint_url": endpoint,
            "ansible_connection": "local",
            "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        }
        for host, pool in pools.items()
    }
    data = {"cognito_pools": {"hosts": hosts, "vars": role_vars}}
    path = directory / "inventory.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def three_pools(standin: Any, cognito: Any, name: str, users: dict[str, int]) -> dict[str, seed.Pool]:
    """Three pools of the stand-in's one account, hosts pool0 to pool2, their users seeded through the backdoor."""
    pools = {}
    for index in range(3):
        pool = seed.create_pool(cognito, f"{name}-{index}")
        seed.seed_backdoor(standin, pool, users, prefix=f"{name}{index}-")
        pools[f"pool{index}"] = pool
    return pools


def host_results(run: Any, task: str) -> dict[str, Any]:
    for played in run.output.get("plays", []):
        for ran in played["tasks"]:
            if ran["task"]["name"].endswith(f" : {task}"):
                return ran["hosts"]
    return {}


def rows(run: Any, host: str) -> list[dict[str, Any]]:
    return [row for batch in host_results(run, TASK_ENFORCE)[host]["results"] for row in batch.get("users", [])]


def test_three_pools_of_one_account_share_one_write_budget(standin: Any, cognito: Any, run_playbook: Any, tmp_path: Path) -> None:
    budget = 5.0
    pools = three_pools(standin, cognito, "budget", {"totp_verified": 15})
    (tmp_path / "budget").mkdir()
    with Proxy(standin.endpoint, quotas={"UserResourceUpdate": budget}) as proxy:
        path = inventory(
            tmp_path, pools, proxy.endpoint,
            enforce_mfa_writes_per_second=budget, enforce_mfa_reads_per_second=20,
            enforce_mfa_budget_dir=str(tmp_path / "budget"),
        )
        run = run_playbook(PLAYBOOK, {}, args=("-i", str(path), "--forks", "3"))
        counts = proxy.counts()
    assert run.rc == 0, run
    assert totals(counts)["throttled"] == 0, counts
    assert counts[WRITE]["forwarded"] == 45
    for host, pool in pools.items():
        summary = host_results(run, TASK_SUMMARY)[host]["ansible_facts"]["enforce_mfa_summary"]
        assert summary["counts"]["changed"] == 15, summary
        for name in pool.names():
            assert seed.mfa_state(cognito, pool.id, name) == TOTP_PREFERRED
    files = sorted(os.listdir(tmp_path / "budget" / f"mfaops-cognito-budget-{os.getuid()}"))
    assert "123456789012-us-east-1-UserResourceUpdate.bucket" in files
    assert "123456789012-us-east-1-UserRead.bucket" in files


def test_without_the_shared_budget_the_same_pools_are_throttled(standin: Any, cognito: Any, run_playbook: Any, tmp_path: Path) -> None:
    """The control of the test above: each pool at the full rate is more than the quota."""
    budget = 5.0
    pools = three_pools(standin, cognito, "nobudget", {"totp_verified": 15})
    playbook = tmp_path / "enforce.yml"
    playbook.write_text(
        PLAYBOOK.read_text().replace("  gather_facts: false\n", "  gather_facts: false\n  module_defaults:\n"
                                     "    mfaops.cognito.cognito_user_mfa:\n      shared_budget: false\n", 1)
    )
    assert "shared_budget: false" in playbook.read_text()
    with Proxy(standin.endpoint, quotas={"UserResourceUpdate": budget}) as proxy:
        path = inventory(tmp_path, pools, proxy.endpoint, enforce_mfa_writes_per_second=budget,
                         enforce_mfa_reads_per_second=20)
        run = run_playbook(playbook, {}, args=("-i", str(path), "--forks", "3"))
        counts = proxy.counts()
    assert run.rc == 0, run
    assert counts[WRITE]["throttled"] > 0, counts


def test_users_refused_as_not_enrolled_get_no_write_on_the_next_run(standin: Any, cognito: Any, run_playbook: Any, tmp_path: Path) -> None:
    pool = seed.create_pool(cognito, "never-enrolled")
    seed.seed_backdoor(standin, pool, {"no_mfa": 8, "totp_verified": 2}, prefix="ne-")
    never = pool.names("no_mfa")
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    path = inventory(tmp_path, {"pool": pool}, standin.endpoint, enforce_mfa_state_dir=str(state_dir))

    def enforce(**extra: Any) -> tuple[Any, dict[str, int]]:
        standin.reset_counts()
        run = run_playbook(PLAYBOOK, extra, args=("-i", str(path)))
        assert run.rc == 0, run
        return run, standin.counts(pool.id)

    first, calls = enforce()
    assert calls.get(WRITE, 0) == 10  # 2 changed, 8 refused
    assert stat.S_IMODE(user_state.state_file(state_dir, pool.id).stat().st_mode) == 0o600
    assert sorted(user_state.not_enrolled(state_dir, pool.id)) == sorted(never)
    assert all("known_since" not in row for row in rows(first, "pool"))

    second, calls = enforce()
    assert calls.get(WRITE, 0) == 0
    summary = host_results(second, TASK_SUMMARY)["pool"]["ansible_facts"]["enforce_mfa_summary"]
    assert summary["counts"]["not_enrolled"] == 8 and summary["counts"]["unchanged"] == 2, summary
    skipped = {row["username"]: row for row in rows(second, "pool") if row["outcome"] == "not_enrolled"}
    assert sorted(skipped) == sorted(never)
    known = user_state.not_enrolled(state_dir, pool.id)
    assert all(row["known_since"] == known[name]["since"] for name, row in skipped.items())

    # one of them changes in the pool (newer UserLastModifiedDate): only that one is tried again
    cognito.admin_update_user_attributes(UserPoolId=pool.id, Username=never[0],
                                         UserAttributes=[{"Name": "given_name", "Value": "Changed"}])
    _third, calls = enforce()
    assert calls.get(WRITE, 0) == 1

    # once the retry window is over, all of them are tried again
    _fourth, calls = enforce(enforce_mfa_not_enrolled_retry_after="0")
    assert calls.get(WRITE, 0) == 8


def test_without_a_state_dir_every_run_tries_every_user(standin: Any, cognito: Any, run_playbook: Any, tmp_path: Path) -> None:
    pool = seed.create_pool(cognito, "no-state")
    seed.seed_backdoor(standin, pool, {"no_mfa": 3}, prefix="ns-")
    path = inventory(tmp_path, {"pool": pool}, standin.endpoint)
    for _run in range(2):
        standin.reset_counts()
        run = run_playbook(PLAYBOOK, {}, args=("-i", str(path)))
        assert run.rc == 0, run
        assert standin.counts(pool.id).get(WRITE, 0) == 3


def test_pools_of_one_account_take_turns_at_cloudtrails_lookup_quota(standin: Any, cognito: Any, run_playbook: Any,
                                                                     tmp_path: Path) -> None:
    """Three pools' runs with a state at once: their LookupEvents calls share CloudTrail's 2 a second per account and
    region (the proxy throttles above it) and none is throttled; the control without the shared budget, each pool at
    2 a second, is throttled."""
    pools = three_pools(standin, cognito, "trail", {"totp_preferred": 4})
    (tmp_path / "budget").mkdir()
    audit = {"user_pool_id": "{{ cognito_user_pool_id }}", "endpoint_url": "{{ cognito_endpoint_url }}", "all_users": True,
             "state_dir": str(tmp_path / "state"), "budget_dir": str(tmp_path / "budget"), "shared_budget": "{{ shared }}"}
    play = [{"name": "audit", "hosts": "cognito_pools", "gather_facts": False,
             "tasks": [{"name": "audit", "mfaops.cognito.cognito_user_mfa_info": audit, "register": "out"}]}]
    with Proxy(standin.endpoint, quotas={"CloudTrail LookupEvents": 2.0}) as proxy:
        path = inventory(tmp_path, pools, proxy.endpoint)
        assert run_playbook(play, {"shared": True}, args=("-i", str(path), "--forks", "3")).rc == 0  # first runs: full reads
        counted = {}
        for shared in (False, True):
            proxy.reset_counts()
            run = run_playbook(play, {"shared": shared}, args=("-i", str(path), "--forks", "3"))
            assert run.rc == 0, run
            counted[shared] = proxy.counts()["LookupEvents"]
            results = next(task["hosts"] for played in run.output["plays"] for task in played["tasks"])
        for host in pools:
            assert results[host]["state"]["users_carried"] == 4 and not results[host]["state"]["full_read"], results[host]
    assert counted[False]["throttled"] > 0, counted
    assert counted[True]["throttled"] == 0 and counted[True]["forwarded"] >= 3 * 20, counted
    assert "123456789012-us-east-1-CloudTrail_LookupEvents.bucket" in os.listdir(
        tmp_path / "budget" / f"mfaops-cognito-budget-{os.getuid()}")


@pytest.mark.parametrize(("playbook", "role_vars"), [("audit_mfa", {}), ("enforce_mfa", {}),
                                                     ("mfa_campaign", {"mfa_campaign_deadline": "2099-01-01"})])
def test_each_role_lists_at_its_lists_per_second(standin: Any, cognito: Any, run_playbook: Any, tmp_path: Path,
                                                 playbook: str, role_vars: dict[str, Any]) -> None:
    """<role>_lists_per_second reaches the role's listing: a pool of 5 ListUsers pages through a UserList quota of 2 a
    second is not throttled at 2 pages a second; the control, at the default 15, is. (The listing keeps pace with the
    reads, 60 users a page: the reads are let run fast, so that the listing's own pace is what the quota meets.)"""
    pool = seed.create_pool(cognito, f"pace-{playbook}")
    seed.seed_backdoor(standin, pool, {"totp_preferred": 250}, prefix="pace-")
    counted = {}
    with Proxy(standin.endpoint, quotas={"UserList": 2.0}) as proxy:
        host = {"cognito_user_pool_id": pool.id, "cognito_all_users": True, "cognito_endpoint_url": proxy.endpoint,
                "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                f"{playbook}_reads_per_second": 1000, **role_vars}
        path = tmp_path / "inventory.yml"
        path.write_text(yaml.safe_dump({"cognito_pools": {"hosts": {"pool": host}}}))
        for paced in (False, True):
            proxy.reset_counts()
            extra = {f"{playbook}_lists_per_second": "2"} if paced else {}  # a string, as an AWX survey gives it
            run = run_playbook(ROOT / "playbooks" / f"{playbook}.yml", extra, args=("-i", str(path)))
            assert run.rc == 0, run
            counted[paced] = proxy.counts()["ListUsers"]
    assert counted[False]["throttled"] > 0, counted
    assert counted[True]["throttled"] == 0 and counted[True]["forwarded"] >= 5, counted
