"""Issue 12 items 2 and 3 wired: selection, converge, the audit row and counts, the reports, the summary.

The pool of the issue: users sign in with email (UsernameAttributes: [email], so each Username is a UUID),
names compared case-blind (CaseSensitive: false); the inventory lists Alice@Example.com, the group staff,
and excludes BreakGlass@Example.com.
"""

import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import audit
from ansible_collections.mfaops.cognito.plugins.module_utils import mfa
from ansible_collections.mfaops.cognito.plugins.module_utils import selection
from ansible_collections.mfaops.cognito.plugins.module_utils import user_mfa
from ansible_collections.mfaops.cognito.plugins.module_utils.identity import DuplicateUser, Exclusions, PoolNaming
from ansible_collections.mfaops.cognito.plugins.module_utils.selection import Selection
from ansible_collections.mfaops.cognito.plugins.plugin_utils import summary
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report import model

from fakes import client_error

ALICE, BOB, BREAK_GLASS = (
    "0a1b2c3d-0000-4000-8000-00000000a11c", "0a1b2c3d-0000-4000-8000-000000000b0b", "0a1b2c3d-0000-4000-8000-00000000b6ea"
)
EMAILS = {ALICE: "alice@example.com", BOB: "bob@example.com", BREAK_GLASS: "breakglass@example.com"}
EMAIL_POOL = {"UserPool": {"UsernameAttributes": ["email"], "UsernameConfiguration": {"CaseSensitive": False}}}
NAMING = PoolNaming.from_user_pool(EMAIL_POOL)
TOTP_ON = {"software_token_mfa": mfa.MethodRequest(enabled=True, preferred=True)}


def listed(username, status="CONFIRMED", enabled=True):
    """A Users[] item of ListUsers / ListUsersInGroup."""
    attributes = [{"Name": "sub", "Value": username}, {"Name": "email", "Value": EMAILS[username]}]
    return {"Username": username, "Attributes": attributes, "UserStatus": status, "Enabled": enabled}


def record(username, status="CONFIRMED", enabled=True, methods=(), preferred=""):
    """An AdminGetUser response."""
    user = listed(username, status, enabled)
    return dict(user, UserAttributes=user.pop("Attributes"), UserMFASettingList=list(methods), PreferredMfaSetting=preferred)


class EmailPool:
    """AdminGetUser and ListUsersInGroup of a case-blind email pool: any case of the email, or the sub, finds the user."""

    def __init__(self, groups):
        self.groups = groups
        self.reads = []

    def get_user(self, name):
        self.reads.append(name)
        for username, email in EMAILS.items():
            if name.lower() in (email, username):
                return record(username)
        raise client_error("UserNotFoundException", "User does not exist.")

    def list_users_in_group(self, group, _token):
        return {"Users": [listed(username) for username in self.groups[group]]}

    def pick(self, chosen, stats=None):
        return list(selection.picked(chosen, None, self.list_users_in_group, stats, NAMING, self.get_user))


# ---------------------------------------------------------------- item 2: selection


def test_the_issue_scenario_selects_two_people_and_never_the_break_glass_account():
    pool = EmailPool({"staff": [ALICE, BOB, BREAK_GLASS]})
    stats = selection.SelectionStats()
    chosen = Selection(usernames=("Alice@Example.com",), groups=("staff",), exclude=("BreakGlass@Example.com",))
    picked = pool.pick(chosen, stats)
    assert [one.username for one in picked] == [ALICE, BOB]
    assert [one.entry.listed_as for one in picked] == ["Alice@Example.com", BOB]
    assert picked[0].record["Username"] == ALICE and picked[1].record is None  # alice's read is handed on, not repeated
    assert (stats.excluded, stats.duplicates) == (1, 1)


@pytest.mark.parametrize("entry", ["BreakGlass@Example.com", "BREAKGLASS@example.com", BREAK_GLASS, BREAK_GLASS.upper()])
def test_an_excluded_account_listed_inline_under_any_name_is_left_out(entry):
    pool = EmailPool({})
    for name in ("breakglass@example.com", "BreakGlass@EXAMPLE.com", BREAK_GLASS):
        assert pool.pick(Selection(usernames=(name,), exclude=(entry,))) == []


def test_two_inline_entries_for_one_person_in_different_forms_are_one_error_naming_both():
    with pytest.raises(DuplicateUser) as error:
        EmailPool({}).pick(Selection(usernames=("Alice@Example.com", ALICE)))
    message = str(error.value)
    assert "usernames[1]" in message and "usernames[0] (Alice@Example.com)" in message and ALICE in message


def test_two_inline_entries_differing_only_in_case_fail_before_any_call():
    pool = EmailPool({})
    with pytest.raises(DuplicateUser) as error:
        pool.pick(Selection(usernames=("Alice@Example.com", "alice@example.com")))
    assert "usernames[1] (alice@example.com): the same user as usernames[0]" in str(error.value)
    assert pool.reads == []


def test_a_case_sensitive_pool_keeps_names_apart():
    naming = PoolNaming.from_user_pool({"UserPool": {}})
    names = selection.usernames(Selection(usernames=("Ann", "ann"), exclude=("ANN",)), None, None, naming=naming)
    assert list(names) == ["Ann", "ann"]


# ---------------------------------------------------------------- item 2: the last guard before a write


class OneUser:
    def __init__(self, response):
        self.response = response
        self.writes = []

    def write(self, name, blocks):
        self.writes.append((name, blocks))
        self.response = dict(self.response, UserMFASettingList=["SOFTWARE_TOKEN_MFA"], PreferredMfaSetting="SOFTWARE_TOKEN_MFA")

    def api(self):
        return user_mfa.UserApi(read=lambda _name: self.response, write=self.write)


@pytest.mark.parametrize("entry", ["BreakGlass@Example.com", BREAK_GLASS, "breakglass@EXAMPLE.COM"])
def test_converge_never_writes_to_an_excluded_account_whatever_name_it_came_under(entry):
    user = OneUser(record(BREAK_GLASS))
    outcome = user_mfa.converge(user.api(), mfa.UserRequest(BREAK_GLASS, TOTP_ON), False, exclusions=Exclusions([entry], NAMING))
    assert (outcome.outcome, user.writes) == ("excluded", [])
    assert entry in outcome.message


def test_converge_rows_are_keyed_by_the_canonical_username_with_the_email_and_the_name_as_listed():
    user = OneUser(record(ALICE))
    outcome = user_mfa.converge(user.api(), mfa.UserRequest("Alice@Example.com", TOTP_ON), False)
    row = outcome.as_row()
    assert (row["username"], row["email"], row["listed_as"], row["outcome"]) == (ALICE, "alice@example.com", "Alice@Example.com", "changed")
    assert user.writes == [(ALICE, {"SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": True}})]


# ---------------------------------------------------------------- item 3: user kinds


@pytest.mark.parametrize(
    "status, reason",
    [
        ("EXTERNAL_PROVIDER", "federated"),
        ("UNCONFIRMED", "unconfirmed"),
        ("RESET_REQUIRED", "password_reset_required"),
        ("FORCE_CHANGE_PASSWORD", "force_change_password"),
    ],
)
def test_users_mfa_does_not_apply_to_get_no_write_and_a_reason(status, reason):
    user = OneUser(record(ALICE, status=status))
    outcome = user_mfa.converge(user.api(), mfa.UserRequest(ALICE, TOTP_ON), False)
    assert (outcome.outcome, outcome.as_row()["reason"], user.writes) == ("not_applicable", reason, [])
    report = user_mfa.report()
    report.add(outcome)
    assert report.result()["counts"]["not_applicable"] == 1
    assert not report.wrote


def test_a_disabled_user_is_still_put_on_totp():
    user = OneUser(record(ALICE, enabled=False))
    assert user_mfa.converge(user.api(), mfa.UserRequest(ALICE, TOTP_ON), False).outcome == "changed"
    assert len(user.writes) == 1


def test_the_audit_puts_users_apart_with_their_reason_and_counts_disabled_only_when_asked():
    users = [
        record(ALICE, methods=["SOFTWARE_TOKEN_MFA"], preferred="SOFTWARE_TOKEN_MFA"),
        record(BOB, status="EXTERNAL_PROVIDER"),
        record(BREAK_GLASS, enabled=False),
    ]
    for count_disabled, expected in ((False, (1, 0, 2)), (True, (1, 1, 1))):
        report = audit.AuditReport()
        for user in users:
            report.add(audit.audit_user(None, user["Username"], audit.DEFAULT_POLICY, count_disabled=count_disabled, record=user))
        result = report.result()
        counts = result["counts"]
        assert (counts["compliant"], counts["non_compliant"], counts["not_applicable"]) == expected
        assert counts["not_applicable_reasons"]["federated"] == 1
        assert counts["not_applicable_reasons"]["disabled"] == (0 if count_disabled else 1)
        rows = {row["username"]: row for row in result["users"]}
        assert (rows[BOB]["applicable"], rows[BOB]["reason"], rows[BOB]["email"]) == (False, "federated", "bob@example.com")
        record_ = model.audit_pool([{"users": result["users"]}], "pool", "us-east-1_Email")
        assert record_["counts"]["considered"] == 1 + count_disabled
        assert record_["counts"]["federated"] == 1
        assert record_["counts"]["disabled"] == (0 if count_disabled else 1)
        assert record_["compliance_percent"] == (50 if count_disabled else 100)


def test_report_rows_and_comparison_key_by_canonical_username_and_show_the_email():
    rows = [audit.audit_user(None, ALICE, audit.DEFAULT_POLICY, record=record(ALICE), listed_as="Alice@Example.com").as_row()]
    record_ = model.audit_pool([{"users": rows}], "pool", "us-east-1_Email")
    assert record_["users"][0]["username"] == ALICE
    assert (record_["users"][0]["email"], record_["users"][0]["listed_as"]) == ("alice@example.com", "Alice@Example.com")


def test_the_enforce_summary_leaves_not_applicable_users_out_of_the_percentage():
    run = {"counts": {"changed": 1, "not_enrolled": 1}, "users": []}
    result = summary.summarise([run], already_compliant=2, not_applicable=6)
    assert (result["counts"]["not_applicable"], result["considered"], result["unmet"]) == (6, 4, 1)
    assert summary.problems(result, "enforce_mfa", max_noncompliant_percent=25) == []
    assert summary.problems(result, "enforce_mfa", max_noncompliant_percent=24)


# ---------------------------------------------------------------- item 2: duplicates in one cognito_user_mfa task


def run_inline(items, work, on_not_attempted):
    return [(item, work(item)) for item in items]


def test_cognito_user_mfa_entries_that_are_one_person_fail_before_any_write():
    pool = EmailPool({})
    writes = []
    api = user_mfa.UserApi(read=pool.get_user, write=lambda name, blocks: writes.append(name))
    requests = [mfa.UserRequest(name, TOTP_ON) for name in ("bob@example.com", "Alice@Example.com", ALICE)]
    with pytest.raises(DuplicateUser) as error:
        user_mfa.resolve(api, requests, NAMING, run_inline)
    assert "users[2]" in str(error.value) and "users[1] (Alice@Example.com)" in str(error.value)
    assert writes == []


def test_cognito_user_mfa_resolve_hands_the_records_on_and_claims_stop_a_second_write():
    pool = EmailPool({})
    requests = [mfa.UserRequest(name, TOTP_ON) for name in ("Alice@Example.com", "bob@example.com", "ghost@example.com")]
    api = user_mfa.UserApi(read=pool.get_user, write=None)
    records = user_mfa.resolve(api, requests, NAMING, run_inline)
    assert sorted(records) == [0, 1] and records[0]["Username"] == ALICE
    claims = user_mfa.Claims(NAMING)
    assert claims.claim(ALICE, "Alice@Example.com") is None
    assert claims.claim(ALICE.upper(), ALICE) == "Alice@Example.com"
    user = OneUser(record(ALICE))
    outcome = user_mfa.converge(user.api(), mfa.UserRequest(ALICE, TOTP_ON), False, claims=claims)
    assert (outcome.outcome, outcome.error_code, user.writes) == ("failed", "DuplicateUser", [])
    assert "the same user as Alice@Example.com" in outcome.message


def test_a_listed_name_that_is_not_found_is_read_once():
    pool = EmailPool({})
    (one,) = pool.pick(Selection(usernames=("ghost@example.com",)))
    assert pool.reads == ["ghost@example.com"] and one.record is None
    assert "UserNotFoundException" in str(one.error)
