"""The account's quota (issue 15), through playbooks/enforce_mfa.yml as users run it.

Part "account" of benchmarks/run.py:

- several pools of one account and region at once (one play, --forks = the number of pools; pools of 0.4 to
  1.6 times the mean size, so the small ones finish first and the others take what they leave), through
  tests/support/proxy.py at Cognito's default quotas (120 reads/s, 25 writes/s), with the playbook's own
  write budget (enforce_mfa_writes_per_second, 12 by default) and a fresh budget directory. Every user needs
  a write. Measured: the aggregate write rate between the first and the last write, and the highest rate over
  any 5 s, vs the budget; throttled calls; every user's state read back with boto3 afterwards.
  Goals: aggregate at most 1.05 x the budget, 0 throttled, every user converged.
- a pool where 80 % of the users never enrolled an authenticator (the rest compliant), enforced twice with
  enforce_mfa_state_dir: the writes of each run, counted by the stand-in. Goal: 0 on the second run.
- one pass: enforce_mfa.yml with enforce_mfa_report on a group of users (40 % to change): AdminGetUser calls per
  user, read-backs aside. Goal: at most 1.05.

The proxy keeps a timeline of its decisions; chart.py draws the rates over time from it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# pylint: disable=wrong-import-position
from benchmarks.scale import ansible_env  # noqa: E402
from tests.support import seed, user_state  # noqa: E402
from tests.support.proxy import FORWARD, Proxy, totals  # noqa: E402

PLAYBOOK = ROOT / "playbooks" / "enforce_mfa.yml"
DEFAULTS = yaml.safe_load((ROOT / "roles" / "enforce_mfa" / "defaults" / "main.yml").read_text())
WRITE = "AdminSetUserMFAPreference"
AGGREGATE_GOAL = 1.05  # at most this times the budget
TOTP_PREFERRED = {"enabled_methods": ["software_token_mfa"], "preferred_method": "software_token_mfa"}
PEAK_WINDOW = 5.0  # seconds


def write_inventory(path: Path, pools: dict[str, seed.Pool], endpoint: str, **role_vars: Any) -> Path:
    hosts = {
        host: {"cognito_user_pool_id": pool.id, "cognito_users": pool.names(), "cognito_endpoint_url": endpoint}
        for host, pool in pools.items()
    }
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    path.write_text(yaml.safe_dump({"cognito_pools": {"hosts": hosts, "vars": {**local, **role_vars}}}, sort_keys=False))
    return path


def enforce(inventory: Path, forks: int) -> float:
    """Run playbooks/enforce_mfa.yml; return its wall time."""
    started = time.monotonic()
    proc = subprocess.run(
        ["ansible-playbook", "-i", str(inventory), str(PLAYBOOK), "--forks", str(forks)],
        env=ansible_env(), capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-6000:] + proc.stderr[-3000:])
        raise SystemExit(f"enforce_mfa.yml failed (rc {proc.returncode})")
    return time.monotonic() - started


def write_times(events: list[tuple[float, str, str | None, str]], pool_id: str | None = None) -> list[float]:
    """The times of the forwarded writes (of one pool, or of all)."""
    return [t for t, op, pool, action in events if op == WRITE and action == FORWARD and pool_id in (None, pool)]


def rate_between(times: list[float]) -> float:
    """Writes per second between the first and the last one."""
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0


def peak_rate(times: list[float], window: float = PEAK_WINDOW) -> float:
    """The most writes in any `window` seconds that start at a write, per second (a shorter run: its own rate)."""
    if not times or times[-1] - times[0] < window:
        return rate_between(times)
    best, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] > window:
            first += 1
        best = max(best, last - first + 1)
    return best / window


def pool_sizes(pools_count: int, mean: int) -> list[int]:
    """Sizes from 0.4 to 1.6 times the mean, so the small pools finish first and the others take what they leave."""
    if pools_count == 1:
        return [mean]
    return [round(mean * (0.4 + 1.2 * index / (pools_count - 1))) for index in range(pools_count)]


def multi_pool(standin: Any, pools_count: int, users_per_pool: int, workdir: Path, budget_dir: Path | None = None,
               label: str = "") -> dict[str, Any]:
    """The pools through enforce_mfa.yml at once, with a fresh budget directory (or `budget_dir`, as a run before
    left it)."""
    budget = float(DEFAULTS["enforce_mfa_writes_per_second"])
    client = standin.client()
    pools = {}
    for index, size in enumerate(pool_sizes(pools_count, users_per_pool)):
        pool = seed.create_pool(client, f"account{pools_count}-{index}")
        seed.seed_backdoor(standin, pool, {"totp_verified": size}, prefix=f"a{pools_count}p{index}-")
        pools[f"pool{index}"] = pool
    if budget_dir is None:
        budget_dir = workdir / f"budget-{pools_count}"
        budget_dir.mkdir()
    with Proxy(standin.endpoint, timeline=True) as proxy:
        inventory = write_inventory(workdir / f"account-{pools_count}.yml", pools, proxy.endpoint,
                                    enforce_mfa_budget_dir=str(budget_dir))
        wall = enforce(inventory, forks=pools_count)
        counts, events, quotas = proxy.counts(), proxy.timeline(), proxy.config()["quotas"]
    not_converged = [
        f"{pool.name}/{name}" for pool in pools.values() for name in pool.names()
        if seed.mfa_state(client, pool.id, name) != TOTP_PREFERRED
    ]
    times = write_times(events)
    aggregate = rate_between(times)
    return {
        "scenario": f"{pools_count} pools of one account{label}",
        "pools": pools_count,
        "users": sum(len(pool.names()) for pool in pools.values()),
        "budget": budget,
        "proxy_quota": quotas["UserResourceUpdate"],
        "writes": counts.get(WRITE, {}).get("forwarded", 0),
        "seconds": round(times[-1] - times[0], 2) if len(times) > 1 else 0.0,
        "playbook_seconds": round(wall, 1),
        "aggregate_per_second": round(aggregate, 2),
        "ratio": round(aggregate / budget, 3),
        "goal_ratio": AGGREGATE_GOAL,
        "peak_per_second": round(peak_rate(times), 2),
        "per_pool_per_second": {host: round(rate_between(write_times(events, pool.id)), 2) for host, pool in pools.items()},
        "throttled": totals(counts)["throttled"],
        "not_converged": len(not_converged),
        "not_converged_sample": not_converged[:5],
        "timeline": [(round(t, 3), pool) for t, op, pool, action in events if op == WRITE and action == FORWARD],
        "pool_ids": {host: pool.id for host, pool in pools.items()},
    }


def never_enrolled(standin: Any, users: int, workdir: Path) -> dict[str, Any]:
    client = standin.client()
    pool = seed.create_pool(client, "never-enrolled")
    never = int(users * 0.8)
    seed.seed_backdoor(standin, pool, {"no_mfa": never, "totp_preferred": users - never}, prefix="ne-")
    state_dir = workdir / "state"
    state_dir.mkdir()
    inventory = write_inventory(workdir / "never.yml", {"pool": pool}, standin.endpoint,
                                enforce_mfa_state_dir=str(state_dir), enforce_mfa_budget_dir=str(workdir / "budget-ne"),
                                enforce_mfa_reads_per_second=1000, enforce_mfa_writes_per_second=1000)
    (workdir / "budget-ne").mkdir()
    runs = []
    for _run in range(2):
        standin.reset_counts()
        wall = enforce(inventory, forks=1)
        calls = standin.counts(pool.id)
        runs.append({"writes": calls.get(WRITE, 0), "reads": calls.get("AdminGetUser", 0), "playbook_seconds": round(wall, 1)})
    known = user_state.not_enrolled(state_dir, pool.id)
    return {
        "users": users,
        "never_enrolled": never,
        "first_run": runs[0],
        "second_run": runs[1],
        "first_run_writes_per_user": round(runs[0]["writes"] / users, 3),
        "remembered": len(known),
        "goal_second_run_writes": 0,
    }


def one_pass(standin: Any, users: int, workdir: Path) -> dict[str, Any]:
    """enforce_mfa.yml with enforce_mfa_report on a pool selected by a group (40 % to change, 40 % never enrolled,
    20 % compliant): AdminGetUser calls per user, less one read-back per changed user."""
    client = standin.client()
    pool = seed.create_pool(client, "one-pass")
    change, never = int(users * 0.4), int(users * 0.4)
    seed.seed_backdoor(standin, pool, {"totp_verified": change, "no_mfa": never, "totp_preferred": users - change - never},
                       prefix="op-")
    seed.add_to_group(client, pool, "staff", pool.names())
    inventory = workdir / "one-pass.yml"
    hosts = {"pool": {"cognito_user_pool_id": pool.id, "cognito_groups": ["staff"], "cognito_endpoint_url": standin.endpoint}}
    inventory.write_text(yaml.safe_dump({"cognito_pools": {"hosts": hosts, "vars": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable, "enforce_mfa_report": True,
        "audit_mfa_report_dir": str(workdir / "one-pass-reports"), "enforce_mfa_budget_dir": str(workdir / "budget-op"),
        "enforce_mfa_reads_per_second": 1000, "enforce_mfa_writes_per_second": 1000}}}, sort_keys=False))
    (workdir / "budget-op").mkdir()
    standin.reset_counts()
    enforce(inventory, forks=1)
    reads = standin.counts(pool.id).get("AdminGetUser", 0)
    report = json.loads((workdir / "one-pass-reports" / "mfa-audit-latest.json").read_text())
    return {"users": users, "changed": change, "reads": reads, "reads_per_user": round((reads - change) / users, 3),
            "goal_reads_per_user": 1.05, "reported_users": report["pools"][0]["counts"]["total"]}


def run_account(standin: Any, workdir: Path, small: tuple[int, int], large: tuple[int, int], never_users: int) -> dict[str, Any]:
    rows = []
    for pools_count, users_per_pool in (small, large):
        print(f"... {pools_count} pools of one account, {users_per_pool} users each on average, through enforce_mfa.yml "
              f"(budget {DEFAULTS['enforce_mfa_writes_per_second']}/s, proxy at Cognito's quotas)", flush=True)
        rows.append(multi_pool(standin, pools_count, users_per_pool, workdir))
        r = rows[-1]
        print(f"    {r['writes']} writes in {r['seconds']} s: {r['aggregate_per_second']}/s together "
              f"({r['ratio']:.2f} of the budget), {r['throttled']} throttled, {r['not_converged']} not converged", flush=True)
    print(f"... a pool of {never_users} users, 80 % never enrolled, enforced twice with a state dir", flush=True)
    memory = never_enrolled(standin, never_users, workdir)
    print(f"    writes: first run {memory['first_run']['writes']}, second run {memory['second_run']['writes']}", flush=True)
    print(f"... one pass: enforce and report on a group of {never_users} users", flush=True)
    single = one_pass(standin, never_users, workdir)
    print(f"    {single['reads']} AdminGetUser for {single['users']} users and {single['changed']} read-backs", flush=True)
    return {"pools": rows, "never_enrolled": memory, "one_pass": single}


def print_account(part: dict[str, Any], table: Any) -> None:
    cells = [
        [r["scenario"], str(r["users"]), f"{r['budget']:g}", f"{r['proxy_quota']:g}", str(r["writes"]), f"{r['seconds']:.1f}",
         f"{r['aggregate_per_second']:.2f}",
         f"{r['ratio']:.3f} {'OK' if r['ratio'] <= r['goal_ratio'] else 'OVER'}", f"{r['peak_per_second']:.2f}",
         str(r["throttled"]), str(r["not_converged"])]
        for r in part["pools"]
    ]
    table(("scenario", "users", "budget/s", "quota/s", "writes", "seconds", "together/s", "ratio (<= 1.05)",
           f"peak {PEAK_WINDOW:g} s", "throttled", "not converged"), cells)
    memory = part["never_enrolled"]
    second = memory["second_run"]["writes"]
    print(f"\n80 % never enrolled ({memory['never_enrolled']} of {memory['users']} users), enforce_mfa_state_dir set:"
          f" writes on the first run {memory['first_run']['writes']} ({memory['first_run_writes_per_user']} per user),"
          f" on the second {second} (goal 0)  {'OK' if second == 0 else 'SHORT'}")
    single = part["one_pass"]
    print(f"one pass (enforce_mfa_report), a group of {single['users']}: {single['reads']} AdminGetUser, "
          f"{single['changed']} of them read-backs: {single['reads_per_user']} reads per user (goal <= "
          f"{single['goal_reads_per_user']})  {'OK' if single['reads_per_user'] <= single['goal_reads_per_user'] else 'SHORT'}"
          f"; the report counts {single['reported_users']} users")
