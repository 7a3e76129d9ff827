# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cognito_user: one user's convergence against a fake Cognito (through the real engine), the report,
the input checks and the group check."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import cognito
from ansible_collections.mfaops.cognito.plugins.module_utils import quotas
from ansible_collections.mfaops.cognito.plugins.module_utils import user_profile as p
from ansible_collections.mfaops.cognito.plugins.module_utils.engine import run_bulk
from ansible_collections.mfaops.cognito.plugins.module_utils.errors import InvalidRequest
from ansible_collections.mfaops.cognito.plugins.module_utils import onboarding as m

from fakes import POLICY, FakeCognito, client_error, fast_caller

POOL = "us-east-1_Test1"


def caller(fake, retries=0):
    return fast_caller(fake, retries)


def passwords_for(fake, given=None):
    call = caller(fake)
    return m.Passwords(given, lambda: cognito.describe_user_pool(call, POOL)["UserPool"]["Policies"]["PasswordPolicy"])


def run(fake, spec, given_password=None, **options):
    opts = m.Options(**options)
    if opts.invitation != p.SUPPRESS and not opts.mediums:
        opts.mediums = {spec.username: ["EMAIL"]}
    return m.converge(m.UserApi(caller(fake), POOL), spec, opts, passwords_for(fake, given_password))


BOB = p.UserSpec("bob", {"email": "bob@example.com", "given_name": "Bob"}, ("staff", "eng"))
EXISTING = {"bob": {"status": "CONFIRMED", "attributes": {"email": "old@example.com", "sub": "s-bob"}, "groups": ["staff"]}}
PENDING = {"bob": {"status": "FORCE_CHANGE_PASSWORD", "attributes": {"email": "bob@example.com"}, "groups": []}}


# ---------------------------------------------------------------- new users


def test_new_user_is_created_with_a_generated_password_and_added_to_its_groups():
    fake = FakeCognito()
    outcome = run(fake, BOB)
    assert outcome.as_row() == {
        "username": "bob",
        "outcome": "created",
        "user_status": "FORCE_CHANGE_PASSWORD",
        "actions": ["create", "add_to_groups"],
        "attributes": ["email", "given_name"],
        "groups_added": ["staff", "eng"],
        "invitation": "sent",
    }
    assert fake.ops() == ["admin_get_user", "describe_user_pool", "admin_create_user", "admin_add_user_to_group", "admin_add_user_to_group"]
    create = fake.calls[2][1]
    password = create.pop("TemporaryPassword")
    assert create == {
        "UserPoolId": POOL,
        "Username": "bob",
        "UserAttributes": [{"Name": "email", "Value": "bob@example.com"}, {"Name": "given_name", "Value": "Bob"}],
        "DesiredDeliveryMediums": ["EMAIL"],
    }
    assert len(password) == 16 and outcome.secret == password
    assert password not in repr(outcome) and password not in str(outcome.as_row())
    assert fake.users["bob"]["groups"] == ["staff", "eng"]
    assert outcome.after == {"status": "FORCE_CHANGE_PASSWORD", "attributes": dict(BOB.attributes), "groups": ["eng", "staff"]}
    assert outcome.before is None


def test_suppressed_invitation_and_a_given_password():
    fake = FakeCognito()
    outcome = run(fake, p.UserSpec("svc"), given_password="Given-Passw0rd!", invitation="suppress")
    assert (outcome.outcome, outcome.invitation, outcome.secret) == ("created", "suppressed", None)
    assert fake.ops() == ["admin_get_user", "admin_create_user"]  # no policy read for a given password
    assert fake.calls[1][1] == {"UserPoolId": POOL, "Username": "svc", "TemporaryPassword": "Given-Passw0rd!", "MessageAction": "SUPPRESS"}


def test_check_mode_creates_nobody():
    fake = FakeCognito()
    outcome = run(fake, BOB, check_mode=True)
    assert (outcome.outcome, outcome.actions, outcome.groups_added) == ("created", ["create", "add_to_groups"], ["staff", "eng"])
    assert fake.ops() == ["admin_get_user"] and "bob" not in fake.users


def test_a_failed_creation():
    fake = FakeCognito()
    fake.fail["admin_create_user"] = "InvalidPasswordException"
    outcome = run(fake, BOB)
    assert outcome.as_row() == {
        "username": "bob",
        "outcome": "failed",
        "error_code": "InvalidPasswordException",
        "message": "creating the user failed: An error occurred (InvalidPasswordException) when calling the admin_create_user operation: boom",
    }
    assert outcome.secret is None


def test_created_but_a_group_failed():
    fake = FakeCognito()
    fake.fail["admin_add_user_to_group"] = lambda params: client_error("InvalidParameterException") if params["GroupName"] == "eng" else None
    outcome = run(fake, BOB)
    row = outcome.as_row()
    assert row["outcome"] == "failed" and row["actions"] == ["create", "add_to_groups"] and row["groups_added"] == ["staff"]
    assert row["error_code"] == "InvalidParameterException"
    assert row["message"].startswith("adding it to group eng failed (already done: create, add_to_groups): ")
    # The user exists with this password: a caller who asked for passwords still gets it.
    assert outcome.secret == fake.users["bob"]["password"]


def test_created_meanwhile_by_someone_else_counts_as_existing():
    fake = FakeCognito()
    real_get = fake.admin_get_user
    seen = []

    def get_then_appear(**params):
        if not seen:
            seen.append(1)
            fake.users["bob"] = copy.deepcopy(EXISTING["bob"])
            raise client_error("UserNotFoundException")
        return real_get(**params)

    fake.admin_get_user = get_then_appear
    outcome = run(fake, BOB)
    assert outcome.outcome == "existing"
    assert fake.users["bob"]["attributes"]["email"] == "old@example.com"


def test_a_failed_read():
    fake = FakeCognito()
    fake.fail["admin_get_user"] = "InternalErrorException"
    outcome = run(fake, BOB)
    assert (outcome.outcome, outcome.error_code) == ("failed", "InternalErrorException")
    assert outcome.message.startswith("reading the user failed: ")


# ---------------------------------------------------------------- existing users


@pytest.mark.parametrize("invitation", ["send", "suppress"])
def test_existing_users_are_left_alone_by_default(invitation):
    for users in (EXISTING, PENDING):
        fake = FakeCognito(users)
        outcome = run(fake, BOB, invitation=invitation)
        assert outcome.as_row() == {"username": "bob", "outcome": "existing", "user_status": users["bob"]["status"]}
        assert fake.ops() == ["admin_get_user"]
        assert fake.users == users


def test_update_attributes_sends_only_what_differs():
    fake = FakeCognito(EXISTING)
    outcome = run(fake, BOB, update_attributes=True)
    assert outcome.as_row() == {
        "username": "bob",
        "outcome": "updated",
        "user_status": "CONFIRMED",
        "actions": ["update_attributes"],
        "attributes": ["email", "given_name"],
    }
    assert fake.calls[-1] == (
        "admin_update_user_attributes",
        {
            "UserPoolId": POOL,
            "Username": "bob",
            "UserAttributes": [{"Name": "email", "Value": "bob@example.com"}, {"Name": "given_name", "Value": "Bob"}],
        },
    )
    assert outcome.before == {"status": "CONFIRMED", "attributes": {"email": "old@example.com", "given_name": None}}
    assert outcome.after == {"status": "CONFIRMED", "attributes": {"email": "bob@example.com", "given_name": "Bob"}}
    assert fake.users["bob"]["attributes"]["sub"] == "s-bob"
    assert run(fake, BOB, update_attributes=True).outcome == "existing"  # idempotent


def test_update_groups_adds_the_missing_ones_only():
    fake = FakeCognito({"bob": dict(EXISTING["bob"], groups=["a", "b", "staff"])}, groups=("a", "b", "staff", "eng"))
    outcome = run(fake, BOB, update_groups=True)
    assert (outcome.outcome, outcome.actions, outcome.groups_added) == ("updated", ["add_to_groups"], ["eng"])
    assert fake.ops() == ["admin_get_user", "admin_list_groups_for_user", "admin_list_groups_for_user", "admin_add_user_to_group"]
    assert outcome.before["groups"] == ["a", "b", "staff"] and outcome.after["groups"] == ["a", "b", "eng", "staff"]
    assert fake.users["bob"]["groups"] == ["a", "b", "staff", "eng"]
    assert run(fake, BOB, update_groups=True).outcome == "existing"


def test_resend_reaches_only_users_who_never_signed_in():
    fake = FakeCognito(PENDING)
    outcome = run(fake, BOB, invitation="resend")
    assert (outcome.outcome, outcome.actions, outcome.invitation) == ("updated", ["resend_invitation"], "resent")
    operation, params = fake.calls[-1]
    password = params.pop("TemporaryPassword")
    assert (operation, params) == (
        "admin_create_user",
        {"UserPoolId": POOL, "Username": "bob", "MessageAction": "RESEND", "DesiredDeliveryMediums": ["EMAIL"]},
    )
    assert outcome.secret == password
    assert outcome.after == {"status": "FORCE_CHANGE_PASSWORD", "invitation": "resent"}

    confirmed = FakeCognito(EXISTING)
    assert run(confirmed, BOB, invitation="resend").outcome == "existing"
    assert confirmed.ops() == ["admin_get_user"]


def test_reset_temporary_password_is_silent_and_never_touches_a_chosen_password():
    fake = FakeCognito(PENDING)
    outcome = run(fake, BOB, invitation="suppress", reset_temporary_password=True)
    assert (outcome.outcome, outcome.actions, outcome.invitation) == ("updated", ["reset_temporary_password"], None)
    operation, params = fake.calls[-1]
    assert operation == "admin_set_user_password" and params["Permanent"] is False
    assert outcome.secret == params["Password"] == fake.users["bob"]["password"]

    confirmed = FakeCognito(EXISTING)
    assert run(confirmed, BOB, invitation="suppress", reset_temporary_password=True).outcome == "existing"
    assert confirmed.ops() == ["admin_get_user"]


def test_check_mode_updates_nothing():
    fake = FakeCognito(dict(EXISTING, carl=PENDING["bob"]))
    outcome = run(fake, BOB, update_attributes=True, update_groups=True, check_mode=True)
    assert (outcome.outcome, outcome.actions) == ("updated", ["update_attributes", "add_to_groups"])
    carl = run(fake, p.UserSpec("carl", {"email": "c@d.io"}), invitation="resend", check_mode=True)
    assert (carl.outcome, carl.actions, carl.secret) == ("updated", ["resend_invitation"], None)
    assert set(fake.ops()) == {"admin_get_user", "admin_list_groups_for_user"}
    assert fake.users == dict(EXISTING, carl=PENDING["bob"])


def test_a_failed_update_keeps_what_was_done():
    fake = FakeCognito(EXISTING)
    fake.fail["admin_add_user_to_group"] = "TooManyFailedAttemptsException"
    outcome = run(fake, BOB, update_attributes=True, update_groups=True)
    row = outcome.as_row()
    assert (row["outcome"], row["actions"], row["error_code"]) == ("failed", ["update_attributes"], "TooManyFailedAttemptsException")
    assert row["message"].startswith("adding it to group eng failed (already done: update_attributes): ")


# ---------------------------------------------------------------- the run stops


def test_abort_before_any_write_is_not_attempted_and_after_a_write_is_a_failure():
    fake = FakeCognito()
    fake.fail["admin_create_user"] = lambda _params: client_error("ExpiredTokenException")
    call = caller(fake)
    api = m.UserApi(call, POOL)
    opts = m.Options(invitation="suppress")
    [(_spec, outcome)] = run_bulk([BOB], lambda s: m.converge(api, s, opts, passwords_for(fake)), 1, call, m.not_attempted)
    assert outcome.as_row() == {
        "username": "bob",
        "outcome": "not_attempted",
        "error_code": "ExpiredTokenException",
        "message": "not attempted: the run stopped early",
    }

    fake = FakeCognito()
    fake.fail["admin_add_user_to_group"] = lambda _params: client_error("ExpiredTokenException")
    call = caller(fake)
    api = m.UserApi(call, POOL)
    [(_spec, outcome)] = run_bulk([BOB], lambda s: m.converge(api, s, opts, passwords_for(fake)), 1, call, m.not_attempted)
    row = outcome.as_row()
    assert (row["outcome"], row["actions"], row["error_code"]) == ("failed", ["create"], "ExpiredTokenException")
    assert row["message"].startswith("adding it to group staff: not attempted, the run stopped (already done: create): ")


# ---------------------------------------------------------------- passwords


def test_the_policy_is_read_once_for_many_users():
    fake = FakeCognito(policy=dict(POLICY, MinimumLength=20))
    passwords = passwords_for(fake)
    made = [passwords.new() for _index in range(5)]
    assert all(generated and len(password) == 20 for password, generated in made)
    assert len({password for password, _generated in made}) == 5
    assert fake.ops() == ["describe_user_pool"]


def test_an_unreadable_policy_gives_long_passwords():
    fake = FakeCognito()
    fake.fail["describe_user_pool"] = "AccessDeniedException"
    passwords = passwords_for(fake)
    password, generated = passwords.new()
    assert generated and len(password) == 32 and passwords.unreadable == "AccessDeniedException"


# ---------------------------------------------------------------- the report


def test_report_counts_everything_and_keeps_rows_for_users_worth_reading_about():
    report = m.report(diff=True)
    report.add(m.outcome("c", "created", actions=["create"], after={"status": "FORCE_CHANGE_PASSWORD"}, temporary_password="Secret-1"))
    report.add(m.outcome("a", "existing", user_status="CONFIRMED"))
    report.add(m.outcome("u", "updated", actions=["add_to_groups"], before={"groups": []}, after={"groups": ["g"]}))
    report.add(m.outcome("f", "failed", error_code="X", message="boom"))
    result = report.result()
    assert result["changed"] is True
    assert result["counts"] == {"total": 4, "created": 1, "existing": 1, "updated": 1, "failed": 1, "not_attempted": 0}
    assert [row["username"] for row in result["users"]] == ["c", "f", "u"]
    assert report.diff == {"before": {"u": {"groups": []}}, "after": {"c": {"status": "FORCE_CHANGE_PASSWORD"}, "u": {"groups": ["g"]}}}
    assert report.secrets == {"c": "Secret-1"}
    assert "Secret-1" not in repr(result)
    assert report.summary(False) == "4 users: 1 created, 1 existing, 1 updated, 1 failed"
    assert report.summary(True) == "4 users: 1 would be created, 1 existing, 1 would be updated, 1 failed"


def test_report_of_existing_users_only():
    report = m.report()
    report.add(m.outcome("a", "existing"))
    assert report.result() == {
        "changed": False,
        "counts": {"total": 1, "created": 0, "existing": 1, "updated": 0, "failed": 0, "not_attempted": 0},
        "users": [],
    }
    assert m.report(report_existing=True).report_quiet


def test_a_failure_after_a_write_is_a_change():
    report = m.report()
    report.add(m.outcome("f", "failed", actions=["create"]))
    assert report.result()["changed"] is True


# ---------------------------------------------------------------- input checks


def params(**given):
    base = dict(
        username=None, users=None, email=None, phone_number=None, name=None, attributes=None, groups=None,
        invitation="send", delivery_mediums=None, reset_temporary_password=False, return_temporary_passwords=False,
        workers=8, retries=10, **{name: spec["default"] for name, spec in quotas.argspec(m.CATEGORIES).items()},
    )
    base.update(user_pool_id=POOL)
    base.update(given)
    return base


def test_validated_users():
    specs, mediums = m.validated(
        params(
            users=["a", {"username": "b", "phone_number": "+14155550123", "groups": ["eng"]}],
            attributes={"email": "team@example.com"},
            groups=["staff"],
        ),
        "us-east-1",
    )
    assert specs == [
        p.UserSpec("a", {"email": "team@example.com"}, ("staff",)),
        p.UserSpec("b", {"email": "team@example.com", "phone_number": "+14155550123"}, ("staff", "eng")),
    ]
    assert mediums == {"a": ["EMAIL"], "b": ["EMAIL"]}


def test_validated_single_user():
    specs, mediums = m.validated(params(username="alice", email="alice@example.com", name="Alice", groups=["x"]), "us-east-1")
    assert specs == [p.UserSpec("alice", {"email": "alice@example.com", "name": "Alice"}, ("x",))]
    assert mediums == {"alice": ["EMAIL"]}


@pytest.mark.parametrize(
    "given, message",
    [
        (dict(username="alice", email="alice"), "email: 'alice' is not a valid e-mail address"),
        (dict(username="alice", phone_number="+0"), "phone_number: '+0' is not a phone number in E.164 form"),
        (dict(users=["a"], email="a@b.io"), "email goes with username; with users, give it in each entry"),
        (dict(users=[{"username": "a", "email": "x@y.io"}, {"user": "b"}]), "users[1]: unknown key(s) user"),
        (dict(users=["a", "b"]), "users[0] (a): no email or phone_number to send the invitation to"),
        (dict(users=["a"], attributes={"phone_number": "+12345"}, delivery_mediums=["EMAIL"]), "users[0] (a): the invitation goes by EMAIL"),
        (dict(username="alice", invitation="resend", reset_temporary_password=True), "reset_temporary_password cannot be combined with invitation=resend"),
        (dict(users=[], groups=["a b"]), "groups[0]: group name 'a b' contains white space"),
        (dict(users=[], attributes={"bogus": 1}), "attributes: unknown attribute 'bogus'"),
        (dict(users=[], user_pool_id="eu-west-1_X"), "user_pool_id 'eu-west-1_X' belongs to region eu-west-1"),
        (dict(users=[], creates_per_second=0), "creates_per_second must be greater than 0, got 0"),
    ],
)
def test_invalid_input(given, message):
    with pytest.raises(InvalidRequest) as error:
        m.validated(params(**given), "us-east-1")
    assert str(error.value).startswith(message), str(error.value)


def test_returning_passwords_needs_no_log():
    given = params(users=[], return_temporary_passwords=True)
    with pytest.raises(InvalidRequest, match="^return_temporary_passwords needs no_log: true on the task"):
        m.validated(given, "us-east-1")
    assert m.validated(given, "us-east-1", no_log=True) == ([], {})


def test_suppressed_invitations_need_no_destination():
    specs, mediums = m.validated(params(users=["a", "b"], invitation="suppress"), "us-east-1")
    assert [spec.username for spec in specs] == ["a", "b"] and mediums == {}


# ---------------------------------------------------------------- the group check


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, create_groups=False, check_mode=False):
        self.params = {"create_groups": create_groups}
        self.check_mode = check_mode

    def fail_json(self, **result):
        raise Failed(result)

    def fail_json_aws(self, exc, msg):
        raise Failed({"msg": msg, "exception": exc})


def test_unknown_groups_fail_before_any_write():
    fake = FakeCognito(groups=("a", "b", "c"))
    with pytest.raises(Failed) as error:
        m.ensure_groups(FakeModule(), caller(fake), POOL, ["a", "x", "c", "y"])
    assert error.value.args[0] == {
        "msg": f"Unknown group(s) in user pool {POOL}: x, y. Create them first, or set create_groups: true. No user was created or changed.",
        "groups_missing": ["x", "y"],
    }
    assert fake.ops() == ["list_groups", "list_groups"]


def test_missing_groups_are_created_when_asked():
    fake = FakeCognito(groups=("a",))
    assert m.ensure_groups(FakeModule(create_groups=True, check_mode=True), caller(fake), POOL, ["a", "x"]) == ["x"]
    assert fake.ops() == ["list_groups"]
    assert m.ensure_groups(FakeModule(create_groups=True), caller(fake), POOL, ["a", "x"]) == ["x"]
    assert fake.groups == ["a", "x"]
    assert m.ensure_groups(FakeModule(create_groups=True), caller(fake), POOL, ["a", "x"]) == []
    assert m.ensure_groups(FakeModule(), caller(fake), POOL, []) == [] and fake.ops().count("list_groups") == 3
