"""Issue 15: enforce and report in one pass, and group members read once.

playbooks/enforce_mfa.yml with enforce_mfa_report writes audit_mfa's report from the states it read
and read back; the stand-in's counters prove each user is read once (plus one read-back per changed
user), and audit_mfa.yml run afterwards on the same pool finds the same states.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.integration.test_account_budget import inventory
from tests.integration.test_audit_mfa import task_results
from tests.support import seed

ROOT = Path(__file__).resolve().parents[2]
READ = "AdminGetUser"


def pool_rows(report_dir: Path) -> tuple[dict[str, Any], dict[str, str]]:
    report = json.loads((report_dir / "mfa-audit-latest.json").read_text())
    (pool,) = report["pools"]
    return pool, {user["username"]: user["state"] for user in pool["users"]}


def test_enforce_writes_the_audit_report_reading_each_user_once(
    standin: Any, cognito: Any, run_playbook: Any, tmp_path: Path
) -> None:
    pool = seed.create_pool(cognito, "one-pass")
    seed.seed_backdoor(standin, pool, {"no_mfa": 8, "totp_verified": 6, "totp_preferred": 6}, prefix="op-")
    seed.add_to_group(cognito, pool, "staff", pool.names())
    listed = pool.names("totp_verified")[:2]  # named in the list and in the group: read once
    one, two = tmp_path / "one", tmp_path / "two"
    path = inventory(tmp_path, {"pool": pool}, standin.endpoint, cognito_users=listed, cognito_groups=["staff"],
                     enforce_mfa_report=True, audit_mfa_report_dir=str(one))
    standin.reset_counts()
    run = run_playbook(ROOT / "playbooks" / "enforce_mfa.yml", {}, args=("-i", str(path)))
    assert run.rc == 0, run
    counts = standin.counts(pool.id)
    changed = 6
    assert counts[READ] == 20 + changed, counts  # one read per user, one read-back per changed user
    assert (counts[READ] - changed) / 20 <= 1.05
    assert counts["AdminSetUserMFAPreference"] == changed + 8, counts  # the never-enrolled are refused, no state dir
    enforced, states = pool_rows(one)
    assert enforced["counts"]["compliant"] == 12, enforced["counts"]
    assert enforced["counts"]["non_compliant_by_mfa_state"]["no_mfa"] == 8, enforced["counts"]
    assert sorted(states) == sorted(pool.names())
    assert {(one / f"mfa-audit-latest.{ext}").exists() for ext in ("json", "csv", "html", "junit.xml")} == {True}
    # The audit's rows went through a private file per batch, not the results, and the files are gone.
    (batches,) = task_results(run, "Enforce TOTP enabled and preferred, batch by batch").values()
    audits = [batch["audit"] for batch in batches["results"]]
    assert len(audits) == 2 and all(audit["users"] == [] and audit["users_file"] for audit in audits), audits
    assert sum(audit["counts"]["total"] for audit in audits) == 20
    (rows_dir,) = task_results(run, "Make a private directory for the one-pass audit's rows").values()
    assert all(Path(audit["users_file"]).parent == Path(rows_dir["path"]) for audit in audits)
    assert not Path(rows_dir["path"]).exists()

    path = inventory(tmp_path, {"pool": pool}, standin.endpoint, cognito_groups=["staff"], audit_mfa_report_dir=str(two))
    run = run_playbook(ROOT / "playbooks" / "audit_mfa.yml", {}, args=("-i", str(path)))
    assert run.rc == 0, run
    audited, audited_states = pool_rows(two)
    assert audited_states == states
    assert audited["counts"] == enforced["counts"]
