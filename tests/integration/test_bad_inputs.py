"""Bad input, refused before any call: one table of every malformed input the collection is known to refuse, across
its modules and roles, so that none regresses. Each row is (module or role, case, the module's arguments or the
pool host's vars, a fragment of the message): the task fails with one clear message (no traceback, no module failure)
holding the fragment, no secret shows in the output, and the stand-in counts no call at all.

The rows of one module or role run in one playbook (the modules in one play; a role with one pool host per row),
once for the whole table; each row is a test of its own. README.md ("Reliability") gives the table's size.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from tests.support import playbook as ansible
from tests.support.standin import DEFAULT_REGION, STANDIN_PASSWORD, STANDIN_TOTP_SECRET

ROOT = Path(__file__).resolve().parents[2]
GROUP = "group/mfaops.cognito.aws"
USER_MFA, INFO = "mfaops.cognito.cognito_user_mfa", "mfaops.cognito.cognito_user_mfa_info"
POOL_MFA, AUTH = "mfaops.cognito.cognito_user_pool_mfa", "mfaops.cognito.cognito_auth_test"
USER, POOL_INFO = "mfaops.cognito.cognito_user", "mfaops.cognito.cognito_user_pool_info"
ENFORCE, AUDIT, ONBOARD = "mfaops.cognito.enforce_mfa", "mfaops.cognito.audit_mfa", "mfaops.cognito.onboard_users"
ROLES = (ENFORCE, AUDIT, ONBOARD)
TOTP_ON = {"enabled": True, "preferred": True}
BOGUS_ACCESS_TOKEN = "bogus-access-token-mfaops-bad-input-0001"
BAD_TOTP_SECRET = "NOT-BASE32-BAD-INPUT-8901!"
POOL = "us-east-1_AbCdEf123"
NEWLINE_POOL = POOL + "\n"  # ^...$ took it; the pool id is matched whole now
NOT_A_POOL = "is not a Cognito user pool id"
SIGN_IN = {"user_pool_id": POOL, "client_id": "abc", "username": "alice", "password": "{{ pw }}"}
PLAIN_NAME = "must be one plain file-name part"

BAD_INPUTS: list[tuple[str, str, dict[str, Any], str]] = [
    # ---- modules (from test_security.py)
    (
        USER_MFA,
        "pool id malformed",
        {"user_pool_id": "not-a-pool", "username": "alice", "software_token_mfa": TOTP_ON},
        "user_pool_id 'not-a-pool' is not a Cognito user pool id",
    ),
    (
        USER_MFA,
        "pool in another region",
        {"user_pool_id": "eu-west-1_AbC123", "username": "alice", "software_token_mfa": TOTP_ON},
        "belongs to region eu-west-1, but the task runs in region us-east-1",
    ),
    (
        USER_MFA,
        "two preferred methods",
        {"user_pool_id": POOL, "username": "alice", "software_token_mfa": TOTP_ON, "sms_mfa": {"preferred": True}},
        "only one method can be preferred, got software_token_mfa, sms_mfa",
    ),
    (
        USER_MFA,
        "preferred but disabled",
        {"user_pool_id": POOL, "username": "alice", "software_token_mfa": {"enabled": False, "preferred": True}},
        "software_token_mfa: a method cannot be preferred and disabled at once",
    ),
    (
        USER_MFA,
        "users_file without audit",
        {"user_pool_id": POOL, "all_users": True, "software_token_mfa": TOTP_ON, "users_file": "/tmp/rows.jsonl"},
        "users_file holds the rows of the audit: it needs audit: true",
    ),
    (
        USER_MFA,
        "typo in a setting",
        {"user_pool_id": POOL, "username": "alice", "software_token_mfa": {"enable": True}},
        "software_token_mfa.enable",
    ),
    (
        USER_MFA,
        "unknown key in a user entry",
        {"user_pool_id": POOL, "users": ["bob", {"username": "alice", "totp": True}], "software_token_mfa": TOTP_ON},
        "users[1] (alice): unknown key(s) totp",
    ),
    (
        USER_MFA,
        "duplicate user",
        {"user_pool_id": POOL, "users": ["alice", "bob", "alice"], "software_token_mfa": TOTP_ON},
        "users[2] (alice): duplicate of users[0]",
    ),
    (
        USER_MFA,
        "white space in a username",
        {"user_pool_id": POOL, "users": ["alice", "bad name"], "software_token_mfa": TOTP_ON},
        "users[1]: username 'bad name' contains white space",
    ),
    (USER_MFA, "nothing to set", {"user_pool_id": POOL, "users": ["alice"]}, "users[0] (alice): no MFA setting requested"),
    (
        USER_MFA,
        "workers 0",
        {"user_pool_id": POOL, "users": ["alice"], "software_token_mfa": TOTP_ON, "workers": 0},
        "workers must be at least 1, got 0",
    ),
    (
        USER_MFA,
        "writes per second 0",
        {"user_pool_id": POOL, "users": ["alice"], "software_token_mfa": TOTP_ON, "writes_per_second": 0},
        "writes_per_second must be greater than 0",
    ),
    (
        USER_MFA,
        "unknown fail_on outcome",
        {"user_pool_id": POOL, "users": ["alice"], "software_token_mfa": TOTP_ON, "fail_on": ["nope"]},
        "fail_on",
    ),
    (
        USER_MFA,
        "username and users",
        {"user_pool_id": POOL, "username": "alice", "users": ["bob"], "software_token_mfa": TOTP_ON},
        "mutually exclusive: username|users|access_token",
    ),
    (
        USER_MFA,
        "access token with a pool",
        {"user_pool_id": POOL, "access_token": BOGUS_ACCESS_TOKEN, "software_token_mfa": TOTP_ON},
        "mutually exclusive: access_token|user_pool_id",
    ),
    (
        INFO,
        "info: filter without all_users",
        {"user_pool_id": POOL, "usernames": ["alice"], "filter": 'status = "Enabled"'},
        "filter works only with all_users",
    ),
    (INFO, "info: malformed filter", {"user_pool_id": POOL, "all_users": True, "filter": "status == Enabled"}, "filter"),
    (INFO, "info: unknown report", {"user_pool_id": POOL, "usernames": ["alice"], "report": "everything"}, "report"),
    (
        POOL_MFA,
        "pool mfa: unknown configuration",
        {"user_pool_id": POOL, "mfa_configuration": "MAYBE"},
        "mfa_configuration must be one of: OFF, OPTIONAL, ON",
    ),
    (
        POOL_MFA,
        "pool mfa: OFF with TOTP",
        {"user_pool_id": POOL, "mfa_configuration": "OFF", "software_token_mfa_enabled": True},
        "OFF turns MFA off for the whole pool",
    ),
    (
        AUTH,
        "auth: code not 6 digits",
        {"user_pool_id": POOL, "client_id": "abc", "username": "alice", "password": "{{ pw }}", "totp_code": "12ab56"},
        "totp_code must be exactly 6 digits",
    ),
    (
        AUTH,
        "auth: secret not base32",
        {"user_pool_id": POOL, "client_id": "abc", "username": "alice", "password": "{{ pw }}", "totp_secret": BAD_TOTP_SECRET},
        "totp_secret: the TOTP secret is not valid base32",
    ),
    (
        AUTH,
        "auth: secret and code",
        {
            "user_pool_id": POOL,
            "client_id": "abc",
            "username": "alice",
            "password": "{{ pw }}",
            "totp_secret": STANDIN_TOTP_SECRET,
            "totp_code": "123456",
        },
        "mutually exclusive: totp_secret|totp_code",
    ),
    (
        AUTH,
        "auth: pool id malformed",
        {"user_pool_id": "nope", "client_id": "abc", "username": "alice", "password": "{{ pw }}"},
        "user_pool_id 'nope' is not a Cognito user pool id",
    ),
    # ---- modules: the pool id matched whole, and its region, in every module that takes one
    (USER_MFA, "pool id with a trailing newline", {"user_pool_id": NEWLINE_POOL, "username": "alice", "software_token_mfa": TOTP_ON}, NOT_A_POOL),
    (INFO, "pool id with a trailing newline", {"user_pool_id": NEWLINE_POOL, "usernames": ["alice"]}, NOT_A_POOL),
    (POOL_MFA, "pool id with a trailing newline", {"user_pool_id": NEWLINE_POOL, "mfa_configuration": "ON"}, NOT_A_POOL),
    (POOL_INFO, "pool id with a trailing newline", {"user_pool_id": NEWLINE_POOL}, NOT_A_POOL),
    (USER, "pool id with a trailing newline", {"user_pool_id": NEWLINE_POOL, "username": "alice", "invitation": "suppress"}, NOT_A_POOL),
    (AUTH, "pool id with a trailing newline", {**SIGN_IN, "user_pool_id": NEWLINE_POOL}, NOT_A_POOL),
    (
        INFO,
        "pool in another region",
        {"user_pool_id": "eu-west-1_AbC123", "usernames": ["alice"]},
        "belongs to region eu-west-1, but the task runs in region us-east-1",
    ),
    (POOL_MFA, "pool in another region", {"user_pool_id": "eu-west-1_AbC123", "mfa_configuration": "ON"}, "belongs to region eu-west-1"),
    (POOL_INFO, "pool in another region", {"user_pool_id": "eu-west-1_AbC123"}, "belongs to region eu-west-1"),
    (USER, "pool in another region", {"user_pool_id": "eu-west-1_AbC123", "username": "alice", "invitation": "suppress"}, "belongs to region eu-west-1"),
    (AUTH, "pool in another region", {**SIGN_IN, "user_pool_id": "eu-west-1_AbC123"}, "belongs to region eu-west-1, but the task runs in region us-east-1"),
    # ---- modules: from test_cognito_auth_test.py
    (AUTH, "secret too short", {**SIGN_IN, "totp_secret": "JBSWY3DPEHPK3PXP"}, "totp_secret: the TOTP secret is not valid base32 of at least 112 bits"),
    (
        AUTH,
        "totp_min_remaining above a step",
        {**SIGN_IN, "totp_secret": "{{ totp }}", "totp_min_remaining": 31},
        "totp_min_remaining must be between 0 and 30",
    ),
    (AUTH, "return_secret without enroll", {**SIGN_IN, "totp_secret": "{{ totp }}", "return_secret": True}, "return_secret=true needs enroll=true"),
    # ---- modules: secrets returned only under no_log
    (AUTH, "return_tokens without no_log", {**SIGN_IN, "totp_secret": "{{ totp }}", "return_tokens": True}, "return_tokens needs no_log: true on the task"),
    (AUTH, "return_secret without no_log", {**SIGN_IN, "enroll": True, "return_secret": True}, "return_secret needs no_log: true on the task"),
    (
        USER,
        "return_temporary_passwords without no_log",
        {"user_pool_id": POOL, "username": "alice", "invitation": "suppress", "return_temporary_passwords": True},
        "return_temporary_passwords needs no_log: true on the task",
    ),
    (AUTH, "TOTP code with a trailing newline", {**SIGN_IN, "totp_code": "123456\n"}, "totp_code must be exactly 6 digits"),
    # ---- enforce_mfa (from test_security.py)
    (
        ENFORCE,
        "pool-id",
        {"cognito_user_pool_id": "us-east-1-NoUnderscore"},
        'cognito_user_pool_id "us-east-1-NoUnderscore" is not a Cognito user pool id',
    ),
    (ENFORCE, "region", {"cognito_region": "eu-west-1"}, 'is in region us-east-1, but the region is set to "eu-west-1"'),
    (
        ENFORCE,
        "batch-size",
        {"enforce_mfa_batch_size": 0},
        "enforce_mfa_batch_size must be at least 1, got 0",
    ),
    (
        ENFORCE,
        "writes",
        {"enforce_mfa_writes_per_second": 0},
        "enforce_mfa_writes_per_second must be greater than 0",
    ),
    (
        ENFORCE,
        "percent",
        {"enforce_mfa_max_noncompliant_percent": 150},
        "enforce_mfa_max_noncompliant_percent must be between 0 and 100",
    ),
    (
        ENFORCE,
        "filter",
        {"cognito_users_filter": 'status = "Enabled"'},
        "cognito_users_filter works only with cognito_all_users",
    ),
    (
        ENFORCE,
        "policy",
        {"enforce_mfa_pool_policy": "MAYBE"},
        "enforce_mfa_pool_policy must be one of: none, OPTIONAL, ON, got: MAYBE",
    ),
    (
        ENFORCE,
        "fail-on",
        {"enforce_mfa_fail_on": ["nope"]},
        "enforce_mfa_fail_on must be one or more of: failed, not_enrolled, not_found",
    ),
    (
        ENFORCE,
        "unknown-key",
        {"cognito_users": ["alice", {"username": "bob", "totp": True}]},
        "pool unknown-key: inline users, entry 2 (bob): unknown key(s) totp",
    ),
    (
        ENFORCE,
        "duplicate",
        {"cognito_users": ["alice", "bob", "alice"]},
        "pool duplicate: inline users, entry 3 (alice): duplicate of inline users, entry 1",
    ),
    (
        ENFORCE,
        "missing-file",
        {"cognito_users_files": ["users/nobody.yml"]},
        "pool missing-file: users file 'users/nobody.yml' does not exist",
    ),
    (
        ENFORCE,
        "pool-id-newline",
        {"cognito_user_pool_id": "us-east-1_BadNewline\n"},
        'cognito_user_pool_id "us-east-1_BadNewline\\n" is not a Cognito user pool id',
    ),
    (ENFORCE, "workers", {"enforce_mfa_workers": 0}, "enforce_mfa_workers must be at least 1, got 0"),
    (
        ENFORCE,
        "conflicting-preferred",
        {"cognito_users": ["alice", {"username": "carol", "sms_mfa": {"preferred": True}}]},
        "pool conflicting-preferred: inline users, entry 2 (carol): only one method can be preferred, got software_token_mfa, sms_mfa",
    ),
    # ---- audit_mfa: report name, retention and thresholds, before any call
    (AUDIT, "name-escapes", {"audit_mfa_report_name": "../../escaped"}, 'audit_mfa_report_name "../../escaped" ' + PLAIN_NAME),
    (AUDIT, "name-star", {"audit_mfa_report_name": "*"}, 'audit_mfa_report_name "*" ' + PLAIN_NAME),
    (AUDIT, "name-glob", {"audit_mfa_report_name": "mfa-[ab]"}, PLAIN_NAME),
    (AUDIT, "name-separator", {"audit_mfa_report_name": "a/b"}, PLAIN_NAME),
    (AUDIT, "name-dot-dot", {"audit_mfa_report_name": ".."}, PLAIN_NAME),
    (AUDIT, "name-empty", {"audit_mfa_report_name": ""}, "audit_mfa_report_name must be a non-empty file name"),
    (AUDIT, "keep-negative", {"audit_mfa_keep_reports": -1}, "audit_mfa_keep_reports must be a whole number, 0 (keep all) or more, got -1"),
    (AUDIT, "keep-words", {"audit_mfa_keep_reports": "all"}, "argument 'audit_mfa_keep_reports' is of type str and we were unable to convert to int"),
    (AUDIT, "min-150", {"audit_mfa_min_compliance_percent": 150}, "audit_mfa_min_compliance_percent must be between 0 and 100, got 150"),
    (AUDIT, "pool-min-negative", {"audit_mfa_pool_min_compliance_percent": -5}, "audit_mfa_pool_min_compliance_percent must be between 0 and 100, got -5"),
    # ---- onboard_users: batches and the failures allowed, like enforce_mfa's
    # ---- onboard_users (from test_onboard_users.py)
    (ONBOARD, "no-username", {"cognito_users": [{"email": "a@example.com"}]}, "pool no-username: inline users, entry 1: username must be a non-empty string"),
    (ONBOARD, "bad-email", {"cognito_users": [{"username": "a", "email": "a@example"}]}, "entry 1 (a).email: 'a@example' is not a valid e-mail address"),
    (
        ONBOARD,
        "bad-phone",
        {"cognito_users": [{"username": "a", "email": "a@example.com", "phone_number": "+1 415 555 0123"}]},
        "entry 1 (a).phone_number: '+1 415 555 0123' is not a phone number in E.164 form",
    ),
    (
        ONBOARD,
        "bad-group",
        {"cognito_users": ["a", {"username": "b", "email": "b@example.com", "groups": ["two words"]}]},
        "group name 'two words' contains white space or control characters",
    ),
    (
        ONBOARD,
        "unreachable",
        {"cognito_users": ["a", {"username": "b", "email": "b@example.com"}]},
        "the invitation (send) cannot reach 1 user who has no email or phone_number: a.",
    ),
    (
        ONBOARD,
        "no-client",
        {"cognito_users": [{"username": "svc", "service_account": True}]},
        "1 service account listed (svc): their first sign-in needs an app client",
    ),
    (ONBOARD, "email-with-newline", {"cognito_users": [{"username": "a", "email": "a@example.com\n"}]}, "is not a valid e-mail address"),
    (ONBOARD, "batch-size", {"onboard_users_batch_size": 0}, "onboard_users_batch_size must be at least 1, got 0"),
    (ONBOARD, "max-failed", {"onboard_users_max_failed": -1}, "onboard_users_max_failed must be a whole number, 0 or more, got -1"),
    (
        ONBOARD,
        "max-failed-fraction",
        {"onboard_users_max_failed": 1.5},
        "argument 'onboard_users_max_failed' is of type float and we were unable to convert to int",
    ),
    (ONBOARD, "pool-id-newline", {"cognito_user_pool_id": "us-east-1_BadNewline\n"}, NOT_A_POOL),
]


# Vars of every pool host of a role's run: a pool of its own (never called), the stand-in, users that pass their checks.
ROLE_HOST = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}", "cognito_users": ["alice", "bob"]}
INVITABLE = [{"username": "alice", "email": "alice@example.com"}, {"username": "bob", "email": "bob@example.com"}]
SECRETS = (STANDIN_PASSWORD, STANDIN_TOTP_SECRET, BAD_TOTP_SECRET, BOGUS_ACCESS_TOKEN)


def short(target: str) -> str:
    return target.rsplit(".", maxsplit=1)[-1]


def module_play(endpoint: str, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": "every module",
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "module_defaults": {GROUP: {"endpoint_url": endpoint, "region": DEFAULT_REGION}},
        "tasks": tasks,
    }


def first_failures(output: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """{host: (task, message)} of the first task that failed on each host."""
    found: dict[str, tuple[str, str]] = {}
    for play in output["plays"]:
        for task in play["tasks"]:
            for host, result in task["hosts"].items():
                if result.get("failed") and host not in found:
                    found[host] = (task["task"]["name"], str(result.get("msg", "")))
    return found


def run_target(target: str, standin: Any, collections_path: str, workdir: Path) -> dict[str, Any]:
    """Every row of one module or role in one playbook: {case: (task, message)}, the calls the stand-in counted, the output."""
    rows = [(case, given) for row_target, case, given, _fragment in BAD_INPUTS if row_target == target]
    workdir.mkdir()
    if target in ROLES:
        hosts = {
            case: {
                **ROLE_HOST,
                **({"cognito_users": INVITABLE} if target == ONBOARD else {}),
                "cognito_user_pool_id": f"us-east-1_Bad{n}",
                "cognito_endpoint_url": standin.endpoint,
                **given,
            }
            for n, (case, given) in enumerate(rows)
        }
        plays = [{"name": short(target), "hosts": "cognito_pools", "gather_facts": False, "roles": [target]}]
    else:
        hosts = {}
        tasks = [{"name": case, target: given, "ignore_errors": True} for case, given in rows]
        plays = [module_play(standin.endpoint, tasks)]
    (workdir / "bad.yml").write_text(yaml.safe_dump(plays, sort_keys=False))
    (workdir / "inventory.yml").write_text(yaml.safe_dump({"cognito_pools": {"hosts": hosts}}))
    (workdir / "vars.json").write_text(json.dumps({"pw": STANDIN_PASSWORD, "totp": STANDIN_TOTP_SECRET}))
    env = ansible.playbook_env(collections_path, workdir, stdout_callback="ansible.posix.json", nocolor="1")
    standin.reset_counts()
    run = subprocess.run(
        [ansible.ansible_playbook(), "-i", "inventory.yml", "bad.yml", "-e", "@vars.json"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    calls = standin.counts()
    output = json.loads(run.stdout[run.stdout.index("{") :])
    if target in ROLES:
        failures = first_failures(output)
    else:
        failures = {
            task["task"]["name"]: ("", str(task["hosts"]["localhost"].get("msg", "")))
            for task in output["plays"][0]["tasks"]
            if task["hosts"]["localhost"].get("failed")
        }
    return {"failures": failures, "calls": calls, "text": run.stdout + run.stderr}


@pytest.fixture(scope="module")
def refused(standin: Any, collections_path: str, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], dict[str, Any]]:
    """The run of a module's or role's rows, made at its first row and kept for the others."""
    runs: dict[str, dict[str, Any]] = {}
    scratch = tmp_path_factory.mktemp("bad-inputs")

    def get(target: str) -> dict[str, Any]:
        if target not in runs:
            runs[target] = run_target(target, standin, collections_path, scratch / short(target))
        return runs[target]

    return get


@pytest.mark.parametrize("target, case, given, fragment", BAD_INPUTS, ids=[f"{short(target)}:{case}" for target, case, _given, _fragment in BAD_INPUTS])
def test_bad_input_is_refused_before_any_call(refused: Callable[[str], dict[str, Any]], target: str, case: str, given: Any, fragment: str) -> None:
    run = refused(target)
    task, msg = run["failures"].get(case, ("(nothing failed)", ""))
    assert fragment in msg, f"{task}: {msg!r}"
    assert "Traceback" not in msg and "MODULE FAILURE" not in msg, msg
    if target not in ROLES:
        assert "\n" not in msg.strip(), msg  # one message, one line
    assert run["calls"] == {}, f"{short(target)}: the stand-in counted {run['calls']}"
    assert not [secret for secret in SECRETS if secret in run["text"]]


def test_the_table_is_as_large_as_the_readme_says() -> None:
    assert len({(target, case) for target, case, _given, _fragment in BAD_INPUTS}) == len(BAD_INPUTS)  # cases are unique
    assert f"{len(BAD_INPUTS)} bad inputs" in (ROOT / "README.md").read_text()
