"""Plain boto3: the module's three calls per user (or two, --no-readback) from a pool of threads.

What a team would write instead of the module, run the way the module runs: a process of its
own, so its time from launch to exit includes what the module task's time includes (Python's
start-up, importing boto3, creating the client). benchmarks/run.py times it from launch and
compares that with the bulk task; the stand-in's first and last answered call split that time.

    python benchmarks/boto3_workers.py ENDPOINT POOL_ID NAMES.json [--workers 8] [--no-readback]

Credentials and region come from the environment (the stand-in takes any fake keys).
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

TOTP_PREFERRED = {"Enabled": True, "PreferredMfa": True}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("endpoint")
    parser.add_argument("pool_id")
    parser.add_argument("names", help="a JSON file: the list of usernames")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--no-readback", dest="readback", action="store_false")
    args = parser.parse_args()
    with open(args.names, encoding="utf-8") as names_file:
        names = json.load(names_file)
    # As tests/support/standin.py's client(): botocore's standard retries, a connection per thread.
    client = boto3.client("cognito-idp", endpoint_url=args.endpoint, region_name="us-east-1",
                          config=Config(max_pool_connections=32, retries={"mode": "standard"}))

    def one_user(name: str) -> None:
        client.admin_get_user(UserPoolId=args.pool_id, Username=name)
        client.admin_set_user_mfa_preference(UserPoolId=args.pool_id, Username=name,
                                             SoftwareTokenMfaSettings=TOTP_PREFERRED)
        if args.readback:
            client.admin_get_user(UserPoolId=args.pool_id, Username=name)

    with ThreadPoolExecutor(max_workers=args.workers) as executor:
        list(executor.map(one_user, names))


if __name__ == "__main__":
    main()
