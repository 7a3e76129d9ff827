"""Measure the stand-in: start time, AdminGetUser calls/s from 8 threads (and the
stand-in's CPU per call), seeding 1,000 users through the API and 100,000 through
the backdoor.

    python -m tests.support.measure [--api-users 1000] [--backdoor-users 100000]

Figures depend on the machine and on what else runs on it (the load is printed).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# pylint: disable=wrong-import-position
from tests.support import seed  # noqa: E402
from tests.support.standin import StandIn  # noqa: E402


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def get_user_rate(standin: StandIn, calls: int, workers: int) -> tuple[float, float]:
    """(calls/s, stand-in CPU ms per call) for AdminGetUser from ``workers`` threads."""
    client = standin.client()
    pool = seed.create_pool(client, f"rate-{workers}")
    seed.seed_backdoor(standin, pool, {"totp_verified": 1000})
    names = pool.names()
    assert standin.process is not None
    cpu0, start = cpu_seconds(standin.process.pid), time.monotonic()

    def work(offset: int) -> None:
        for i in range(offset, calls, workers):
            client.admin_get_user(UserPoolId=pool.id, Username=names[i % len(names)])

    with ThreadPoolExecutor(workers) as executor:
        list(executor.map(work, range(workers)))
    elapsed = time.monotonic() - start
    return calls / elapsed, 1000 * (cpu_seconds(standin.process.pid) - cpu0) / calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--api-users", type=int, default=1000)
    parser.add_argument("--backdoor-users", type=int, default=100_000)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; server: "
          f"{os.environ.get('STANDIN_HTTP_SERVER', 'keep-alive')}")
    with StandIn() as standin:
        print(f"stand-in start (process up, answering): {standin.start_seconds:.2f} s")
        for workers in (8, 1):
            rate, cpu_ms = get_user_rate(standin, args.calls, workers)
            print(f"AdminGetUser, {workers} thread(s): {rate:.0f} calls/s, stand-in CPU {cpu_ms:.2f} ms/call")
        client = standin.client()
        pool = seed.create_pool(client, "api-seed")
        share = args.api_users // 4
        mix = {"totp_verified": share, "totp_preferred": share, "no_mfa": share, "sms_only": args.api_users - 3 * share}
        start = time.monotonic()
        seed.seed_api(client, pool, mix)
        print(f"seed {args.api_users} users via the API (8 threads, {mix}): {time.monotonic() - start:.1f} s")
        pool = seed.create_pool(client, "backdoor-seed")
        start = time.monotonic()
        inside = seed.seed_backdoor(standin, pool, {"totp_verified": args.backdoor_users})
        print(f"seed {args.backdoor_users} users via the backdoor: {time.monotonic() - start:.1f} s ({inside:.1f} s inside)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
