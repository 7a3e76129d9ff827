"""A Cognito-like proxy in front of the stand-in: request quotas and injected faults.

moto never throttles and never fails. This proxy sits between boto3 (or the module) and
the stand-in and behaves like Cognito's front door:

- one token bucket per quota category (DESIGN.md table; ``DEFAULT_QUOTAS``, each
  configurable), the category taken from the ``X-Amz-Target`` operation name; an empty
  bucket answers ``TooManyRequestsException`` (HTTP 400, Cognito's JSON error body)
  without forwarding the request;
- injected faults at configurable rates: HTTP 500 (``InternalErrorException``), dropped
  connections (closed without an answer, before or after the stand-in saw the request),
  and added latency;
- expired credentials: after ``expire_after`` API requests (counted from when it was set),
  every request is answered ``ExpiredTokenException`` (HTTP 400), as AWS does once a
  session's credentials expire mid-run;
- a hook, ``Proxy.on_operation``, that picks the fault of one request by its operation (a test's fault point),
  including ``ACCESS_DENIED`` (``AccessDeniedException``, as IAM answers a policy that does not allow the operation);
- a hook, ``Proxy.on_query``, for the query-protocol services the stand-in also serves (SES, STS: a form body with
  ``Action=``, no ``X-Amz-Target``): called with the action and the form's fields, it may return a ``QueryError``,
  answered as those services answer errors (an XML ``ErrorResponse``), e.g. SES refusing every ``SendEmail`` after
  the first few;
- counts per operation: ``forwarded``, ``throttled``, ``faulted`` (500s + drops + expired),
  readable from Python (``Proxy.counts()``) or over HTTP (``GET /_proxy/counts``);
- with ``count_users=True``, counts per operation and per ``Username`` of what happened to
  each request (``Proxy.user_counts()``, ``GET /_proxy/user_counts``): ``throttled``,
  ``error_500``, ``drop_before``, ``expired`` (never reached the stand-in), ``ok`` / ``error``
  (the stand-in's answer: < 400 or not), and ``lost`` (the stand-in answered, the proxy
  dropped the answer). So ``ok + error`` requests reached the stand-in, and ``ok - lost``
  successes were seen by the client;
- with ``record_secrets=True``, every secret value that passes through it, in requests and
  answers (``SECRET_FIELDS``: passwords, TOTP secrets and codes, sessions, tokens, SECRET_HASH),
  so a test can search the output of a run for each of them (``Proxy.secrets()``);
- the ``X-Amz-Security-Token`` header of every API request, by value (``Proxy.security_tokens()``),
  so a test can see that temporary credentials went out with their session token;
- with ``timeline=True``, every API request as ``(seconds since the proxy started, operation,
  UserPoolId, action)`` (``Proxy.timeline()``), for rates over time per pool (``make bench``'s chart).

Requests without ``X-Amz-Target`` (the stand-in's own ``/_standin/`` routes) pass through
untouched and uncounted.

With ``front=CognitoFront()`` (``--cognito-front``), requests that passed the quota and the
faults go through the Cognito front (cognito_front.py), which answers as Cognito does where
moto differs; ``GET``/``POST /_proxy/front`` read and change its settings.

From Python (the proxy runs on a thread of this process)::

    with Proxy(standin.endpoint, quotas={"UserResourceUpdate": 25}) as proxy:
        client = boto3.client("cognito-idp", endpoint_url=proxy.endpoint, ...)
        ...
        proxy.counts()["AdminSetUserMFAPreference"]   # {"forwarded": .., "throttled": .., "faulted": ..}
        proxy.configure(error_rate=0.03, drop_rate=0.01)
        proxy.configure(expire_after=200)     # the 201st request on: ExpiredTokenException

As its own process::

    python tests/support/proxy.py --upstream http://127.0.0.1:PORT [--port 0] \
        [--quota UserRead=120 ...] [--error-rate 0.03] [--drop-rate 0.01] [--latency 0.05] \
        [--expire-after N] [--count-users]

HTTP control routes: ``GET /_proxy/counts``, ``GET /_proxy/user_counts``, ``POST /_proxy/counts/reset``,
``GET /_proxy/config``, ``POST /_proxy/config`` (a JSON body with any of the keyword
arguments of ``Proxy.configure``).

Standard library only.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import http.server
import json
import random
import socket
import socketserver
import sys
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping
from xml.sax.saxutils import escape

if __package__:
    from .cognito_front import CognitoFront, Reply, access_denied
else:  # run by path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.support.cognito_front import CognitoFront, Reply, access_denied  # pylint: disable=import-error


def _load_quotas():
    """The collection's quota table (plugins/module_utils/quotas.py), loaded by path: it imports nothing."""
    path = Path(__file__).resolve().parents[2] / "plugins" / "module_utils" / "quotas.py"
    spec = importlib.util.spec_from_file_location("mfaops_cognito_quotas", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_QUOTAS = _load_quotas()
# Cognito's default request quotas (requests per second, per account and region), and operation -> quota
# category, from the collection's one table. GetUser and GetUserAuthFactors (the self-service reads) are
# counted as UserRead there, an assumption of that table.
DEFAULT_QUOTAS: dict[str, float] = _QUOTAS.default_quotas()
CATEGORIES: dict[str, str] = _QUOTAS.operation_quotas()

JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
THROTTLE_BODY = {"__type": "TooManyRequestsException", "message": "Too many requests"}
# CloudTrail throttles with its own error (botocore cloudtrail model, LookupEvents: "a throttling error").
CLOUDTRAIL_OPERATIONS = frozenset(("LookupEvents",))
CLOUDTRAIL_THROTTLE_BODY = {"__type": "ThrottlingException", "message": "Rate exceeded"}
FAULT_BODY = {"__type": "InternalErrorException", "message": "Internal error (injected by the proxy)"}
EXPIRED_BODY = {"__type": "ExpiredTokenException", "message": "The security token included in the request is expired"}
# What Cognito answers a caller whose IAM policy does not allow the operation (docs/cognito-behaviour.md, row 80).
DENIED_MESSAGE = ("User: arn:aws:iam::123456789012:user/mfaops-test is not authorized to perform: cognito-idp:{operation} "
                  "on resource: arn:aws:cognito-idp:{region}:123456789012:userpool/{pool} because no identity-based policy "
                  "allows the cognito-idp:{operation} action")
# Keys of request and answer bodies (at any depth) whose string values are secrets.
SECRET_FIELDS = frozenset(
    (
        "Password", "PreviousPassword", "ProposedPassword", "TemporaryPassword", "PASSWORD", "NEW_PASSWORD",
        "AccessToken", "IdToken", "RefreshToken", "REFRESH_TOKEN", "Session", "SecretCode", "UserCode",
        "SOFTWARE_TOKEN_MFA_CODE", "SECRET_HASH", "PASSWORD_CLAIM_SIGNATURE", "ClientSecret",
    )
)
# Hop-by-hop headers are not forwarded (RFC 9110 7.6.1).
HOP_BY_HOP = frozenset(
    ("connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "content-length")
)


@dataclass(frozen=True)
class QueryError:
    """An error answer of a query-protocol service (``Proxy.on_query``): HTTP status, error code, message."""

    status: int
    code: str
    message: str

    def body(self) -> bytes:
        sender = "Sender" if self.status < 500 else "Receiver"
        return (
            f"<ErrorResponse><Error><Type>{sender}</Type><Code>{escape(self.code)}</Code><Message>{escape(self.message)}"
            f"</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
        ).encode()


def query_fields(body: bytes) -> dict[str, str]:
    """The fields of a query-protocol request's form body (``Action``, ``Destination.ToAddresses.member.1`` ...)."""
    try:
        return dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
    except UnicodeDecodeError:
        return {}


def operation_of(target: str) -> str:
    """``AWSCognitoIdentityProviderService.AdminGetUser`` -> ``AdminGetUser``."""
    return target.rsplit(".", 1)[-1]


def category_of(operation: str) -> str | None:
    """The quota category of an operation; None: not limited by this proxy."""
    return CATEGORIES.get(operation)


class TokenBucket:
    """``rate`` tokens per second, holding at most ``capacity``; starts full. Thread safe.

    ``take()`` spends one token if there is one. ``clock`` is injectable for tests.
    """

    def __init__(self, rate: float, capacity: float | None = None, clock: Callable[[], float] = time.monotonic):
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        self.rate = float(rate)
        self.capacity = max(1.0, float(capacity if capacity is not None else rate))
        self._clock = clock
        self._tokens = self.capacity
        self._last = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        if now > self._last:  # a clock that goes back earns nothing
            self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
            self._last = now

    def take(self) -> bool:
        with self._lock:
            self._refill()
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False

    @property
    def tokens(self) -> float:
        with self._lock:
            self._refill()
            return self._tokens


def make_buckets(
    quotas: Mapping[str, float | None], burst_seconds: float, clock: Callable[[], float] = time.monotonic
) -> dict[str, TokenBucket]:
    """One bucket per category with a positive quota; capacity = quota x burst_seconds
    (at least one token). A quota of None or 0 means: not limited."""
    return {
        category: TokenBucket(rate, capacity=rate * burst_seconds, clock=clock)
        for category, rate in quotas.items()
        if rate
    }


@dataclass
class Faults:
    """Probabilities (0..1) of each injected fault, per request that passed the quota."""

    error_rate: float = 0.0  # answer HTTP 500 InternalErrorException, not forwarded
    drop_rate: float = 0.0  # close the connection without an answer
    drop_after_forward: float = 0.0  # of the drops: the share that happens after the stand-in did the work
    latency: float = 0.0  # seconds added ...
    latency_rate: float = 1.0  # ... to this share of requests
    expire_after: int | None = None  # API requests answered before credentials "expire" (None: never)

    def __post_init__(self) -> None:
        for name in ("error_rate", "drop_rate", "drop_after_forward", "latency_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.latency < 0:
            raise ValueError(f"latency must be 0 or more, got {self.latency}")
        if self.expire_after is not None and (isinstance(self.expire_after, bool) or int(self.expire_after) < 0):
            raise ValueError(f"expire_after must be None or 0 or more, got {self.expire_after}")


# What the proxy does with one request (a pure decision, tested on its own).
THROTTLE, ERROR_500, DROP_BEFORE, DROP_AFTER, FORWARD = "throttle", "error_500", "drop_before", "drop_after", "forward"
EXPIRED = "expired"  # decided by Proxy.decide (it counts requests), before the quota
ACCESS_DENIED = "access_denied"  # only from the on_operation hook: the caller's policy does not allow the operation


def decide(bucket: TokenBucket | None, faults: Faults, rand: Callable[[], float]) -> tuple[str, float]:
    """(action, added latency in seconds) for one request. A throttled request costs no
    token and gets no fault; a faulted one has spent its token, as on a real service."""
    if bucket is not None and not bucket.take():
        return THROTTLE, 0.0
    delay = faults.latency if faults.latency and rand() < faults.latency_rate else 0.0
    if faults.error_rate and rand() < faults.error_rate:
        return ERROR_500, delay
    if faults.drop_rate and rand() < faults.drop_rate:
        return (DROP_AFTER if rand() < faults.drop_after_forward else DROP_BEFORE), delay
    return FORWARD, delay


@dataclass
class OperationCounts:
    forwarded: int = 0
    throttled: int = 0
    faulted: int = 0
    detail: dict[str, int] = field(default_factory=dict)  # error_500 / drop_before / drop_after
    first_forward: float | None = None  # clock() of the first and the last forwarded request
    last_forward: float | None = None


class Counts:
    """Per-operation counts; thread safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._ops: dict[str, OperationCounts] = {}
        self._clock = clock

    def add(self, operation: str, action: str) -> None:
        with self._lock:
            counts = self._ops.setdefault(operation, OperationCounts())
            if action == THROTTLE:
                counts.throttled += 1
            elif action == FORWARD:
                counts.forwarded += 1
                counts.last_forward = self._clock()
                if counts.first_forward is None:
                    counts.first_forward = counts.last_forward
            else:
                counts.faulted += 1
                counts.detail[action] = counts.detail.get(action, 0) + 1
                if action == DROP_AFTER:  # the stand-in did the work
                    counts.forwarded += 1

    def snapshot(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {
                op: {"forwarded": c.forwarded, "throttled": c.throttled, "faulted": c.faulted, **c.detail}
                for op, c in sorted(self._ops.items())
            }

    def rate(self, operation: str) -> float | None:
        """Forwarded requests per second of ``operation``, between its first and its last
        forwarded request (None before the second one)."""
        with self._lock:
            counts = self._ops.get(operation)
            if counts is None or counts.first_forward is None or counts.last_forward is None:
                return None
            if counts.forwarded < 2 or counts.last_forward <= counts.first_forward:
                return None
            return (counts.forwarded - 1) / (counts.last_forward - counts.first_forward)

    def reset(self) -> None:
        with self._lock:
            self._ops.clear()


class UserCounts:
    """``{operation: {username: {what happened: n}}}``; thread safe. See the module docstring."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ops: dict[str, dict[str, dict[str, int]]] = {}

    def add(self, operation: str, username: str, *what: str) -> None:
        with self._lock:
            counts = self._ops.setdefault(operation, {}).setdefault(username, {})
            for key in what:
                counts[key] = counts.get(key, 0) + 1

    def snapshot(self, operation: str | None = None) -> dict[str, Any]:
        with self._lock:
            if operation is not None:
                return {user: dict(c) for user, c in self._ops.get(operation, {}).items()}
            return {op: {user: dict(c) for user, c in users.items()} for op, users in self._ops.items()}

    def reset(self) -> None:
        with self._lock:
            self._ops.clear()


def field_of(body: bytes, name: str) -> str | None:
    """The string field ``name`` of a JSON request body, if it has one."""
    if f'"{name}"'.encode() not in body:
        return None
    try:
        value = json.loads(body).get(name)
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def username_of(body: bytes) -> str | None:
    """The ``Username`` of a JSON request body, if it has one."""
    return field_of(body, "Username")


def secret_values(body: bytes) -> list[tuple[str, str]]:
    """``[(field, value)]`` for every ``SECRET_FIELDS`` key of a JSON body, at any depth."""
    try:
        data = json.loads(body)
    except ValueError:
        return []
    found: list[tuple[str, str]] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key in SECRET_FIELDS and isinstance(value, str) and value:
                    found.append((key, value))
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return found


def totals(snapshot: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """Sum of a counts snapshot over operations."""
    out = {"forwarded": 0, "throttled": 0, "faulted": 0}
    for counts in snapshot.values():
        for key in out:
            out[key] += counts.get(key, 0)
    return out


class _UpstreamPool:
    """Keep-alive HTTP connections to the stand-in, shared by the handler threads."""

    def __init__(self, upstream: str, timeout: float = 60.0):
        parsed = urllib.parse.urlsplit(upstream)
        if parsed.scheme != "http" or not parsed.hostname:
            raise ValueError(f"upstream must be http://host:port, got {upstream!r}")
        self.host, self.port = parsed.hostname, parsed.port or 80
        self.timeout = timeout
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def request(self, method: str, path: str, body: bytes, headers: list[tuple[str, str]]) -> tuple[int, str, list[tuple[str, str]], bytes]:
        for attempt in (1, 2):
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            reused = conn is not None
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                    conn.connect()
                    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
                for name, value in headers:
                    conn.putheader(name, value)
                conn.putheader("Content-Length", str(len(body)))
                conn.endheaders(body)
                response = conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                conn.close()
                # A kept-alive connection the stand-in had closed: the request never got
                # there, so sending it again on a new connection is safe. Once only.
                if reused and attempt == 1:
                    continue
                raise
            except Exception:
                conn.close()
                raise
            if response.will_close:
                conn.close()
            else:
                with self._lock:
                    self._idle.append(conn)
            return response.status, response.reason, response.getheaders(), data
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 300
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:  # pylint: disable=redefined-builtin
        pass

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm and
        # the client's delayed ACK add up to 40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def date_time_string(self, timestamp: Any = None) -> str:
        """Every answer's Date header (RFC 7231, as AWS sends it), off the machine's clock by the front's
        ``date_offset``: a controller whose clock is off AWS's."""
        front = self.server.proxy.front
        offset = float(front.settings.date_offset) if front is not None else 0.0
        return super().date_time_string((time.time() if timestamp is None else timestamp) + offset)

    def _send(self, status: int, payload: Any, content_type: str = "application/json", extra: Mapping[str, str] = ()) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in dict(extra).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        """Close the connection without a word, as a broken network does."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _handle(self) -> None:
        proxy = self.server.proxy
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith("/_proxy/"):
            self._control(proxy, body)
            return
        target = self.headers.get("X-Amz-Target")
        operation = operation_of(target) if target else None
        if operation is None and proxy.on_query is not None:
            fields = query_fields(body)
            fault = proxy.on_query(fields["Action"], fields) if fields.get("Action") else None
            if fault is not None:
                data = fault.body()
                self.send_response(fault.status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
                self.end_headers()
                self.wfile.write(data)
                return
        username = username_of(body) if operation and proxy.count_users else None
        if operation and proxy.record_secrets:
            proxy.record(body)
        if operation:
            proxy.note_token(self.headers.get("X-Amz-Security-Token"))

        def count_user(*what: str) -> None:
            if username is not None:
                proxy.user_counts_table.add(operation, username, *what)

        if operation is None:
            action, delay = FORWARD, 0.0
        else:
            action, delay = proxy.decide(operation)
            chosen = proxy.on_operation(operation) if proxy.on_operation else None
            action = chosen or action
            proxy.count(operation, action)
            if proxy.keeps_timeline:
                proxy.note_event(operation, field_of(body, "UserPoolId"), action)
        if delay:
            time.sleep(delay)
        if action == EXPIRED:
            count_user(EXPIRED)
            self._send(400, EXPIRED_BODY, JSON_CONTENT_TYPE, self._aws_headers("ExpiredTokenException"))
            return
        if action == ACCESS_DENIED:
            count_user(ACCESS_DENIED)
            pool = field_of(body, "UserPoolId") or "unknown"
            message = DENIED_MESSAGE.format(operation=operation, region=pool.split("_")[0], pool=pool)
            self._send(400, {"__type": "AccessDeniedException", "message": message}, JSON_CONTENT_TYPE,
                       self._aws_headers("AccessDeniedException"))
            return
        if action == THROTTLE:
            count_user("throttled")
            body_type = CLOUDTRAIL_THROTTLE_BODY if operation in CLOUDTRAIL_OPERATIONS else THROTTLE_BODY
            self._send(400, body_type, JSON_CONTENT_TYPE, self._aws_headers(body_type["__type"]))
            return
        if action == ERROR_500:
            count_user(ERROR_500)
            self._send(500, FAULT_BODY, JSON_CONTENT_TYPE, self._aws_headers("InternalErrorException"))
            return
        if action == DROP_BEFORE:
            count_user(DROP_BEFORE)
            self._drop()
            return
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP]
        after = None
        if operation and proxy.front is not None:
            step = proxy.front.request(operation, body, proxy.describe, lambda action: proxy.iam_refusal(action, self.headers))
            if isinstance(step, Reply):
                count_user("front")
                self._send_reply(step)
                return
            body, after = step.body, step.after
        try:
            status, reason, resp_headers, data = proxy.upstream.request(self.command, self.path, body, headers)
        except (OSError, http.client.HTTPException) as exc:
            count_user("bad_gateway")
            self._send(502, {"__type": "BadGateway", "message": f"stand-in unreachable: {exc}"}, JSON_CONTENT_TYPE)
            return
        if operation is None and proxy.front is not None and self.path.startswith("/_standin/rename_pool"):
            proxy.front.forget_pools()
        denied = access_denied(operation, body, status, data) if proxy.front is not None else None
        if denied is not None:
            count_user("error")
            self._send_reply(denied)
            return
        if after is not None:
            try:
                payload = json.loads(data or b"{}")
            except ValueError:
                payload = {}
            replaced = after(status, payload) if isinstance(payload, dict) else None
            if replaced is not None:
                count_user("ok" if replaced.status < 400 else "error")
                if proxy.record_secrets:
                    proxy.record(json.dumps(replaced.payload).encode())
                self._send_reply(replaced)
                return
        answer = "ok" if status < 400 else "error"
        if action == DROP_AFTER:
            count_user(answer, "lost")
            self._drop()
            return
        count_user(answer)
        if proxy.record_secrets:
            proxy.record(data)
        self.send_response(status, reason)
        for name, value in resp_headers:
            if name.lower() not in HOP_BY_HOP and name.lower() != "date":  # send_response() gave this answer's Date
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _send_reply(self, reply: Reply) -> None:
        error_type = reply.payload.get("__type") if reply.status >= 400 else None
        extra = self._aws_headers(error_type) if error_type else {"x-amzn-RequestId": str(uuid.uuid4())}
        self._send(reply.status, reply.payload, JSON_CONTENT_TYPE, extra)

    @staticmethod
    def _aws_headers(error_type: str) -> dict[str, str]:
        return {"x-amzn-RequestId": str(uuid.uuid4()), "x-amzn-ErrorType": f"{error_type}:"}

    def _control(self, proxy: "Proxy", body: bytes) -> None:
        path = self.path.split("?", 1)[0]
        try:
            if path == "/_proxy/counts" and self.command == "GET":
                counts = proxy.counts()
                self._send(200, {"operations": counts, "totals": totals(counts)})
            elif path == "/_proxy/user_counts" and self.command == "GET":
                self._send(200, proxy.user_counts())
            elif path == "/_proxy/counts/reset" and self.command == "POST":
                proxy.reset_counts()
                self._send(200, {"ok": True})
            elif path == "/_proxy/config" and self.command == "GET":
                self._send(200, proxy.config())
            elif path == "/_proxy/config" and self.command == "POST":
                proxy.configure(**json.loads(body or b"{}"))
                self._send(200, proxy.config())
            elif path == "/_proxy/front" and self.command == "GET" and proxy.front is not None:
                self._send(200, proxy.front.config())
            elif path == "/_proxy/front" and self.command == "POST" and proxy.front is not None:
                proxy.front.configure(**json.loads(body or b"{}"))
                self._send(200, proxy.front.config())
            else:
                self._send(404, {"error": f"no route {self.command} {path}"})
        except (ValueError, TypeError) as exc:
            self._send(400, {"error": f"{type(exc).__name__}: {exc}"})

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], proxy: "Proxy"):
        self.proxy = proxy
        super().__init__(address, _Handler)


class Proxy:
    """The proxy, served from a thread of this process. See the module docstring."""

    def __init__(
        self,
        upstream: str,
        quotas: Mapping[str, float | None] | None = None,
        burst_seconds: float = 1.0,
        faults: Faults | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        count_users: bool = False,
        record_secrets: bool = False,
        front: CognitoFront | None = None,
        timeline: bool = False,
    ):
        self.upstream = _UpstreamPool(upstream)
        self.keeps_timeline = timeline
        self._events: list[tuple[float, str, str | None, str]] = []
        self._started = clock()
        self.front = front
        self.count_users = count_users
        self.record_secrets = record_secrets
        self._secrets: dict[str, set[str]] = {}
        self._secrets_lock = threading.Lock()
        self._security_tokens: dict[str | None, int] = {}
        self.user_counts_table = UserCounts()
        # A test's hook: called with each operation's name before it is forwarded; it may return an action
        # (ERROR_500, DROP_BEFORE, DROP_AFTER, EXPIRED, ACCESS_DENIED) for that request, e.g. after killing the client
        # between two steps, or to refuse ListUsers as a policy without cognito-idp:ListUsers does.
        self.on_operation: Callable[[str], str | None] | None = None
        # A test's hook for query-protocol requests (SES ...): (action, form fields) -> a QueryError to answer, or None.
        self.on_query: Callable[[str, dict[str, str]], QueryError | None] | None = None
        self._requests = 0  # API requests decided since expire_after was last set
        self._clock = clock
        self._rand = random.Random(seed)
        self._rand_lock = threading.Lock()
        self._counts = Counts(clock)
        self._quotas: dict[str, float | None] = {}
        self._burst_seconds = burst_seconds
        self._buckets: dict[str, TokenBucket] = {}
        self.faults = faults or Faults()
        self.configure(quotas=quotas if quotas is not None else {}, burst_seconds=burst_seconds)
        self._server = _Server((host, port), self)
        self.endpoint = f"http://{host}:{self._server.server_port}"
        self._thread: threading.Thread | None = None

    # ----- configuration -----
    def configure(
        self,
        quotas: Mapping[str, float | None] | None = None,
        burst_seconds: float | None = None,
        **faults: float,
    ) -> None:
        """Change quotas (merged over the defaults: ``{category: rate or None}``), the
        bucket size, or any ``Faults`` field, while running. New quotas start with full buckets."""
        if quotas is not None or burst_seconds is not None:
            unknown = sorted(set(quotas or {}) - set(DEFAULT_QUOTAS))
            if unknown:
                raise ValueError(f"unknown quota categories {unknown}; known: {sorted(DEFAULT_QUOTAS)}")
            merged = {**DEFAULT_QUOTAS, **self._quotas, **(quotas or {})}
            burst = self._burst_seconds if burst_seconds is None else float(burst_seconds)
            if burst <= 0:
                raise ValueError(f"burst_seconds must be positive, got {burst}")
            self._buckets = make_buckets(merged, burst, self._clock)
            self._quotas, self._burst_seconds = merged, burst
        if faults:
            current = self.faults.__dict__.copy()
            unknown = sorted(set(faults) - set(current))
            if unknown:
                raise ValueError(f"unknown settings {unknown}")
            self.faults = Faults(**{**current, **faults})
            if "expire_after" in faults:
                with self._rand_lock:
                    self._requests = 0

    def config(self) -> dict[str, Any]:
        return {"quotas": dict(self._quotas), "burst_seconds": self._burst_seconds, **self.faults.__dict__}

    # ----- per request -----
    def decide(self, operation: str) -> tuple[str, float]:
        category = category_of(operation)
        bucket = self._buckets.get(category) if category else None
        with self._rand_lock:
            self._requests += 1
            if self.faults.expire_after is not None and self._requests > self.faults.expire_after:
                return EXPIRED, 0.0
            return decide(bucket, self.faults, self._rand.random)

    def describe(self, query: dict[str, Any]) -> dict[str, Any] | None:
        """The stand-in's ``POST /_standin/describe`` (for the front); None if it has no such pool."""
        status, dummy, dummy, data = self.upstream.request(
            "POST", "/_standin/describe", json.dumps(query).encode(), [("Content-Type", "application/json")]
        )
        return json.loads(data) if status == 200 else None

    def iam_refusal(self, action: str, headers: Mapping[str, str]) -> str | None:
        """The stand-in's ``POST /_standin/iam_allows`` for a call the front answers itself: its denial text when
        the request's signer may not call ``action`` (IAM checks on), else None."""
        query = {"action": action, "authorization": headers.get("Authorization") or "",
                 "security_token": headers.get("X-Amz-Security-Token")}
        status, dummy, dummy, data = self.upstream.request(
            "POST", "/_standin/iam_allows", json.dumps(query).encode(), [("Content-Type", "application/json")]
        )
        answer = json.loads(data) if status == 200 else {}
        return None if answer.get("allowed", True) else str(answer.get("denial") or "")

    def count(self, operation: str, action: str) -> None:
        self._counts.add(operation, action)

    def counts(self) -> dict[str, dict[str, Any]]:
        """``{operation: {"forwarded", "throttled", "faulted", and per fault kind}}``.
        ``forwarded``: sent on to the stand-in (so a drop after forwarding counts as
        forwarded and faulted); ``throttled`` and other faults never reached it."""
        return self._counts.snapshot()

    def user_counts(self, operation: str | None = None) -> dict[str, Any]:
        """With ``count_users=True``: ``{operation: {username: {what: n}}}`` (or, given an
        operation, ``{username: {what: n}}``); see the module docstring for the keys."""
        return self.user_counts_table.snapshot(operation)

    def record(self, *bodies: bytes) -> None:
        for body in bodies:
            for key, value in secret_values(body):
                with self._secrets_lock:
                    self._secrets.setdefault(key, set()).add(value)

    def secrets(self) -> dict[str, set[str]]:
        """With ``record_secrets=True``: ``{field: {values}}`` of every secret seen in a request
        (any API request) or in an answer of the stand-in that reached the client."""
        with self._secrets_lock:
            return {key: set(values) for key, values in self._secrets.items()}

    def note_event(self, operation: str, pool_id: str | None, action: str) -> None:
        with self._secrets_lock:
            self._events.append((self._clock() - self._started, operation, pool_id, action))

    def timeline(self) -> list[tuple[float, str, str | None, str]]:
        """With ``timeline=True``: ``[(seconds since the start, operation, UserPoolId or None, action)]``, where
        action is ``forward``, ``throttle`` or a fault, in the order the proxy decided them."""
        with self._secrets_lock:
            return list(self._events)

    def note_token(self, token: str | None) -> None:
        with self._secrets_lock:
            self._security_tokens[token] = self._security_tokens.get(token, 0) + 1

    def security_tokens(self) -> dict[str | None, int]:
        """``{X-Amz-Security-Token header value (None: no header): number of API requests}`` since the start or reset_counts()."""
        with self._secrets_lock:
            return dict(self._security_tokens)

    def rate(self, operation: str) -> float | None:
        """Forwarded ``operation`` requests per second, first to last (None: fewer than 2)."""
        return self._counts.rate(operation)

    def reset_counts(self) -> None:
        self._counts.reset()
        self.user_counts_table.reset()
        with self._secrets_lock:
            self._security_tokens.clear()
            self._events.clear()

    # ----- life cycle -----
    def start(self) -> "Proxy":
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,), name="cognito-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
        self.upstream.close()

    def __enter__(self) -> "Proxy":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _quota_arg(text: str) -> tuple[str, float | None]:
    name, dummy, value = text.partition("=")
    if not value:
        raise argparse.ArgumentTypeError(f"expected CATEGORY=RATE, got {text!r}")
    return name, (None if value.lower() in ("none", "off", "0") else float(value))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A Cognito-like quota and fault proxy in front of the stand-in.")
    parser.add_argument("--upstream", required=True, help="the stand-in's endpoint, http://127.0.0.1:PORT")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--quota", type=_quota_arg, action="append", default=[], metavar="CATEGORY=RATE",
                        help=f"override a default quota (none: unlimited); categories: {', '.join(DEFAULT_QUOTAS)}")
    parser.add_argument("--burst-seconds", type=float, default=1.0)
    parser.add_argument("--error-rate", type=float, default=0.0)
    parser.add_argument("--drop-rate", type=float, default=0.0)
    parser.add_argument("--drop-after-forward", type=float, default=0.0)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--latency-rate", type=float, default=1.0)
    parser.add_argument("--expire-after", type=int, help="answer ExpiredTokenException after this many API requests")
    parser.add_argument("--count-users", action="store_true", help="keep counts per operation and Username")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--cognito-front", action="store_true",
                        help="answer as Cognito does where moto differs (cognito_front.py)")
    args = parser.parse_args(argv)
    faults = Faults(args.error_rate, args.drop_rate, args.drop_after_forward, args.latency, args.latency_rate,
                    args.expire_after)
    proxy = Proxy(args.upstream, dict(args.quota), args.burst_seconds, faults, args.host, args.port, args.seed,
                  count_users=args.count_users, front=CognitoFront() if args.cognito_front else None)
    print(f"PROXY_READY {proxy.endpoint}", flush=True)
    try:
        proxy._server.serve_forever()  # pylint: disable=protected-access
    except KeyboardInterrupt:
        pass
    finally:
        proxy._server.server_close()  # pylint: disable=protected-access
    return 0


if __name__ == "__main__":
    sys.exit(main())
