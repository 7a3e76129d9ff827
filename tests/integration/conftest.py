"""Fixtures for the integration tests: the local Cognito stand-in behind the Cognito
front, a boto3 client on it, and ``run_playbook``, which runs ``ansible-playbook`` against it.

``standin`` is the endpoint of the front (tests/support/cognito_front.py, a layer of the
proxy with no quotas): it answers as Cognito does where moto differs, and passes the
stand-in's own ``/_standin/`` routes through. ``moto_standin`` is moto alone; a test that
uses it says why.

``ANSIBLE_COLLECTIONS_PATH`` (set by the Makefile to build/collections) must hold
``ansible_collections/mfaops/cognito``; when it does not, the tree is copied to a
temporary directory, so ``pytest tests/integration`` also works on its own.
Modules get the endpoint, region and fake keys from
``module_defaults: group/mfaops.cognito.aws``, which exercises the action group.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# pylint: disable=wrong-import-position
from tests.support import playbook as ansible  # noqa: E402
from tests.support.cognito_front import CognitoFront  # noqa: E402
from tests.support.proxy import DEFAULT_QUOTAS, Proxy  # noqa: E402
from tests.support.standin import DEFAULT_REGION, FAKE_AWS_ENV, StandIn, StandInClient  # noqa: E402

ACTION_GROUP = "group/mfaops.cognito.aws"


@dataclass
class PlaybookRun:
    """One ``ansible-playbook`` run: exit code, output, and the parsed JSON of the
    ``ansible.posix.json`` callback."""

    rc: int
    stdout: str
    stderr: str
    output: dict[str, Any]
    command: list[str]

    @property
    def tasks(self) -> list[tuple[str, dict[str, Any]]]:
        """``[(task name, result on localhost)]`` in run order."""
        return [
            (task["task"]["name"], task["hosts"]["localhost"])
            for play in self.output.get("plays", [])
            for task in play["tasks"]
            if "localhost" in task["hosts"]
        ]

    def result(self, name: str | None = None) -> dict[str, Any]:
        """The result of the task called ``name`` (the last task if None)."""
        tasks = self.tasks
        if name is None:
            if not tasks:
                raise AssertionError(f"no task ran\n{self}")
            return tasks[-1][1]
        for task_name, result in tasks:
            if task_name == name:
                return result
        raise AssertionError(f"no task named {name!r} ran; ran: {[task[0] for task in tasks]}\n{self}")

    def __str__(self) -> str:
        return (
            f"$ {' '.join(self.command)}\nrc={self.rc}\n--- stderr (tail) ---\n{self.stderr[-3000:]}"
            f"\n--- stdout (tail) ---\n{self.stdout[-3000:]}"
        )


def standard_play(tasks: list[dict[str, Any]], play_vars: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One play on localhost; the modules' AWS settings come from the action group."""
    return [
        {
            "name": "integration test",
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}", **(play_vars or {})},
            "module_defaults": {
                ACTION_GROUP: {
                    "endpoint_url": "{{ cognito_endpoint }}",
                    "region": DEFAULT_REGION,
                    "access_key": FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
                    "secret_key": FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
                }
            },
            "tasks": tasks,
        }
    ]


class FrontedStandIn(StandInClient):
    """The stand-in as clients see it: through the Cognito front."""

    def __init__(self, proxy: Proxy, moto: StandIn) -> None:
        super().__init__(endpoint=proxy.endpoint)
        self.proxy, self.front, self.moto = proxy, proxy.front, moto


@pytest.fixture(scope="session")
def moto_standin() -> Iterator[StandIn]:
    """moto alone, started once for the session (its own process, stopped at the end)."""
    with StandIn() as running:
        yield running


@pytest.fixture(scope="session")
def standin(moto_standin: StandIn) -> Iterator[FrontedStandIn]:
    """The stand-in behind the Cognito front (no quotas, no faults)."""
    with Proxy(moto_standin.endpoint, quotas={category: None for category in DEFAULT_QUOTAS}, front=CognitoFront()) as proxy:
        yield FrontedStandIn(proxy, moto_standin)


@pytest.fixture
def front(standin: FrontedStandIn) -> Iterator[CognitoFront]:
    """The front, its settings restored after the test."""
    saved = standin.front.config()
    yield standin.front
    standin.front.configure(**saved)


@pytest.fixture(autouse=True)
def fresh_trail(request: pytest.FixtureRequest) -> None:
    """Each test that uses the stand-in starts with an empty CloudTrail on its worker's front. The events of an
    earlier test on the same worker (a token call that carries no sub, say) would be ambiguous to this test's state
    runs and make them read the whole pool, as such events would on a real account."""
    if "standin" in request.fixturenames:
        running = request.getfixturevalue("standin")
        if isinstance(running, FrontedStandIn):  # a test file may have a stand-in of its own under that name
            running.front.trail.clear()


@pytest.fixture(scope="session")
def cognito(standin: StandInClient) -> Any:
    """A boto3 cognito-idp client on the front (fake keys, us-east-1)."""
    return standin.client()


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A collections path that holds mfaops.cognito (a copy of this tree if
    ANSIBLE_COLLECTIONS_PATH does not)."""
    return ansible.collections_path(tmp_path_factory.mktemp("collections"))


@pytest.fixture
def run_playbook(standin: StandInClient, collections_path: str, tmp_path: Path) -> Callable[..., PlaybookRun]:
    """``run_playbook(playbook, extra_vars=None, check=False, diff=False, args=(), config=None)``.

    ``playbook``: YAML text, a list of plays, or a list of tasks (wrapped in
    ``standard_play``); or the ``Path`` of a playbook file, run as it is.
    ``cognito_endpoint`` is always passed as an extra var. ``config``: more Ansible
    settings, e.g. ``{"show_custom_stats": "true"}`` (as ``ANSIBLE_SHOW_CUSTOM_STATS``).
    """
    command_base = [ansible.ansible_playbook(), "-i", "localhost,"]
    counter = iter(range(1, 1000))

    def run(
        playbook: str | Path | list[dict[str, Any]],
        extra_vars: dict[str, Any] | None = None,
        check: bool = False,
        diff: bool = False,
        args: tuple[str, ...] = (),
        timeout: float = 600,
        config: dict[str, str] | None = None,
    ) -> PlaybookRun:
        n = next(counter)
        if isinstance(playbook, Path):
            path = playbook
        else:
            if not isinstance(playbook, str):
                plays = playbook if playbook and "hosts" in playbook[0] else standard_play(playbook)
                playbook = yaml.safe_dump(plays, sort_keys=False)
            path = tmp_path / f"playbook-{n}.yml"
            path.write_text(playbook)
        vars_path = tmp_path / f"vars-{n}.json"
        vars_path.write_text(json.dumps({"cognito_endpoint": standin.endpoint, **(extra_vars or {})}))
        command = [*command_base, str(path), "-e", f"@{vars_path}", *args]
        command += ["--check"] if check else []
        command += ["--diff"] if diff else []
        done = subprocess.run(
            command,
            cwd=tmp_path,
            env=ansible.playbook_env(
                collections_path, tmp_path, stdout_callback="ansible.posix.json", nocolor="1", **(config or {})
            ),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        try:
            output = json.loads(done.stdout[done.stdout.index("{"):]) if "{" in done.stdout else {}
        except ValueError:
            output = {}
        run_result = PlaybookRun(done.returncode, done.stdout, done.stderr, output, command)
        if not output:
            raise AssertionError(f"ansible-playbook gave no JSON result\n{run_result}")
        return run_result

    return run
