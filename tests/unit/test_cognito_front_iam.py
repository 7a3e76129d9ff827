"""The Cognito front's answer to an access denial (tests/support/cognito_front.py ``access_denied``, and CloudTrail's
``LookupEvents``, which the front answers itself)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# pylint: disable=wrong-import-position
from tests.support.cognito_front import CognitoFront, access_denied  # noqa: E402

MOTO_403 = (b'<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Errors><Error><Code>AccessDenied</Code>'
            b"<Message>User: arn:aws:iam::123456789012:user/job is not authorized to perform: cognito-idp:AdminGetUser"
            b"</Message></Error></Errors></ErrorResponse>")


def test_moto_403_becomes_cognitos_json_error_naming_action_and_pool():
    reply = access_denied("AdminGetUser", b'{"UserPoolId": "eu-west-1_AbC", "Username": "alice"}', 403, MOTO_403)
    assert reply is not None and reply.status == 400
    assert reply.payload == {
        "__type": "AccessDeniedException",
        "message": "User: arn:aws:iam::123456789012:user/job is not authorized to perform: cognito-idp:AdminGetUser on "
                   "resource: arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC because no "
                   "identity-based policy allows the cognito-idp:AdminGetUser action",
    }


def test_a_call_without_a_pool_is_denied_on_any_resource():
    reply = access_denied("ListUserPools", b"{}", 403, MOTO_403)
    assert reply is not None and "on resource: * because" in reply.payload["message"]


def test_other_answers_pass():
    assert access_denied("AdminGetUser", b"{}", 200, b"{}") is None
    assert access_denied("AdminGetUser", b"{}", 403, b'{"__type": "Other"}') is None


def test_security_hub_answers_a_json_403():
    answer = MOTO_403.replace(b"cognito-idp:AdminGetUser", b"securityhub:GetFindings")
    reply = access_denied(None, b"{}", 403, answer)
    assert reply is not None and reply.status == 403 and reply.payload["__type"] == "AccessDeniedException"
    assert "securityhub:GetFindings" in reply.payload["message"]


def test_lookup_events_refused_as_cloudtrail():
    """The stand-in refuses the caller (IAM checks on): CloudTrail's JSON 400, no "on resource" (no resource type);
    no events are served. Allowed, or no IAM check: the events page."""
    front = CognitoFront(clock=lambda: 1_000_000.0)
    asked = []

    def refusal(action):
        asked.append(action)
        return MOTO_403.replace(b"cognito-idp:AdminGetUser", action.encode()).decode()

    body = b'{"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "AdminSetUserMFAPreference"}]}'
    reply = front.request("LookupEvents", body, lambda query: None, refusal)
    assert asked == ["cloudtrail:LookupEvents"]
    assert (reply.status, reply.payload) == (400, {
        "__type": "AccessDeniedException",
        "message": "User: arn:aws:iam::123456789012:user/job is not authorized to perform: cloudtrail:LookupEvents "
                   "because no identity-based policy allows the cloudtrail:LookupEvents action"})
    for allowed in (lambda action: None, None):
        served = front.request("LookupEvents", body, lambda query: None, allowed)
        assert served.status == 200 and served.payload == {"Events": []}
