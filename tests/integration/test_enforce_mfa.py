"""playbooks/enforce_mfa.yml (the role mfaops.cognito.enforce_mfa) on the example
inventory, through ansible-playbook, against the stand-in.

Each test writes its own copy of examples/ (inventory.yml + users/) into tmp_path,
with the pool ids given a suffix so that every test has pools of its own, and
changes only what it is about. The pools are the example inventory's two pools
(tests/support/demo_pools.py: users in mixed MFA states, groups in the EU pool), in
two regions, worked on with forks > 1. Claims about calls are checked at the
stand-in, which counts calls per operation and pool; final states are read back
through boto3.

As in Cognito, an administrator cannot see whether a user has verified a TOTP
token: enforcing TOTP on a user without one is a write that the stand-in refuses.
So "no write" is asserted as "no accepted write" where not-enrolled users are in
the pool, and strictly (no write call at all) in check mode and for bad inputs.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from tests.support import demo_pools, seed
from tests.support.standin import write_calls

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "playbooks" / "enforce_mfa.yml"
US, EU = "staff-us", "customers-eu"
READ, WRITE, DESCRIBE = "AdminGetUser", "AdminSetUserMFAPreference", "DescribeUserPool"
TOTP = "software_token_mfa"
OUTCOMES = ("unchanged", "changed", "not_enrolled", "not_applicable", "excluded", "not_found", "failed", "not_attempted")
TASK_USERS = "Gather and check the users listed for the pool"
TASK_ENFORCE = "Enforce TOTP enabled and preferred, batch by batch"
TASK_SUMMARY = "Sum up the pool"
TASK_THRESHOLDS = "Check the pool against its thresholds"
API_TASKS = ("Put the pool's MFA configuration in place", TASK_ENFORCE)
FORKS = ("--forks", "4")
SHOW_STATS = {"show_custom_stats": "true"}


# ----------------------------------------------------------------------- helpers


def write_inventory(
    directory: Path, suffix: str, hosts: dict[str, Any] | None = None, files: dict[str, Any] | None = None
) -> Path:
    """A copy of examples/inventory.yml and examples/users/ in ``directory``, the
    pool ids ending in ``suffix``. ``hosts`` adds or replaces host vars (a var set
    to None is removed; a host set to None is left out; a new host is added);
    ``files`` writes more files beside the inventory (YAML data)."""
    shutil.copytree(demo_pools.INVENTORY.parent / "users", directory / "users")
    inventory = yaml.safe_load(demo_pools.INVENTORY.read_text())
    pools = inventory["cognito_pools"]["hosts"]
    for hostvars in pools.values():
        hostvars["cognito_user_pool_id"] += suffix
    for host, changes in (hosts or {}).items():
        if changes is None:
            del pools[host]
            continue
        pools.setdefault(host, {}).update(changes)
        pools[host] = {key: value for key, value in pools[host].items() if value is not None}
    for name, data in (files or {}).items():
        (directory / name).write_text(yaml.safe_dump(data))
    path = directory / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    return path


def play(run_playbook: Any, standin: Any, inventory: Path, extra_vars: dict[str, Any] | None = None, **options: Any) -> Any:
    """The enforce_mfa playbook (or ``playbook=``) on ``inventory`` against the stand-in, forks > 1,
    set_stats shown; the stand-in's counts are reset first."""
    standin.reset_counts()
    return run_playbook(
        options.pop("playbook", PLAYBOOK),
        {"cognito_endpoint_url": standin.endpoint, **(extra_vars or {})},
        args=("-i", str(inventory), *FORKS),
        config=SHOW_STATS,
        **options,
    )


def results(run: Any, task: str) -> dict[str, dict[str, Any]]:
    """``{host: result}`` of the role's task called ``task`` (hosts it ran on)."""
    for played in run.output.get("plays", []):
        for ran in played["tasks"]:
            if ran["task"]["name"].endswith(f" : {task}"):
                return ran["hosts"]
    return {}


def diff_users(run: Any, host: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(before, after) of the enforce task's diff on ``host``, all batches together."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for batch in results(run, TASK_ENFORCE)[host]["results"]:
        before.update(batch.get("diff", {}).get("before", {}))
        after.update(batch.get("diff", {}).get("after", {}))
    return before, after


def summary(run: Any, host: str) -> dict[str, Any]:
    """The pool's summary (the mfa_summary filter's result) on ``host``."""
    return results(run, TASK_SUMMARY)[host]["ansible_facts"]["enforce_mfa_summary"]


def counts(total: int, **nonzero: int) -> dict[str, int]:
    return {**dict.fromkeys(OUTCOMES, 0), **nonzero, "total": total}


def states(standin: Any, pools: dict[str, seed.Pool]) -> dict[tuple[str, str], dict[str, Any]]:
    """Every user's MFA state in every pool, read through boto3."""
    found = {}
    for pool in demo_pools.POOLS:
        client = standin.client(region=pools[pool.host].id.split("_")[0])
        for name in pool.names():
            found[pool.host, name] = seed.mfa_state(client, pools[pool.host].id, name)
    return found


def accepted_writes(standin: Any, pool_id: str) -> dict[str, int]:
    """Write calls the stand-in accepted (did not answer with an error) in a pool."""
    made, refused = write_calls(standin.counts(pool_id)), standin.failures(pool_id)
    return {op: n - refused.get(op, 0) for op, n in made.items() if n - refused.get(op, 0)}


def totp_preferred(state: dict[str, Any]) -> bool:
    return TOTP in state["enabled_methods"] and state["preferred_method"] == TOTP


# ------------------------------------------------------------------------- tests


def test_example_inventory_check_apply_rerun(standin: Any, run_playbook: Any, tmp_path: Path) -> None:
    """The example inventory as shipped (two pools, two regions, inline users, a
    users file, groups, an exclusion): --check --diff writes nothing and lists
    exactly the users that would change; applying gives each user exactly the
    expected state; a second run (the collection's playbook by name) changes
    nothing. Summaries and set_stats counts are checked in every run."""
    inventory = write_inventory(tmp_path / "A", "A")
    pools = demo_pools.create(standin, inventory)
    us, eu = pools[US].id, pools[EU].id
    start = states(standin, pools)

    # 1. Check mode with diff: reads only, nothing changes.
    run = play(run_playbook, standin, inventory, check=True, diff=True)
    assert run.rc == 0, run
    # alice..frank, once each; breakglass-admin never read; how the pool names users, read once (cognito_exclude is set)
    assert standin.counts(us) == {DESCRIBE: 1, READ: 6}
    # The groups' members (sam, sofia, steve, adam) and the file's oscar, olivia: each read
    # once, by the enforcement itself (issue 15: no separate selection pass reads them first);
    # the pool's naming read once per task (the file's batch and the selected users).
    assert standin.counts(eu) == {DESCRIBE: 2, "ListUsersInGroup": 2, READ: 4 + 2}
    assert states(standin, pools) == start
    # Whether a user has a verified token can't be read: the not-enrolled "would change" too.
    expected_diff = {US: ["alice", "bob", "carol", "erin", "frank"], EU: ["adam", "olivia", "oscar", "sofia", "steve"]}
    for host, names in expected_diff.items():
        before, after = diff_users(run, host)
        assert sorted(before) == sorted(after) == names, host
        assert all(before[name] == start[host, name] for name in names)
        assert all(totp_preferred(state) for state in after.values())
    assert diff_users(run, US)[1]["carol"]["enabled_methods"] == [TOTP, "sms_mfa"]  # SMS stays as a fallback
    assert diff_users(run, EU)[1]["olivia"]["enabled_methods"] == [TOTP]  # her entry turns SMS off
    expected_check = counts(6, unchanged=1, changed=5)
    assert run.output["global_custom_stats"] == {"mfa_enforce": {US: expected_check, EU: expected_check}}
    assert summary(run, US)["message"] == "6 users: 1 already compliant, 5 would change"
    assert {host: stats["changed"] for host, stats in run.output["stats"].items()} == {US: 1, EU: 1}

    # 2. Apply (with diff): exactly the expected final state for every user.
    run = play(run_playbook, standin, inventory, diff=True)
    assert run.rc == 0, run  # not enrolled users do not fail the run by default
    applied = states(standin, pools)
    for pool in demo_pools.POOLS:
        for user in pool.users:
            assert applied[pool.host, user.name] == demo_pools.expected_state(user, start[pool.host, user.name]), (pool.host, user)
        changed, not_enrolled = sorted(pool.names(demo_pools.CHANGED)), sorted(pool.names(demo_pools.NOT_ENROLLED))
        assert summary(run, pool.host)["changed"] == changed
        assert summary(run, pool.host)["not_enrolled"] == not_enrolled
        assert sorted(diff_users(run, pool.host)[0]) == changed  # the diff shows real changes only
    assert run.output["global_custom_stats"]["mfa_enforce"] == {
        US: counts(6, unchanged=1, changed=3, not_enrolled=2),
        EU: counts(6, unchanged=1, changed=4, not_enrolled=1),
    }
    assert summary(run, EU)["message"] == "6 users: 1 already compliant, 4 changed, 1 not enrolled"
    assert accepted_writes(standin, us) == {WRITE: 3} and standin.failures(us) == {WRITE: 2}
    assert accepted_writes(standin, eu) == {WRITE: 4} and standin.failures(eu) == {WRITE: 1}

    # 3. Again, as the collection's playbook (mfaops.cognito.enforce_mfa): nothing changes.
    run = play(run_playbook, standin, inventory, playbook="- import_playbook: mfaops.cognito.enforce_mfa\n")
    assert run.rc == 0, run
    assert {host: stats["changed"] for host, stats in run.output["stats"].items()} == {US: 0, EU: 0}
    assert accepted_writes(standin, us) == accepted_writes(standin, eu) == {}
    assert states(standin, pools) == applied
    assert run.output["global_custom_stats"]["mfa_enforce"] == {
        US: counts(6, unchanged=4, not_enrolled=2),
        EU: counts(6, unchanged=5, not_enrolled=1),
    }
    assert [[batch["_ansible_item_label"] for batch in results(run, TASK_ENFORCE)[host]["results"]] for host in (US, EU)] == [
        ["batch 1/1 (6 users)"],
        ["batch 1/1 (2 users)", "the selected users"],  # oscar, olivia (listed), then the group members
    ]


def test_bad_inputs_fail_before_any_call(standin: Any, run_playbook: Any, tmp_path: Path) -> None:
    """Each bad input fails with one message naming the pool, the file and the
    entry; with any_errors_fatal no pool is touched, good ones included: the
    stand-in sees no call at all."""
    good = write_inventory(tmp_path / "B", "B")
    pools = demo_pools.create(standin, good)
    start = states(standin, pools)

    # 1. One bad pool (a malformed id) stops the other, good pool too.
    bad_id = write_inventory(tmp_path / "B1", "B", hosts={US: {"cognito_user_pool_id": "us-east-1-DemoStaff1B"}})
    run = play(run_playbook, standin, bad_id)
    assert run.rc != 0, run
    failed = results(run, "Check the pool id and its region")
    assert failed[US]["failed"] is True and not failed[EU].get("failed")
    assert failed[US]["msg"] == (
        'pool staff-us: cognito_user_pool_id "us-east-1-DemoStaff1B" is not a Cognito user pool id '
        "(expected <region>_<id>, for example eu-west-1_AbCdEf123)"
    )
    assert all(not results(run, task) for task in (TASK_USERS, *API_TASKS))  # customers-eu stopped too
    assert standin.counts() == {}

    # 2. Every bad user list, one per pool host (each host fails on its own input),
    #    beside the two good pools: nothing runs anywhere.
    bad_hosts = {
        "unknown-key": {"cognito_users": ["alice", {"username": "bob", "totp": True}]},
        "duplicate-in-file": {"cognito_users": [], "cognito_users_files": ["users/dup.yml"]},
        "duplicate-across": {"cognito_users": ["erin"], "cognito_users_files": ["users/staff-us.yml"]},
        "missing-file": {"cognito_users_files": ["users/staff-us.yml", "users/nobody.yml"]},
        "not-a-list": {"cognito_users_files": ["users/mapping.yml"]},
        "conflicting-preferred": {"cognito_users": ["alice", {"username": "carol", "sms_mfa": {"preferred": True}}]},
    }
    for n, hostvars in enumerate(bad_hosts.values()):
        hostvars["cognito_user_pool_id"] = f"us-east-1_Bad{n}"
    files = {"users/dup.yml": ["dave", {"username": "erin"}, "dave"], "users/mapping.yml": {"alice": {"sms_mfa": {"enabled": True}}}}
    inventory = write_inventory(tmp_path / "B2", "B", hosts=bad_hosts, files=files)
    run = play(run_playbook, standin, inventory, check=False)
    assert run.rc != 0, run
    # Ansible puts its own words before the lookup's message; the message is the end of it.
    failed = {host: result["msg"] for host, result in results(run, TASK_USERS).items() if result.get("failed")}
    messages = {host: msg[msg.find(f"pool {host}: "):] for host, msg in failed.items()}
    # A miss names every place looked, in order: the inventory's directory, playbook_dir, the working directory,
    # the play's files search path.
    missing = messages.pop("missing-file")
    looked = "; ".join(str(place / "users/nobody.yml") for place in (inventory.parent, PLAYBOOK.parent, tmp_path))
    assert missing.startswith(f"pool missing-file: users file 'users/nobody.yml' does not exist (looked in: {looked}; the play's files search path ("), missing
    assert messages == {
        "unknown-key": "pool unknown-key: inline users, entry 2 (bob): unknown key(s) totp (allowed: username, software_token_mfa, sms_mfa, email_mfa)",
        "duplicate-in-file": "pool duplicate-in-file: users file 'users/dup.yml', entry 3 (dave): duplicate of users file 'users/dup.yml', entry 1",
        "duplicate-across": "pool duplicate-across: users file 'users/staff-us.yml', entry 2 (erin): duplicate of inline users, entry 1",
        "not-a-list": "pool not-a-list: users file 'users/mapping.yml' must hold a list of users, not a mapping",
        "conflicting-preferred": (
            "pool conflicting-preferred: inline users, entry 2 (carol): only one method can be preferred, "
            "got software_token_mfa, sms_mfa"
        ),
    }, messages
    assert all(not results(run, task) for task in API_TASKS)
    assert standin.counts() == {}
    assert states(standin, pools) == start


def test_thresholds_fail_the_run(standin: Any, run_playbook: Any, tmp_path: Path) -> None:
    """enforce_mfa_fail_on [not_enrolled] fails each pool naming its not-enrolled
    users; enforce_mfa_max_noncompliant_percent passes at exactly the pool's share
    of users not on TOTP and fails just below it."""
    # 4 users in the US pool (bob not enrolled: 25 %), 5 in the EU pool (steve: 20 %).
    hosts = {US: {"cognito_users": ["alice", "bob", "carol", "dave"], "cognito_users_files": None}, EU: {"cognito_groups": ["support"]}}
    inventory = write_inventory(tmp_path / "C", "C", hosts=hosts)
    demo_pools.create(standin, inventory)

    run = play(run_playbook, standin, inventory, {"enforce_mfa_fail_on": ["not_enrolled"]})
    assert run.rc != 0, run
    checked = results(run, TASK_THRESHOLDS)
    assert checked[US]["failed"] and checked[EU]["failed"]
    assert "1 not enrolled (fails the run: enforce_mfa_fail_on): bob." in checked[US]["msg"], checked[US]["msg"]
    assert "1 not enrolled (fails the run: enforce_mfa_fail_on): steve." in checked[EU]["msg"], checked[EU]["msg"]
    assert checked[US]["msg"].startswith("staff-us: 4 users: 1 already compliant, 2 changed, 1 not enrolled.")
    assert run.output["global_custom_stats"]["mfa_enforce"] == {  # published before the check
        US: counts(4, unchanged=1, changed=2, not_enrolled=1),
        EU: counts(5, unchanged=1, changed=3, not_enrolled=1),
    }

    hosts[US]["enforce_mfa_max_noncompliant_percent"] = 25
    hosts[EU]["enforce_mfa_max_noncompliant_percent"] = 19.99
    run = play(run_playbook, standin, write_inventory(tmp_path / "C2", "C", hosts=hosts))
    assert run.rc != 0, run
    checked = results(run, TASK_THRESHOLDS)
    assert not checked[US].get("failed") and checked[US]["msg"] == "staff-us: within thresholds"
    assert checked[EU]["failed"]
    assert "20.0 % of the users are not on TOTP, more than enforce_mfa_max_noncompliant_percent (19.99 %)." in checked[EU]["msg"]
    assert "fails the run: enforce_mfa_fail_on" not in checked[EU]["msg"]


def test_3000_users_in_batches(standin: Any, cognito: Any, run_playbook: Any, tmp_path: Path) -> None:
    """One pool of 3,000 users (seeded through the stand-in's backdoor, listed in a
    generated users file) in batches of 1,000: one progress line per batch, exact
    counts per batch and in total, the calls to match."""
    pool = seed.create_pool(cognito, "enforce-3000")
    # Every 20 users: 16 already compliant, 3 to change, 1 not enrolled.
    mix = ["totp_preferred"] * 16 + ["totp_verified"] * 3 + ["no_mfa"]
    users = [(f"user-{i:04d}", mix[i % 20]) for i in range(3000)]
    seed.seed_backdoor(standin, pool, users)
    big = {"cognito_user_pool_id": pool.id, "cognito_region": "us-east-1", "cognito_users_files": ["users/big.yml"]}
    inventory = write_inventory(
        tmp_path / "D", "", hosts={US: None, EU: None, "big-pool": big}, files={"users/big.yml": [user[0] for user in users]}
    )
    fast = {"enforce_mfa_batch_size": 1000, "enforce_mfa_reads_per_second": 5000, "enforce_mfa_writes_per_second": 5000}

    run = play(run_playbook, standin, inventory, fast, timeout=900)
    assert run.rc == 0, run
    batches = results(run, TASK_ENFORCE)["big-pool"]["results"]
    assert [batch["_ansible_item_label"] for batch in batches] == [f"batch {n}/3 (1000 users)" for n in (1, 2, 3)]
    assert [batch["counts"] for batch in batches] == [counts(1000, unchanged=800, changed=150, not_enrolled=50)] * 3
    assert run.output["global_custom_stats"] == {"mfa_enforce": {"big-pool": counts(3000, unchanged=2400, changed=450, not_enrolled=150)}}
    assert summary(run, "big-pool")["message"] == "3000 users: 2400 already compliant, 450 changed, 150 not enrolled"
    assert summary(run, "big-pool")["not_enrolled"] == sorted(name for name, state in users if state == "no_mfa")
    # Read each user, write the 600 not compliant (150 refused), read back the 450 changed.
    assert standin.counts(pool.id) == {DESCRIBE: 3, READ: 3000 + 450, WRITE: 600}  # DescribeUserPool: once a batch
    assert standin.failures(pool.id) == {WRITE: 150}
    for name, state in users[::97]:  # a sample, read back through boto3
        after = seed.mfa_state(cognito, pool.id, name)
        assert totp_preferred(after) == (state != "no_mfa"), (name, state, after)
