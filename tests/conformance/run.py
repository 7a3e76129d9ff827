"""Run the conformance probes against an endpoint and write build/conformance/report.{json,md}.

    python -m tests.conformance [run] [--probe NAME ...]    # make conformance [TARGET=aws]
    python -m tests.conformance clean                        # make conformance-clean
    python -m tests.conformance list                         # the probes and their ledger rows

Where it runs (``TARGET`` and ``CONFORMANCE_ENDPOINT_URL``, from the environment or the options):
- ``standin`` (default): the local stand-in behind the Cognito front, started for the run
  (tests/support/standin.py + proxy.py with the front and Cognito's request quotas);
- ``endpoint``: ``CONFORMANCE_ENDPOINT_URL`` (plain moto, LocalStack, ...), every probe runs;
- ``aws``: a real account (``AWS_PROFILE``; ``CONFORMANCE_CONFIRM=yes`` after reading the plan it
  prints). It writes the snapshots (``CONFORMANCE_SNAPSHOT_DIR``, default tests/conformance/snapshots/).
  With ``CONFORMANCE_ENDPOINT_URL`` too, the same run against that endpoint (a rehearsal; the tests
  use it against the stand-in with ``CONFORMANCE_WAIT_SCALE=0``).

Other settings: ``CONFORMANCE_WAIT_SCALE`` (AWS-only waits, such as the next TOTP step: 1 on AWS,
0 elsewhere), ``CONFORMANCE_CLOUDTRAIL_WAIT`` (seconds a CloudTrail probe waits for delivery: 900 on
AWS, 5 elsewhere), ``CONFORMANCE_REPORT_DIR`` (build/conformance), ``CONFORMANCE_RUN_ID``.

Every pool is named ``mfaops-conformance-<run id>-<probe>`` and deleted after its probe, and again in
a ``finally`` that SIGINT, SIGTERM and SIGHUP reach; after a SIGKILL, ``clean`` deletes every pool
with the prefix. Exit status: 0, 1 if any probe differs, 2 on a usage error, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any, Iterator, Optional

from . import kit, probes  # noqa: F401  (probes fills kit.PROBES)  pylint: disable=unused-import

ROOT = Path(__file__).resolve().parents[2]
REPORT_DIR = ROOT / "build" / "conformance"
FAKE_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


class Interrupted(BaseException):
    """A signal asked the run to stop; the ``finally`` blocks delete what it created."""


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ----- where it runs ----------------------------------------------------------------------


def resolve_target(target: Optional[str], endpoint: Optional[str]) -> str:
    target = (target or os.environ.get("TARGET") or "").strip().lower()
    if target in ("", "standin", "local"):
        return "endpoint" if endpoint else "standin"
    if target not in ("aws", "endpoint"):
        raise SystemExit(f"conformance: TARGET must be standin, endpoint or aws, not {target!r}")
    if target == "endpoint" and not endpoint:
        raise SystemExit("conformance: TARGET=endpoint needs CONFORMANCE_ENDPOINT_URL")
    return target


@contextlib.contextmanager
def local_standin() -> Iterator[Any]:
    """The stand-in (moto) behind the Cognito front with Cognito's request quotas: its proxy."""
    sys.path.insert(0, str(ROOT))
    # pylint: disable=import-outside-toplevel
    from tests.support.cognito_front import CognitoFront
    from tests.support.proxy import Proxy
    from tests.support.standin import StandIn

    with StandIn() as moto, Proxy(moto.endpoint, front=CognitoFront()) as proxy:
        yield proxy


def session_for(target: str) -> Any:
    import boto3  # pylint: disable=import-outside-toplevel

    if target == "standin":
        return boto3.Session(**FAKE_KEYS)
    session = boto3.Session(region_name=os.environ.get("AWS_REGION") or None)
    if session.get_credentials() is None:
        if target == "aws":
            raise SystemExit("conformance: TARGET=aws needs credentials (AWS_PROFILE)")
        return boto3.Session(**FAKE_KEYS)
    if session.region_name is None:
        if target == "aws":
            raise SystemExit("conformance: TARGET=aws needs a region (AWS_REGION, AWS_DEFAULT_REGION or the profile's)")
        return boto3.Session(region_name="us-east-1")
    return session


def selected(names: list[str]) -> list[kit.Probe]:
    unknown = sorted(set(names) - set(kit.PROBES))
    if unknown:
        raise SystemExit(f"conformance: no probe named {', '.join(unknown)}; `python -m tests.conformance list`")
    chosen = [p for p in kit.PROBES.values() if not names or p.name in names or p.part_of in names]
    wanted = {p.part_of for p in chosen if p.part_of}
    return chosen + [p for p in kit.PROBES.values() if p.name in wanted and p not in chosen]


def skip_reason(probe_: kit.Probe, target: str, simulated: bool) -> Optional[str]:
    if probe_.standin_gap and target == "standin":
        return f"the ledger (row {probe_.ledger_row}) says the stand-in does not reproduce this; it runs on AWS and other endpoints"
    if probe_.aws_opt_in and target == "aws" and os.environ.get(probe_.aws_opt_in[0]) != "yes" and not simulated:
        variable, why = probe_.aws_opt_in
        return f"not run on AWS by default: {why} ({variable}=yes runs it)"
    return None


def plan(chosen: list[kit.Probe], target: str, endpoint: Optional[str], region: Optional[str], run_id: str) -> str:
    runnable = [p for p in chosen if p.run and not skip_reason(p, target, bool(endpoint))]
    where = endpoint or f"the AWS account of AWS_PROFILE={os.environ.get('AWS_PROFILE', '(default)')}, region {region}"
    return "\n".join([
        f"Conformance run {run_id} against {where}.",
        f"It will create up to {len(runnable)} user pools named {kit.PREFIX}{run_id}-<probe> (one per probe, each",
        "deleted after its probe; `make conformance-clean` removes any left after a kill), with about",
        f"{2 * len(runnable)} users in all, an app client per pool, and a group.",
        "Cost: user pools, app clients and groups are free. The users that sign in or are read count as",
        f"monthly active users: at most about {2 * len(runnable)} MAUs this month (within the 10,000 MAUs Lite and",
        "Essentials include each month; beyond them a few cents). No SMS or email is sent: users are",
        "created with MessageAction SUPPRESS, no pool has an SMS or email configuration, SignUp goes to a",
        "pool with no auto-verified attribute. CloudTrail LookupEvents and Service Quotas are read only",
        "(one burst of 20 LookupEvents shows CloudTrail's 2 requests/s: it may throttle the account's lookups for a second).",
        f"CloudTrail probes wait up to {cloudtrail_wait(target):.0f} s for delivery.",
    ])


def cloudtrail_wait(target: str) -> float:
    return float(os.environ.get("CONFORMANCE_CLOUDTRAIL_WAIT") or (900 if target == "aws" else 5))


# ----- one run ----------------------------------------------------------------------------


def run_probe(ctx: kit.Context, probe_: kit.Probe) -> tuple[Any, Optional[str]]:
    """``(observed, why skipped)``; a probe that fails shows its error as the observation."""
    ctx.probe_name = probe_.name.replace("_", "-")
    log(f"probe {probe_.name} (ledger row {probe_.ledger_row}): {probe_.title}")
    started = time.monotonic()
    try:
        return kit.normalise(probe_.run(ctx)), None
    except kit.Skip as why:
        return None, str(why)
    except Exception as exc:  # pylint: disable=broad-except
        return {"probe_error": kit.error_of(exc)}, None
    finally:
        ctx.delete_pools()
        log(f"  {time.monotonic() - started:.1f} s")


def row_of(probe_: kit.Probe, observed: Any, why_skipped: Optional[str], snapshot: Optional[dict[str, Any]]) -> dict[str, Any]:
    row = {"probe": probe_.name, "ledger_row": probe_.ledger_row, "title": probe_.title}
    if why_skipped is not None:
        return {**row, "expected": probe_.expected, "observed": None, "verdict": "skipped", "why": why_skipped}
    if isinstance(observed, dict) and "probe_error" in observed:
        return {**row, "expected": probe_.expected, "observed": observed, "verdict": "differs",
                "why": "the probe failed before it could observe the behaviour"}
    verdict, expected, why = kit.verdict(probe_, observed, snapshot)
    return {**row, "expected": expected, "observed": observed, "verdict": verdict, "why": why}


def run_all(ctx: kit.Context, chosen: list[kit.Probe], snapshot_dir: Path, simulated: bool) -> list[dict[str, Any]]:
    observations: dict[str, tuple[Any, Optional[str]]] = {}
    for probe_ in (p for p in chosen if p.run):
        why = skip_reason(probe_, ctx.target, simulated)
        observations[probe_.name] = (None, why) if why else run_probe(ctx, probe_)
    rows = []
    for probe_ in chosen:
        if probe_.part_of:
            parent, why = observations[probe_.part_of]
            observed = {probe_.field: parent.get(probe_.field)} if isinstance(parent, dict) and "probe_error" not in parent else parent
        else:
            observed, why = observations[probe_.name]
            if isinstance(observed, dict) and "probe_error" not in observed:
                observed = {k: v for k, v in observed.items() if not any(p.part_of == probe_.name and p.field == k for p in chosen)}
        snapshot = None if ctx.target == "aws" else kit.load_snapshot(probe_.name, snapshot_dir)
        rows.append(row_of(probe_, observed, why, snapshot))
    return rows


def install_signal_handlers() -> None:
    def stop(signum: int, frame: Any) -> None:
        raise Interrupted(signal.Signals(signum).name)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)


def command_run(args: argparse.Namespace) -> int:
    endpoint = args.endpoint_url or os.environ.get("CONFORMANCE_ENDPOINT_URL") or None
    target = resolve_target(args.target, endpoint)
    chosen = selected(args.probe)
    run_id = os.environ.get("CONFORMANCE_RUN_ID") or kit.new_run_id()
    snapshot_dir = Path(os.environ.get("CONFORMANCE_SNAPSHOT_DIR") or kit.SNAPSHOT_DIR)
    report_dir = Path(os.environ.get("CONFORMANCE_REPORT_DIR") or REPORT_DIR)
    simulated = target == "aws" and endpoint is not None
    session = session_for(target)
    if target == "aws":
        log(plan(chosen, target, endpoint, session.region_name, run_id))
        if os.environ.get("CONFORMANCE_CONFIRM") != "yes":
            log("Nothing was created. To go on: make conformance TARGET=aws CONFORMANCE_CONFIRM=yes")
            return 2
    install_signal_handlers()
    wait_scale = float(os.environ.get("CONFORMANCE_WAIT_SCALE") or (1 if target == "aws" and not simulated else 0))
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        proxy = stack.enter_context(local_standin()) if target == "standin" else None
        url = proxy.endpoint if proxy is not None else endpoint
        ctx = kit.Context(session, url, target, run_id, wait_scale, cloudtrail_wait(target), log=log, proxy=proxy)
        try:
            rows = run_all(ctx, chosen, snapshot_dir, simulated)
        except Interrupted as signal_name:
            log(f"conformance: stopped by {signal_name}; deleting what this run created")
            return 130
        finally:
            ctx.delete_pools()
            left = [pool for pool in ctx.created if pool not in ctx.deleted]
            log(f"conformance: created {len(ctx.created)} user pools, deleted {len(ctx.deleted)}"
                + (f"; left: {', '.join(left)} (make conformance-clean)" if left else ""))
    header = [f"Run {run_id}, target `{target}`{' (rehearsal on ' + endpoint + ')' if simulated else ''}"
              f"{', endpoint ' + endpoint if target == 'endpoint' else ''}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
              f"{time.monotonic() - started:.0f} s.",
              f"User pools created {len(ctx.created)}, deleted {len(ctx.deleted)}.",
              "The ledger: docs/cognito-behaviour.md; how to read this: docs/conformance.md."]
    if target == "aws":
        for row in rows:
            if row["verdict"] != "skipped" and "probe_error" not in (row["observed"] or {}):
                kit.write_snapshot(kit.PROBES[row["probe"]], row["observed"], snapshot_dir)
                if row["verdict"] == "unknown":
                    row["why"] = "observed on this account and written as its snapshot: once reviewed and committed, it settles the row"
        log(f"conformance: snapshots written to {snapshot_dir} (review, then commit them)")
    kit.write_report(rows, report_dir, header)
    counts = {name: sum(1 for row in rows if row["verdict"] == name) for name in kit.VERDICTS}
    log("conformance: " + ", ".join(f"{n} {name}" for name, n in counts.items()) + f"; report: {report_dir}/report.md")
    for row in rows:
        if row["verdict"] == "differs":
            log(f"  differs: {row['probe']} (row {row['ledger_row']}): {row['why']}")
    return 1 if counts["differs"] else 0


def command_clean(args: argparse.Namespace) -> int:
    endpoint = args.endpoint_url or os.environ.get("CONFORMANCE_ENDPOINT_URL") or None
    target = resolve_target(args.target, endpoint)
    if target == "standin":
        log("conformance-clean: the local stand-in lives only as long as its run; nothing to clean "
            "(TARGET=aws or CONFORMANCE_ENDPOINT_URL names where to clean)")
        return 0
    install_signal_handlers()
    client = session_for(target).client("cognito-idp", endpoint_url=endpoint)
    pools = [pool for page in client.get_paginator("list_user_pools").paginate(MaxResults=60)
             for pool in page["UserPools"] if pool["Name"].startswith(kit.PREFIX)]
    for pool in pools:
        try:
            client.delete_user_pool(UserPoolId=pool["Id"])
        except client.exceptions.ResourceNotFoundException:
            pass
        log(f"conformance-clean: deleted {pool['Id']} ({pool['Name']})")
    log(f"conformance-clean: {len(pools)} user pools named {kit.PREFIX}* deleted")
    return 0


def command_list(args: argparse.Namespace) -> int:
    del args
    for probe_ in kit.PROBES.values():
        print(f"{probe_.name:42} row {probe_.ledger_row:24} {probe_.title}")
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.conformance", description=__doc__.split("\n", 1)[0])
    parser.add_argument("command", nargs="?", default="run", choices=("run", "clean", "list"))
    parser.add_argument("--target", choices=("standin", "endpoint", "aws"), help="default: $TARGET, else standin")
    parser.add_argument("--endpoint-url", help="default: $CONFORMANCE_ENDPOINT_URL")
    parser.add_argument("--probe", action="append", default=[], help="run only this probe (repeatable)")
    args = parser.parse_args(argv)
    return {"run": command_run, "clean": command_clean, "list": command_list}[args.command](args)
