"""cognito_user_mfa_info's decisions (module_utils/audit.py) as tables: the policy option, MFA states, compliance, rows and counts."""

import threading

import botocore.exceptions
import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import cognito
from ansible_collections.mfaops.cognito.plugins.module_utils import engine
from ansible_collections.mfaops.cognito.plugins.module_utils import selection
from ansible_collections.mfaops.cognito.plugins.module_utils.mfa import InvalidRequest
from ansible_collections.mfaops.cognito.plugins.module_utils.mfa import MethodRequest as R
from ansible_collections.mfaops.cognito.plugins.module_utils.mfa import MfaState as S
from ansible_collections.mfaops.cognito.plugins.module_utils import audit as info
from ansible_collections.mfaops.cognito.plugins.module_utils import mfa

TOTP, SMS, EMAIL = "software_token_mfa", "sms_mfa", "email_mfa"
NOBODY = S()
TOTP_PREFERRED = S(frozenset({TOTP}), TOTP)
TOTP_ONLY_ENABLED = S(frozenset({TOTP}))
SMS_PREFERRED = S(frozenset({SMS}), SMS)
TOTP_AND_SMS_PREFERRED = S(frozenset({TOTP, SMS}), SMS)
TOTP_PREFERRED_AND_SMS = S(frozenset({TOTP, SMS}), TOTP)
EMAIL_ONLY = S(frozenset({EMAIL}))


def policy(**methods):
    """The policy option as the module receives it: every method key present, None when not given."""
    return {method: methods.get(method) for method in (TOTP, SMS, EMAIL)}


# ---------------------------------------------------------------- the policy option


@pytest.mark.parametrize(
    "given, expected",
    [
        (None, {TOTP: R(True, True)}),
        (policy(software_token_mfa={"enabled": True, "preferred": True}), {TOTP: R(True, True)}),
        (policy(software_token_mfa={"enabled": None, "preferred": True}), {TOTP: R(True, True)}),
        (policy(software_token_mfa={"enabled": True, "preferred": None}), {TOTP: R(True, None)}),
        (policy(sms_mfa={"enabled": False, "preferred": None}), {SMS: R(False, None)}),
        (
            policy(software_token_mfa={"enabled": True, "preferred": None}, sms_mfa={"enabled": False, "preferred": None}),
            {TOTP: R(True, None), SMS: R(False, None)},
        ),
    ],
)
def test_policy_request(given, expected):
    assert info.policy_request(given) == expected


@pytest.mark.parametrize(
    "given, message",
    [
        (policy(), "name at least one method"),
        (policy(software_token_mfa={"enabled": None, "preferred": None}), "name at least one method"),
        (policy(software_token_mfa={"enabled": False, "preferred": True}), "policy.software_token_mfa: a method cannot be preferred and disabled"),
        (
            policy(software_token_mfa={"enabled": None, "preferred": True}, sms_mfa={"enabled": None, "preferred": True}),
            "policy: only one method can be preferred",
        ),
    ],
)
def test_policy_request_errors(given, message):
    with pytest.raises(InvalidRequest) as error:
        info.policy_request(given)
    assert message in str(error.value)


# ---------------------------------------------------------------- MFA state and compliance


@pytest.mark.parametrize(
    "state, expected",
    [
        (NOBODY, "no_mfa"),
        (TOTP_PREFERRED, "totp_preferred"),
        (TOTP_PREFERRED_AND_SMS, "totp_preferred"),
        (TOTP_ONLY_ENABLED, "totp_enabled_not_preferred"),
        (TOTP_AND_SMS_PREFERRED, "totp_enabled_not_preferred"),
        (SMS_PREFERRED, "other_mfa_only"),
        (EMAIL_ONLY, "other_mfa_only"),
    ],
)
def test_mfa_state(state, expected):
    assert mfa.mfa_state(state) == expected


DEFAULT = info.policy_request(None)
TOTP_ENABLED = {TOTP: R(enabled=True)}
NO_SMS = {SMS: R(enabled=False)}
ANY_SMS = {SMS: R(enabled=True)}


@pytest.mark.parametrize(
    "state, policy_, compliant",
    [
        # default policy: TOTP enabled and preferred, other methods not checked
        (TOTP_PREFERRED, DEFAULT, True),
        (TOTP_PREFERRED_AND_SMS, DEFAULT, True),
        (TOTP_ONLY_ENABLED, DEFAULT, False),
        (TOTP_AND_SMS_PREFERRED, DEFAULT, False),
        (SMS_PREFERRED, DEFAULT, False),
        (NOBODY, DEFAULT, False),
        # TOTP enabled, preference not checked
        (TOTP_ONLY_ENABLED, TOTP_ENABLED, True),
        (TOTP_AND_SMS_PREFERRED, TOTP_ENABLED, True),
        (SMS_PREFERRED, TOTP_ENABLED, False),
        # SMS must be off
        (TOTP_PREFERRED, NO_SMS, True),
        (NOBODY, NO_SMS, True),
        (TOTP_PREFERRED_AND_SMS, NO_SMS, False),
        # any SMS
        (SMS_PREFERRED, ANY_SMS, True),
        (EMAIL_ONLY, ANY_SMS, False),
        # two rules at once
        (TOTP_PREFERRED, {**DEFAULT, **NO_SMS}, True),
        (TOTP_PREFERRED_AND_SMS, {**DEFAULT, **NO_SMS}, False),
    ],
)
def test_compliance(state, policy_, compliant):
    response = {"Username": "u", "Enabled": True, "UserStatus": "CONFIRMED"}
    response["UserMFASettingList"] = [{"software_token_mfa": "SOFTWARE_TOKEN_MFA", "sms_mfa": "SMS_MFA", "email_mfa": "EMAIL_OTP"}[m] for m in state.enabled]
    response["PreferredMfaSetting"] = {None: "", TOTP: "SOFTWARE_TOKEN_MFA", SMS: "SMS_MFA"}[state.preferred]
    audit = info.audit_user(lambda _name: response, "u", policy_)
    assert audit.compliant is compliant
    assert audit.outcome == ("compliant" if compliant else "non_compliant")


# ---------------------------------------------------------------- one user: rows


def client_error(code, message="boom"):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, "AdminGetUser")


def raiser(exc):
    def read(_name):
        raise exc

    return read


def test_row_of_a_user_read():
    response = {
        "Username": "alice",
        "Enabled": False,
        "UserStatus": "CONFIRMED",
        "UserMFASettingList": ["SMS_MFA", "SOFTWARE_TOKEN_MFA"],
        "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA",
    }
    assert info.audit_user(lambda _name: response, "alice", DEFAULT, count_disabled=True).as_row() == {
        "username": "alice",
        "email": None,
        "listed_as": "alice",
        "compliant": True,
        "not_found": False,
        "applicable": True,
        "reason": "disabled",
        "enabled": False,
        "user_status": "CONFIRMED",
        "enabled_methods": ["software_token_mfa", "sms_mfa"],
        "preferred_method": "software_token_mfa",
        "mfa_state": "totp_preferred",
    }


def test_row_of_a_missing_user():
    audit = info.audit_user(raiser(client_error("UserNotFoundException", "User does not exist.")), "ghost", DEFAULT)
    assert audit.as_row() == {
        "username": "ghost",
        "email": None,
        "listed_as": "ghost",
        "compliant": False,
        "not_found": True,
        "applicable": True,
        "reason": None,
        "enabled": None,
        "user_status": None,
        "enabled_methods": None,
        "preferred_method": None,
        "mfa_state": None,
    }


def test_row_of_a_failed_read():
    row = info.audit_user(raiser(client_error("InternalErrorException", "try later")), "bob", DEFAULT).as_row()
    assert row["compliant"] is False and row["not_found"] is False
    assert row["error_code"] == "InternalErrorException"
    assert "try later" in row["message"]


def test_row_of_a_user_not_attempted():
    row = info.not_attempted("carol", engine.Abort("ExpiredTokenException", "expired")).as_row()
    assert (row["username"], row["compliant"], row["error_code"]) == ("carol", False, "ExpiredTokenException")


# ---------------------------------------------------------------- many users: counts and rows


def audits():
    return [
        info.UserAudit("d-totp", "compliant", True, "CONFIRMED", TOTP_PREFERRED),
        info.UserAudit("a-sms", "non_compliant", True, "CONFIRMED", SMS_PREFERRED),
        info.UserAudit("c-none-disabled", "non_compliant", False, "CONFIRMED", NOBODY),
        info.UserAudit("b-enabled", "non_compliant", True, "CONFIRMED", TOTP_ONLY_ENABLED),
        info.UserAudit("e-disabled-totp", "compliant", False, "CONFIRMED", TOTP_PREFERRED),
        info.UserAudit("f-ghost", "not_found"),
        info.UserAudit("g-broken", "failed", error_code="InternalErrorException", message="x"),
        info.UserAudit("h-late", "not_attempted", error_code="ExpiredTokenException", message="x"),
    ]


EXPECTED_COUNTS = {
    "total": 8,
    "compliant": 2,
    "non_compliant": 3,
    "not_applicable": 0,
    "not_applicable_reasons": dict.fromkeys(("federated", "unconfirmed", "password_reset_required", "force_change_password", "disabled"), 0),
    "not_found": 1,
    "failed": 1,
    "not_attempted": 1,
    "disabled": 2,
    "excluded": 4,
    "totp_preferred": 2,
    "totp_enabled_not_preferred": 1,
    "other_mfa_only": 1,
    "no_mfa": 1,
}


@pytest.mark.parametrize(
    "only_non_compliant, usernames",
    [
        (False, ["a-sms", "b-enabled", "c-none-disabled", "d-totp", "e-disabled-totp", "f-ghost", "g-broken", "h-late"]),
        (True, ["a-sms", "b-enabled", "c-none-disabled", "f-ghost", "g-broken", "h-late"]),
    ],
)
def test_report(only_non_compliant, usernames):
    report = info.AuditReport(only_non_compliant=only_non_compliant)
    for audit in audits():
        report.add(audit)
    result = report.result(excluded=4)
    assert result["changed"] is False
    assert result["counts"] == EXPECTED_COUNTS
    assert [row["username"] for row in result["users"]] == usernames
    assert report.summary() == "8 users: 2 compliant, 3 non-compliant, 1 not found, 1 failed, 1 not attempted"


def test_report_of_nobody():
    report = info.AuditReport()
    assert report.result()["counts"] == dict(dict.fromkeys(EXPECTED_COUNTS, 0), not_applicable_reasons=EXPECTED_COUNTS["not_applicable_reasons"])
    assert report.summary() == "0 users: 0 compliant, 0 non-compliant, 0 not found, 0 failed"


def test_pool_config_result():
    response = {
        "MfaConfiguration": "ON",
        "SoftwareTokenMfaConfiguration": {"Enabled": True},
        "SmsMfaConfiguration": None,
        "ResponseMetadata": {"HTTPStatusCode": 200},
    }
    assert info.pool_config_result(response) == {"mfa_configuration": "ON", "software_token_mfa_configuration": {"enabled": True}}


# ---------------------------------------------------------------- the whole flow: listing -> engine -> report


class FakeCognito:
    """ListUsers pages and AdminGetUser, as a boto3 client would answer them.

    Throttles the first two reads of every fifth user and the first call for each list page,
    so the retries are exercised the same way whatever the threads' timing.
    """

    def __init__(self, users):
        self.users = users  # username -> AdminGetUser response
        self.attempts = {}
        self.lock = threading.Lock()

    def _throttle(self, key, times, operation):
        with self.lock:
            self.attempts[key] = self.attempts.get(key, 0) + 1
            throttled = self.attempts[key] <= times
        if throttled:
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "TooManyRequestsException", "Message": "Too many requests"}, "ResponseMetadata": {"HTTPStatusCode": 400}},
                operation,
            )

    def list_users(self, UserPoolId, Limit, PaginationToken="", Filter=None):  # noqa: N803 (boto3 argument names)
        self._throttle(("list", PaginationToken), 1, "ListUsers")
        names = sorted(self.users)
        start = int(PaginationToken or 0)
        response = {"Users": [{"Username": name} for name in names[start:start + Limit]]}
        if start + Limit < len(names):
            response["PaginationToken"] = str(start + Limit)
        return response

    def admin_get_user(self, UserPoolId, Username):  # noqa: N803
        self._throttle(Username, 2 if int(Username[-4:]) % 5 == 0 else 0, "AdminGetUser")
        return self.users[Username]


def test_whole_pool_through_the_engine_with_throttling():
    states = [[], ["SOFTWARE_TOKEN_MFA"], ["SMS_MFA"]]
    users = {
        f"user-{i:04d}": {
            "Username": f"user-{i:04d}",
            "Enabled": i % 10 != 0,
            "UserStatus": "CONFIRMED",
            "UserMFASettingList": states[i % 3],
            "PreferredMfaSetting": (states[i % 3] or [""])[0],
        }
        for i in range(500)
    }
    client = FakeCognito(users)
    call = engine.Caller(
        client,
        {cognito.READ: engine.RateLimiter(10_000), cognito.LIST: engine.RateLimiter(10_000)},
        sleep=lambda _seconds: None,
    )
    stats = selection.SelectionStats()
    names = selection.usernames(
        selection.Selection(all_users=True, exclude=frozenset({"user-0001"})),
        lambda filter_, token: cognito.list_users(call, "us-east-1_X", filter_ or "", token),
        None,
        stats,
    )
    report = info.AuditReport(only_non_compliant=True)
    for _name, audit in engine.run_bulk(
        names,
        lambda name: info.audit_user(lambda username: cognito.admin_get_user(call, "us-east-1_X", username), name, DEFAULT, count_disabled=True),
        workers=8,
        caller=call,
        on_not_attempted=info.not_attempted,
    ):
        report.add(audit)
    counts = report.result(excluded=stats.excluded)["counts"]
    assert counts["total"] == 499 and counts["excluded"] == 1
    assert counts["totp_preferred"] == counts["compliant"] == 166  # i % 3 == 1, minus user-0001
    assert counts["no_mfa"] == 167 and counts["other_mfa_only"] == 166
    assert counts["non_compliant"] == 333 and counts["failed"] == 0
    assert counts["disabled"] == 50
    assert len(report.rows) == 333
    assert (call.stats["list_users"].calls, call.stats["list_users"].throttled) == (18, 9)  # 9 pages of 60
    assert (call.stats["admin_get_user"].calls, call.stats["admin_get_user"].throttled) == (499 + 200, 200)


# ---------------------------------------------------------------- what sign-in really demands

from ansible_collections.mfaops.cognito.plugins.module_utils import sign_in_policy  # noqa: E402

TOTP_USER = {"Username": "u", "Enabled": True, "UserStatus": "CONFIRMED", "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"],
             "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA"}
LEGACY_SMS = {"Username": "l", "Enabled": True, "UserStatus": "CONFIRMED", "UserMFASettingList": [],
              "MFAOptions": [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]}
PASSKEY_POOL = sign_in_policy.PoolSignIn(mode="ON", first_factors=frozenset({"PASSWORD", "WEB_AUTHN"}),
                                         passkey_factor=sign_in_policy.MULTI_FACTOR, clients_read=False)


@pytest.mark.parametrize(
    "record, pool, factors, outcome, row",
    [
        (TOTP_USER, sign_in_policy.PoolSignIn(mode="ON"), None, "compliant", {"sign_in_asks": "totp", "mfa_state": "totp_preferred"}),
        # OFF: no second factor is asked, whatever the user's preference
        (TOTP_USER, sign_in_policy.PoolSignIn(mode="OFF"), None, "non_compliant", {"sign_in_asks": "none", "sign_in_compliant": False}),
        # legacy MFAOptions SMS, empty UserMFASettingList: SMS MFA, not "no MFA"
        (LEGACY_SMS, sign_in_policy.PoolSignIn(mode="OPTIONAL"), None, "non_compliant",
         {"mfa_state": "other_mfa_only", "enabled_methods": ["sms_mfa"], "sign_in_asks": "other"}),
        # passkeys allowed, factors not read: unchecked, compliance by the password path
        (TOTP_USER, PASSKEY_POOL, None, "compliant", {"unchecked_first_factors": ["WEB_AUTHN"]}),
        # read: the user has a passkey, signs in without TOTP
        (TOTP_USER, PASSKEY_POOL, {"ConfiguredUserAuthFactors": ["PASSWORD", "WEB_AUTHN"]}, "non_compliant",
         {"sign_in_without_totp": ["WEB_AUTHN"], "configured_user_auth_factors": ["PASSWORD", "WEB_AUTHN"]}),
        (TOTP_USER, PASSKEY_POOL, {"ConfiguredUserAuthFactors": ["PASSWORD"]}, "compliant", {"configured_user_auth_factors": ["PASSWORD"]}),
    ],
)
def test_audit_user_judges_what_sign_in_demands(record, pool, factors, outcome, row):
    audited = info.audit_user(lambda name: record, record["Username"], info.policy_request(None), pool,
                              (lambda name: factors) if factors is not None else None)
    assert audited.outcome == outcome
    got = audited.as_row()
    assert {key: got.get(key) for key in row} == row
    assert got["compliant"] is (outcome == "compliant")


def test_a_policy_without_totp_is_not_held_to_totp_sign_in():
    sms = info.policy_request({"sms_mfa": {"enabled": True}})
    audited = info.audit_user(lambda name: LEGACY_SMS, "l", sms, sign_in_policy.PoolSignIn(mode="OPTIONAL"))
    assert audited.outcome == "compliant"
    off = info.audit_user(lambda name: LEGACY_SMS, "l", sms, sign_in_policy.PoolSignIn(mode="OFF"))
    assert off.outcome == "non_compliant"
