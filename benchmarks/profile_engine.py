"""Where the bulk engine's time goes: the module's per-user work, called directly.

Runs the same thing the module's main() runs for a `users:` task (Caller + RateLimiter +
run_bulk + user_mfa.converge, a boto3 client with the module's config), without Ansible,
next to plain boto3 doing the same three calls per user, on fresh pools of a stand-in.
Reports users/s and the client process's CPU seconds per user for each, and with
--profile writes a cProfile of the engine run (build/bench/engine.prof) and prints its top.
With --instant the calls go to benchmarks/instant_server.py instead, which answers at once:
the client is then the limit, and its CPU per user is what the runs compare.

    python benchmarks/profile_engine.py --users 2000 [--profile] [--workers 8] [--instant]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import pstats
import socket
import subprocess
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


def engine_run(target: Any, pool_id: str, names: list[str], workers: int, rate: float, shared: bool = True) -> dict[str, int]:
    """What cognito_user_mfa's main() does for `users:` (minus Ansible), with the account's shared budget or not."""
    from botocore.config import Config  # pylint: disable=import-outside-toplevel

    client = target.client(config=Config(**cognito.client_config(workers)))
    call = cognito.caller(client, (cognito.READ, cognito.WRITE), {"reads_per_second": rate, "writes_per_second": rate})
    if shared:
        directory = budget.budget_dir(tempfile.mkdtemp(prefix="mfaops-prof-budget-"))
        for key, local in list(call.limiters.items()):
            call.limiters[key] = budget.shared_limiter(local, directory, "123456789012", "us-east-1", key, local.ceiling)
    api = user_mfa.admin_api(call, pool_id)
    base = mfa.task_request({"software_token_mfa": {"enabled": True, "preferred": True}, "sms_mfa": None, "email_mfa": None})
    requests = mfa.user_requests(names, base)
    report = user_mfa.report(report_unchanged=False, diff=False)
    claims = user_mfa.Claims(None)
    for _request, outcome in engine.run_bulk(
        requests, lambda r: user_mfa.converge(api, r, False, None, None, claims, None), workers, call, user_mfa.not_attempted,
    ):
        report.add(outcome)
    return report.result()["counts"]


def boto3_run(target: Any, pool_id: str, names: list[str], workers: int) -> None:
    client = target.client()

    def one(name: str) -> None:
        client.admin_get_user(UserPoolId=pool_id, Username=name)
        client.admin_set_user_mfa_preference(UserPoolId=pool_id, Username=name, SoftwareTokenMfaSettings=TOTP)
        client.admin_get_user(UserPoolId=pool_id, Username=name)

    with ThreadPoolExecutor(max_workers=workers) as executor:
        list(executor.map(one, names))


class InstantServer:
    """benchmarks/instant_server.py in its own process; client() as StandIn's (fake keys, 32 connections)."""

    pool_id = "us-east-1_instant1"

    def __enter__(self) -> "InstantServer":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen([sys.executable, str(Path(__file__).with_name("instant_server.py")), str(port)])
        for _attempt in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                return self
            time.sleep(0.05)
        self.process.kill()
        raise SystemExit("instant_server.py did not start")

    def __exit__(self, *_exc: Any) -> None:
        self.process.kill()
        self.process.wait()

    def client(self, **kwargs: Any) -> Any:
        import boto3  # pylint: disable=import-outside-toplevel
        from botocore.config import Config  # pylint: disable=import-outside-toplevel

        kwargs.setdefault("config", Config(max_pool_connections=32, retries={"mode": "standard"}))
        return boto3.client("cognito-idp", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing", **kwargs)


def measure(label: str, users: int, fn: Any) -> dict[str, Any]:
    wall, cpu = time.monotonic(), time.process_time()
    result = fn()
    wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    print(f"{label:32s} {users / wall:7.1f} users/s   client CPU {1000 * cpu / users:5.2f} ms/user", flush=True)
    return {"users_per_second": users / wall, "cpu_ms_per_user": 1000 * cpu / users, "result": result}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--rounds", type=int, default=2, help="alternate engine / boto3 this many times")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--instant", action="store_true", help="against instant_server.py, not the stand-in")
    args = parser.parse_args()

    with InstantServer() if args.instant else StandIn() as target:
        for i in range(args.rounds):
            for kind in ("boto3", "engine", "engine-own-pace"):
                if args.instant:
                    pool_id, names = target.pool_id, [f"{kind}{i}-{n:05d}" for n in range(args.users)]
                else:
                    pool = seed.create_pool(target.client(), f"{kind}-{i}")
                    seed.seed_backdoor(target, pool, {"totp_verified": args.users}, prefix=f"{kind}{i}-")
                    pool_id, names = pool.id, pool.names()
                if kind == "boto3":
                    measure("boto3 get+set+get", args.users, lambda: boto3_run(target, pool_id, names, args.workers))
                    continue
                profiler = cProfile.Profile() if args.profile and i == args.rounds - 1 and kind == "engine" else None
                if profiler:
                    profiler.enable()
                shared = kind == "engine"
                label = "engine, shared budget" if shared else "engine, own pace only"
                counts = measure(label, args.users, lambda: engine_run(target, pool_id, names, args.workers, args.rate, shared))["result"]
                if counts["changed"] != args.users:  # the same three calls for every user, or the comparison is off
                    raise SystemExit(f"{label}: expected {args.users} changed, got {counts}")
                if profiler:
                    profiler.disable()
                    out = ROOT / "build" / "bench" / "engine.prof"
                    out.parent.mkdir(parents=True, exist_ok=True)
                    profiler.dump_stats(str(out))
                    pstats.Stats(str(out)).sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
