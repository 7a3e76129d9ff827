"""Where the bulk engine's time goes: the module's per-user work, called directly.

Runs the same thing the module's main() runs for a `users:` task (Caller + RateLimiter +
run_bulk + user_mfa.converge, a boto3 client with the module's config), without Ansible,
next to plain boto3 doing the same three calls per user, on fresh pools of a stand-in.
Reports users/s and the client process's CPU seconds per user for each, and with
--profile writes a cProfile of the engine run (build/bench/engine.prof) and prints its top.

    python benchmarks/profile_engine.py --users 2000 [--profile] [--workers 8]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _import_collection() -> Any:
    """Import the collection's module_utils from this tree (as tests/unit/conftest.py does)."""
    base = Path(tempfile.mkdtemp(prefix="mfaops-prof-"))
    (base / "ansible_collections" / "mfaops").mkdir(parents=True)
    (base / "ansible_collections" / "mfaops" / "cognito").symlink_to(ROOT)
    sys.path.insert(0, str(base))
    # pylint: disable=import-outside-toplevel
    from ansible_collections.mfaops.cognito.plugins.module_utils import budget, cognito, engine, mfa, user_mfa

    return budget, cognito, engine, mfa, user_mfa


budget, cognito, engine, mfa, user_mfa = _import_collection()
from tests.support import seed  # noqa: E402  pylint: disable=wrong-import-position
from tests.support.standin import StandIn  # noqa: E402  pylint: disable=wrong-import-position

TOTP = {"Enabled": True, "PreferredMfa": True}


def engine_run(standin: StandIn, pool: seed.Pool, workers: int, rate: float, shared: bool = True) -> dict[str, int]:
    """What cognito_user_mfa's main() does for `users:` (minus Ansible), with the account's shared budget or not."""
    from botocore.config import Config  # pylint: disable=import-outside-toplevel

    client = standin.client(config=Config(**cognito.client_config(workers)))
    call = cognito.caller(client, (cognito.READ, cognito.WRITE), {"reads_per_second": rate, "writes_per_second": rate})
    if shared:
        directory = budget.budget_dir(tempfile.mkdtemp(prefix="mfaops-prof-budget-"))
        for key, local in list(call.limiters.items()):
            call.limiters[key] = budget.shared_limiter(local, directory, "123456789012", "us-east-1", key, local.ceiling)
    api = user_mfa.admin_api(call, pool.id)
    base = mfa.task_request({"software_token_mfa": {"enabled": True, "preferred": True}, "sms_mfa": None, "email_mfa": None})
    requests = mfa.user_requests(pool.names(), base)
    report = user_mfa.report(report_unchanged=False, diff=False)
    claims = user_mfa.Claims(None)
    for _request, outcome in engine.run_bulk(
        requests, lambda r: user_mfa.converge(api, r, False, None, None, claims, None), workers, call, user_mfa.not_attempted,
    ):
        report.add(outcome)
    return report.result()["counts"]


def boto3_run(standin: StandIn, pool: seed.Pool, workers: int) -> None:
    client = standin.client()

    def one(name: str) -> None:
        client.admin_get_user(UserPoolId=pool.id, Username=name)
        client.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=name, SoftwareTokenMfaSettings=TOTP)
        client.admin_get_user(UserPoolId=pool.id, Username=name)

    with ThreadPoolExecutor(max_workers=workers) as executor:
        list(executor.map(one, pool.names()))


def measure(label: str, users: int, fn: Any) -> dict[str, Any]:
    wall, cpu = time.monotonic(), time.process_time()
    fn()
    wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    print(f"{label:32s} {users / wall:7.1f} users/s   client CPU {1000 * cpu / users:5.2f} ms/user", flush=True)
    return {"users_per_second": users / wall, "cpu_ms_per_user": 1000 * cpu / users}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--rounds", type=int, default=2, help="alternate engine / boto3 this many times")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    with StandIn() as standin:
        admin = standin.client()
        for i in range(args.rounds):
            for kind in ("boto3", "engine", "engine-own-pace"):
                pool = seed.create_pool(admin, f"{kind}-{i}")
                seed.seed_backdoor(standin, pool, {"totp_verified": args.users}, prefix=f"{kind}{i}-")
                if kind == "boto3":
                    measure("boto3 get+set+get", args.users, lambda: boto3_run(standin, pool, args.workers))
                    continue
                profiler = cProfile.Profile() if args.profile and i == args.rounds - 1 and kind == "engine" else None
                if profiler:
                    profiler.enable()
                shared = kind == "engine"
                label = "engine, shared budget" if shared else "engine, own pace only"
                measure(label, args.users, lambda: engine_run(standin, pool, args.workers, args.rate, shared))
                if profiler:
                    profiler.disable()
                    out = ROOT / "build" / "bench" / "engine.prof"
                    out.parent.mkdir(parents=True, exist_ok=True)
                    profiler.dump_stats(str(out))
                    pstats.Stats(str(out)).sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
