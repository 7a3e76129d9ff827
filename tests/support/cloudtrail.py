"""CloudTrail as the Cognito front (cognito_front.py) plays it: one management event per user-pool call it
serves, and the ``LookupEvents`` API over them, on the same endpoint as cognito-idp.

As docs/cognito-behaviour.md (rows 40 and up) says CloudTrail does:
- an event per call, ``eventTime`` in whole seconds, ``eventSource`` ``cognito-idp.amazonaws.com``; the user's
  ``sub`` in ``additionalEventData.sub``, never the user name (``requestParameters.username`` is
  ``HIDDEN_DUE_TO_SECURITY_REASONS``); ``errorCode`` / ``errorMessage`` when the call failed;
- ``LookupEvents``: one lookup attribute (``EventName`` here), ``StartTime`` / ``EndTime`` inclusive, the most
  recent first, 50 a page (``MaxResults`` 1 to 50), a ``NextToken`` bound to the same parameters, the last 90
  days only; more than 2 requests a second is ``ThrottlingException`` (when ``throttle`` is on);
- delivery is late: an event is visible ``delay`` seconds after its call (``delay`` may change between calls,
  so a test can deliver one event after the run that should have seen it).

Events are kept as small tuples (a 100,000-user bench records a few hundred thousand); the JSON is built when
a page is served.
"""

from __future__ import annotations

import base64
import datetime
import json
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Optional

EVENT_SOURCE = "cognito-idp.amazonaws.com"
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"
RETENTION = 90 * 86400
PAGE = 50
RATE = 2.0  # LookupEvents requests per second, per account and region
READ_ONLY_PREFIXES = ("Get", "List", "Describe", "AdminGet", "AdminList")


@dataclass(frozen=True)
class Recorded:
    at: float  # when the call was served (epoch seconds)
    visible_at: float  # when LookupEvents starts returning it
    name: str
    pool_id: Optional[str]
    sub: Optional[str]
    error_code: Optional[str]
    event_id: str


def _iso(when: float) -> str:
    return datetime.datetime.fromtimestamp(int(when), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(value: Any) -> Optional[float]:
    """A LookupEvents time as boto3 sends it (epoch seconds in JSON)."""
    if value is None:
        return None
    return float(value)


def token_claims(token: Any) -> dict[str, Any]:
    """The claims of a JWT (an access token), unchecked: the stand-in only wants the sub."""
    if not isinstance(token, str) or token.count(".") != 2:
        return {}
    part = token.split(".")[1]
    try:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except ValueError:
        return {}


def event_json(event: Recorded) -> dict[str, Any]:
    """The CloudTrail record of one event, shaped as the Cognito developer guide's examples."""
    request = {"userPoolId": event.pool_id, "username": HIDDEN} if event.pool_id else {}
    record: dict[str, Any] = {
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "accountId": "123456789012"},
        "eventTime": _iso(event.at),
        "eventSource": EVENT_SOURCE,
        "eventName": event.name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "192.0.2.1",
        "requestParameters": request,
        "responseElements": None,
        "eventID": event.event_id,
        "readOnly": event.name.startswith(READ_ONLY_PREFIXES),
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "eventCategory": "Management",
    }
    if event.sub:
        record["additionalEventData"] = {"sub": event.sub}
    if event.error_code:
        record["errorCode"] = event.error_code
        record["errorMessage"] = HIDDEN
    return record


class Trail:
    """The events of one stand-in, and LookupEvents over them. Thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        self.delay = 0.0
        self.throttle = False
        self.refuse: Optional[str] = None  # an error code every LookupEvents answers with
        self.unattributed: list[str] = []  # event names recorded with no sub (an event not tied to one user)
        self._events: list[Recorded] = []
        self._lock = threading.Lock()
        self._calls: list[float] = []

    def record(self, name: str, pool_id: Optional[str], sub: Optional[str], error_code: Optional[str] = None,
               at: Optional[float] = None) -> None:
        now = self.clock() if at is None else at
        if name in self.unattributed:
            sub = None
        event = Recorded(now, now + self.delay, name, pool_id, sub, error_code, str(uuid.uuid4()))
        with self._lock:
            self._events.append(event)

    def events(self) -> list[Recorded]:
        with self._lock:
            return list(self._events)

    def clear(self) -> None:
        with self._lock:
            self._events.clear()
            self._calls.clear()

    def _throttled(self, now: float) -> bool:
        with self._lock:
            self._calls = [at for at in self._calls if at > now - 1.0]
            if self.throttle and len(self._calls) >= RATE:
                return True
            self._calls.append(now)
            return False

    def lookup(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """(HTTP status, answer) of one LookupEvents request."""
        now = self.clock()
        if self._throttled(now):
            return 400, {"__type": "ThrottlingException", "message": "Rate exceeded"}
        if self.refuse:
            return 400, {"__type": self.refuse, "message": f"LookupEvents refused by the stand-in ({self.refuse})"}
        attributes = params.get("LookupAttributes") or []
        if len(attributes) > 1:
            return 400, {"__type": "InvalidLookupAttributesException", "message": "only one lookup attribute is allowed"}
        size = int(params.get("MaxResults") or PAGE)
        if not 1 <= size <= PAGE:
            return 400, {"__type": "InvalidMaxResultsException", "message": "MaxResults must be 1 to 50"}
        start, end = _epoch(params.get("StartTime")), _epoch(params.get("EndTime"))
        if start is not None and end is not None and start > end:
            return 400, {"__type": "InvalidTimeRangeException", "message": "StartTime is after EndTime"}
        key = json.dumps([attributes, start, end, size], sort_keys=True)
        offset = 0
        if params.get("NextToken"):
            try:
                told = json.loads(base64.b64decode(params["NextToken"]))
                offset, same = int(told["offset"]), told["key"] == key
            except (ValueError, KeyError, TypeError):
                same = False
            if not same:
                return 400, {"__type": "InvalidNextTokenException", "message": "NextToken does not match the request"}
        matching = self._matching(attributes, start, end, now)
        page = matching[offset:offset + size]
        answer: dict[str, Any] = {"Events": [self._entry(event) for event in page]}
        if offset + size < len(matching):
            answer["NextToken"] = base64.b64encode(json.dumps({"offset": offset + size, "key": key}).encode()).decode()
        return 200, answer

    def _matching(self, attributes: list[dict[str, Any]], start: Optional[float], end: Optional[float], now: float) -> list[Recorded]:
        wanted = {(item.get("AttributeKey"), item.get("AttributeValue")) for item in attributes}
        with self._lock:
            events = list(self._events)
        kept = []
        for event in events:
            second = int(event.at)
            if event.visible_at > now or second < now - RETENTION:
                continue
            if (start is not None and second < start) or (end is not None and second > end):
                continue
            if wanted and not wanted & {("EventName", event.name), ("EventSource", EVENT_SOURCE), ("EventId", event.event_id)}:
                continue
            kept.append(event)
        kept.sort(key=lambda event: event.at, reverse=True)
        return kept

    @staticmethod
    def _entry(event: Recorded) -> dict[str, Any]:
        return {
            "EventId": event.event_id,
            "EventName": event.name,
            "ReadOnly": "true" if event.name.startswith(READ_ONLY_PREFIXES) else "false",
            "EventTime": int(event.at),
            "EventSource": EVENT_SOURCE,
            "Username": "mfaops-test",
            "Resources": [],
            "CloudTrailEvent": json.dumps(event_json(event)),
        }
