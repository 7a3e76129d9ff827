"""The Cognito-like proxy (tests/support/proxy.py): token buckets on a fake clock, the
per-request decision, and the HTTP behaviour against a tiny fake upstream."""

from __future__ import annotations

import http.server
import json
import socketserver
import sys
import threading
from pathlib import Path

import boto3
import botocore.exceptions
import botocore.parsers
import pytest
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# pylint: disable=wrong-import-position
from tests.support import proxy as px  # noqa: E402


class FakeClock:
    def __init__(self, now: float = 100.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def drain(bucket: px.TokenBucket) -> int:
    taken = 0
    while bucket.take():
        taken += 1
    return taken


# ---------------------------------------------------------------- token bucket


def test_bucket_starts_full_then_refuses():
    bucket = px.TokenBucket(25, clock=FakeClock())
    assert drain(bucket) == 25
    assert not bucket.take()


def test_bucket_refills_at_its_rate():
    clock = FakeClock()
    bucket = px.TokenBucket(25, clock=clock)
    drain(bucket)
    clock.advance(0.039)  # 0.975 token
    assert not bucket.take()
    clock.advance(0.002)  # 1.025 tokens
    assert bucket.take()
    assert not bucket.take()
    clock.advance(2.0)
    assert drain(bucket) == 25  # capped at capacity, not 50


def test_bucket_sustained_rate_is_the_quota():
    """Asked 1,000 times a second for 10 s, a 25/s bucket lets through 25 x 10 + its burst."""
    clock = FakeClock()
    bucket = px.TokenBucket(25, clock=clock)
    allowed = 0
    for dummy in range(10_000):
        clock.advance(0.001)
        allowed += bucket.take()
    assert allowed == pytest.approx(25 * 10 + 25, abs=1)


@pytest.mark.parametrize(
    "rate, capacity, expected_burst",
    [(120, None, 120), (25, 5, 5), (0.5, None, 1), (10, 0.2, 1)],
)
def test_bucket_capacity(rate, capacity, expected_burst):
    bucket = px.TokenBucket(rate, capacity=capacity, clock=FakeClock())
    assert drain(bucket) == expected_burst


def test_bucket_rejects_non_positive_rate():
    with pytest.raises(ValueError):
        px.TokenBucket(0)


def test_bucket_ignores_a_clock_going_back():
    clock = FakeClock()
    bucket = px.TokenBucket(10, clock=clock)
    drain(bucket)
    clock.advance(-5)
    assert not bucket.take()
    clock.advance(5.05)  # 0.05 s after the latest time seen: half a token
    assert not bucket.take()
    clock.advance(0.06)
    assert bucket.take()


def test_make_buckets_skips_unlimited_categories():
    buckets = px.make_buckets({"UserRead": 120, "UserList": None, "UserCreation": 0}, 0.5, FakeClock())
    assert set(buckets) == {"UserRead"}
    assert drain(buckets["UserRead"]) == 60


# ---------------------------------------------------------------- categories and decisions


@pytest.mark.parametrize(
    "target, category",
    [
        ("AWSCognitoIdentityProviderService.AdminGetUser", "UserRead"),
        ("AWSCognitoIdentityProviderService.AdminSetUserMFAPreference", "UserResourceUpdate"),
        ("AWSCognitoIdentityProviderService.VerifySoftwareToken", "UserResourceUpdate"),
        ("AWSCognitoIdentityProviderService.ListUsers", "UserList"),
        ("AWSCognitoIdentityProviderService.AdminInitiateAuth", "UserAuthentication"),
        ("AWSCognitoIdentityProviderService.AdminCreateUser", "UserCreation"),
        ("AWSCognitoIdentityProviderService.SetUserPoolMfaConfig", "UserPoolResourceUpdate"),
        ("AWSCognitoIdentityProviderService.CreateUserPool", None),
    ],
)
def test_category_of_operation(target, category):
    assert px.category_of(px.operation_of(target)) == category


def test_every_mapped_category_has_a_default_quota():
    assert set(px.CATEGORIES.values()) <= set(px.DEFAULT_QUOTAS)


def rand_sequence(*values):
    it = iter(values)
    return lambda: next(it)


@pytest.mark.parametrize(
    "faults, rolls, expected",
    [
        (px.Faults(), (), (px.FORWARD, 0.0)),
        (px.Faults(error_rate=0.03), (0.02,), (px.ERROR_500, 0.0)),
        (px.Faults(error_rate=0.03), (0.5,), (px.FORWARD, 0.0)),
        (px.Faults(drop_rate=0.01), (0.005, 0.9), (px.DROP_BEFORE, 0.0)),
        (px.Faults(drop_rate=0.01, drop_after_forward=0.5), (0.005, 0.2), (px.DROP_AFTER, 0.0)),
        (px.Faults(latency=0.2, latency_rate=0.5), (0.4,), (px.FORWARD, 0.2)),
        (px.Faults(latency=0.2, latency_rate=0.5), (0.6,), (px.FORWARD, 0.0)),
        (px.Faults(error_rate=0.03, latency=0.1), (0.0, 0.01), (px.ERROR_500, 0.1)),
    ],
)
def test_decide(faults, rolls, expected):
    bucket = px.TokenBucket(10, clock=FakeClock())
    assert px.decide(bucket, faults, rand_sequence(*rolls)) == expected


def test_decide_throttles_before_faults_and_spends_no_token():
    clock = FakeClock()
    bucket = px.TokenBucket(1, clock=clock)
    faults = px.Faults(error_rate=1.0)
    assert px.decide(bucket, faults, lambda: 0.0) == (px.ERROR_500, 0.0)  # the token is spent
    assert px.decide(bucket, faults, lambda: 0.0) == (px.THROTTLE, 0.0)
    clock.advance(1.0)
    assert bucket.take()


def test_decide_without_bucket_never_throttles():
    assert all(px.decide(None, px.Faults(), lambda: 0.0)[0] == px.FORWARD for dummy in range(1000))


@pytest.mark.parametrize("bad", [{"error_rate": 1.5}, {"drop_rate": -0.1}, {"latency": -1}])
def test_faults_validated(bad):
    with pytest.raises(ValueError):
        px.Faults(**bad)


def test_counts():
    counts = px.Counts()
    for action in (px.FORWARD, px.FORWARD, px.THROTTLE, px.ERROR_500, px.DROP_BEFORE, px.DROP_AFTER):
        counts.add("AdminGetUser", action)
    snap = counts.snapshot()
    assert snap == {
        "AdminGetUser": {"forwarded": 3, "throttled": 1, "faulted": 3, "error_500": 1, "drop_before": 1, "drop_after": 1}
    }
    assert px.totals(snap) == {"forwarded": 3, "throttled": 1, "faulted": 3}
    counts.reset()
    assert counts.snapshot() == {}


def test_counts_rate_of_forwarded_requests():
    clock = FakeClock(0.0)
    counts = px.Counts(clock)
    counts.add("AdminSetUserMFAPreference", px.FORWARD)
    assert counts.rate("AdminSetUserMFAPreference") is None
    for dummy in range(50):
        clock.advance(0.04)
        counts.add("AdminSetUserMFAPreference", px.FORWARD)
        counts.add("AdminSetUserMFAPreference", px.THROTTLE)
    assert counts.rate("AdminSetUserMFAPreference") == pytest.approx(25.0)
    assert counts.rate("AdminGetUser") is None


# ---------------------------------------------------------------- over HTTP, with a fake upstream


class _Upstream(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list = []

    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _Upstream.seen.append((self.headers.get("X-Amz-Target"), body))
        data = json.dumps({"Username": "alice", "UserAttributes": [], "UserMFASettingList": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST


@pytest.fixture(name="upstream")
def upstream_fixture():
    _Upstream.seen = []
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Upstream)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def client_for(endpoint):
    return boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


def get_user(client):
    return client.admin_get_user(UserPoolId="us-east-1_abc", Username="alice")


def test_forwards_and_counts(upstream):
    with px.Proxy(upstream) as proxy:
        client = client_for(proxy.endpoint)
        assert get_user(client)["Username"] == "alice"
        assert get_user(client)["Username"] == "alice"
        assert proxy.counts() == {"AdminGetUser": {"forwarded": 2, "throttled": 0, "faulted": 0}}
    assert [target for target, body in _Upstream.seen] == ["AWSCognitoIdentityProviderService.AdminGetUser"] * 2
    assert json.loads(_Upstream.seen[0][1]) == {"UserPoolId": "us-east-1_abc", "Username": "alice"}


def test_empty_bucket_answers_like_cognito(upstream):
    with px.Proxy(upstream, quotas={"UserRead": 2}) as proxy:
        client = client_for(proxy.endpoint)
        get_user(client)
        get_user(client)
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            get_user(client)
        error = caught.value.response
        assert error["Error"]["Code"] == "TooManyRequestsException"
        assert error["Error"]["Message"] == "Too many requests"
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert proxy.counts()["AdminGetUser"] == {"forwarded": 2, "throttled": 1, "faulted": 0}
    assert len(_Upstream.seen) == 2  # the throttled call never reached the stand-in


def test_timeline_keeps_every_request_with_its_pool_and_action_in_order(upstream):
    with px.Proxy(upstream, quotas={"UserRead": 2}, timeline=True) as proxy:
        client = client_for(proxy.endpoint)
        get_user(client)
        get_user(client)
        with pytest.raises(botocore.exceptions.ClientError):
            get_user(client)
        events = proxy.timeline()
        assert [(op, pool, action) for _t, op, pool, action in events] == [
            ("AdminGetUser", "us-east-1_abc", "forward")] * 2 + [("AdminGetUser", "us-east-1_abc", "throttle")]
        times = [t for t, *_rest in events]
        assert times == sorted(times) and times[0] >= 0
        proxy.reset_counts()
        assert proxy.timeline() == []
    with px.Proxy(upstream) as proxy:  # off by default: nothing kept
        get_user(client_for(proxy.endpoint))
        assert proxy.timeline() == []


def test_injected_500_and_drop(upstream):
    with px.Proxy(upstream, faults=px.Faults(error_rate=1.0)) as proxy:
        client = client_for(proxy.endpoint)
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            get_user(client)
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
        assert caught.value.response["Error"]["Code"] == "InternalErrorException"
        proxy.configure(error_rate=0.0, drop_rate=1.0)
        with pytest.raises(botocore.exceptions.ConnectionClosedError):
            get_user(client)
        proxy.configure(drop_rate=1.0, drop_after_forward=1.0)
        with pytest.raises(botocore.exceptions.ConnectionClosedError):
            get_user(client)
        assert proxy.counts()["AdminGetUser"] == {
            "forwarded": 1, "throttled": 0, "faulted": 3, "error_500": 1, "drop_before": 1, "drop_after": 1,
        }
    assert len(_Upstream.seen) == 1  # only the drop after forwarding reached the stand-in


def test_http_control_routes(upstream):
    import urllib.request  # pylint: disable=import-outside-toplevel

    def call(path, body=None):
        data = None if body is None else json.dumps(body).encode()
        with urllib.request.urlopen(urllib.request.Request(proxy.endpoint + path, data=data), timeout=5) as response:
            return json.loads(response.read())

    with px.Proxy(upstream) as proxy:
        get_user(client_for(proxy.endpoint))
        assert call("/_proxy/counts")["totals"] == {"forwarded": 1, "throttled": 0, "faulted": 0}
        config = call("/_proxy/config", {"quotas": {"UserResourceUpdate": 5}, "latency": 0.01})
        assert config["quotas"]["UserResourceUpdate"] == 5 and config["quotas"]["UserRead"] == 120
        assert config["latency"] == 0.01
        call("/_proxy/counts/reset", {})
        assert call("/_proxy/counts") == {"operations": {}, "totals": {"forwarded": 0, "throttled": 0, "faulted": 0}}


def test_configure_rejects_unknown_names(upstream):
    with px.Proxy(upstream) as proxy:
        with pytest.raises(ValueError):
            proxy.configure(quotas={"UserReads": 5})
        with pytest.raises(ValueError):
            proxy.configure(eror_rate=0.1)


def test_passes_through_requests_without_a_target(upstream):
    import urllib.request  # pylint: disable=import-outside-toplevel

    with px.Proxy(upstream, quotas={"UserRead": 1}) as proxy:
        for dummy in range(3):
            with urllib.request.urlopen(proxy.endpoint + "/_standin/health", timeout=5) as response:
                assert response.status == 200
        assert not proxy.counts()


def test_on_query_answers_a_query_protocol_error_that_botocore_reads(upstream):
    seen = []

    def pause_after_one(action, fields):
        seen.append((action, fields.get("Destination.ToAddresses.member.1")))
        if len(seen) > 1:
            return px.QueryError(400, "AccountSendingPausedException", "Email sending is disabled <for> the account.")
        return None

    with px.Proxy(upstream) as proxy:
        proxy.on_query = pause_after_one
        ses = boto3.client("ses", endpoint_url=proxy.endpoint, region_name="us-east-1", aws_access_key_id="testing",
                           aws_secret_access_key="testing", config=Config(retries={"mode": "standard", "total_max_attempts": 1}))
        mail = {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}
        try:
            ses.send_email(Source="it@example.com", Destination={"ToAddresses": ["a@example.com"]}, Message=mail)
        except (botocore.exceptions.ClientError, botocore.parsers.ResponseParserError):
            pass  # forwarded: the fake upstream answers Cognito's JSON, which is not SES's
        with pytest.raises(botocore.exceptions.ClientError) as refused:
            ses.send_email(Source="it@example.com", Destination={"ToAddresses": ["b@example.com"]}, Message=mail)
        assert not proxy.counts()  # query-protocol requests are not counted as Cognito operations
    assert refused.value.response["Error"]["Code"] == "AccountSendingPausedException"
    assert refused.value.response["Error"]["Message"] == "Email sending is disabled <for> the account."
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert seen == [("SendEmail", "a@example.com"), ("SendEmail", "b@example.com")]
    assert len(_Upstream.seen) == 1  # the refused one never reached the stand-in
