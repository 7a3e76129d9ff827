"""Reliability of the bulk engine through ansible-playbook: nothing is lost under faults, a
killed run converges when run again, and errors that doom a run stop it at once.

Every run goes through the Cognito-like proxy (tests/support/proxy.py) in front of the
stand-in, which injects HTTP 500s, dropped connections (before and after the stand-in did
the work), throttling and expired credentials, and counts what happened to each request of
each user. Claims about writes are checked twice: per user at the proxy, and in total at
the stand-in (calls it answered without an error). Final states are read back with boto3
straight from the stand-in, not through the proxy.

The one write a user may get more than once: a write whose answer was lost (the stand-in
applied it, the proxy dropped the answer). The module cannot know it was applied, so it
sends it again; Cognito's AdminSetUserMFAPreference is idempotent, so that is harmless.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from tests.support import playbook as ansible
from tests.support import seed
from tests.support.proxy import Proxy, totals

MODULE = "mfaops.cognito.cognito_user_mfa"
PLAYBOOK = Path(__file__).resolve().parents[2] / "playbooks" / "enforce_mfa.yml"
READ, WRITE = "AdminGetUser", "AdminSetUserMFAPreference"
TOTP = "software_token_mfa"
TOTP_ON = {"enabled": True, "preferred": True}
TOTP_PREFERRED = {"enabled_methods": [TOTP], "preferred_method": TOTP}
OUTCOMES = ("unchanged", "changed", "not_enrolled", "not_found", "failed", "not_attempted")
WORKERS = 8
# No retry storm: an error that dooms the run costs at most a few calls per worker.
STORM_BOUND = WORKERS * 3
# The run stops promptly: a bound on the module's wall time (not a performance figure).
PROMPT_SECONDS = 60
# Users of the interruption test: writes paced at 60/s make its first run last 10 s.
USERS = 600


# ----------------------------------------------------------------------- helpers


@pytest.fixture
def proxy(standin: Any) -> Iterator[Proxy]:
    """A proxy with no quota and no fault yet, counting per user; each test configures it."""
    unlimited = {category: None for category in ("UserRead", "UserResourceUpdate")}
    with Proxy(standin.endpoint, quotas=unlimited, seed=8, count_users=True) as running:
        yield running


def enforce(pool_id: str, **options: Any) -> dict[str, Any]:
    """The cognito_user_mfa task on the ``names`` extra var: TOTP enabled and preferred."""
    args = {"user_pool_id": pool_id, "users": "{{ names }}", "software_token_mfa": TOTP_ON, "workers": WORKERS}
    return {"name": "enforce", MODULE: {**args, **options}, "ignore_errors": True}


def task_seconds(run: Any, name: str = "enforce") -> float:
    """Wall time of one task, from the JSON callback's task duration."""
    for played in run.output["plays"]:
        for task in played["tasks"]:
            if task["task"]["name"] == name:
                duration = task["task"]["duration"]
                return _seconds(duration["end"]) - _seconds(duration["start"])
    raise AssertionError(f"no task {name!r}")


def _seconds(stamp: str) -> float:
    from datetime import datetime  # pylint: disable=import-outside-toplevel

    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def read_states(standin: Any, pool_id: str, names: list[str]) -> dict[str, dict[str, Any]]:
    """Every user's MFA state, read with boto3 from the stand-in itself (8 threads)."""
    client = standin.client()
    with ThreadPoolExecutor(8) as pool:
        return dict(zip(names, pool.map(lambda name: seed.mfa_state(client, pool_id, name), names)))


def accepted(standin: Any, pool_id: str, operation: str = WRITE) -> int:
    """Calls of ``operation`` the stand-in answered without an error, since its last reset."""
    return standin.counts(pool_id).get(operation, 0) - standin.failures(pool_id).get(operation, 0)


def by_outcome(result: dict[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {outcome: set() for outcome in OUTCOMES}
    for row in result["users"]:
        found[row["outcome"]].add(row["username"])
    return found


def closed_port() -> int:
    """A local port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ----------------------------------------------------------------------- faults


def test_faults_on_3000_users_lose_nothing_and_write_each_user_once(standin: Any, cognito: Any, proxy: Proxy, run_playbook: Any) -> None:
    """3 % HTTP 500s, 1 % dropped connections (half of them after the stand-in did the work) and
    quota throttling (the module told twice the proxy's quotas), on 3,000 users of which 2,700
    need a write. Every user ends in the desired state or a reported outcome, the counts are
    exact, and each user's write reached the stand-in once, plus once more for each write whose
    answer the proxy dropped."""
    pool = seed.create_pool(cognito, "faults")
    seed.seed_backdoor(standin, pool, {"totp_verified": 2700, "no_mfa": 120, "totp_preferred": 150}, prefix="f-")
    ghosts = seed.missing_names(pool, 30)
    names = pool.names() + ghosts
    assert len(names) == 3000
    proxy.configure(
        quotas={"UserRead": 120, "UserResourceUpdate": 50}, burst_seconds=0.25, error_rate=0.03, drop_rate=0.01, drop_after_forward=0.5
    )
    standin.reset_counts()

    run = run_playbook(
        [enforce(pool.id, reads_per_second=240, writes_per_second=100)], extra_vars={"cognito_endpoint": proxy.endpoint, "names": names}
    )
    result = run.result("enforce")
    per_op = proxy.counts()
    writes = proxy.user_counts(WRITE)

    # The faults happened, of every kind.
    every = totals(per_op)
    assert every["throttled"] > 0, per_op
    assert sum(c.get("error_500", 0) for c in per_op.values()) > 100, per_op
    assert sum(c.get("drop_before", 0) for c in per_op.values()) > 10, per_op
    assert sum(c.get("drop_after", 0) for c in per_op.values()) > 10, per_op

    # Every user has exactly one outcome, and it is the right one.
    assert not result.get("failed"), result.get("msg")
    assert result["counts"] == {
        "total": 3000,
        "unchanged": 150,
        "changed": 2700,
        "not_enrolled": 120,
        "not_found": 30,
        "not_applicable": 0,
        "excluded": 0,
        "failed": 0,
        "not_attempted": 0,
    }, result["msg"]
    reported = by_outcome(result)
    assert reported["changed"] == set(pool.names("totp_verified"))
    assert reported["not_enrolled"] == set(pool.names("no_mfa"))
    assert reported["not_found"] == set(ghosts)

    # What boto3 reads back agrees.
    states = read_states(standin, pool.id, pool.names())
    assert {name for name, state in states.items() if state == TOTP_PREFERRED} == set(pool.names("totp_verified", "totp_preferred"))
    assert all(states[name] == {"enabled_methods": [], "preferred_method": None} for name in pool.names("no_mfa"))

    # Writes per user: only users that needed one got one; each reached the stand-in once, plus
    # once for every earlier write of that user whose answer was lost; the module saw one answer.
    assert set(writes) == set(pool.names("totp_verified", "no_mfa")), "a write for a user that needed none"
    for name, seen in writes.items():
        reached = seen.get("ok", 0) + seen.get("error", 0)
        assert reached == 1 + seen.get("lost", 0), f"{name}: {seen}"
    for name in pool.names("totp_verified"):
        assert writes[name].get("ok", 0) - writes[name].get("lost", 0) == 1, f"{name}: {writes[name]}"
    for name in pool.names("no_mfa"):  # refused: not enrolled. Not retried unless its answer was lost.
        assert writes[name].get("ok", 0) == 0 and writes[name]["error"] == 1 + writes[name].get("lost", 0), writes[name]

    # The stand-in's own count of accepted writes: one per changed user, plus one per lost answer.
    lost = sum(writes[name].get("lost", 0) for name in reported["changed"])
    assert accepted(standin, pool.id) == sum(seen.get("ok", 0) for seen in writes.values()) == 2700 + lost
    # The module's own statistics agree with the proxy's count of write calls.
    module_writes = result["calls"]["admin_set_user_mfa_preference"]["calls"]
    assert module_writes == sum(sum(v for k, v in seen.items() if k != "lost") for seen in writes.values())


# ----------------------------------------------------------------------- interruption


def write_inventory(directory: Path, pool_id: str, names: list[str], endpoint: str, **hostvars: Any) -> Path:
    """An inventory with one pool host, ``pool``, for the enforce_mfa playbook."""
    inventory = {
        "cognito_pools": {
            "hosts": {
                "pool": {
                    "ansible_connection": "local",
                    "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                    "cognito_user_pool_id": pool_id,
                    "cognito_endpoint_url": endpoint,
                    "cognito_users": names,
                    "enforce_mfa_reads_per_second": 400,
                    "enforce_mfa_writes_per_second": 60,
                    "enforce_mfa_batch_size": 300,
                    **hostvars,
                }
            }
        }
    }
    path = directory / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory))
    return path


def start_playbook(inventory: Path, collections_path: str, tmp_path: Path) -> subprocess.Popen:
    """ansible-playbook on the enforce_mfa playbook, in its own session (as from a terminal)."""
    # pylint: disable-next=consider-using-with
    return subprocess.Popen(
        [ansible.ansible_playbook(), "-i", str(inventory), str(PLAYBOOK)],
        cwd=tmp_path,
        env=ansible.playbook_env(collections_path, tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_for_writes(standin: Any, pool_id: str, run: subprocess.Popen, at_least: int) -> None:
    deadline = time.monotonic() + 300
    while accepted(standin, pool_id) < at_least:
        assert run.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.05)


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def kill_tree(root: int) -> int:
    """SIGKILL a process and every descendant, as a crash of the machine or container would.
    (ansible-core runs each fork worker in a session of its own, so SIGKILL to ansible-playbook's
    process group alone would leave the workers and their modules running.) Each process is
    stopped before its children are looked up, so none can start another. Returns how many."""
    stopped, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        try:
            os.kill(pid, signal.SIGSTOP)
        except ProcessLookupError:
            continue
        stopped.append(pid)
        frontier.extend(children(pid))
    for pid in stopped:
        os.kill(pid, signal.SIGKILL)
    return len(stopped)


def writes_settle(standin: Any, pool_id: str) -> int:
    """The accepted writes once requests in flight are answered; fails if they keep coming."""
    time.sleep(1.0)
    settled = accepted(standin, pool_id)
    time.sleep(1.5)
    assert accepted(standin, pool_id) == settled, "writes went on after the run was stopped"
    return settled


def test_interrupted_runs_converge_and_the_rerun_writes_only_what_is_left(
    standin: Any, cognito: Any, collections_path: str, run_playbook: Any, tmp_path: Path
) -> None:
    """The enforce_mfa playbook on 600 users (writes paced at 60/s: 10 s), interrupted twice:
    Ctrl-C (SIGINT to its process group) once about 150 users are written, then a hard kill
    (SIGKILL to it and every process under it) once about 150 more are. After each, writes stop
    at once. A third run converges every user, and its accepted writes are exactly the users
    still out of line, read back after the kill."""
    pool = seed.create_pool(cognito, "killed")
    seed.seed_backdoor(standin, pool, {"totp_verified": USERS}, prefix="k-")
    names = pool.names()
    inventory = write_inventory(tmp_path, pool.id, names, standin.endpoint)
    standin.reset_counts()

    interrupted = start_playbook(inventory, collections_path, tmp_path)
    wait_for_writes(standin, pool.id, interrupted, 150)
    os.killpg(interrupted.pid, signal.SIGINT)
    assert interrupted.wait(timeout=30) != 0
    after_ctrl_c = writes_settle(standin, pool.id)
    assert after_ctrl_c < 300, "Ctrl-C did not stop the module: it went on with its batch of 300"

    killed = start_playbook(inventory, collections_path, tmp_path)
    wait_for_writes(standin, pool.id, killed, after_ctrl_c + 150)
    assert kill_tree(killed.pid) >= 3  # ansible-playbook, its worker, the module (and a shell)
    killed.wait()
    after_kill = writes_settle(standin, pool.id)
    assert after_kill < USERS, "killed too late to prove anything"

    left = [name for name, state in read_states(standin, pool.id, names).items() if state != TOTP_PREFERRED]
    assert len(left) == USERS - after_kill  # every accepted write changed one user, once

    standin.reset_counts()
    rerun = run_playbook(PLAYBOOK, {"cognito_endpoint_url": standin.endpoint}, args=("-i", str(inventory)))
    assert rerun.rc == 0, rerun
    assert accepted(standin, pool.id) == len(left)
    assert standin.failures(pool.id) == {}
    summary = _summary(rerun)
    assert summary["counts"]["changed"] == len(left)
    assert summary["changed"] == sorted(left)
    assert all(state == TOTP_PREFERRED for state in read_states(standin, pool.id, names).values())


def _summary(run: Any) -> dict[str, Any]:
    return role_result(run, "Sum up the pool")["ansible_facts"]["enforce_mfa_summary"]


# ----------------------------------------------------------------------- runs that cannot go on


def assert_stopped(result: dict[str, Any], cause: str, total: int) -> None:
    """Failed with one message that starts with the cause (a regular expression), and every
    user accounted for."""
    assert result.get("failed"), result
    assert re.match(rf"Stopped early: {cause}\. {total} users: ", result["msg"]), result["msg"]
    assert result["msg"].count("Stopped early") == 1 and "reached max retries" not in result["msg"], result["msg"]
    assert sum(result["counts"][outcome] for outcome in OUTCOMES) == result["counts"]["total"] == total
    assert result["counts"]["not_attempted"] > 0


def test_credentials_that_expire_mid_run_stop_it_and_report_who_was_done(
    standin: Any, cognito: Any, proxy: Proxy, run_playbook: Any
) -> None:
    """After 600 API calls every call is answered ExpiredTokenException: the module stops at once
    (a few refused calls, none retried), says why, and its rows name exactly the users that were
    written before that."""
    pool = seed.create_pool(cognito, "expired")
    seed.seed_backdoor(standin, pool, {"totp_verified": 1000}, prefix="e-")
    names = pool.names()
    proxy.configure(expire_after=600)

    run = run_playbook(
        [enforce(pool.id, reads_per_second=500, writes_per_second=500)], extra_vars={"cognito_endpoint": proxy.endpoint, "names": names}
    )
    result = run.result("enforce")
    expired = r"ExpiredTokenException: The security token included in the request is expired"
    assert_stopped(result, rf"{expired} \((AdminGetUser|AdminSetUserMFAPreference)\)", 1000)
    refused = sum(c.get("expired", 0) for c in proxy.counts().values())
    assert 1 <= refused < STORM_BOUND, proxy.counts()
    assert task_seconds(run) < PROMPT_SECONDS

    done = {name for name, state in read_states(standin, pool.id, names).items() if state == TOTP_PREFERRED}
    reported = by_outcome(result)
    # A user written just before the expiry, whose read-back was refused, is failed and says so.
    written_unread = reported["failed"]
    assert all(
        row["message"] == "written, but the run stopped before the read-back" for row in result["users"] if row["outcome"] == "failed"
    )
    assert done == reported["changed"] | written_unread
    assert len(done) > 100
    assert reported["not_attempted"] == set(names) - done
    assert all(row["error_code"] == "ExpiredTokenException" for row in result["users"] if row["outcome"] == "not_attempted")


def test_unreachable_endpoint_stops_the_run_without_a_retry_storm(run_playbook: Any) -> None:
    port = closed_port()
    names = [f"user-{i}" for i in range(500)]
    run = run_playbook(
        [enforce("us-east-1_Unreachable1")],
        extra_vars={"cognito_endpoint": f"http://127.0.0.1:{port}", "names": names},
    )
    result = run.result("enforce")
    assert_stopped(result, re.escape(f'EndpointConnectionError: Could not connect to the endpoint URL: "http://127.0.0.1:{port}/"'), 500)
    assert result["counts"]["not_attempted"] == 500
    calls = sum(stats["calls"] for stats in result["calls"].values())
    assert calls <= STORM_BOUND, result["calls"]
    assert task_seconds(run) < PROMPT_SECONDS


def test_pool_that_does_not_exist_stops_the_run(proxy: Proxy, run_playbook: Any) -> None:
    names = [f"user-{i}" for i in range(500)]
    run = run_playbook([enforce("us-east-1_NoSuchPool9")], extra_vars={"cognito_endpoint": proxy.endpoint, "names": names})
    result = run.result("enforce")
    assert_stopped(result, re.escape("ResourceNotFoundException: User pool us-east-1_NoSuchPool9 does not exist (AdminGetUser)"), 500)
    assert result["counts"]["not_attempted"] == 500
    assert proxy.counts().keys() == {READ}
    assert proxy.counts()[READ]["forwarded"] <= WORKERS, proxy.counts()
    assert task_seconds(run) < PROMPT_SECONDS


def test_wrong_region_fails_before_any_call(standin: Any, cognito: Any, proxy: Proxy, run_playbook: Any, tmp_path: Path) -> None:
    """The module, and the enforce_mfa role (its own check, before it gathers users)."""
    pool = seed.create_pool(cognito, "region")
    seed.seed_backdoor(standin, pool, {"totp_verified": 3}, prefix="r-")
    run = run_playbook(
        [{**enforce(pool.id), "module_defaults": {MODULE: {"region": "eu-west-1"}}}],
        extra_vars={"cognito_endpoint": proxy.endpoint, "names": pool.names()},
    )
    result = run.result("enforce")
    assert result["failed"]
    assert result["msg"] == f"user_pool_id '{pool.id}' belongs to region us-east-1, but the task runs in region eu-west-1"

    inventory = write_inventory(tmp_path, pool.id, pool.names(), proxy.endpoint, cognito_region="eu-west-1")
    role = run_playbook(PLAYBOOK, args=("-i", str(inventory)))
    assert role.rc != 0
    checked = role_result(role, "Check the pool id and its region")
    assert checked["failed"] and checked["msg"] == (
        f'pool pool: cognito_user_pool_id "{pool.id}" is in region us-east-1, but the region is set to "eu-west-1" '
        "(cognito_region / enforce_mfa_region)"
    )
    assert not role_result(role, "Enforce TOTP enabled and preferred, batch by batch")
    assert proxy.counts() == {}


def test_role_on_a_pool_that_does_not_exist_stops_each_batch_at_once(proxy: Proxy, run_playbook: Any, tmp_path: Path) -> None:
    """The enforce_mfa role, 1,000 users in 4 batches, on a pool that does not exist: every
    batch stops at its first calls, every user is counted not attempted, the run fails."""
    names = [f"user-{i:04d}" for i in range(1000)]
    inventory = write_inventory(tmp_path, "us-east-1_NoSuchPool8", names, proxy.endpoint, enforce_mfa_batch_size=250)
    run = run_playbook(PLAYBOOK, args=("-i", str(inventory)))
    assert run.rc != 0
    batches = role_result(run, "Enforce TOTP enabled and preferred, batch by batch")["results"]
    assert len(batches) == 4
    for batch in batches:
        assert batch["msg"].startswith("Stopped early: ResourceNotFoundException: User pool us-east-1_NoSuchPool8 does not exist")
    assert proxy.counts()[READ]["forwarded"] <= 4 * WORKERS, proxy.counts()
    assert _summary(run)["counts"]["not_attempted"] == 1000
    checked = role_result(run, "Check the pool against its thresholds")
    assert checked["failed"] and "The run stopped early (ResourceNotFoundException)" in checked["msg"], checked["msg"]


def role_result(run: Any, task: str) -> dict[str, Any]:
    for played in run.output["plays"]:
        for ran in played["tasks"]:
            if ran["task"]["name"].endswith(f" : {task}"):
                return ran["hosts"].get("pool", {})
    return {}
