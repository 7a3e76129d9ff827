"""A synthetic Cognito endpoint for the state part's scale runs: a pool of N users made up from their index.

moto cannot hold or list a million users in reasonable time, so benchmarks/state.py points the real modules
(``endpoint_url``) at this small threaded HTTP server. It speaks the AWS JSON 1.1 protocol (``X-Amz-Target``) for
the calls a run with a state makes on an unchanged pool, and answers the same facts as SCALE_CHILD builds the state
with (benchmarks/state.py), so such a run carries every user:

- ``ListUsers``: 60 users a page, ``PaginationToken`` the next index; user i is ``user-{i:07d}`` with sub
  ``{i:08x}-0000-4000-8000-{i:012x}``, CONFIRMED, enabled, ``UserLastModifiedDate`` 1.7e9 + i (epoch seconds, as the
  JSON protocol sends timestamps);
- ``AdminGetUser``: the same user, TOTP enabled and preferred (``UserNotFoundException`` past N);
- ``DescribeUserPool``, ``GetUserPoolMfaConfig``: a pool with optional MFA and TOTP on; ``ListUserPoolClients``: none;
- CloudTrail ``LookupEvents``: no events.

Any other operation is refused (400, ``UnknownOperationException``), so a call the measurement did not expect shows.
Calls are counted per operation (``counts``).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict

PAGE = 60
BASE_MODIFIED = 1.7e9


def username(index: int) -> str:
    return f"user-{index:07d}"


def sub(index: int) -> str:
    return f"{index:08x}-0000-4000-8000-{index:012x}"


def listed(index: int) -> Dict[str, Any]:
    return {"Username": username(index), "Attributes": [{"Name": "sub", "Value": sub(index)}], "UserStatus": "CONFIRMED",
            "Enabled": True, "UserCreateDate": BASE_MODIFIED, "UserLastModifiedDate": BASE_MODIFIED + index}


def read(index: int) -> Dict[str, Any]:
    return {"Username": username(index), "UserStatus": "CONFIRMED", "Enabled": True,
            "UserCreateDate": BASE_MODIFIED, "UserLastModifiedDate": BASE_MODIFIED + index,
            "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"], "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA",
            "UserAttributes": [{"Name": "sub", "Value": sub(index)}, {"Name": "email", "Value": username(index) + "@example.com"},
                               {"Name": "email_verified", "Value": "true"}]}


MFA_CONFIG = {"MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": {"Enabled": True}}


def described(pool_id: str, users: int) -> Dict[str, Any]:
    return {"UserPool": {"Id": pool_id, "Name": "scale", "MfaConfiguration": "OPTIONAL", "EstimatedNumberOfUsers": users}}


class PoolEndpoint:
    """Serve a pool of ``users`` users on 127.0.0.1 (a free port) while in a ``with`` block: ``endpoint``."""

    def __init__(self, users: int, pool_id: str):
        self.users = users
        self.pool_id = pool_id
        self.counts: Counter = Counter()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "PoolEndpoint":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, operation: str, body: Dict[str, Any]) -> tuple:
        if operation == "ListUsers":
            start = int(body.get("PaginationToken") or 0)
            end = min(self.users, start + min(PAGE, int(body.get("Limit") or PAGE)))
            page: Dict[str, Any] = {"Users": [listed(index) for index in range(start, end)]}
            if end < self.users:
                page["PaginationToken"] = str(end)
            return 200, page
        if operation == "AdminGetUser":
            name = str(body.get("Username") or "")
            index = int(name[5:]) if name.startswith("user-") and name[5:].isdigit() else -1
            if not 0 <= index < self.users or name != username(index):
                return 400, {"__type": "UserNotFoundException", "message": "User does not exist."}
            return 200, read(index)
        if operation == "DescribeUserPool":
            return 200, described(self.pool_id, self.users)
        if operation == "GetUserPoolMfaConfig":
            return 200, MFA_CONFIG
        if operation == "ListUserPoolClients":
            return 200, {"UserPoolClients": []}
        if operation == "LookupEvents":
            return 200, {"Events": []}
        return 400, {"__type": "UnknownOperationException", "message": f"{operation} is not served by benchmarks/pool_endpoint.py"}

    def _handler(self) -> type:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: Nagle + delayed ACK would cost 40 ms a call

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                operation = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    operation, body = "(not JSON: %r %r)" % (self.path, raw[:60]), {}
                with endpoint._lock:
                    endpoint.counts[operation] += 1
                status, answer = endpoint.answer(operation, body)
                data = json.dumps(answer, separators=(",", ":")).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("x-amzn-RequestId", "0")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler
