"""The campaign's nudges are recorded only once handed over (playbooks/mfa_campaign.yml over simulated days).

A nudge counts as sent once the list that carries it is written (cognito_mfa_nudge_list) or once SES accepted its
email (cognito_mfa_nudge_email); the decision step (cognito_mfa_campaign) plans from the nudges recorded before today.
Each scenario - a same-day rerun, a failure after the decision step, a kill during the group removals, a kill at
every task boundary, SES accepting some emails and then refusing - ends with the same state file and the same files
as a clean run of the same days on an identical pool (the ``clean`` fixture), byte for byte once the pool id is
set aside. One pool of 7 users to enrol, 3 of them admins whose group deadline passes between the two days.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import boto3
import pytest
import yaml

from tests.support import playbook as ansible
from tests.support import seed
from tests.support.proxy import DEFAULT_QUOTAS, DROP_BEFORE, Proxy, QueryError
from tests.support.standin import DEFAULT_REGION, FAKE_AWS_ENV

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "playbooks" / "mfa_campaign.yml"
CALLBACKS = ROOT / "tests" / "support" / "callbacks"
HOST = "staff"
USERS = ["ann", "ben", "cat", "dan", "eve", "fay", "gus"]  # 7 users to enrol, none on TOTP
ADMINS = ["ann", "ben", "cat"]
DAY1 = "2027-01-10"
DAY2 = "2027-01-17"  # a week on: everyone is due again, and the admins' deadline has passed (3 removals)
CAMPAIGN = {"mfa_campaign_deadline": "2027-03-01", "mfa_campaign_groups": {"admins": "2027-01-12"}}
SES = {"mfa_campaign_ses": {"source": "it@example.com", "subject": "MFA: $days_left days left",
                            "text": "Hello $username, set up an authenticator app before $deadline."},
       "mfa_campaign_emails_per_second": 50}
NO_QUOTAS = {category: None for category in DEFAULT_QUOTAS}
NUDGE_LIST_TASK = "mfaops.cognito.mfa_campaign : Write the nudge list for a mail merge, then record the nudges it hands over"
EMAIL_TASK = "mfaops.cognito.mfa_campaign : Email the nudges that are due"


def make_pool(cognito: Any, name: str) -> seed.Pool:
    pool = seed.create_pool(cognito, name, mfa_configuration="OPTIONAL")
    for user in USERS:
        seed.create_user(cognito, pool, user, "no_mfa")
    seed.add_to_group(cognito, pool, "admins", ADMINS)
    return pool


def admins(cognito: Any, pool: seed.Pool) -> list[str]:
    return sorted(u["Username"] for u in cognito.list_users_in_group(UserPoolId=pool.id, GroupName="admins")["Users"])


@dataclass
class Run:
    rc: int
    output: dict[str, Any]
    stdout: str
    stderr: str

    def __str__(self) -> str:
        return f"rc={self.rc}\n--- stderr ---\n{self.stderr[-3000:]}\n--- stdout ---\n{self.stdout[-3000:]}"

    def failed_task(self) -> str | None:
        for played in self.output.get("plays", []):
            for task in played["tasks"]:
                if task["hosts"].get(HOST, {}).get("failed"):
                    return task["task"]["name"]
        return None

    def result(self, name: str) -> dict[str, Any]:
        """The result of the task of this name on the pool's host."""
        for played in self.output.get("plays", []):
            for task in played["tasks"]:
                if task["task"]["name"] == name and HOST in task["hosts"]:
                    return task["hosts"][HOST]
        raise AssertionError(f"task {name!r} did not run on {HOST}\n{self}")

    def task_names(self) -> list[str]:
        return [task["task"]["name"] for played in self.output.get("plays", []) for task in played["tasks"]]


class Campaign:
    """One pool's campaign: its inventory, state and output directories, and its runs (ansible-playbook in a session
    of its own, so a kill takes it and nothing else)."""

    def __init__(self, where: Path, pool: seed.Pool, endpoint: str, collections: str, output_dir: Path | None = None):
        where.mkdir(parents=True, exist_ok=True)
        self.where, self.pool, self.collections = where, pool, collections
        self.state_dir = where / "mfa-campaign" / "state"
        self.output_dir = output_dir or where / "mfa-campaign"
        host = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                "cognito_user_pool_id": pool.id, "cognito_endpoint_url": endpoint,
                "mfa_campaign_state_dir": str(self.state_dir), "mfa_campaign_output_dir": str(self.output_dir)}
        self.inventory = where / "inventory.yml"
        self.inventory.write_text(yaml.safe_dump({"cognito_pools": {"hosts": {HOST: host}}}))
        self.pid = 0

    def run(self, today: str, kill_before: str | None = None, **extra: Any) -> Run:
        extra_vars = self.where / "extra.json"
        extra_vars.write_text(json.dumps({**CAMPAIGN, "mfa_campaign_today": today, **extra}))
        env = ansible.playbook_env(self.collections, self.where, nocolor="1", stdout_callback="ansible.posix.json",
                                   callback_plugins=str(CALLBACKS), callbacks_enabled="kill_before_task")
        env["MFAOPS_KILL_BEFORE_TASK"] = kill_before or ""
        command = [ansible.ansible_playbook(), "-i", str(self.inventory), str(PLAYBOOK), "-e", f"@{extra_vars}"]
        process = subprocess.Popen(command, cwd=self.where, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, start_new_session=True)
        self.pid = process.pid
        out, err = process.communicate(timeout=600)
        try:
            output = json.loads(out[out.index("{"):]) if "{" in out else {}
        except ValueError:
            output = {}
        return Run(process.returncode, output, out, err)

    def state(self) -> dict[str, Any]:
        path = self.state_dir / f"{self.pool.id}.campaign.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def nudged(self, day: str) -> list[str]:
        return sorted(u for u, kept in self.state().get("users", {}).items() if day in kept["nudges"])

    def listed(self) -> dict[str, Any]:
        path = self.output_dir / f"{HOST}-nudges.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def snapshot(self) -> dict[str, Any]:
        """The state file and the files, the pool id set aside (the clean run's pool is another)."""
        files = {name: (self.output_dir / f"{HOST}-{name}").read_bytes().replace(self.pool.id.encode(), b"POOL")
                 for name in ("nudges.csv", "nudges.json", "campaign.html")}
        return {"state": self.state_dir.joinpath(f"{self.pool.id}.campaign.json").read_text().replace(self.pool.id, "POOL"),
                "files": files}


@dataclass
class Clean:
    day1: dict[str, Any]
    day2: dict[str, Any]
    admins: list[str]
    tasks: list[str]


@pytest.fixture(scope="module")
def clean(standin: Any, cognito: Any, collections_path: str, tmp_path_factory: pytest.TempPathFactory) -> Clean:
    """A clean run of both days on a pool of its own, seeded as every test's pool is."""
    campaign = Campaign(tmp_path_factory.mktemp("clean"), make_pool(cognito, "nudges-clean"), standin.endpoint, collections_path)
    first = campaign.run(DAY1)
    assert first.rc == 0, first
    day1 = campaign.snapshot()
    second = campaign.run(DAY2)
    assert second.rc == 0, second
    listed = campaign.listed()
    assert [(n["username"], n["due"], n["nudges_sent"]) for n in listed["nudges"]] == [(u, True, 1) for u in USERS]
    assert campaign.nudged(DAY2) == USERS and admins(cognito, campaign.pool) == []
    return Clean(day1, campaign.snapshot(), admins(cognito, campaign.pool), second.task_names())


@pytest.fixture
def pool(cognito: Any, request: pytest.FixtureRequest) -> seed.Pool:
    return make_pool(cognito, f"nudges-{request.node.name[5:30]}")


@pytest.fixture
def proxy(standin: Any) -> Any:
    """A proxy of this test's own in front of the stand-in, for its faults and kills."""
    with Proxy(standin.endpoint, quotas=NO_QUOTAS) as running:
        yield running


def test_a_same_day_rerun_writes_the_same_files_and_changes_nothing(
    standin: Any, collections_path: str, pool: seed.Pool, tmp_path: Path, clean: Clean
) -> None:
    campaign = Campaign(tmp_path, pool, standin.endpoint, collections_path)
    first = campaign.run(DAY1)
    assert first.rc == 0, first
    assert [(n["username"], n["due"], n["nudges_sent"]) for n in campaign.listed()["nudges"]] == [(u, True, 0) for u in USERS]
    assert campaign.snapshot() == clean.day1
    again = campaign.run(DAY1)
    assert again.rc == 0, again
    assert again.output["stats"][HOST]["changed"] == 0, again
    assert campaign.snapshot() == clean.day1  # still every user due, none sent before: byte-identical files


def test_a_failure_after_the_decision_step_records_no_nudge(
    standin: Any, collections_path: str, pool: seed.Pool, tmp_path: Path, clean: Clean
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the output directory's parent should be")
    campaign = Campaign(tmp_path, pool, standin.endpoint, collections_path, output_dir=blocked / "mfa-campaign")
    failed = campaign.run(DAY1)
    assert failed.rc != 0 and failed.failed_task() == NUDGE_LIST_TASK, failed
    assert campaign.state()["started"] == DAY1 and campaign.nudged(DAY1) == []  # decided, but nobody was nudged
    blocked.unlink()
    rerun = campaign.run(DAY1)
    assert rerun.rc == 0, rerun
    assert campaign.snapshot() == clean.day1


def test_a_kill_during_the_removals_then_a_rerun(
    cognito: Any, collections_path: str, pool: seed.Pool, tmp_path: Path, clean: Clean, proxy: Any
) -> None:
    campaign = Campaign(tmp_path, pool, proxy.endpoint, collections_path)
    assert campaign.run(DAY1).rc == 0
    removals: list[str] = []

    def kill_at_the_second_removal(operation: str) -> str | None:
        if operation != "AdminRemoveUserFromGroup":
            return None
        removals.append(operation)
        if len(removals) != 2:
            return None
        os.killpg(campaign.pid, signal.SIGKILL)
        return DROP_BEFORE

    proxy.on_operation = kill_at_the_second_removal
    killed = campaign.run(DAY2)
    assert killed.rc == -signal.SIGKILL, killed
    kept = campaign.state()
    assert sorted(r["status"] for r in kept["removals"].values()) == ["pending", "removed"]
    assert len(admins(cognito, pool)) == 2
    assert campaign.nudged(DAY2) == [] and campaign.listed()["date"] == DAY1  # no list for day 2: no nudge recorded
    proxy.on_operation = None
    rerun = campaign.run(DAY2)
    assert rerun.rc == 0, rerun
    assert campaign.snapshot() == clean.day2
    assert admins(cognito, pool) == clean.admins


def test_a_kill_at_every_task_boundary_records_no_nudge_not_handed_over(
    cognito: Any, standin: Any, collections_path: str, pool: seed.Pool, tmp_path: Path, clean: Clean
) -> None:
    campaign = Campaign(tmp_path, pool, standin.endpoint, collections_path)
    assert campaign.run(DAY1).rc == 0
    assert NUDGE_LIST_TASK in clean.tasks and len(clean.tasks) >= 10
    for task in clean.tasks:
        killed = campaign.run(DAY2, kill_before=task)
        assert killed.rc == -signal.SIGKILL, (task, str(killed))
        nudged = campaign.nudged(DAY2)
        if nudged:  # handed over: today's list is written and lists each of them due
            listed = campaign.listed()
            assert listed["date"] == DAY2 and nudged == [n["username"] for n in listed["nudges"] if n["due"]], task
        assert campaign.listed()["date"] == DAY1 or nudged == USERS, task
    assert campaign.nudged(DAY2) == USERS  # the kills after the list's task found it handed over
    finished = campaign.run(DAY2)
    assert finished.rc == 0, finished
    assert campaign.snapshot() == clean.day2
    assert admins(cognito, pool) == clean.admins


def test_ses_accepting_some_emails_then_refusing(
    standin: Any, collections_path: str, pool: seed.Pool, tmp_path: Path, clean: Clean, proxy: Any
) -> None:
    boto3.client("ses", endpoint_url=standin.endpoint, region_name=DEFAULT_REGION,
                 aws_access_key_id=FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
                 aws_secret_access_key=FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"]).verify_email_identity(EmailAddress="it@example.com")
    accepted: list[str] = []
    refused: list[str] = []

    def ses(accept: int) -> Callable[[str, dict[str, str]], QueryError | None]:
        """SES as an account whose sending is paused after `accept` more emails (SendEmail's
        AccountSendingPausedException, HTTP 400)."""
        limit = len(accepted) + accept

        def answer(action: str, fields: dict[str, str]) -> QueryError | None:
            if action != "SendEmail":
                return None
            if len(accepted) >= limit:
                refused.append(fields["Destination.ToAddresses.member.1"])
                return QueryError(400, "AccountSendingPausedException", "Email sending is disabled for your entire Amazon SES account.")
            accepted.append(fields["Destination.ToAddresses.member.1"].split("@")[0])
            return None

        return answer

    campaign = Campaign(tmp_path, pool, proxy.endpoint, collections_path)
    proxy.on_query = ses(accept=3)
    first = campaign.run(DAY1, **SES)
    assert first.rc != 0 and first.failed_task() == EMAIL_TASK, first
    assert len(accepted) == 3 and campaign.nudged(DAY1) == sorted(accepted)  # each accepted email recorded, no other
    assert len(refused) == 1  # the account refuses every email: the module stops at the first refusal
    emailing = first.result(EMAIL_TASK)
    assert emailing["failed"] is True and sorted(emailing["sent"]) == sorted(accepted), emailing
    assert [(r["username"], r["error_code"]) for r in emailing["refused"]] == [(refused[0].split("@")[0],
                                                                               "AccountSendingPausedException")]
    assert len(emailing["not_attempted"]) == len(USERS) - 4, emailing
    assert [n["nudges_sent"] for n in campaign.listed()["nudges"]] == [0] * len(USERS)
    proxy.on_query = ses(accept=len(USERS))
    rerun = campaign.run(DAY1, **SES)
    assert rerun.rc == 0, rerun
    assert sorted(accepted) == USERS  # each user emailed once: the rerun skipped the 3 already emailed today
    assert campaign.snapshot() == clean.day1
    again = campaign.run(DAY1, **SES)
    assert again.rc == 0 and again.output["stats"][HOST]["changed"] == 0, again
    assert sorted(accepted) == USERS
