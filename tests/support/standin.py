"""The local Cognito stand-in: moto in server mode, in its own process.

moto serves the Cognito user-pools API on ``http://127.0.0.1:<free port>``, with
TOTP checking on (``MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true``) and moto's
12-character TOTP secret replaced by ``STANDIN_TOTP_SECRET`` (32 base32
characters, like Cognito's). moto uses that one secret for every user.

Besides the AWS API, the server answers a few routes of its own:

``GET  /_standin/health``        ``{"ok": true, "pid": ...}``
``GET  /_standin/counts``        calls per operation (``X-Amz-Target``) since the
                                 last reset: ``{"total": n, "operations": {op: n},
                                 "failures": {op: n}, "pools": {pool id: {op: n}},
                                 "pool_failures": {...}, "pool_windows": {pool id:
                                 [first, last]}}``; a call's pool is its
                                 UserPoolId, or the pool of its AccessToken;
                                 failures are calls answered with an error; a
                                 window is when the pool's first and last counted
                                 calls were answered (epoch seconds)
``POST /_standin/counts/reset``  set the counts to zero
``POST /_standin/rename_pool``   give a new, empty pool the id you choose
``POST /_standin/passkey``       ``{"user_pool_id", "username"}``: the user has a passkey
                                 (choice_sign_in.py: passkeys, AdminGetUserAuthFactors, USER_AUTH)
``POST /_standin/describe``      what the Cognito front (cognito_front.py) needs to know,
                                 uncounted: ``{"user_pool_id" or "client_id",
                                 "username"?}`` -> ``{"pool": {...}, "user": {...} or
                                 null}`` (see ``_describe``)
``POST /_standin/iam_allows``    ``{"action", "authorization", "security_token"?}``: whether
                                 the request's signer may call the action, when IAM checks
                                 are on (for the calls the front answers itself)
``POST /_standin/seed``          create users directly in moto's backend, in a given
                                 MFA state (see ``USER_STATES``); 100,000 users take
                                 a few seconds. Body: ``{"user_pool_id": ...,
                                 "users": [{"username", "state", "attributes"}]}``
                                 or ``{"user_pool_id", "prefix", "count", "state",
                                 "start"}`` for ``<prefix><start>``...

Use it from Python::

    with StandIn() as standin:
        client = standin.client()          # boto3 cognito-idp client, fake keys
        ...

or from a shell::

    python -m tests.support.standin start --state-file build/standin.json
    python -m tests.support.standin stop --state-file build/standin.json

Speed: moto 5.2.5 redoes two costly lookups per request (patched away here, see
``_speed_up_moto``), and werkzeug's server, which ``moto_server`` uses, closes every
connection; this one keeps them open. Together about 2.5x less CPU per call than
``moto_server`` (``STANDIN_HTTP_SERVER=werkzeug`` serves with werkzeug, to compare).
A hung stand-in dumps its threads to its log on SIGUSR1.

This file only needs the standard library on the client side; the server side
imports moto. It can be run by path (``python tests/support/standin.py serve``).
"""

from __future__ import annotations

import argparse
import atexit
import faulthandler
import http.server
import io
import json
import os
import select
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

try:
    from tests.support import choice_sign_in
except ImportError:  # run by path (python tests/support/standin.py serve)
    import choice_sign_in  # type: ignore[no-redef]

# The secret moto hands out to every user (AssociateSoftwareToken) and checks codes
# against. 32 base32 characters = 160 bits, the size Cognito uses.
STANDIN_TOTP_SECRET = "TKRAZINCFKGU5ZH2QFDJSEYR5G7XQDBI"
# Password of every user the stand-in's seeders create (meets the default policy).
STANDIN_PASSWORD = "Standin-Passw0rd!"
ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
# Fake credentials: moto accepts anything; never a real key here.
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": DEFAULT_REGION,
    "AWS_REGION": DEFAULT_REGION,
}

# Operations that change state. "No write call" means none of these was counted.
WRITE_OPERATIONS = frozenset(
    {
        "AdminSetUserMFAPreference",
        "SetUserMFAPreference",
        "AssociateSoftwareToken",
        "VerifySoftwareToken",
        "AdminDeleteSoftwareToken",
        "SetUserPoolMfaConfig",
        "AdminCreateUser",
        "AdminDeleteUser",
        "AdminDisableUser",
        "AdminEnableUser",
        "AdminSetUserPassword",
        "AdminUpdateUserAttributes",
        "AdminAddUserToGroup",
        "AdminRemoveUserFromGroup",
        "UpdateUserPool",
        "CreateUserPool",
        "DeleteUserPool",
    }
)

# MFA states a seeded user can be in: CognitoIdpUser fields (moto 5.2.5) per state.
# seed.py reaches the same states through the real API and documents each one.
USER_STATES: dict[str, dict[str, Any]] = {
    "no_mfa": {},
    "totp_verified": {"token_verified": True},
    "totp_enabled": {"token_verified": True, "software_token_mfa_enabled": True},
    "totp_preferred": {
        "token_verified": True,
        "software_token_mfa_enabled": True,
        "preferred_mfa_setting": "SOFTWARE_TOKEN_MFA",
    },
    "sms_only": {
        "phone": True,
        "sms_mfa_enabled": True,
        "preferred_mfa_setting": "SMS_MFA",
    },
    "sms_totp_verified": {
        "phone": True,
        "token_verified": True,
        "sms_mfa_enabled": True,
        "preferred_mfa_setting": "SMS_MFA",
    },
    "disabled": {"enabled": False},
    "disabled_totp_verified": {"enabled": False, "token_verified": True},
}


def phone_number_for(username: str) -> str:
    """A stable fake E.164 number (+1 555 01xx range is reserved for fiction)."""
    digits = sum((i + 1) * ord(c) for i, c in enumerate(username)) % 10_000
    return f"+1555010{digits:04d}"


def write_calls(operations: dict[str, int]) -> dict[str, int]:
    """The write operations among ``{operation: count}``."""
    return {op: n for op, n in operations.items() if op in WRITE_OPERATIONS and n}


# --------------------------------------------------------------------------------------
# Server side: runs in the stand-in's own process.
# --------------------------------------------------------------------------------------


class _Counts:
    """Calls per operation, overall and per user pool, how many of them got an
    error reply (HTTP >= 400), and when each pool's first and last call were answered
    (the benchmarks split a run into start-up, calls and the end with it); thread safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ops: dict[str, int] = {}
        self._failures: dict[str, int] = {}
        self._pools: dict[str, dict[str, int]] = {}
        self._pool_failures: dict[str, dict[str, int]] = {}
        self._pool_windows: dict[str, list[float]] = {}

    @staticmethod
    def _bump(table: dict[str, int], key: str) -> None:
        table[key] = table.get(key, 0) + 1

    def add(self, operation: str, pool_id: str | None, failed: bool) -> None:
        with self._lock:
            self._bump(self._ops, operation)
            if failed:
                self._bump(self._failures, operation)
            if pool_id:
                self._bump(self._pools.setdefault(pool_id, {}), operation)
                now = time.time()
                self._pool_windows.setdefault(pool_id, [now, now])[1] = now
                if failed:
                    self._bump(self._pool_failures.setdefault(pool_id, {}), operation)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": sum(self._ops.values()),
                "operations": dict(self._ops),
                "failures": dict(self._failures),
                "pools": {p: dict(o) for p, o in self._pools.items()},
                "pool_failures": {p: dict(o) for p, o in self._pool_failures.items()},
                "pool_windows": {p: list(w) for p, w in self._pool_windows.items()},
            }

    def reset(self) -> None:
        with self._lock:
            for table in (self._ops, self._failures, self._pools, self._pool_failures, self._pool_windows):
                table.clear()


class _NotFound(Exception):
    """A /_standin/ route's object does not exist (404)."""


def _seed_in_backend(body: dict[str, Any]) -> dict[str, Any]:
    """Create users directly in moto's cognito-idp backend (no API, no checks on
    MFA rules). All-or-nothing: everything is validated before the first user."""
    from moto.cognitoidp.models import (  # pylint: disable=import-outside-toplevel
        CognitoIdpUser,
        UserStatus,
        cognitoidp_backends,
    )
    from moto.core.utils import utcnow  # pylint: disable=import-outside-toplevel

    started = time.monotonic()
    pool_id = body["user_pool_id"]
    region = body.get("region") or pool_id.split("_", 1)[0]
    backend = cognitoidp_backends[ACCOUNT_ID][region]
    pool = backend.user_pools.get(pool_id)
    if pool is None:
        raise _NotFound(f"user pool {pool_id} not found in {region}")

    if "users" in body:
        wanted = [
            (u["username"], u.get("state", "no_mfa"), u.get("attributes") or {})
            for u in body["users"]
        ]
    else:
        start, count = int(body.get("start", 0)), int(body["count"])
        prefix, state = body.get("prefix", "user-"), body.get("state", "no_mfa")
        width = int(body.get("width", 0))
        wanted = [(f"{prefix}{i:0{width}d}", state, {}) for i in range(start, start + count)]

    names = [w[0] for w in wanted]
    bad_states = sorted({w[1] for w in wanted} - set(USER_STATES))
    if bad_states:
        raise ValueError(f"unknown state(s) {bad_states}; known: {sorted(USER_STATES)}")
    existing = [n for n in names if n in pool.users]
    if existing or len(set(names)) != len(names):
        raise ValueError(f"username(s) exist or repeat, e.g. {(existing or names)[:3]}")

    now = utcnow()
    for username, state, attributes in wanted:
        fields = dict(USER_STATES[state])
        attrs = {"email": f"{username}@example.com", **attributes}
        if fields.pop("phone", False):
            attrs.setdefault("phone_number", phone_number_for(username))
        user = CognitoIdpUser(
            pool_id,
            username,
            STANDIN_PASSWORD,
            UserStatus.CONFIRMED,
            [{"Name": k, "Value": v} for k, v in attrs.items()],
        )
        for field, value in fields.items():
            setattr(user, field, value)
        user.create_date = user.last_modified_date = now
        pool.users[username] = user
    return {"created": len(wanted), "seconds": round(time.monotonic() - started, 3)}


def _rename_pool(body: dict[str, Any]) -> dict[str, Any]:
    """Give a new, still empty pool the id you want (e.g. the one an example
    inventory names). moto makes up random ids."""
    from moto.cognitoidp.models import cognitoidp_backends  # pylint: disable=import-outside-toplevel

    old_id, new_id = body["user_pool_id"], body["new_user_pool_id"]
    region = old_id.split("_", 1)[0]
    if new_id.split("_", 1)[0] != region:
        raise ValueError(f"{new_id} is not in the region of {old_id}")
    backend = cognitoidp_backends[ACCOUNT_ID][region]
    pool = backend.user_pools.get(old_id)
    if pool is None:
        raise _NotFound(f"user pool {old_id} not found in {region}")
    if pool.users or pool.clients or pool.groups:
        raise ValueError(f"user pool {old_id} is not empty")
    if new_id in backend.user_pools:
        raise ValueError(f"user pool {new_id} exists")
    del backend.user_pools[old_id]
    pool.id, pool.arn = new_id, pool.arn.replace(old_id, new_id)
    backend.user_pools[new_id] = pool
    return {"user_pool_id": new_id}


def _describe(body: dict[str, Any]) -> dict[str, Any]:
    """A pool's MFA and username settings, group count and (given ``username``, matched as
    moto matches it, or the user's sub) one user's MFA fields, read from moto's backend without an API call."""
    from moto.cognitoidp.models import cognitoidp_backends  # pylint: disable=import-outside-toplevel

    pool = None
    for backend in dict.values(cognitoidp_backends[ACCOUNT_ID]):
        for candidate in list(backend.user_pools.values()):
            if candidate.id == body.get("user_pool_id") or body.get("client_id") in candidate.clients:
                pool = candidate
                break
        if pool is not None:
            break
    if pool is None:
        raise _NotFound(f"no user pool for {body}")
    config = pool.extended_config
    answer: dict[str, Any] = {
        "pool": {
            "id": pool.id,
            "mfa_configuration": pool.mfa_config,
            "software_token_mfa": bool((pool.token_mfa_config or {}).get("Enabled")),
            "sms_mfa": bool(pool.sms_mfa_config),
            "case_sensitive": (config.get("UsernameConfiguration") or {}).get("CaseSensitive", True) is not False,
            "username_attributes": list(config.get("UsernameAttributes") or []),
            "groups": len(pool.groups),
        },
        "user": None,
    }
    if body.get("username"):
        user = pool._get_user(body["username"])  # pylint: disable=protected-access
        if user is None:  # Cognito's admin calls also take a local user's sub (moto's do not)
            user = next((candidate for candidate in list(pool.users.values()) if candidate.id == body["username"]), None)
        if user is not None:
            answer["user"] = {
                "username": user.username,
                "sub": user.id,
                "enabled": bool(user.enabled),
                "status": str(getattr(user.status, "value", user.status)),
                "token_verified": bool(user.token_verified),
                "software_token_mfa_enabled": bool(user.software_token_mfa_enabled),
                "sms_mfa_enabled": bool(user.sms_mfa_enabled),
                "preferred_mfa_setting": user.preferred_mfa_setting or "",
            }
    return answer


def _aws_answer(start_response: Any, status: str, payload: dict[str, Any]) -> list[bytes]:
    data = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(data)))])
    return [data]


def _admin_delete_software_token(params: dict[str, Any], start_response: Any) -> list[bytes]:
    """AdminDeleteSoftwareToken, which moto 5.2.5 lacks: as Cognito documents it, the user's
    TOTP token and any preference for TOTP go; other methods stay."""
    from moto.cognitoidp.exceptions import ResourceNotFoundError, UserNotFoundError  # pylint: disable=import-outside-toplevel
    from moto.cognitoidp.models import cognitoidp_backends  # pylint: disable=import-outside-toplevel

    pool_id = params.get("UserPoolId", "")
    backend = cognitoidp_backends[ACCOUNT_ID][pool_id.split("_", 1)[0]]
    try:
        user = backend.admin_get_user(pool_id, params.get("Username", ""))
    except (ResourceNotFoundError, UserNotFoundError) as error:
        return _aws_answer(start_response, "400 Bad Request", {"__type": error.error_type, "message": error.message})
    user.token_verified = False
    user.software_token_mfa_enabled = False
    if user.preferred_mfa_setting == "SOFTWARE_TOKEN_MFA":
        user.preferred_mfa_setting = ""
    return _aws_answer(start_response, "200 OK", {})


# Operations the stand-in answers itself because moto does not have them.
MISSING_OPERATIONS = {
    "AdminDeleteSoftwareToken": _admin_delete_software_token,
    "AdminGetUserAuthFactors": lambda params, start_response: _aws_answer(
        start_response, *choice_sign_in.admin_get_user_auth_factors(params)
    ),
}
# Operations moto has but answers without passkeys or USER_AUTH (choice_sign_in.py).
CHOICE_SIGN_IN_OPERATIONS = frozenset(
    ("InitiateAuth", "AdminInitiateAuth", "RespondToAuthChallenge", "AdminRespondToAuthChallenge",
     "SetUserPoolMfaConfig", "GetUserPoolMfaConfig")
)


def _batch_update_findings(environ: dict[str, Any], body: bytes, start_response: Any) -> list[bytes]:
    """Security Hub's BatchUpdateFindings (PATCH /findings/batchupdate), which moto 5.2.5 lacks: the
    Workflow and Note of the findings named, as the Security Hub API reference describes it."""
    from moto.securityhub.models import securityhub_backends  # pylint: disable=import-outside-toplevel

    refused = _iam_refusal(environ, body, "BatchUpdateFindings")
    if refused is not None:
        start_response("403 Forbidden", [("Content-Type", "application/xml"), ("Content-Length", str(len(refused)))])
        return [refused]
    scope = environ.get("HTTP_AUTHORIZATION", "").split("Credential=", 1)[-1].split("/")
    region = scope[2] if len(scope) > 2 else DEFAULT_REGION
    params = json.loads(body or b"{}")
    backend = securityhub_backends[ACCOUNT_ID][region]
    by_id = {finding.id: finding for finding in backend.findings}
    processed, unprocessed = [], []
    for ident in params.get("FindingIdentifiers") or []:
        finding = by_id.get(ident.get("Id"))
        if finding is None:
            unprocessed.append({"FindingIdentifier": ident, "ErrorCode": "FindingNotFound", "ErrorMessage": "no such finding"})
            continue
        if params.get("Workflow"):
            finding.data["Workflow"] = dict(params["Workflow"])
        if params.get("Note"):
            finding.data["Note"] = dict(params["Note"])
        processed.append(ident)
    data = json.dumps({"ProcessedFindings": processed, "UnprocessedFindings": unprocessed}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def _iam_refusal(environ: dict[str, Any], body: bytes, action: str) -> bytes | None:
    """moto's IAM check for a call the stand-in answers itself, when IAM checks are on: moto's XML 403 if the
    caller's policies do not allow the action, else None. Resources are not evaluated, as in moto."""
    # pylint: disable=import-outside-toplevel
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam.access_control import IAMRequest
    from werkzeug.exceptions import HTTPException  # moto's AccessDeniedError is one

    if ActionAuthenticatorMixin.request_count < settings.INITIAL_NO_AUTH_ACTION_COUNT:
        return None
    headers = {"Authorization": environ.get("HTTP_AUTHORIZATION", "")}
    if environ.get("HTTP_X_AMZ_SECURITY_TOKEN"):
        headers["X-Amz-Security-Token"] = environ["HTTP_X_AMZ_SECURITY_TOKEN"]
    try:
        IAMRequest(account_id=ACCOUNT_ID, method=environ.get("REQUEST_METHOD", ""), path=environ.get("PATH_INFO", ""),
                   data={}, body=body, headers=headers, action=action).check_action_permitted("*")
    except HTTPException as exc:
        return str(exc.description).encode()
    return None


def _iam_allows(body: dict[str, Any]) -> dict[str, Any]:
    """``POST /_standin/iam_allows``: whether the caller whose request carried ``authorization`` (and
    ``security_token``) may call ``action`` (for the calls the Cognito front answers itself: CloudTrail's
    ``LookupEvents``); ``{"allowed": true}`` or ``{"allowed": false, "denial": moto's denial text}``."""
    environ = {"HTTP_AUTHORIZATION": str(body.get("authorization") or ""), "REQUEST_METHOD": "POST", "PATH_INFO": "/"}
    if body.get("security_token"):
        environ["HTTP_X_AMZ_SECURITY_TOKEN"] = str(body["security_token"])
    refused = _iam_refusal(environ, b"", str(body["action"]).split(":", 1)[-1])
    return {"allowed": True} if refused is None else {"allowed": False, "denial": refused.decode("utf-8", "replace")}


# REST operations the stand-in answers itself: (method, path) -> handler.
MISSING_REST_OPERATIONS = {("PATCH", "/findings/batchupdate"): _batch_update_findings}


class _StandInApp:
    """WSGI middleware around moto: counts calls, serves /_standin/ routes."""

    def __init__(self, moto_app: Any) -> None:
        self.moto_app = moto_app
        self.counts = _Counts()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_standin/"):
            return self._own_route(environ, start_response, path)
        body = self._read_body(environ)
        rest = MISSING_REST_OPERATIONS.get((environ.get("REQUEST_METHOD", ""), path))
        if rest is not None:
            return rest(environ, body, start_response)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target:
            return self.moto_app(environ, start_response)
        operation, pool_id = target.rsplit(".", 1)[-1], self._pool_id(body)

        def counting_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            self.counts.add(operation, pool_id, failed=status[:1] in "45")
            return start_response(status, headers, exc_info)

        if operation in MISSING_OPERATIONS:
            return MISSING_OPERATIONS[operation](json.loads(body or b"{}"), counting_start_response)
        if operation in CHOICE_SIGN_IN_OPERATIONS:
            return self._choice_sign_in(operation, environ, json.loads(body or b"{}"), counting_start_response)
        return self.moto_app(environ, counting_start_response)

    def _moto_json(self, environ: dict[str, Any], params: dict[str, Any]) -> tuple[str, list[Any], Any]:
        """moto's answer to ``params`` (sent instead of the request's body), not yet given to the client."""
        data = json.dumps(params).encode()
        environ = dict(environ, CONTENT_LENGTH=str(len(data)))
        environ["wsgi.input"], environ["standin.body"] = io.BytesIO(data), data
        captured: dict[str, Any] = {}

        def capture(status: str, headers: Any, exc_info: Any = None) -> Any:
            captured.update(status=status, headers=headers)
            return lambda chunk: None

        raw = b"".join(self.moto_app(environ, capture))
        try:
            payload = json.loads(raw or b"{}")
        except ValueError:
            payload = None
        return captured["status"], captured["headers"], payload if payload is not None else raw

    def _choice_sign_in(self, operation: str, environ: dict[str, Any], params: dict[str, Any], start_response: Any) -> list[bytes]:
        """Passkeys and USER_AUTH (tests/support/choice_sign_in.py); the rest goes to moto."""
        admin = operation.startswith("Admin")
        answer = None
        if operation in ("InitiateAuth", "AdminInitiateAuth"):
            answer = choice_sign_in.initiate_user_auth(params, admin)
        elif operation in ("RespondToAuthChallenge", "AdminRespondToAuthChallenge"):
            answer = choice_sign_in.respond_select_challenge(params, admin)
        elif operation == "SetUserPoolMfaConfig":
            answer, block = choice_sign_in.set_mfa_config(params)
            if answer is None:
                status, headers, payload = self._moto_json(environ, params)
                if status.startswith("2") and isinstance(payload, dict):
                    if block:
                        choice_sign_in.keep_web_authn(params["UserPoolId"], block)
                    answer = status, choice_sign_in.get_mfa_config(params["UserPoolId"], payload)
                else:
                    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                    start_response(status, headers)
                    return [data]
        elif operation == "GetUserPoolMfaConfig":
            status, headers, payload = self._moto_json(environ, params)
            if status.startswith("2") and isinstance(payload, dict):
                answer = status, choice_sign_in.get_mfa_config(params.get("UserPoolId", ""), payload)
            else:
                start_response(status, headers)
                return [payload if isinstance(payload, bytes) else json.dumps(payload).encode()]
        if answer is None:
            return self.moto_app(environ, start_response)
        return _aws_answer(start_response, *answer)

    @staticmethod
    def _read_body(environ: dict[str, Any]) -> bytes:
        """The request body (read once; the application gets a copy)."""
        if "standin.body" not in environ:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            environ["standin.body"] = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(environ["standin.body"])
        return environ["standin.body"]

    @staticmethod
    def _pool_id(body: bytes) -> str | None:
        """The pool a call is about: its UserPoolId, or the pool that issued its
        AccessToken (self-service calls)."""
        if b"UserPoolId" not in body and b"AccessToken" not in body:
            return None
        try:
            params = json.loads(body)
        except ValueError:
            return None
        if params.get("UserPoolId"):
            return params["UserPoolId"]
        token = params.get("AccessToken")
        if not token:
            return None
        from moto.cognitoidp.models import cognitoidp_backends  # pylint: disable=import-outside-toplevel

        for backend in dict.values(cognitoidp_backends[ACCOUNT_ID]):
            for pool in list(backend.user_pools.values()):
                if token in pool.access_tokens:
                    return str(pool.id)
        return None

    def _own_route(self, environ: dict[str, Any], start_response: Any, path: str) -> Any:
        method = environ.get("REQUEST_METHOD", "GET")
        status, payload = "404 Not Found", {"error": f"no route {method} {path}"}
        try:
            if path == "/_standin/health":
                status, payload = "200 OK", {"ok": True, "pid": os.getpid()}
            elif path == "/_standin/counts" and method == "GET":
                status, payload = "200 OK", self.counts.snapshot()
            elif path == "/_standin/counts/reset" and method == "POST":
                self.counts.reset()
                status, payload = "200 OK", {"ok": True}
            elif path == "/_standin/rename_pool" and method == "POST":
                payload = _rename_pool(json.loads(self._read_body(environ)))
                status = "200 OK"
            elif path == "/_standin/passkey" and method == "POST":
                payload = choice_sign_in.register_passkey(json.loads(self._read_body(environ)))
                status = "200 OK"
            elif path == "/_standin/describe" and method == "POST":
                payload = _describe(json.loads(self._read_body(environ)))
                status = "200 OK"
            elif path == "/_standin/iam_allows" and method == "POST":
                payload = _iam_allows(json.loads(self._read_body(environ)))
                status = "200 OK"
            elif path == "/_standin/seed" and method == "POST":
                payload = _seed_in_backend(json.loads(self._read_body(environ)))
                status = "200 OK"
        except _NotFound as exc:
            status, payload = "404 Not Found", {"error": str(exc)}
        except (ValueError, KeyError, TypeError) as exc:
            status, payload = "400 Bad Request", {"error": f"{type(exc).__name__}: {exc}"}
        data = json.dumps(payload).encode()
        start_response(
            status,
            [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
        )
        return [data]


class _KeepAliveHandler(http.server.BaseHTTPRequestHandler):
    """A minimal WSGI gateway with HTTP/1.1 keep-alive.

    werkzeug's dev server (what ``moto_server`` uses) closes every connection, so
    each boto3 call pays a new TCP connection and a new thread; its handler can't be
    made to keep connections alive safely (it drains the socket after each
    response). This one reads each body by Content-Length and answers with one,
    so connections stay open.
    """

    protocol_version = "HTTP/1.1"
    timeout = 300  # idle keep-alive connections go away
    wbufsize = 65536  # one send per response (flushed by handle_one_request)...
    disable_nagle_algorithm = True  # ...and no 40 ms Nagle/delayed-ACK stall
    server: _KeepAliveServer

    def log_message(self, format: str, *args: Any) -> None:  # pylint: disable=redefined-builtin
        pass

    def _handle(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.send_error(411, "chunked request bodies are not supported; send Content-Length")
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, query = (self.path.split("?", 1) + [""])[:2]
        environ = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": urllib.parse.unquote(path, "latin-1"),
            "QUERY_STRING": query,
            "RAW_URI": self.path,
            "REQUEST_URI": self.path,
            "SERVER_NAME": self.server.server_address[0],
            "SERVER_PORT": str(self.server.server_address[1]),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "standin.body": body,
        }
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = f"{environ[key]},{value}" if key in environ else value
        response: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            response["status"], response["headers"] = status, headers
            return lambda data: None

        try:
            chunks = self.server.app(environ, start_response)
            try:
                data = b"".join(chunks)
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()
        except Exception:  # pylint: disable=broad-exception-caught
            traceback.print_exc()
            self.send_error(500, "stand-in error (see its log)")
            return
        code, reason = (response["status"].split(" ", 1) + [""])[:2]
        self.send_response(int(code), reason)
        for name, value in response["headers"]:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _handle


class _KeepAliveServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: Any) -> None:
        self.app = app
        super().__init__(address, _KeepAliveHandler)


def _prepare_moto() -> None:
    """Env and patch that must be in place before moto serves a request."""
    os.environ["MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP"] = "true"
    os.environ["MOTO_ACCOUNT_ID"] = ACCOUNT_ID
    import moto.cognitoidp.models as cognito_models  # pylint: disable=import-outside-toplevel

    cognito_models.COGNITO_TOTP_MFA_SECRET = STANDIN_TOTP_SECRET  # type: ignore[misc]
    _speed_up_moto()
    _token_calls_need_no_signature()


def _token_calls_need_no_signature() -> None:
    """With IAM checks on (INITIAL_NO_AUTH_ACTION_COUNT), moto 5.2.5 passes only a few unsigned Cognito calls
    (InitiateAuth, GetUser ...) and fails the others with a 500 (KeyError: 'HTTP_AUTHORIZATION'). Cognito
    authorises them by the user's token or session, not by IAM: botocore's service model marks them
    ``auth: smithy.api#noAuth`` (docs/cognito-behaviour.md). Let moto pass every such operation."""
    # pylint: disable=import-outside-toplevel
    import botocore.session
    from moto.core.authorization import ActionAuthenticatorMixin

    model = botocore.session.get_session().get_service_model("cognito-idp")
    public = [
        f"{model.metadata['targetPrefix']}.{name}"
        for name in model.operation_names
        if model.operation_model(name).auth_type == "none"
        or "smithy.api#noAuth" in (getattr(model.operation_model(name), "auth", None) or ())
    ]
    known = ActionAuthenticatorMixin.PUBLIC_OPERATIONS
    ActionAuthenticatorMixin.PUBLIC_OPERATIONS = known + [name for name in public if name not in known]


def _speed_up_moto() -> None:
    """Cache two lookups moto 5.2.5 redoes on every request (about 40% of its time):
    the list of its service packages (a directory scan, under a global lock) and the
    method names of a response class (inspect.getmembers). Both never change while
    the server runs."""
    # pylint: disable=import-outside-toplevel
    import functools

    import moto.backends
    import moto.core.responses

    modules = list(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: modules  # type: ignore[assignment]
    moto.core.responses.method_names_from_class = functools.cache(  # type: ignore[assignment]
        moto.core.responses.method_names_from_class
    )


def _watch_stdin_then_exit() -> None:
    """Exit when stdin reaches EOF: the parent died or closed it (no orphans)."""
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)  # pylint: disable=protected-access


def serve(host: str, port: int, state_file: str | None, watch_stdin: bool) -> None:
    """Run the stand-in in this process until killed (SIGUSR1 dumps its threads)."""
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    _prepare_moto()
    # pylint: disable=import-outside-toplevel
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    app = _StandInApp(DomainDispatcherApplication(create_backend_app))
    if os.environ.get("STANDIN_HTTP_SERVER") == "werkzeug":  # moto_server's own, for comparison
        from werkzeug.serving import make_server

        server: Any = make_server(host, port, app, threaded=True)
    else:
        server = _KeepAliveServer((host, port), app)
    endpoint = f"http://{host}:{server.server_port}"
    # Warm up: the first cognito-idp call builds moto's Flask app for the service.
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _warm_up(endpoint)
    app.counts.reset()
    if state_file:
        _write_state(state_file, {"pid": os.getpid(), "endpoint": endpoint})
    print(f"STANDIN_READY {endpoint}", flush=True)
    if watch_stdin:
        threading.Thread(target=_watch_stdin_then_exit, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))  # pylint: disable=protected-access
    while True:
        time.sleep(3600)


def _warm_up(endpoint: str) -> None:
    request = urllib.request.Request(
        endpoint + "/",
        data=b'{"MaxResults": 1}',
        headers={
            "X-Amz-Target": "AWSCognitoIdentityProviderService.ListUserPools",
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20240101/"
            f"{DEFAULT_REGION}/cognito-idp/aws4_request, SignedHeaders=host, Signature=x",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def _write_state(state_file: str, state: dict[str, Any]) -> None:
    path = Path(state_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(state))
    tmp.replace(path)


# --------------------------------------------------------------------------------------
# Client side: start, talk to, stop the stand-in.
# --------------------------------------------------------------------------------------


def _http_json(url: str, body: Any = None, timeout: float = 120) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method="GET" if data is None else "POST"
    )
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")
        raise RuntimeError(f"stand-in {url}: HTTP {exc.code}: {detail}") from None


def _answers(endpoint: str) -> bool:
    try:
        return bool(_http_json(endpoint + "/_standin/health", timeout=2).get("ok"))
    except (OSError, RuntimeError, ValueError):
        return False


class StandInClient:
    """Talks to a running stand-in at ``endpoint``."""

    def __init__(self, endpoint: str, region: str = DEFAULT_REGION) -> None:
        self.endpoint = endpoint
        self.region = region

    def client(self, region: str | None = None, **kwargs: Any) -> Any:
        """A boto3 cognito-idp client on the stand-in, with fake credentials."""
        import boto3  # pylint: disable=import-outside-toplevel
        from botocore.config import Config  # pylint: disable=import-outside-toplevel

        kwargs.setdefault(
            "config", Config(max_pool_connections=32, retries={"mode": "standard"})
        )
        return boto3.client(
            "cognito-idp",
            endpoint_url=self.endpoint,
            region_name=region or self.region,
            aws_access_key_id=FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=FAKE_AWS_ENV["AWS_SESSION_TOKEN"],
            **kwargs,
        )

    def counts(self, user_pool_id: str | None = None) -> dict[str, int]:
        """Calls per operation since the last reset (in one pool if given)."""
        snapshot = _http_json(self.endpoint + "/_standin/counts")
        if user_pool_id is None:
            return snapshot["operations"]
        return snapshot["pools"].get(user_pool_id, {})

    def window(self, user_pool_id: str) -> tuple[float, float] | None:
        """When the pool's first and last call since the last reset were answered (epoch seconds)."""
        window = _http_json(self.endpoint + "/_standin/counts")["pool_windows"].get(user_pool_id)
        return (window[0], window[1]) if window else None

    def failures(self, user_pool_id: str | None = None) -> dict[str, int]:
        """Calls per operation that got an error reply, since the last reset."""
        snapshot = _http_json(self.endpoint + "/_standin/counts")
        if user_pool_id is None:
            return snapshot["failures"]
        return snapshot["pool_failures"].get(user_pool_id, {})

    def rename_pool(self, user_pool_id: str, new_user_pool_id: str) -> None:
        """POST /_standin/rename_pool: a new, empty pool takes the id you choose."""
        _http_json(
            self.endpoint + "/_standin/rename_pool",
            body={"user_pool_id": user_pool_id, "new_user_pool_id": new_user_pool_id},
        )

    def reset_counts(self) -> None:
        _http_json(self.endpoint + "/_standin/counts/reset", body={})

    def register_passkey(self, user_pool_id: str, username: str) -> None:
        """The user has a passkey (WEB_AUTHN in AdminGetUserAuthFactors); no WebAuthn ceremony is emulated."""
        _http_json(f"{self.endpoint}/_standin/passkey", {"user_pool_id": user_pool_id, "username": username})

    def seed(self, user_pool_id: str, **body: Any) -> dict[str, Any]:
        """POST /_standin/seed: see the module docstring for the body."""
        return _http_json(
            self.endpoint + "/_standin/seed", body={"user_pool_id": user_pool_id, **body}
        )


class StandIn(StandInClient):
    """Context manager: a fresh stand-in process for the ``with`` block.

    The child exits when this process closes its stdin, so it cannot outlive
    the test run even if the parent is killed.
    """

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, start_timeout: float = 60, env: dict[str, str] | None = None
    ) -> None:
        super().__init__(endpoint="")
        self.host, self.port, self.start_timeout = host, port, start_timeout
        # More environment for the server process, e.g. INITIAL_NO_AUTH_ACTION_COUNT (moto reads it at import).
        self.env = dict(env or {})
        self.process: subprocess.Popen[bytes] | None = None
        self.start_seconds: float | None = None
        self._log: Any = None

    def start(self) -> StandIn:
        started = time.monotonic()
        # pylint: disable-next=consider-using-with
        self._log = tempfile.NamedTemporaryFile(prefix="standin-", suffix=".log", delete=False)
        # pylint: disable-next=consider-using-with
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "serve",
             "--host", self.host, "--port", str(self.port), "--watch-stdin"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env={**os.environ, **FAKE_AWS_ENV, **self.env},
        )
        atexit.register(self.stop)
        self.endpoint = self._wait_ready()
        self.start_seconds = time.monotonic() - started
        return self

    def _wait_ready(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        deadline = time.monotonic() + self.start_timeout
        line = b""
        while time.monotonic() < deadline and not line.endswith(b"\n"):
            if select.select([self.process.stdout], [], [], 0.2)[0]:
                chunk = os.read(self.process.stdout.fileno(), 4096)
                if not chunk:
                    break
                line += chunk
            elif self.process.poll() is not None:
                break
        if not line.startswith(b"STANDIN_READY "):
            log = self.log_text()
            self.stop()
            raise RuntimeError(f"stand-in did not start; its log:\n{log}")
        return line.split()[1].decode()

    def log_text(self) -> str:
        return Path(self._log.name).read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdin, process.stdout):
            if stream:
                stream.close()
        if self._log is not None:
            self._log.close()
            Path(self._log.name).unlink(missing_ok=True)

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --------------------------------------------------------------------------------------
# Command line: start / stop / status (background process with a state file).
# --------------------------------------------------------------------------------------


def _read_state(state_file: str) -> dict[str, Any] | None:
    try:
        return json.loads(Path(state_file).read_text())
    except (OSError, ValueError):
        return None


def _is_standin(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"standin" in cmdline and b"serve" in cmdline


def cli_start(state_file: str, host: str, port: int) -> int:
    state = _read_state(state_file)
    if state and _is_standin(state["pid"]) and _answers(state["endpoint"]):
        print(f"stand-in already running: {state['endpoint']} (pid {state['pid']})")
        return 0
    Path(state_file).unlink(missing_ok=True)
    log_path = Path(state_file).with_suffix(".log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        # pylint: disable-next=consider-using-with
        process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "serve",
             "--host", host, "--port", str(port), "--state-file", state_file],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env={**os.environ, **FAKE_AWS_ENV},
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = _read_state(state_file)
        if state and _answers(state["endpoint"]):
            print(f"stand-in running: {state['endpoint']} (pid {state['pid']})")
            print(f"export AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER={state['endpoint']}")
            return 0
        if process.poll() is not None:
            break
        time.sleep(0.1)
    print(f"stand-in did not start; see {log_path}", file=sys.stderr)
    if process.poll() is None:
        process.kill()
    return 1


def cli_stop(state_file: str) -> int:
    state = _read_state(state_file)
    if not state:
        print("stand-in not running (no state file)")
        return 0
    pid = int(state["pid"])
    if _is_standin(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while _is_standin(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _is_standin(pid):
            os.kill(pid, signal.SIGKILL)
        print(f"stand-in stopped (pid {pid})")
    else:
        print("stand-in was not running (stale state file removed)")
    Path(state_file).unlink(missing_ok=True)
    return 0


def cli_status(state_file: str) -> int:
    state = _read_state(state_file)
    if state and _is_standin(state["pid"]) and _answers(state["endpoint"]):
        print(f"running: {state['endpoint']} (pid {state['pid']})")
        return 0
    print("not running")
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="standin", description=__doc__.split("\n", maxsplit=1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("start", "stop", "status", "serve"):
        command = sub.add_parser(name)
        command.add_argument("--state-file", required=name != "serve")
        if name in ("start", "serve"):
            command.add_argument("--host", default="127.0.0.1")
            command.add_argument("--port", type=int, default=0, help="0: a free port")
        if name == "serve":
            command.add_argument("--watch-stdin", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args.host, args.port, args.state_file, args.watch_stdin)
        return 0
    if args.command == "start":
        return cli_start(args.state_file, args.host, args.port)
    if args.command == "stop":
        return cli_stop(args.state_file)
    return cli_status(args.state_file)


if __name__ == "__main__":
    sys.exit(main())
