"""Issue 22's part of ``make bench`` (``--part state``): runs with a state read only what changed.

1. Incremental vs full audit through the quota proxy at Cognito's default quotas, with the Cognito front (it records
   CloudTrail events and answers LookupEvents): a pool of ``--state-users`` users, 90 % compliant and 10 % never
   enrolled (seeded through the stand-in's backdoor: no events), a first audit with a state (a full read: every user),
   ``--state-churn`` of the users changed through the front (users disabling TOTP, users enrolling with their own
   token, attribute changes, admin disables, deletions, new users: _churn), then the incremental audit.
   Goals: AdminGetUser <= 1.05 x (changed + new); time <= 1/8 of the full audit's.
2. A second cognito_user_mfa (enforce) with a state on an unchanged pool: 0 AdminGetUser, 0 writes.
3. The state of ``--state-scale-users`` users built through the store API (user_state.Store, incremental.PoolRun) in a
   process of its own, then a run over it with no change: the file's size (goal <= 300 MB for 1,000,000) and the
   process's peak RSS (goal < 500 MB).
4. The real modules over that state through ansible-playbook (module_part): cognito_user_mfa_info and cognito_user_mfa
   with ``all_users`` and ``state_dir``, the pool served by benchmarks/pool_endpoint.py (the same users' facts, no
   event: every user carried, no AdminGetUser); each module process's peak RSS (GNU time), the controller's
   (ansible-playbook and its worker forks), the seconds, the rows of the result or of its ``users_file``; and the
   audit_mfa role as a user runs it (``role_audit``), its reports written: the largest module's and the controller's.
"""

from __future__ import annotations

import json
import os
import random
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


def _playbook_env() -> dict[str, str]:
    return dict(os.environ, ANSIBLE_STDOUT_CALLBACK="default", **FAKE_AWS_ENV)


def _one_task_play(workdir: Path, name: str, module: str, args: dict[str, Any], endpoint: str, kept: str,
                   task_vars: dict[str, Any] | None = None) -> tuple[Path, Path]:
    """(the playbook, the file it keeps `kept` in): one module task on the endpoint with fake keys, its result kept."""
    out = workdir / f"{name}.json"
    play = [{
        "hosts": "localhost", "gather_facts": False,
        "module_defaults": {"group/mfaops.cognito.aws": {
            "endpoint_url": endpoint, "region": "us-east-1", "access_key": FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
            "secret_key": FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"]}},
        "tasks": [
            {"name": "run", module: args, "register": "result", **({"vars": task_vars} if task_vars else {})},
            {"name": "keep", "ansible.builtin.copy": {"content": kept, "dest": str(out), "mode": "0600"}},
        ],
    }]
    path = workdir / f"{name}.yml"
    path.write_text(json.dumps(play))
    return path, out


def _playbook(workdir: Path, name: str, module: str, args: dict[str, Any], endpoint: str) -> tuple[dict[str, Any], float]:
    path, out = _one_task_play(workdir, name, module, args, endpoint, "{{ result | to_json }}")
    started = time.monotonic()
    done = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local", str(path)], env=_playbook_env(),
                          capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-5000:] + done.stderr[-2000:])
        raise SystemExit(f"{name}: ansible-playbook failed (rc {done.returncode})")
    return json.loads(out.read_text()), seconds


CHURN_KINDS = ("totp_disabled", "enrolled", "attribute", "disabled", "deleted", "new")


def _churn(client: Any, pool: seed.Pool, share: float, rng: random.Random) -> dict[str, int]:
    """Change share x users through the front (so CloudTrail has events), each kind in turn: a user disabling TOTP
    (admin call), a user enrolling (their own AssociateSoftwareToken, VerifySoftwareToken and SetUserMFAPreference
    calls, with their access token), an admin attribute change, an admin disable, a deletion, a new user."""
    compliant, never = pool.names("totp_preferred"), pool.names("no_mfa")
    count = max(len(CHURN_KINDS), int((len(compliant) + len(never)) * share))
    kinds = {kind: 0 for kind in CHURN_KINDS}
    plan = [CHURN_KINDS[index % len(CHURN_KINDS)] for index in range(count)]
    enrolling = rng.sample(never, min(len(never), plan.count("enrolled")))
    others = rng.sample(compliant, len(plan) - plan.count("enrolled"))
    for index, kind in enumerate(plan):
        if kind == "enrolled":
            if not enrolling:
                continue
            token = seed.sign_in(client, pool, enrolling.pop())
            seed.enrol_totp(client, token)
            client.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
        elif kind == "new":
            client.admin_create_user(UserPoolId=pool.id, Username=f"{pool.name}-new-{index}", MessageAction="SUPPRESS")
        else:
            name = others.pop()
            if kind == "totp_disabled":
                client.admin_set_user_mfa_preference(UserPoolId=pool.id, Username=name,
                                                     SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False})
            elif kind == "attribute":
                client.admin_update_user_attributes(UserPoolId=pool.id, Username=name,
                                                    UserAttributes=[{"Name": "given_name", "Value": "Changed"}])
            elif kind == "disabled":
                client.admin_disable_user(UserPoolId=pool.id, Username=name)
            else:
                client.admin_delete_user(UserPoolId=pool.id, Username=name)
        kinds[kind] += 1
    return kinds


def audit_part(standin: Any, users: int, churn: float, workdir: Path, workers: int = 8) -> dict[str, Any]:
    rng = random.Random(22)
    front = CognitoFront()
    with Proxy(standin.endpoint, quotas=dict(DEFAULT_QUOTAS), front=front) as quota_proxy, \
            Proxy(standin.endpoint, quotas={category: None for category in DEFAULT_QUOTAS}, front=front) as free_proxy:
        client = StandInClient(endpoint=free_proxy.endpoint).client()
        pool = seed.create_pool(client, "bench-state")
        seed.seed_backdoor(standin, pool, {"totp_preferred": users - users // 10, "no_mfa": users // 10}, prefix="bench-state-")
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
    changed_or_new = sum(kinds.values()) - kinds["deleted"]
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


SCALE_POOL = "us-east-1_Scale"
# The users' facts are benchmarks/pool_endpoint.py's (listed(i), read(i)): the module runs of module_part list and
# read the same pool from it, so a run over this state carries every user.
SCALE_CHILD = r'''
import json, os, resource, sys, time
sys.path.insert(0, os.environ["COLLECTIONS"])
sys.path.insert(0, os.environ["BENCH_ROOT"])
from ansible_collections.mfaops.cognito.plugins.module_utils import incremental
from ansible_collections.mfaops.cognito.plugins.module_utils.user_state import Store
from benchmarks import pool_endpoint
users, state_dir, POOL = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def listing(token):
    start = int(token or 0)
    page = {"Users": [pool_endpoint.listed(i) for i in range(start, min(users, start + pool_endpoint.PAGE))]}
    if start + pool_endpoint.PAGE < users:
        page["PaginationToken"] = str(start + pool_endpoint.PAGE)
    return page
settings = incremental.settings_from({"state_dir": state_dir, "signal_delay": "15m", "state_lock_timeout": 5})
timings = {}
for name in ("build", "unchanged"):
    started = time.monotonic()
    with Store(state_dir, POOL, 5) as store:
        run = incremental.PoolRun(store, POOL, settings, listing, lambda *a: {"Events": []})
        # The fingerprint of the configuration pool_endpoint answers: the audits of module_part carry, not read all.
        run.prepare(pool_config=incremental.pool_fingerprint(pool_endpoint.MFA_CONFIG, pool_endpoint.described(POOL, users)))
        for item in run.items():
            if item.carried:
                run.saved(item, item.read_at, None, item.outcome, item.since)
            else:
                run.saved(item, time.time(), pool_endpoint.read(int(item.username.split("-")[1])), "unchanged")
        run.finish()
        timings[name] = {"seconds": round(time.monotonic() - started, 1), "read": run.facts.read, "carried": run.facts.carried}
    with Store(state_dir, POOL, 5) as store:
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
print(json.dumps({"runs": timings, "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
'''


def scale_part(users: int, workdir: Path, collections: str) -> dict[str, Any]:
    state_dir = workdir / "scale-state"
    done = subprocess.run([sys.executable, "-c", SCALE_CHILD, str(users), str(state_dir), SCALE_POOL], capture_output=True,
                          text=True, env=dict(os.environ, COLLECTIONS=collections, BENCH_ROOT=str(ROOT)), check=False)
    if done.returncode != 0:
        raise SystemExit(f"state scale: {done.stderr[-3000:]}")
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    size = sum(path.stat().st_size for path in state_dir.iterdir() if path.is_file())
    return {"users": users, "state_mb": round(size / 1e6, 1),
            "state_mb_goal": round(SIZE_GOAL_MB_PER_MILLION * users / 1_000_000, 1),
            "peak_rss_mb": measured["peak_rss_mb"], "rss_goal_mb": RSS_GOAL_MB, "runs": measured["runs"]}


# The module runs over the state of scale_part, served by benchmarks/pool_endpoint.py: (name, module, options).
# audit_all is what roles/audit_mfa passes for the whole pool (report: all, a row per user, in a users_file);
# audit_all_returned the same rows in the result (the role with audit_mfa_securityhub); enforce is roles/enforce_mfa's
# default (no rows for unchanged users), enforce_audit its enforce_mfa_report: true (one pass, rows in a users_file).
# A users_file "ROWS" is made private in the run's work directory.
MODULE_RUNS = (
    ("audit_all", "mfaops.cognito.cognito_user_mfa_info", {"report": "all", "users_file": "ROWS"}),
    ("audit_all_returned", "mfaops.cognito.cognito_user_mfa_info", {"report": "all"}),
    ("audit_non_compliant", "mfaops.cognito.cognito_user_mfa_info", {"report": "non_compliant"}),
    ("enforce", "mfaops.cognito.cognito_user_mfa", {"software_token_mfa": {"enabled": True, "preferred": True}}),
    ("enforce_audit", "mfaops.cognito.cognito_user_mfa",
     {"software_token_mfa": {"enabled": True, "preferred": True}, "audit": True, "users_file": "ROWS"}),
    ("role_audit", None, {}),  # playbooks/audit_mfa.yml, the whole role (_measured_role)
)
# The module's interpreter, run under GNU time: its peak RSS (kB) in a file. Only the measured task uses it.
TIMED_PYTHON = '#!/bin/sh\nexec /usr/bin/time -f %M -a -o "{out}" "{python}" "$@"\n'
KEPT = ("{{ {'state': result.state, 'counts': result.counts, 'rows': result.users | length, "
        "'audit_rows': (result.audit | default({'users': []})).users | length, "
        "'users_file': result.users_file | default((result.audit | default({})).users_file | default(none))} | to_json }}")


def _hwm_kb(pid: int) -> int:
    """The peak RSS (VmHWM, kB) of a live process, 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _controller_peak(pid: int, peaks: dict[int, int], stop: Any) -> None:
    """Poll the peak RSS of ansible-playbook (pid) and of its forks (its workers: same command line) until stop."""
    command = b""
    while b"ansible-playbook" not in command:  # until the child has exec'd (before, its command line is ours)
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return
        if stop.wait(0.01):
            return
    while not stop.is_set():
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if (entry / "cmdline").read_bytes() == command:
                        peaks[int(entry.name)] = max(peaks.get(int(entry.name), 0), _hwm_kb(int(entry.name)))
                except OSError:
                    continue
        stop.wait(0.2)


def _measured(command: list[str], rss_file: Path) -> dict[str, Any]:
    """Run ansible-playbook: the seconds, the largest module process's peak RSS (GNU time, appended to rss_file), and
    the controller's (ansible-playbook and its worker forks, polled)."""
    import threading  # pylint: disable=import-outside-toplevel

    started = time.monotonic()
    with subprocess.Popen(command, env=_playbook_env(), text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as process:
        peaks: dict[int, int] = {}
        stop = threading.Event()
        poller = threading.Thread(target=_controller_peak, args=(process.pid, peaks, stop), daemon=True)
        poller.start()
        output = process.communicate()[0]
        stop.set()
        poller.join()
    seconds = time.monotonic() - started
    if process.returncode != 0:
        sys.stderr.write(output[-5000:])
        raise SystemExit(f"{command[-1]}: ansible-playbook failed (rc {process.returncode})")
    workers = [kb for pid, kb in peaks.items() if pid != process.pid]
    modules = [int(line) for line in rss_file.read_text().split() if line.isdigit()]
    return {"seconds": round(seconds, 1), "module_peak_rss_mb": round(max(modules) / 1024, 1),
            "controller_peak_rss_mb": round(peaks.get(process.pid, 0) / 1024, 1),
            "worker_peak_rss_mb": round(max(workers, default=0) / 1024, 1)}


def _timed_python(workdir: Path, name: str) -> tuple[Path, Path]:
    """(an interpreter that runs Python under GNU time, the file it appends each process's peak RSS to)."""
    rss_file, python = workdir / f"{name}.rss", workdir / f"{name}-python"
    rss_file.write_text("")
    python.write_text(TIMED_PYTHON.format(out=rss_file, python=sys.executable))
    python.chmod(0o700)
    return python, rss_file


def _measured_playbook(workdir: Path, name: str, module: str, args: dict[str, Any], endpoint: str) -> dict[str, Any]:
    """One module task through ansible-playbook (_measured), and the result's state, counts and row counts."""
    python, rss_file = _timed_python(workdir, name)
    path, out = _one_task_play(workdir, name, module, args, endpoint, KEPT, {"ansible_python_interpreter": str(python)})
    measured = _measured(["ansible-playbook", "-i", "localhost,", "-c", "local", str(path)], rss_file)
    return {**measured, **json.loads(out.read_text())}


def _measured_role(workdir: Path, endpoint: str, state_dir: Path) -> dict[str, Any]:
    """The audit_mfa role on the scale pool (_measured), every module under GNU time: the role as a user runs it, its
    reports written, its listing at the module's default pace (15 pages/s: about 19 minutes for 1,000,000 users)."""
    python, rss_file = _timed_python(workdir, "role-audit")
    reports = workdir / "role-audit-reports"
    inventory = workdir / "role-audit-inventory.yml"
    inventory.write_text(json.dumps({"cognito_pools": {"hosts": {"scale": {
        "ansible_connection": "local", "ansible_python_interpreter": str(python), "audit_mfa_user_pool_id": SCALE_POOL,
        "audit_mfa_endpoint_url": endpoint, "audit_mfa_all_users": True, "audit_mfa_state_dir": str(state_dir), "audit_mfa_report_dir": str(reports)}}}}))
    playbook = workdir / "role-audit.yml"
    playbook.write_text(json.dumps([{
        "name": "The audit_mfa role", "hosts": "cognito_pools", "gather_facts": False,
        "roles": [{"role": "mfaops.cognito.audit_mfa"}]}]))
    measured = _measured(["ansible-playbook", "-i", str(inventory), str(playbook)], rss_file)
    report = json.loads((reports / "mfa-audit-latest.json").read_text())
    (pool,) = report["pools"]
    measured.update(state=pool["state_run"], rows=len(pool["users"]), audit_rows=0, users_file=None,
                    report_mb=round(sum(path.stat().st_size for path in reports.iterdir()) / 1e6, 1))
    return measured


def module_part(users: int, workdir: Path, state_dir: Path, runs: tuple = MODULE_RUNS) -> dict[str, Any]:
    """The real modules over scale_part's state (each run on a copy of it), the pool served by pool_endpoint."""
    import shutil  # pylint: disable=import-outside-toplevel
    from benchmarks.pool_endpoint import PoolEndpoint  # pylint: disable=import-outside-toplevel

    results: dict[str, Any] = {"users": users, "rss_goal_mb": RSS_GOAL_MB, "runs": {}}
    with PoolEndpoint(users, SCALE_POOL) as endpoint:
        for name, module, options in runs:
            copy = workdir / f"module-{name}-state"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(state_dir, copy)
            endpoint.counts.clear()
            # lists_per_second: the endpoint is local; at Cognito's 30/s the listing alone would take 9 minutes, and
            # the pace does not change what the module holds.
            args = dict(user_pool_id=SCALE_POOL, all_users=True, state_dir=str(copy), lists_per_second=5000, **options)
            if args.get("users_file") == "ROWS":
                args["users_file"] = str(workdir / f"module-{name}-rows" / "users.jsonl")
            if module is None:
                measured = _measured_role(workdir, endpoint.endpoint, copy)
            else:
                measured = _measured_playbook(workdir, f"module-{name}", module, args, endpoint.endpoint)
            measured["calls"] = dict(sorted(endpoint.counts.items()))
            if measured["users_file"]:  # its rows counted, then deleted: a million rows is a few hundred MB
                rows = Path(measured["users_file"])
                with rows.open("rb") as handle:
                    measured["file_rows"] = sum(1 for _line in handle)
                measured["file_mb"] = round(rows.stat().st_size / 1e6, 1)
                shutil.rmtree(rows.parent, ignore_errors=True)
            results["runs"][name] = measured
            print(f"    {name}: module {measured['module_peak_rss_mb']} MB, {measured['seconds']} s, "
                  f"read {measured['state']['users_read']}, carried {measured['state']['users_carried']}", flush=True)
            shutil.rmtree(copy, ignore_errors=True)
    return results


def run_state(standin: Any, args: Any, workdir: Path) -> dict[str, Any]:
    collections = os.environ.get("ANSIBLE_COLLECTIONS_PATH", str(ROOT / "build" / "collections")).split(":")[0]
    results: dict[str, Any] = {}
    print(f"... state: scale, {args.state_scale_users:,} users through the store API", flush=True)
    results["scale"] = scale_part(args.state_scale_users, workdir, collections)
    print(f"... state: the modules over that state ({args.state_scale_users:,} users, synthetic endpoint)", flush=True)
    results["modules"] = module_part(args.state_scale_users, workdir, workdir / "scale-state")
    print(f"... state: enforce twice on {args.state_enforce_users:,} users", flush=True)
    results["enforce"] = enforce_part(standin, args.state_enforce_users, workdir)
    print(f"... state: full vs incremental audit, {args.state_users:,} users, {args.state_churn:.1%} churn", flush=True)
    results["audit"] = audit_part(standin, args.state_users, args.state_churn, workdir, args.workers)
    return results


def print_state(results: dict[str, Any]) -> None:
    audit, enforce, scale, modules = results.get("audit"), results.get("enforce"), results.get("scale"), results.get("modules")
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
    if modules:
        print(f"the modules over that state of {modules['users']:,} users (synthetic endpoint), peak RSS goal < "
              f"{modules['rss_goal_mb']} MB:")
        for name, run in modules["runs"].items():
            print(f"  {name}: module {run['module_peak_rss_mb']} MB, controller {run['controller_peak_rss_mb']} MB "
                  f"(worker fork {run['worker_peak_rss_mb']} MB), {run['seconds']} s; read {run['state']['users_read']:,}, "
                  f"carried {run['state']['users_carried']:,}, {run['rows']:,} rows (+{run['audit_rows']:,} audit rows)"
                  + (f" and {run['file_rows']:,} in its users_file ({run['file_mb']} MB)" if run.get("users_file") else "")
                  + (f", reports {run['report_mb']} MB" if "report_mb" in run else "") + "; "
                  f"AdminGetUser {run['calls'].get('AdminGetUser', 0)}")


if __name__ == "__main__":
    # python benchmarks/state.py [USERS [RUN ...]]: the scale part and the module runs alone (ansible-playbook on PATH, the
    # collection built in build/collections).
    with tempfile.TemporaryDirectory() as tmp:
        count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
        measured = {"scale": scale_part(count, Path(tmp), str(ROOT / "build" / "collections"))}
        names = sys.argv[2:]  # some of MODULE_RUNS' names, in this order (default: all)
        runs = tuple(next(run for run in MODULE_RUNS if run[0] == name) for name in names) if names else MODULE_RUNS
        measured["modules"] = module_part(count, Path(tmp), Path(tmp) / "scale-state", runs)
        print_state(measured)
        print(json.dumps(measured, indent=2))
