"""The stand-in's CloudTrail (tests/support/cloudtrail.py): events as CloudTrail records them, LookupEvents as the
botocore cloudtrail model documents it (docs/cognito-behaviour.md rows 43, 45, 46)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# pylint: disable=wrong-import-position
from tests.support.cloudtrail import Trail  # noqa: E402

NOW = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def by_name(name: str, **params):
    return dict(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}], **params)


def test_events_carry_the_sub_not_the_name_and_the_error() -> None:
    trail = Trail(Clock())
    trail.record("AdminSetUserMFAPreference", "us-east-1_P", "sub-1", "InvalidParameterException")
    status, answer = trail.lookup(by_name("AdminSetUserMFAPreference"))
    (entry,) = answer["Events"]
    record = json.loads(entry["CloudTrailEvent"])
    assert status == 200 and record["additionalEventData"] == {"sub": "sub-1"}
    assert record["requestParameters"] == {"userPoolId": "us-east-1_P", "username": "HIDDEN_DUE_TO_SECURITY_REASONS"}
    assert record["errorCode"] == "InvalidParameterException" and record["eventTime"].endswith("Z")
    assert entry["EventTime"] == int(NOW)


def test_pages_of_50_most_recent_first_time_range_and_name() -> None:
    clock = Clock()
    trail = Trail(clock)
    for index in range(120):
        trail.record("AdminDisableUser", "p", f"s{index}", at=NOW - 120 + index)
    trail.record("AdminEnableUser", "p", "other", at=NOW - 1)
    pages, token = [], None
    while True:
        status, answer = trail.lookup(by_name("AdminDisableUser", StartTime=NOW - 110, EndTime=NOW, **({"NextToken": token} if token else {})))
        assert status == 200
        pages.append(answer["Events"])
        token = answer.get("NextToken")
        if not token:
            break
    assert [len(page) for page in pages] == [50, 50, 10]
    subs = [json.loads(event["CloudTrailEvent"])["additionalEventData"]["sub"] for page in pages for event in page]
    assert subs == [f"s{index}" for index in range(119, 9, -1)]
    status, answer = trail.lookup(by_name("AdminDisableUser", NextToken=pages and "bm90IGEgdG9rZW4="))
    assert status == 400 and answer["__type"] == "InvalidNextTokenException"
    assert trail.lookup({"LookupAttributes": [{}, {}]})[1]["__type"] == "InvalidLookupAttributesException"
    assert trail.lookup({"MaxResults": 51})[1]["__type"] == "InvalidMaxResultsException"


def test_90_days_delay_throttling_and_refusal() -> None:
    clock = Clock()
    trail = Trail(clock)
    trail.record("SignUp", "p", "old", at=NOW - 91 * 86400)
    trail.delay = 300
    trail.record("SignUp", "p", "late")
    assert trail.lookup(by_name("SignUp"))[1]["Events"] == []  # too old, and not delivered yet
    clock.now += 301
    assert len(trail.lookup(by_name("SignUp"))[1]["Events"]) == 1
    clock.now += 1.5
    trail.throttle = True
    answers = [trail.lookup(by_name("SignUp")) for _call in range(3)]
    assert [answer[0] for answer in answers] == [200, 200, 400] and answers[2][1]["__type"] == "ThrottlingException"
    clock.now += 1.5
    trail.refuse = "AccessDeniedException"
    assert trail.lookup(by_name("SignUp"))[1]["__type"] == "AccessDeniedException"
