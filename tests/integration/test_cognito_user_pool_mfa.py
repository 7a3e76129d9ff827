"""mfaops.cognito.cognito_user_pool_mfa through ansible-playbook, against the stand-in.

The pool's configuration is checked with boto3 (GetUserPoolMfaConfig) after every step,
and the calls at the stand-in: check mode and a rerun make no SetUserPoolMfaConfig call,
contradictions fail before any call (or, when only the current configuration shows them,
before any write).

moto gaps that matter here (DESIGN.md): it lets a pool be OFF with TOTP enabled (the module
never asks for that), and it does not store EmailMfaConfiguration, which is used below to
prove that the module reads back what it wrote.
"""

from __future__ import annotations

from typing import Any

from tests.support import seed

MODULE = "mfaops.cognito.cognito_user_pool_mfa"
GET = "GetUserPoolMfaConfig"
SET = "SetUserPoolMfaConfig"
SNS = {"SnsCallerArn": seed.FAKE_SNS_ROLE, "ExternalId": "mfaops"}
SNS_RESULT = {"sns_caller_arn": seed.FAKE_SNS_ROLE, "external_id": "mfaops"}


def calls_since(standin: Any, pool: seed.Pool, before: dict[str, int]) -> dict[str, int]:
    return {op: n - before.get(op, 0) for op, n in standin.counts(pool.id).items() if n != before.get(op, 0)}


def config(cognito: Any, pool: seed.Pool) -> dict[str, Any]:
    """The pool's MFA configuration as boto3 reads it, null blocks left out."""
    response = cognito.get_user_pool_mfa_config(UserPoolId=pool.id)
    return {key: value for key, value in response.items() if key != "ResponseMetadata" and value is not None}


def pool_task(name: str, pool: seed.Pool, **options: Any) -> dict[str, Any]:
    return {"name": name, MODULE: {"user_pool_id": pool.id, **options}, "ignore_errors": True}


def test_round_trip(standin: Any, cognito: Any, run_playbook: Any) -> None:
    """OPTIONAL -> ON (check mode first, then for real, then a rerun), SMS off, SMS back with
    a message, OFF, OPTIONAL again. Blocks not named are kept. Each task's diff.before is a
    fresh read of the pool, so it shows what the task before it left; boto3 checks the end
    of each playbook, the stand-in counts its calls."""
    pool = seed.create_pool(cognito, "pool-mfa")  # OPTIONAL, TOTP and SMS on
    optional = {
        "mfa_configuration": "OPTIONAL",
        "software_token_mfa_configuration": {"enabled": True},
        "sms_mfa_configuration": {"sms_configuration": SNS_RESULT},
    }
    on = dict(optional, mfa_configuration="ON")

    def play(*tasks: dict[str, Any]) -> tuple[Any, dict[str, int]]:
        before = standin.counts(pool.id)
        run = run_playbook(list(tasks), diff=True)
        assert run.rc == 0, run
        assert not any(result.get("failed") for _name, result in run.tasks), run
        return run, calls_since(standin, pool, before)

    run, calls = play(
        {**pool_task("check", pool, mfa_configuration="ON"), "check_mode": True},
        pool_task("apply", pool, mfa_configuration="ON", software_token_mfa_enabled=True),
        pool_task("rerun", pool, mfa_configuration="ON", software_token_mfa_enabled=True),
    )
    # check mode: the change and its diff, no write (the next task still finds the pool OPTIONAL)
    result = run.result("check")
    assert result["changed"] is True
    assert result["diff"] == {"before": optional, "after": on}
    assert result["user_pool_mfa_config"] == on
    # for real: SMS settings sent back as they were, the new configuration read back
    result = run.result("apply")
    assert result["changed"] is True
    assert result["diff"] == {"before": optional, "after": on}
    assert result["user_pool_mfa_config"] == on
    # the same again: no change, no write
    result = run.result("rerun")
    assert result["changed"] is False
    assert result["diff"] == {"before": on, "after": on}
    assert calls == {GET: 1 + 2 + 1, SET: 1}
    assert config(cognito, pool) == {
        "MfaConfiguration": "ON",
        "SoftwareTokenMfaConfiguration": {"Enabled": True},
        "SmsMfaConfiguration": {"SmsConfiguration": SNS},
    }

    sms = {"sms_authentication_message": "{{ '{####}' }} is your code", "sms_configuration": {"sns_caller_arn": seed.FAKE_SNS_ROLE}}
    run, calls = play(
        pool_task("sms off", pool, sms_mfa_configuration={"enabled": False}),
        pool_task("sms on", pool, mfa_configuration="OPTIONAL", sms_mfa_configuration=sms),
        pool_task("sms merge", pool, sms_mfa_configuration={"sms_configuration": {"external_id": "mfaops"}}),
        pool_task("off", pool, mfa_configuration="OFF"),
        pool_task("optional", pool, mfa_configuration="OPTIONAL", software_token_mfa_enabled=True),
    )
    assert all(result["changed"] for _name, result in run.tasks)
    # SMS off: TOTP and the mode stay
    assert run.result("sms off")["user_pool_mfa_config"] == {"mfa_configuration": "ON", "software_token_mfa_configuration": {"enabled": True}}
    # SMS back with a message, then one more key merged into it
    with_message = {"sms_authentication_message": "{####} is your code", "sms_configuration": {"sns_caller_arn": seed.FAKE_SNS_ROLE}}
    assert run.result("sms on")["user_pool_mfa_config"]["sms_mfa_configuration"] == with_message
    assert run.result("sms merge")["user_pool_mfa_config"]["sms_mfa_configuration"] == {
        "sms_authentication_message": "{####} is your code",
        "sms_configuration": SNS_RESULT,
    }
    # OFF turns TOTP off as well and, as Cognito requires, goes without factor blocks: no SMS left
    assert run.result("optional")["diff"]["before"] == {
        "mfa_configuration": "OFF",
        "software_token_mfa_configuration": {"enabled": False},
    }
    assert calls == {GET: 5 * 2, SET: 5}
    assert config(cognito, pool) == {"MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": {"Enabled": True}}


def test_contradictions_fail_before_any_write(standin: Any, cognito: Any, run_playbook: Any) -> None:
    """Contradictions in the options fail before any call; those that only the current
    configuration reveals fail after the read, before any write."""
    pool = seed.create_pool(cognito, "pool-mfa-errors", mfa_configuration="OFF")
    before = standin.counts(pool.id)
    run = run_playbook(
        [
            pool_task("off with totp", pool, mfa_configuration="OFF", software_token_mfa_enabled=True),
            pool_task(
                "on with nothing",
                pool,
                mfa_configuration="ON",
                software_token_mfa_enabled=False,
                sms_mfa_configuration={"enabled": False},
                email_mfa_configuration={"enabled": False},
            ),
            pool_task("bad message", pool, sms_mfa_configuration={"sms_authentication_message": "no code here"}),
            pool_task("jinja ate the code", pool, sms_mfa_configuration={"sms_authentication_message": "Code {####}"}),
            pool_task("nothing asked", pool),
            pool_task("unquoted ON", pool, mfa_configuration=True),
        ]
    )
    assert "OFF turns MFA off for the whole pool" in run.result("off with totp")["msg"]
    assert "ON needs at least one MFA method enabled, but all are disabled" in run.result("on with nothing")["msg"]
    assert "must contain {####}" in run.result("bad message")["msg"]
    assert "Jinja reads {# as the start of a comment" in run.result("jinja ate the code")["msg"]
    assert "nothing to set" in run.result("nothing asked")["msg"]
    assert "must be one of: OFF, OPTIONAL, ON" in run.result("unquoted ON")["msg"]
    assert all(result.get("failed") for _name, result in run.tasks)
    assert calls_since(standin, pool, before) == {}

    # The pool is OFF: ON alone would leave no method on; TOTP alone would be OFF with TOTP.
    run = run_playbook(
        [
            pool_task("on with no method", pool, mfa_configuration="ON"),
            pool_task("totp while off", pool, software_token_mfa_enabled=True),
        ]
    )
    result = run.result("on with no method")
    assert result["failed"] is True
    assert "ON needs at least one MFA method enabled, but this request would leave none (the pool is OFF now)" in result["msg"]
    assert result["user_pool_mfa_config"]["mfa_configuration"] == "OFF"
    assert "configuration is OFF, so TOTP cannot be enabled" in run.result("totp while off")["msg"]
    assert calls_since(standin, pool, before) == {GET: 2}
    assert config(cognito, pool)["MfaConfiguration"] == "OFF"


def test_read_back_catches_a_change_not_applied(standin: Any, cognito: Any, run_playbook: Any) -> None:
    """moto 5.2.5 accepts EmailMfaConfiguration but does not store it: the module's read-back
    notices and fails rather than report a change that did not happen."""
    pool = seed.create_pool(cognito, "pool-mfa-email")
    before = standin.counts(pool.id)
    run = run_playbook([pool_task("email", pool, email_mfa_configuration={"email_message": "{{ '{####}' }} is your code"})])
    result = run.result("email")
    assert result["failed"] is True
    assert "reading it back shows it was not applied" in result["msg"]
    assert result["sent"]["email_mfa_configuration"] == {"message": "{####} is your code"}
    assert "email_mfa_configuration" not in result["user_pool_mfa_config"]
    assert result["user_pool_mfa_config"]["sms_mfa_configuration"] == {"sms_configuration": SNS_RESULT}  # kept
    assert calls_since(standin, pool, before) == {GET: 2, SET: 1}
