"""Issue 22's part of ``make bench`` (``--part state``): runs with a state read only what changed.

1. Incremental vs full audit through the quota proxy at Cognito's default quotas, with the Cognito front (it records
   CloudTrail events and answers LookupEvents): a pool of ``--state-users`` compliant users (seeded through the
   stand-in's backdoor: no events), a first audit with a state (a full read: every user), ``--state-churn`` of the
   users changed through the front (users disabling TOTP, admin disables, deletions, new users), then the
   incremental audit. Goals: AdminGetUser <= 1.05 x (changed + new); time <= 1/8 of the full audit's.
2. A second cognito_user_mfa (enforce) with a state on an unchanged pool: 0 AdminGetUser, 0 writes.
3. The state of ``--state-scale-users`` users built through the store API (user_state.Store, incremental.PoolRun) in a
   process of its own, then a run over it with no change: the file's size (goal <= 300 MB for 1,000,000) and the
   process's peak RSS (goal < 500 MB).
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# pylint: disable=wrong-import-position
from tests.support import seed  # noqa: E402
from tests.support.cognito_front import CognitoFront  # noqa: E402
from tests.support.proxy import DEFAULT_QUOTAS, Proxy  # noqa: E402
from tests.support.standin import FAKE_AWS_ENV, StandInClient  # noqa: E402

READ = "AdminGetUser"
WRITES = ("AdminSetUserMFAPreference", "AdminDeleteSoftwareToken")
SIZE_GOAL_MB_PER_MILLION = 300
RSS_GOAL_MB = 500


def _playbook(workdir: Path, name: str, module: str, args: dict[str, Any], endpoint: str) -> tuple[dict[str, Any], float]:
    out = workdir / f"{name}.json"
    play = [{
        "hosts": "localhost", "gather_facts": False,
        "module_defaults": {"group/mfaops.cognito.aws": {
            "endpoint_url": endpoint, "region": "us-east-1", "access_key": FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
            "secret_key": FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"]}},
        "tasks": [
            {"name": "run", module: args, "register": "result"},
            {"name": "keep", "ansible.builtin.copy": {"content": "{{ result | to_json }}", "dest": str(out), "mode": "0600"}},
        ],
    }]
    path = workdir / f"{name}.yml"
    path.write_text(json.dumps(play))
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="default", **FAKE_AWS_ENV)
    started = time.monotonic()
    done = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local", str(path)], env=env, capture_output=True,
                          text=True, check=False)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-5000:] + done.stderr[-2000:])
        raise SystemExit(f"{name}: ansible-playbook failed (rc {done.returncode})")
    return json.loads(out.read_text()), seconds


def _churn(client: Any, pool: seed.Pool, share: float, rng: random.Random) -> dict[str, int]:
    """Change share x users through the front (so CloudTrail has events): disable TOTP, disable, delete, create."""
    names = pool.names()
    count = max(4, int(len(names) * share))
    picked = rng.sample(names, count)
    kinds = {"totp_disabled": 0, "disabled": 0, "deleted": 0, "new": 0}
    for index, name in enumerate(picked):
        kind = ("totp_disabled", "totp_disabled", "disabled", "deleted", "new")[index % 5]
        if kind == "totp_disabled":
            client.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=name,
                                                 SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False})
        elif kind == "disabled":
            client.admin_disable_user(UserPoolId=pool.id, Username=name)
        elif kind == "deleted":
            client.admin_delete_user(UserPoolId=pool.id, Username=name)
        else:
            client.admin_create_user(UserPoolId=pool.id, Username=f"{pool.name}-new-{index}", MessageAction="SUPPRESS")
        kinds[kind] += 1
    return kinds


def audit_part(standin: Any, users: int, churn: float, workdir: Path, workers: int = 8) -> dict[str, Any]:
    rng = random.Random(22)
    front = CognitoFront()
    with Proxy(standin.endpoint, quotas=dict(DEFAULT_QUOTAS), front=front) as quota_proxy, \
            Proxy(standin.endpoint, quotas={category: None for category in DEFAULT_QUOTAS}, front=front) as free_proxy:
        client = StandInClient(endpoint=free_proxy.endpoint).client()
        pool = seed.create_pool(client, "bench-state")
        seed.seed_backdoor(standin, pool, {"totp_preferred": users}, prefix="bench-state-")
        front.trail.clear()
        state_dir = workdir / "state"
        args = dict(user_pool_id=pool.id, all_users=True, report="non_compliant", state_dir=str(state_dir), workers=workers)
        standin.reset_counts()
        full, full_seconds = _playbook(workdir, "state-full", "mfaops.cognito.cognito_user_mfa_info", args, quota_proxy.endpoint)
        full_reads = standin.counts(pool.id).get(READ, 0)
        time.sleep(3.5)
        kinds = _churn(client, pool, churn, rng)
        time.sleep(3.5)  # the clock margin between a change and the read that may cover it
        standin.reset_counts()
        inc, inc_seconds = _playbook(workdir, "state-incremental", "mfaops.cognito.cognito_user_mfa_info", args,
                                     quota_proxy.endpoint)
        inc_counts = standin.counts(pool.id)
    changed_or_new = kinds["totp_disabled"] + kinds["disabled"] + kinds["new"]
    return {
        "users": users, "churn": kinds, "changed_or_new": changed_or_new,
        "full": {"seconds": round(full_seconds, 1), "admin_get_user": full_reads, "reason": full["state"]["full_read_reason"]},
        "incremental": {"seconds": round(inc_seconds, 1), "admin_get_user": inc_counts.get(READ, 0),
                        "lookup_events": inc["state"]["signal_calls"], "carried": inc["state"]["users_carried"],
                        "full_read": inc["state"]["full_read"]},
        "reads_ratio": round(inc_counts.get(READ, 0) / max(1, changed_or_new), 3),
        "reads_goal": 1.05,
        "time_ratio": round(inc_seconds / full_seconds, 3),
        "time_goal": round(1 / 8, 3),
    }


def enforce_part(standin: Any, users: int, workdir: Path) -> dict[str, Any]:
    front = CognitoFront()
    with Proxy(standin.endpoint, quotas=dict(DEFAULT_QUOTAS), front=front) as proxy:
        client = StandInClient(endpoint=proxy.endpoint).client()
        pool = seed.create_pool(client, "bench-enforce")
        half = users // 2
        seed.seed_backdoor(standin, pool, {"totp_verified": half, "no_mfa": users - half}, prefix="bench-enforce-")
        args = dict(user_pool_id=pool.id, all_users=True, state_dir=str(workdir / "enforce-state"),
                    software_token_mfa={"enabled": True, "preferred": True})
        standin.reset_counts()
        first, first_seconds = _playbook(workdir, "enforce-1", "mfaops.cognito.cognito_user_mfa", args, proxy.endpoint)
        first_counts = standin.counts(pool.id)
        time.sleep(1)
        standin.reset_counts()
        second, second_seconds = _playbook(workdir, "enforce-2", "mfaops.cognito.cognito_user_mfa", args, proxy.endpoint)
        counts = standin.counts(pool.id)
    return {
        "users": users,
        "first": {"seconds": round(first_seconds, 1), "admin_get_user": first_counts.get(READ, 0),
                  "writes": sum(first_counts.get(name, 0) for name in WRITES), "counts": first["counts"]},
        "second": {"seconds": round(second_seconds, 1), "admin_get_user": counts.get(READ, 0),
                   "writes": sum(counts.get(name, 0) for name in WRITES), "own_write_events": second["state"]["own_write_events"],
                   "carried": second["state"]["users_carried"]},
    }


SCALE_CHILD = r'''
import json, os, resource, sys, time
sys.path.insert(0, os.environ["COLLECTIONS"])
from ansible_collections.mfaops.cognito.plugins.module_utils import incremental
from ansible_collections.mfaops.cognito.plugins.module_utils.user_state import Store
users, state_dir = int(sys.argv[1]), sys.argv[2]
POOL = "us-east-1_Scale"
def listing(token):
    start = int(token or 0)
    page = {"Users": [{"Username": f"user-{i:07d}", "Attributes": [{"Name": "sub", "Value": f"{i:08x}-0000-4000-8000-{i:012x}"}],
                       "UserStatus": "CONFIRMED", "Enabled": True, "UserLastModifiedDate": 1.7e9 + i}
                      for i in range(start, min(users, start + 60))]}
    if start + 60 < users:
        page["PaginationToken"] = str(start + 60)
    return page
settings = incremental.settings_from({"state_dir": state_dir, "signal_delay": "15m", "state_lock_timeout": 5})
timings = {}
for name in ("build", "unchanged"):
    started = time.monotonic()
    with Store(state_dir, POOL, 5) as store:
        run = incremental.PoolRun(store, POOL, settings, listing, lambda *a: {"Events": []})
        run.prepare()
        for item in run.items():
            if item.carried:
                run.saved(item, item.read_at, None, item.outcome, item.since)
            else:
                n = int(item.username.split("-")[1])
                answer = {"Username": item.username, "UserStatus": "CONFIRMED", "Enabled": True,
                          "UserLastModifiedDate": 1.7e9 + n,
                          "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"], "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA",
                          "UserAttributes": [{"Name": "sub", "Value": item.sub}, {"Name": "email", "Value": item.username + "@example.com"},
                                             {"Name": "email_verified", "Value": "true"}]}
                run.saved(item, time.time(), answer, "unchanged")
        run.finish()
        timings[name] = {"seconds": round(time.monotonic() - started, 1), "read": run.facts.read, "carried": run.facts.carried}
    with Store(state_dir, POOL, 5) as store:
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
print(json.dumps({"runs": timings, "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
'''


def scale_part(users: int, workdir: Path, collections: str) -> dict[str, Any]:
    state_dir = workdir / "scale-state"
    done = subprocess.run([sys.executable, "-c", SCALE_CHILD, str(users), str(state_dir)], capture_output=True, text=True,
                          env=dict(os.environ, COLLECTIONS=collections), check=False)
    if done.returncode != 0:
        raise SystemExit(f"state scale: {done.stderr[-3000:]}")
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    size = sum(path.stat().st_size for path in state_dir.iterdir() if path.is_file())
    return {"users": users, "state_mb": round(size / 1e6, 1),
            "state_mb_goal": round(SIZE_GOAL_MB_PER_MILLION * users / 1_000_000, 1),
            "peak_rss_mb": measured["peak_rss_mb"], "rss_goal_mb": RSS_GOAL_MB, "runs": measured["runs"]}


def run_state(standin: Any, args: Any, workdir: Path) -> dict[str, Any]:
    collections = os.environ.get("ANSIBLE_COLLECTIONS_PATH", str(ROOT / "build" / "collections")).split(":")[0]
    results: dict[str, Any] = {}
    print(f"... state: scale, {args.state_scale_users:,} users through the store API", flush=True)
    results["scale"] = scale_part(args.state_scale_users, workdir, collections)
    print(f"... state: enforce twice on {args.state_enforce_users:,} users", flush=True)
    results["enforce"] = enforce_part(standin, args.state_enforce_users, workdir)
    print(f"... state: full vs incremental audit, {args.state_users:,} users, {args.state_churn:.1%} churn", flush=True)
    results["audit"] = audit_part(standin, args.state_users, args.state_churn, workdir, args.workers)
    return results


def print_state(results: dict[str, Any]) -> None:
    audit, enforce, scale = results.get("audit"), results.get("enforce"), results.get("scale")
    if audit:
        print(f"audit of {audit['users']:,} users, churn {audit['churn']} ({audit['changed_or_new']} changed or new):")
        print(f"  full (first run with a state): {audit['full']['seconds']} s, {audit['full']['admin_get_user']:,} AdminGetUser")
        print(f"  incremental: {audit['incremental']['seconds']} s, {audit['incremental']['admin_get_user']:,} AdminGetUser, "
              f"{audit['incremental']['lookup_events']} LookupEvents, {audit['incremental']['carried']:,} carried")
        print(f"  reads / (changed + new) = {audit['reads_ratio']} (goal <= {audit['reads_goal']}); "
              f"time ratio = {audit['time_ratio']} (goal <= {audit['time_goal']})")
    if enforce:
        print(f"enforce on {enforce['users']:,} users: first {enforce['first']['admin_get_user']} reads, "
              f"{enforce['first']['writes']} writes; second {enforce['second']['admin_get_user']} reads, "
              f"{enforce['second']['writes']} writes (goal 0 and 0), {enforce['second']['own_write_events']} own-write events")
    if scale:
        print(f"state of {scale['users']:,} users: {scale['state_mb']} MB (goal <= {scale['state_mb_goal']}), "
              f"peak RSS {scale['peak_rss_mb']} MB (goal < {scale['rss_goal_mb']}); runs {scale['runs']}")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(scale_part(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, Path(tmp),
                                    str(ROOT / "build" / "collections")), indent=2))
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
