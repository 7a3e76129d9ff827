"""One user's convergence against a fake Cognito, and the bulk report."""

import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import mfa
from ansible_collections.mfaops.cognito.plugins.module_utils import user_mfa
from ansible_collections.mfaops.cognito.plugins.module_utils.engine import Abort

from fakes import client_error

TOTP_ON = {"software_token_mfa": mfa.MethodRequest(enabled=True, preferred=True)}


class FakeUser:
    """Behaves like Cognito for one user: verified token or not, writes that may be ignored."""

    def __init__(self, enabled=(), preferred="", verified=True, exists=True, ignore_writes=False):
        self.enabled = list(enabled)
        self.preferred = preferred
        self.verified = verified
        self.exists = exists
        self.ignore_writes = ignore_writes
        self.writes = []

    def read(self, _username):
        if not self.exists:
            raise client_error("UserNotFoundException", "User does not exist.")
        return {"UserMFASettingList": list(self.enabled), "PreferredMfaSetting": self.preferred}

    def write(self, _username, blocks):
        self.writes.append(dict(blocks))
        totp = blocks.get("SoftwareTokenMfaSettings")
        if totp and totp["Enabled"] and not self.verified:
            raise client_error("InvalidParameterException", "User has not verified software token mfa")
        if self.ignore_writes:
            return
        if totp:
            if totp["Enabled"] and "SOFTWARE_TOKEN_MFA" not in self.enabled:
                self.enabled.append("SOFTWARE_TOKEN_MFA")
            if totp["PreferredMfa"]:
                self.preferred = "SOFTWARE_TOKEN_MFA"

    def api(self):
        return user_mfa.UserApi(read=self.read, write=self.write)


def converge(user, check_mode=False, methods=None):
    return user_mfa.converge(user.api(), mfa.UserRequest("alice", methods or TOTP_ON), check_mode)


def test_changed_and_read_back():
    user = FakeUser(enabled=["SMS_MFA"], preferred="SMS_MFA")
    result = converge(user)
    assert result.outcome == "changed"
    assert result.after == mfa.MfaState(frozenset({"software_token_mfa", "sms_mfa"}), "software_token_mfa")
    assert user.writes == [{"SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": True}}]


def test_unchanged_makes_no_write():
    user = FakeUser(enabled=["SOFTWARE_TOKEN_MFA"], preferred="SOFTWARE_TOKEN_MFA")
    assert converge(user).outcome == "unchanged"
    assert user.writes == []


def test_check_mode_makes_no_write():
    user = FakeUser(verified=False)
    result = converge(user, check_mode=True)
    assert result.outcome == "changed"
    assert result.after.preferred == "software_token_mfa"
    assert user.writes == []


def test_not_enrolled():
    result = converge(FakeUser(verified=False))
    assert (result.outcome, result.error_code) == ("not_enrolled", "InvalidParameterException")


SMS_AND_TOTP_ON = {**TOTP_ON, "sms_mfa": mfa.MethodRequest(enabled=True, preferred=False)}
TOTP_OFF = {"software_token_mfa": mfa.MethodRequest(enabled=False, preferred=False)}


@pytest.mark.parametrize(
    "wording, enabled, methods, outcome, cognito_message",
    [
        # Cognito's wordings: not enrolled, no message kept (the wording is known).
        ("User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA", (), TOTP_ON, "not_enrolled", None),
        ("User has not set up software token mfa", (), TOTP_ON, "not_enrolled", None),
        ("User has not verified software token mfa", ["SMS_MFA"], TOTP_ON, "not_enrolled", None),
        # An unknown wording to a TOTP-only write, TOTP not enabled: still not enrolled, message kept.
        ("Some new wording", (), TOTP_ON, "not_enrolled", "Some new wording"),
        # The write also enables SMS: failed, with Cognito's message.
        ("User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA", (), SMS_AND_TOTP_ON, "failed", None),
        # TOTP already enabled (only the preference moves): failed.
        ("User has not verified software token mfa", ["SOFTWARE_TOKEN_MFA"], TOTP_ON, "failed", None),
        # The write disables TOTP: nothing to enrol, failed.
        ("Some new wording", ["SMS_MFA", "SOFTWARE_TOKEN_MFA"], TOTP_OFF, "failed", None),
    ],
)
def test_not_enrolled_is_decided_by_request_and_state(wording, enabled, methods, outcome, cognito_message):
    user = FakeUser(enabled=enabled, preferred="")

    def refuse(_username, _blocks):
        raise client_error("InvalidParameterException", wording)

    user.write = refuse
    result = converge(user, methods=methods)
    assert (result.outcome, result.error_code) == (outcome, "InvalidParameterException")
    assert result.fields.get("cognito_message") == cognito_message
    assert result.as_row().get("cognito_message") == cognito_message
    if outcome == "failed":
        assert result.message == f"{wording} (op)"


@pytest.mark.parametrize(
    "message, known",
    [(wording, True) for wording, _source in mfa.TOTP_NOT_ENROLLED_WORDINGS]
    + [("user has not verified software token MFA.", True), ("software token", False), ("", False)],
)
def test_known_not_enrolled_wordings(message, known):
    assert mfa.known_not_enrolled_wording(message) is known


def test_not_found():
    assert converge(FakeUser(exists=False)).outcome == "not_found"


def test_write_accepted_but_not_applied():
    result = converge(FakeUser(ignore_writes=True))
    assert (result.outcome, result.error_code) == ("failed", "NotApplied")


def test_abort_after_write_is_reported_as_failed():
    user = FakeUser()
    reads = iter([{"UserMFASettingList": []}])

    def read(_username):
        try:
            return next(reads)
        except StopIteration:
            raise Abort("ExpiredTokenException", "expired")

    result = user_mfa.converge(user_mfa.UserApi(read=read, write=user.write), mfa.UserRequest("alice", TOTP_ON), False)
    assert (result.outcome, result.error_code) == ("failed", "ExpiredTokenException")


def test_report_counts_all_rows_only_for_interesting_users():
    report = user_mfa.report(diff=True)
    state = mfa.MfaState()
    for n in range(100):
        report.add(user_mfa.Outcome(f"u{n:03}", "unchanged", before=state, after=state))
    after = mfa.MfaState(frozenset({"software_token_mfa"}), "software_token_mfa")
    report.add(user_mfa.Outcome("zed", "changed", before=state, after=after))
    report.add(user_mfa.Outcome("amy", "not_found", message="no such user in the pool"))
    result = report.result()
    assert result["counts"] == {
        "total": 102, "unchanged": 100, "changed": 1, "not_enrolled": 0, "not_applicable": 0, "excluded": 0, "not_found": 1,
        "failed": 0, "not_attempted": 0,
    }
    assert [row["username"] for row in result["users"]] == ["amy", "zed"]
    assert report.diff == {"before": {"zed": state.as_dict()}, "after": {"zed": after.as_dict()}}
    assert result["changed"] is True
    assert report.summary(check_mode=True) == "102 users: 100 unchanged, 1 would change, 1 not found"


def test_reset_deletes_token_then_reads_back():
    user = FakeUser(enabled=["SOFTWARE_TOKEN_MFA", "SMS_MFA"], preferred="SOFTWARE_TOKEN_MFA")
    deleted = []

    def delete(name):
        deleted.append(name)
        user.enabled.remove("SOFTWARE_TOKEN_MFA")
        user.preferred = ""

    api = user_mfa.UserApi(read=user.read, write=user.write, delete_token=delete)
    result = user_mfa.converge(api, mfa.UserRequest("alice", {}, reset_totp=True), False)
    assert (result.outcome, deleted, user.writes) == ("changed", ["alice"], [])
    assert result.after == mfa.MfaState(frozenset({"sms_mfa"}), None)
    again = user_mfa.converge(api, mfa.UserRequest("alice", {}, reset_totp=True), False)
    assert (again.outcome, deleted) == ("unchanged", ["alice"])
