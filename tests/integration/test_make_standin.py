"""`make standin` / `make standin-stop` (tests/tools/standin.py): the stand-in starts in the
background with the example pools, prints the endpoint and how to point an inventory at it,
and what it prints works: the example inventory, pointed at it with cognito_endpoint_url,
runs enforce_mfa in check mode against both pools. Then it stops, and nothing is left."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.support import playbook as ansible
from tests.support.standin import StandInClient

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "tools" / "standin.py"


def test_make_targets_run_the_script() -> None:
    dry = subprocess.run(["make", "-n", "standin", "standin-stop"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "tests/tools/standin.py start" in dry.stdout and "tests/tools/standin.py stop" in dry.stdout


def test_standin_with_example_pools(collections_path: str, tmp_path: Path) -> None:
    state_file = tmp_path / "standin.json"

    def cli(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(SCRIPT), command, "--state-file", str(state_file)],
                              capture_output=True, text=True, timeout=180, check=False)

    started = cli("start")
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        endpoint = re.search(r"^Local Cognito stand-in: (http://127\.0\.0\.1:\d+)$", started.stdout, re.M).group(1)
        assert f"-e cognito_endpoint_url={endpoint}" in started.stdout
        assert f"cognito_endpoint_url: {endpoint}" in started.stdout
        assert "make standin-stop" in started.stdout
        for pool_id in ("us-east-1_DemoStaff1", "eu-west-1_DemoCust1"):
            assert pool_id in started.stdout
        again = cli("start")
        assert again.returncode == 0 and f"already running: {endpoint}" in again.stdout
        standin = StandInClient(endpoint)
        assert standin.client(region="us-east-1").describe_user_pool(UserPoolId="us-east-1_DemoStaff1")["UserPool"]["Id"]
        standin.reset_counts()

        # What the output says to run, as a new user would run it.
        run = subprocess.run(
            [ansible.ansible_playbook(), "-i", "examples/inventory.yml", "playbooks/enforce_mfa.yml", "--check",
             "-e", f"cognito_endpoint_url={endpoint}"],
            cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
            env=ansible.playbook_env(collections_path, tmp_path),
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        for pool_id in ("us-east-1_DemoStaff1", "eu-west-1_DemoCust1"):
            counts = standin.counts(pool_id)
            assert counts.get("AdminGetUser", 0) > 0, (pool_id, counts)
            assert not {op for op in counts if op.startswith(("AdminSetUserMFAPreference", "SetUserPoolMfaConfig"))}
    finally:
        stopped = cli("stop")
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert not state_file.exists()
    assert "not running" in cli("stop").stdout
