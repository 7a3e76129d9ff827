"""The Cognito front: a layer of the proxy (proxy.py) that answers as Cognito does where
moto differs. docs/cognito-behaviour.md lists each behaviour with its public source.

- Not-enrolled wording: moto refuses TOTP for a user with no verified token with "User
  has not verified software token mfa"; Cognito says ``NOT_ENROLLED_WORDINGS[0]`` (or one
  of the others; ``not_enrolled_message`` picks it).
- OFF refusal: ``SetUserPoolMfaConfig`` with ``MfaConfiguration: OFF`` and an SMS, TOTP or
  email block is refused, not forwarded (moto accepts it).
- Case-blind pools (``UsernameConfiguration.CaseSensitive: false``): user names in requests
  (``Username``, ``USERNAME`` of auth parameters and challenge answers) and the email and
  preferred_username values given at creation are lowercased, so moto stores and matches
  them in lowercase.
- A TOTP code is accepted once per user at sign-in: a ``SOFTWARE_TOKEN_MFA`` answer whose
  code is of a step at or before the last step accepted for that user is refused with
  ``CodeMismatchException`` (moto accepts reuse).
- Sign-in challenges moto does not send: after the first factor (password, SRP or a new
  password) where moto hands out tokens, the front asks what Cognito would
  (``sign_in_challenge``): ``MFA_SETUP`` in an ``ON`` pool for a user without MFA,
  ``SELECT_MFA_TYPE`` for a user with several methods and none preferred,
  ``SOFTWARE_TOKEN_MFA`` for a TOTP user who does not prefer it. The front keeps those
  sessions itself and checks the codes (the stand-in's one TOTP secret).
- ``LimitExceededException`` on ``CreateGroup`` once the pool has ``group_limit`` groups.
- CloudTrail (cloudtrail.py): every call the front serves is recorded as a management event (the user's
  ``sub``, never the name), and ``LookupEvents`` is answered here, on the same endpoint.
- Admin calls take a local user's ``sub`` as ``Username`` (moto takes only the name and the
  ``UsernameAttributes`` aliases): a UUID-shaped ``Username`` that is a user's sub is replaced by
  that user's name before moto sees it (found by the conformance kit, tests/conformance/).
- Access denied (a stand-in with IAM checks on): moto answers an XML 403 ``AccessDenied``;
  Cognito answers HTTP 400 with a JSON ``AccessDeniedException`` that names the action and the
  pool's ARN, Security Hub a JSON 403 (``access_denied``, called by the proxy on every 403).
  ``LookupEvents``, answered here, asks the stand-in whether the caller may call it (``POST
  /_standin/iam_allows``, through the proxy's ``iam_refusal``) and answers CloudTrail's JSON 400
  ``AccessDeniedException`` if not (``lookup_events_denied``).

The front reads what it needs from the stand-in's ``POST /_standin/describe`` route,
which moto does not count, so call counts stay those of the client.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

from .cloudtrail import Trail, token_claims
from .standin import STANDIN_TOTP_SECRET

# Cognito's refusals of TOTP for a user without a verified token; the first is the one
# the front answers by default. Sources: docs/cognito-behaviour.md.
NOT_ENROLLED_WORDINGS = (
    "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA",  # aws/aws-sdk-js-v3#4645
    "User has not set up software token mfa",  # aws-amplify/amplify-js#944
    "User has not verified software token mfa",  # aws-amplify/amplify-js#1343; moto's
)
MOTO_NOT_ENROLLED = "User has not verified software token mfa"
OFF_REFUSAL = "Invalid MFA configuration given, can't turn off MFA and configure an MFA together"
FACTOR_BLOCKS = ("SmsMfaConfiguration", "SoftwareTokenMfaConfiguration", "EmailMfaConfiguration")
CODE_REUSED = "Invalid code received for user"
GROUP_LIMIT_MESSAGE = "The maximum number of groups for this user pool has been reached."
# Cognito's resource quota: groups per user pool.
DEFAULT_GROUP_LIMIT = 10_000
TOTP_STEP = 30
SESSION_PREFIX = "cognito-front-session-"
FIRST_FACTOR_FLOWS = frozenset(("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"))
FIRST_FACTOR_CHALLENGES = frozenset(("PASSWORD_VERIFIER", "NEW_PASSWORD_REQUIRED"))
AUTH_OPERATIONS = ("InitiateAuth", "AdminInitiateAuth")
UUID_SHAPE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
RESPOND_OPERATIONS = ("RespondToAuthChallenge", "AdminRespondToAuthChallenge")


def _attribute(attributes: Any, name: str) -> Optional[str]:
    for item in attributes or ():
        if isinstance(item, dict) and item.get("Name") == name:
            return item.get("Value")
    return None


@dataclass
class Reply:
    """Answer the client without asking moto (or instead of moto's answer)."""

    status: int
    payload: dict[str, Any]

    @classmethod
    def error(cls, error_type: str, message: str) -> "Reply":
        return cls(400, {"__type": error_type, "message": message})


@dataclass
class Forward:
    """Send ``body`` to moto; ``after(status, payload)`` may change the answer."""

    body: bytes
    after: Optional[Callable[[int, dict[str, Any]], Optional[Reply]]] = None


Describe = Callable[[dict[str, Any]], Optional[dict[str, Any]]]


# ----- pure decisions -------------------------------------------------------------------


def off_refused(request: Mapping[str, Any]) -> bool:
    """OFF together with any SMS, TOTP or email block (WebAuthn is not an MFA factor)."""
    return request.get("MfaConfiguration") == "OFF" and any(key in request for key in FACTOR_BLOCKS)


def enables_totp(request: Mapping[str, Any]) -> bool:
    return bool((request.get("SoftwareTokenMfaSettings") or {}).get("Enabled"))


def totp_at(secret: str, step: int) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def matching_step(secret: str, code: str, now: float, window: int = 1) -> Optional[int]:
    """The 30 s step (within ``window`` steps of now, as Cognito allows) whose code is ``code``."""
    current = int(now // TOTP_STEP)
    for step in range(current - window, current + window + 1):
        if hmac.compare_digest(totp_at(secret, step), str(code)):
            return step
    return None


def sign_in_challenge(pool: Mapping[str, Any], user: Mapping[str, Any]) -> Optional[tuple[str, dict[str, str]]]:
    """The challenge Cognito sends after the first factor, or None (tokens).

    ``pool`` and ``user`` as ``/_standin/describe`` gives them. In an ``ON`` pool a verified
    token counts as TOTP (the pool requires MFA and the user has a factor)."""
    mode = pool.get("mfa_configuration")
    if mode not in ("ON", "OPTIONAL"):
        return None
    methods = []
    if pool.get("software_token_mfa") and (
        user.get("software_token_mfa_enabled") or (mode == "ON" and user.get("token_verified"))
    ):
        methods.append("SOFTWARE_TOKEN_MFA")
    if pool.get("sms_mfa") and user.get("sms_mfa_enabled"):
        methods.append("SMS_MFA")
    preferred = user.get("preferred_mfa_setting")
    if preferred in methods:
        return preferred, {}
    if len(methods) > 1:
        return "SELECT_MFA_TYPE", {"MFAS_CAN_CHOOSE": json.dumps(sorted(methods))}
    if methods:
        return methods[0], {}
    if mode == "ON" and pool.get("software_token_mfa"):
        return "MFA_SETUP", {"MFAS_CAN_SETUP": json.dumps(["SOFTWARE_TOKEN_MFA"])}
    return None


# ----- access denied (IAM) --------------------------------------------------------------

_MOTO_DENIAL = re.compile(r"User: (?P<user>arn:[^ <]+) is not authorized to perform: (?P<action>[\w-]+:\w+)")


def denial_message(user_arn: str, action: str, resource: Optional[str]) -> str:
    """Cognito's words for an action no policy allows (docs/cognito-behaviour.md); with no resource (an action
    that has no resource type, as CloudTrail's ``LookupEvents``), IAM's words name none."""
    on = f" on resource: {resource}" if resource else ""
    return f"User: {user_arn} is not authorized to perform: {action}{on} because no identity-based policy allows the {action} action"


def lookup_events_denied(refusal: Optional[str]) -> Optional[Reply]:
    """CloudTrail's JSON ``AccessDeniedException`` (HTTP 400) for moto's denial text of ``cloudtrail:LookupEvents``
    (``POST /_standin/iam_allows``), or None when the caller may call it (docs/cognito-behaviour.md)."""
    found = _MOTO_DENIAL.search(refusal or "")
    if found is None:
        return None
    return Reply.error("AccessDeniedException", denial_message(found.group("user"), found.group("action"), None))


def access_denied(operation: Optional[str], request_body: bytes, status: int, answer: bytes) -> Optional[Reply]:
    """The service's JSON ``AccessDeniedException`` for moto's XML 403 ``AccessDenied``, or None.

    Cognito (``operation`` from ``X-Amz-Target``) answers HTTP 400 and names the pool's ARN; the REST services
    behind the same endpoint here (Security Hub) answer HTTP 403 (their API reference's ``AccessDeniedException``).
    The query-protocol services (SES: a form body with ``Action=``) keep moto's answer: an XML ``ErrorResponse``,
    HTTP 403, code ``AccessDenied``, as SES answers (docs/cognito-behaviour.md)."""
    if status != 403 or (operation is None and re.search(rb"(?:^|&)Action=", request_body or b"")):
        return None
    found = _MOTO_DENIAL.search(answer.decode("utf-8", "replace"))
    if found is None:
        return None
    action, user = found.group("action"), found.group("user")
    if not action.startswith("cognito-idp:"):
        return Reply(403, {"__type": "AccessDeniedException", "message": denial_message(user, action, "*")})
    try:
        pool_id = json.loads(request_body or b"{}").get("UserPoolId")
    except (ValueError, AttributeError):
        pool_id = None
    account = user.split(":")[4]
    resource = (f"arn:aws:cognito-idp:{pool_id.split('_', 1)[0]}:{account}:userpool/{pool_id}"
                if isinstance(pool_id, str) and "_" in pool_id else "*")
    return Reply.error("AccessDeniedException", denial_message(user, action, resource))


# ----- the front ------------------------------------------------------------------------


@dataclass
class _Session:
    pool_id: str
    username: str  # canonical
    login_name: str
    challenge: str
    tokens: dict[str, Any]
    verified: bool = False


@dataclass
class FrontSettings:
    not_enrolled_message: str = NOT_ENROLLED_WORDINGS[0]
    group_limit: int = DEFAULT_GROUP_LIMIT
    enabled: bool = True
    # CloudTrail: delivery delay (s), ThrottlingException above 2 LookupEvents/s, an error code LookupEvents
    # answers with, event names recorded without a sub (not tied to one user).
    cloudtrail_delay: float = 0.0
    cloudtrail_throttle: bool = False
    cloudtrail_refuse: Optional[str] = None
    cloudtrail_unattributed: tuple = ()
    # ListUsers and AdminGetUser answer UserLastModifiedDate = UserCreateDate: Cognito does not document that it
    # moves when MFA settings change (docs/cognito-behaviour.md row 42), so a test can make CloudTrail the only signal.
    hide_last_modified: bool = False
    # Every answer's Date header is this many seconds off the machine's clock (proxy.py): AWS's clock against a
    # controller's that is off (docs/cognito-behaviour.md, the clock skew row).
    date_offset: float = 0.0


@dataclass
class CognitoFront:
    """See the module docstring. ``request()`` is called by the proxy for each API request."""

    settings: FrontSettings = field(default_factory=FrontSettings)
    clock: Callable[[], float] = time.time
    secret: str = STANDIN_TOTP_SECRET

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._case_blind: dict[str, bool] = {}
        self._sessions: dict[str, _Session] = {}
        self._last_step: dict[tuple[str, str], int] = {}
        self.trail = Trail(self.clock)
        self._apply_trail()

    def _apply_trail(self) -> None:
        self.trail.delay = float(self.settings.cloudtrail_delay)
        self.trail.throttle = bool(self.settings.cloudtrail_throttle)
        self.trail.refuse = self.settings.cloudtrail_refuse or None
        self.trail.unattributed = list(self.settings.cloudtrail_unattributed or ())

    def configure(self, **settings: Any) -> None:
        unknown = sorted(set(settings) - set(self.settings.__dict__))
        if unknown:
            raise ValueError(f"unknown front settings {unknown}")
        if "group_limit" in settings and int(settings["group_limit"]) < 0:
            raise ValueError("group_limit must be 0 or more")
        self.settings = FrontSettings(**{**self.settings.__dict__, **settings})
        self._apply_trail()

    def config(self) -> dict[str, Any]:
        return dict(self.settings.__dict__, cloudtrail_unattributed=list(self.settings.cloudtrail_unattributed or ()))

    def forget_pools(self) -> None:
        with self._lock:
            self._case_blind.clear()

    # -- per request

    def request(self, operation: str, body: bytes, describe: Describe,
                iam_refusal: Optional[Callable[[str], Optional[str]]] = None) -> Forward | Reply:
        """``iam_refusal(action)``: the stand-in's denial text when the caller may not call an action the front
        answers itself (CloudTrail's ``LookupEvents``), else None; None when IAM is not checked."""
        if not self.settings.enabled:
            return Forward(body)
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            return Forward(body)
        if not isinstance(params, dict):
            return Forward(body)
        if operation == "LookupEvents":
            denied = lookup_events_denied(iam_refusal("cloudtrail:LookupEvents")) if iam_refusal else None
            return denied or Reply(*self.trail.lookup(params))
        return self._recorded(operation, params, self._request(operation, params, describe), describe)

    def _recorded(self, operation: str, params: dict[str, Any], step: Forward | Reply, describe: Describe) -> Forward | Reply:
        """The step, with a CloudTrail event recorded once the call is answered (cloudtrail.py)."""
        pool_id = params.get("UserPoolId") if isinstance(params.get("UserPoolId"), str) else None
        sub = token_claims(params.get("AccessToken")).get("sub")
        read_only = operation.startswith(("Get", "List", "Describe", "AdminGet", "AdminList"))
        if sub is None and pool_id and isinstance(params.get("Username"), str) and not read_only:
            user = (describe({"user_pool_id": pool_id, "username": params["Username"]}) or {}).get("user") or {}
            sub = user.get("sub")
        if isinstance(step, Reply):
            error = step.payload.get("__type") if step.status >= 400 else None
            self.trail.record(operation, pool_id, sub, error)
            return step
        inner = step.after

        def after(status: int, payload: dict[str, Any]) -> Optional[Reply]:
            replaced = inner(status, payload) if inner is not None else None
            answer_status, answer = (replaced.status, replaced.payload) if replaced is not None else (status, payload)
            created = sub or answer.get("UserSub") or _attribute((answer.get("User") or {}).get("Attributes"), "sub")
            error = str(answer.get("__type") or "Error").rsplit("#", 1)[-1] if answer_status >= 400 else None
            self.trail.record(operation, pool_id, created, error)
            return replaced

        return Forward(step.body, after)

    def _request(self, operation: str, params: dict[str, Any], describe: Describe) -> Forward | Reply:
        if operation == "DeleteUserPool":
            self.forget_pools()
        pool_id = params.get("UserPoolId")
        if not pool_id and params.get("ClientId"):
            pool = (describe({"client_id": params["ClientId"]}) or {}).get("pool") or {}
            pool_id = pool.get("id")
        if pool_id and self._is_case_blind(pool_id, describe):
            self._lowercase(operation, params)
        if pool_id and operation.startswith("Admin"):
            self._sub_to_username(pool_id, params, describe)
        handler = getattr(self, "_on_" + operation, None)
        if handler is not None:
            step = handler(params, pool_id, describe)
            if step is not None:
                return step
        return Forward(json.dumps(params).encode())

    def _is_case_blind(self, pool_id: str, describe: Describe) -> bool:
        with self._lock:
            known = self._case_blind.get(pool_id)
        if known is None:
            pool = (describe({"user_pool_id": pool_id}) or {}).get("pool")
            if pool is None:
                return False
            known = not pool.get("case_sensitive", True)
            with self._lock:
                self._case_blind[pool_id] = known
        return known

    @staticmethod
    def _sub_to_username(pool_id: str, params: dict[str, Any], describe: Describe) -> None:
        """A ``Username`` that is a user's sub becomes that user's name (Cognito's admin calls take the sub)."""
        given = params.get("Username")
        if not isinstance(given, str) or not UUID_SHAPE.match(given):
            return
        user = (describe({"user_pool_id": pool_id, "username": given}) or {}).get("user") or {}
        if user.get("username"):
            params["Username"] = user["username"]

    @staticmethod
    def _lowercase(operation: str, params: dict[str, Any]) -> None:
        if isinstance(params.get("Username"), str):
            params["Username"] = params["Username"].lower()
        for key in ("AuthParameters", "ChallengeResponses"):
            block = params.get(key)
            if isinstance(block, dict) and isinstance(block.get("USERNAME"), str):
                block["USERNAME"] = block["USERNAME"].lower()
        if operation in ("AdminCreateUser", "AdminUpdateUserAttributes", "SignUp"):
            for attribute in params.get("UserAttributes") or []:
                if attribute.get("Name") in ("email", "preferred_username") and isinstance(attribute.get("Value"), str):
                    attribute["Value"] = attribute["Value"].lower()

    # -- behaviours, one handler per operation

    def _created_as_modified(self, params: dict[str, Any]) -> Optional[Forward]:
        if not self.settings.hide_last_modified:
            return None

        def after(status: int, payload: dict[str, Any]) -> Optional[Reply]:
            if status >= 400:
                return None
            for user in payload.get("Users") or [payload]:
                if isinstance(user, dict) and "UserCreateDate" in user:
                    user["UserLastModifiedDate"] = user["UserCreateDate"]
            return Reply(status, payload)

        return Forward(json.dumps(params).encode(), after)

    def _on_ListUsers(self, params: dict[str, Any], pool_id: Any, describe: Describe) -> Optional[Forward]:  # noqa: N802
        return self._created_as_modified(params)

    def _on_AdminGetUser(self, params: dict[str, Any], pool_id: Any, describe: Describe) -> Optional[Forward]:  # noqa: N802
        return self._created_as_modified(params)

    def _on_SetUserPoolMfaConfig(self, params: dict[str, Any], pool_id: Any, describe: Describe) -> Optional[Reply]:  # noqa: N802
        return Reply.error("InvalidParameterException", OFF_REFUSAL) if off_refused(params) else None

    def _reword_not_enrolled(self, params: dict[str, Any]) -> Optional[Forward]:
        if not enables_totp(params):
            return None

        def after(status: int, payload: dict[str, Any]) -> Optional[Reply]:
            if status >= 400 and payload.get("message") == MOTO_NOT_ENROLLED:
                return Reply.error("InvalidParameterException", self.settings.not_enrolled_message)
            return None

        return Forward(json.dumps(params).encode(), after)

    def _on_AdminSetUserMFAPreference(self, params: dict[str, Any], pool_id: Any, describe: Describe) -> Optional[Forward]:  # noqa: N802
        return self._reword_not_enrolled(params)

    def _on_SetUserMFAPreference(self, params: dict[str, Any], pool_id: Any, describe: Describe) -> Optional[Forward]:  # noqa: N802
        return self._reword_not_enrolled(params)

    def _on_CreateGroup(self, params: dict[str, Any], pool_id: Any, describe: Describe) -> Optional[Reply]:  # noqa: N802
        pool = (describe({"user_pool_id": pool_id}) or {}).get("pool") if pool_id else None
        if pool is not None and pool.get("groups", 0) >= self.settings.group_limit:
            return Reply.error("LimitExceededException", GROUP_LIMIT_MESSAGE)
        return None

    # TOTP codes, once each

    def _check_code(self, pool_id: str, username: str, code: str) -> "tuple[Optional[Reply], Optional[int]]":
        step = matching_step(self.secret, code, self.clock())
        if step is None:
            return None, None
        with self._lock:
            last = self._last_step.get((pool_id, username))
        if last is not None and step <= last:
            return Reply.error("CodeMismatchException", CODE_REUSED), None
        return None, step

    def _accept(self, pool_id: str, username: str, step: Optional[int]) -> None:
        if step is None:
            return
        with self._lock:
            key = (pool_id, username)
            self._last_step[key] = max(step, self._last_step.get(key, step))

    def _canonical(self, pool_id: str, name: str, describe: Describe) -> str:
        user = (describe({"user_pool_id": pool_id, "username": name}) or {}).get("user") or {}
        return user.get("username") or name

    def _on_VerifySoftwareToken(self, params: dict[str, Any], pool_id: Any, describe: Describe) -> Optional[Forward]:  # noqa: N802
        """Only for the front's MFA_SETUP sessions: moto verifies with the session's access
        token. Codes given here are not tracked: whether Cognito counts them as used is not
        documented, and seeding verifies thousands of users with the current code."""
        session_id = params.get("Session")
        session = self._session(session_id)
        if session is None:
            return None
        params.pop("Session")
        params["AccessToken"] = session.tokens.get("AccessToken")

        def after(status: int, payload: dict[str, Any]) -> Optional[Reply]:
            if status < 400 and payload.get("Status") == "SUCCESS":
                session.verified = True
                return Reply(status, {**payload, "Session": session_id})
            return None

        return Forward(json.dumps(params).encode(), after)

    def _on_AssociateSoftwareToken(self, params: dict[str, Any], pool_id: Any, describe: Describe) -> Optional[Forward]:  # noqa: N802
        session = self._session(params.get("Session"))
        if session is None:
            return None
        session_id = params.pop("Session")
        params["AccessToken"] = session.tokens.get("AccessToken")

        def after(status: int, payload: dict[str, Any]) -> Optional[Reply]:
            return Reply(status, {**payload, "Session": session_id}) if status < 400 else None

        return Forward(json.dumps(params).encode(), after)

    # sign-in

    def _session(self, session_id: Any) -> Optional[_Session]:
        if not isinstance(session_id, str) or not session_id.startswith(SESSION_PREFIX):
            return None
        with self._lock:
            return self._sessions.get(session_id)

    def _challenge_after_first_factor(self, pool_id: Optional[str], login_name: str, describe: Describe) -> Callable[[int, dict[str, Any]], Optional[Reply]]:
        def after(status: int, payload: dict[str, Any]) -> Optional[Reply]:
            tokens = payload.get("AuthenticationResult")
            if status >= 400 or not tokens or not pool_id or not login_name:
                return None
            found = describe({"user_pool_id": pool_id, "username": login_name}) or {}
            if not found.get("user"):
                return None
            decided = sign_in_challenge(found["pool"], found["user"])
            if decided is None:
                return None
            challenge, parameters = decided
            session_id = SESSION_PREFIX + uuid.uuid4().hex + uuid.uuid4().hex
            username = found["user"]["username"]
            with self._lock:
                self._sessions[session_id] = _Session(pool_id, username, login_name, challenge, tokens)
            return Reply(200, {
                "ChallengeName": challenge,
                "ChallengeParameters": {**parameters, "USER_ID_FOR_SRP": username},
                "Session": session_id,
            })

        return after

    def _on_AdminInitiateAuth(self, params: dict[str, Any], pool_id: Any, describe: Describe) -> Optional[Forward]:  # noqa: N802
        if params.get("AuthFlow") not in FIRST_FACTOR_FLOWS:
            return None
        login = (params.get("AuthParameters") or {}).get("USERNAME") or ""
        return Forward(json.dumps(params).encode(), self._challenge_after_first_factor(pool_id, login, describe))

    _on_InitiateAuth = _on_AdminInitiateAuth

    def _on_AdminRespondToAuthChallenge(self, params: dict[str, Any], pool_id: Any, describe: Describe) -> Forward | Reply | None:  # noqa: N802
        name = params.get("ChallengeName")
        responses = params.get("ChallengeResponses") or {}
        login = responses.get("USERNAME") or ""
        session = self._session(params.get("Session"))
        if session is not None:
            return self._answer_front_session(params["Session"], session, name, responses)
        if name in FIRST_FACTOR_CHALLENGES:
            return Forward(json.dumps(params).encode(), self._challenge_after_first_factor(pool_id, login, describe))
        if name == "SOFTWARE_TOKEN_MFA" and pool_id and login:
            username = self._canonical(pool_id, login, describe)
            refused, step = self._check_code(pool_id, username, responses.get("SOFTWARE_TOKEN_MFA_CODE") or "")
            if refused:
                return refused

            def after(status: int, payload: dict[str, Any]) -> Optional[Reply]:
                if status < 400:
                    self._accept(pool_id, username, step)
                return None

            return Forward(json.dumps(params).encode(), after)
        return None

    _on_RespondToAuthChallenge = _on_AdminRespondToAuthChallenge

    def _answer_front_session(self, session_id: str, session: _Session, name: Any, responses: Mapping[str, Any]) -> Reply:
        given = str(responses.get("USERNAME") or "").lower()
        if given not in (session.username.lower(), session.login_name.lower()) or name != session.challenge:
            return Reply.error("NotAuthorizedException", "Invalid session for the user.")
        done = Reply(200, {"ChallengeParameters": {}, "AuthenticationResult": session.tokens})
        if name == "SELECT_MFA_TYPE":
            answer = responses.get("ANSWER")
            if answer not in ("SOFTWARE_TOKEN_MFA", "SMS_MFA"):
                return Reply.error("InvalidParameterException", "Invalid ANSWER for SELECT_MFA_TYPE")
            session.challenge = answer
            return Reply(200, {"ChallengeName": answer, "ChallengeParameters": {}, "Session": session_id})
        if name == "SOFTWARE_TOKEN_MFA":
            refused, step = self._check_code(session.pool_id, session.username, responses.get("SOFTWARE_TOKEN_MFA_CODE") or "")
            if refused or step is None:
                return refused or Reply.error("CodeMismatchException", CODE_REUSED)
            self._accept(session.pool_id, session.username, step)
            self._end(session_id)
            return done
        if name == "MFA_SETUP" and session.verified:
            self._end(session_id)
            return done
        if name == "MFA_SETUP":
            return Reply.error("InvalidParameterException", "Software token has not been verified for this session")
        return Reply.error("CodeMismatchException", CODE_REUSED)  # SMS_MFA: the stand-in sends no text messages

    def _end(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)
