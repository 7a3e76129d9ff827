# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Sign-in test helpers for mfaops.cognito.cognito_auth_test.

Pure pieces (unit-tested as tables): SECRET_HASH, TOTP step planning, parsing of
challenge parameters, the decision "how to answer this challenge", the
classification of Cognito errors and the verdict against ``expect``.

One driver (``SignInTest``) makes the calls. It gets the boto3 client, the clock and
``sleep`` from its caller, so unit tests drive it with a stubbed client and a fake
clock. It registers every secret it makes or receives (sessions, codes, SECRET_HASH
values, tokens, a new TOTP secret) through ``protect`` so the module can keep them
out of its output.

SRP (USER_SRP_AUTH) uses pycognito's ``AWSSRP`` for the SRP-6a math and only its two
pure steps (``get_auth_params``, ``process_challenge``); the calls stay here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
import warnings
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Dict, Iterable, List, Optional, Set

from .errors import Abort, aws_message, error_code

try:
    import pyotp

    HAS_PYOTP = True
    PYOTP_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - depends on the environment
    HAS_PYOTP = False
    PYOTP_IMPORT_ERROR = exc

# pycognito (SRP) is imported only when USER_SRP_AUTH is used (srp_import_error, make_srp):
# it pulls in boto3, requests and PyJWT, which the totp lookup, also a user of this file,
# does not need on the controller.


# --- names ----------------------------------------------------------------------

ADMIN_USER_PASSWORD_AUTH = "ADMIN_USER_PASSWORD_AUTH"
USER_PASSWORD_AUTH = "USER_PASSWORD_AUTH"
USER_SRP_AUTH = "USER_SRP_AUTH"
AUTH_FLOWS = (ADMIN_USER_PASSWORD_AUTH, USER_PASSWORD_AUTH, USER_SRP_AUTH)

SOFTWARE_TOKEN_MFA = "SOFTWARE_TOKEN_MFA"
SELECT_MFA_TYPE = "SELECT_MFA_TYPE"
NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"
MFA_SETUP = "MFA_SETUP"
PASSWORD_VERIFIER = "PASSWORD_VERIFIER"
SMS_MFA = "SMS_MFA"
EMAIL_OTP = "EMAIL_OTP"

EXPECT_MFA_REQUIRED = "mfa_required"
EXPECT_SUCCESS = "success"
EXPECT_REFUSED = "refused"
EXPECT_MFA_CHALLENGED = "mfa_challenged"
EXPECT_CHOICES = (EXPECT_MFA_REQUIRED, EXPECT_SUCCESS, EXPECT_REFUSED, EXPECT_MFA_CHALLENGED)

# Outcomes of one sign-in test.
SIGNED_IN = "signed_in"  # tokens issued
REFUSED = "refused"  # Cognito refused with an error (wrong password, wrong code, ...)
CHALLENGED = "challenged"  # stopped on purpose at the TOTP challenge (expect=mfa_challenged)
STOPPED = "stopped"  # a challenge this run cannot or may not answer
ERROR = "error"  # the test itself could not run (configuration, permissions, ...)

TOTP_STEP = 30
TOTP_DIGITS = 6
# When the run waits for the next 30 s step, it sends the code this long after the
# step starts, so that a server clock a little behind still sees the new step.
STEP_MARGIN = 0.25
MAX_ROUNDS = 10

TOTP_CODE_RE = re.compile(r"^[0-9]{6}$")


# --- SECRET_HASH ------------------------------------------------------------------


def secret_hash(username: str, client_id: str, client_secret: str) -> str:
    """Base64(HMAC-SHA256(key=client secret, msg=username + client id))."""
    digest = hmac.new(
        client_secret.encode("utf-8"), (username + client_id).encode("utf-8"), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


# --- TOTP -------------------------------------------------------------------------


def normalize_totp_secret(secret: str) -> str:
    """Base32 as people paste it: spaces, dashes, lower case and padding removed."""
    return re.sub(r"[\s=-]", "", secret or "").upper()


def totp_error(secret: str) -> Optional[str]:
    """Why ``secret`` cannot make codes, or None. The message never contains the secret."""
    if not HAS_PYOTP:
        return "the pyotp Python library is required to compute TOTP codes"
    try:
        pyotp.TOTP(normalize_totp_secret(secret))
    except Exception as e:  # binascii.Error, ValueError: neither message holds the secret
        return "the TOTP secret is not valid base32 of at least 112 bits ({0})".format(type(e).__name__)
    return None


def totp_code(secret: str, step: int, digits: int = TOTP_DIGITS) -> str:
    """The RFC 6238 code (HMAC-SHA1) of 30 s step number ``step``."""
    return pyotp.TOTP(normalize_totp_secret(secret), digits=digits, interval=TOTP_STEP).at(step * TOTP_STEP)


def plan_totp_step(now: float, min_remaining: float, used_steps: Iterable[int] = ()) -> "tuple[int, float]":
    """Choose the 30 s step whose code to send, and how long to wait for it.

    The current step is used unless it ends within ``min_remaining`` seconds or its
    code was already used in this run (Cognito accepts each code once); then the next
    unused step, waiting until it starts (plus a small margin).
    Returns ``(step, wait_seconds)``.
    """
    used = set(used_steps)
    step = int(now // TOTP_STEP)
    if (step + 1) * TOTP_STEP - now < min_remaining:
        step += 1
    while step in used:
        step += 1
    start = step * TOTP_STEP
    wait = 0.0 if start <= now else start - now + STEP_MARGIN
    return step, wait


# --- challenge parameters ------------------------------------------------------------


def parse_name_list(value: Any) -> List[str]:
    """A list of MFA names as Cognito (a JSON list in a string) or moto (a Python repr) sends it."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return re.findall(r"[A-Z][A-Z0-9_]*[A-Z0-9]", str(value))


def asks_for_totp(name: str, params: Dict[str, Any]) -> bool:
    """Pure: does this challenge demand TOTP (a code, a choice offering it, or enrolment in it)?"""
    if name == SOFTWARE_TOKEN_MFA:
        return True
    key = {SELECT_MFA_TYPE: "MFAS_CAN_CHOOSE", MFA_SETUP: "MFAS_CAN_SETUP"}.get(name)
    if key is None:
        return False
    offered = parse_name_list(params.get(key))
    return not offered or SOFTWARE_TOKEN_MFA in offered


@dataclass(frozen=True)
class Decision:
    """How to answer a challenge: ``action`` in srp, totp, select_totp, new_password, enroll, stop."""

    action: str
    outcome: str = ""  # for stop: CHALLENGED or STOPPED
    reason: str = ""


def _without_totp(name: str, offered: Any) -> Optional[Decision]:
    """A stop when the challenge lists the methods it offers and TOTP is not among them."""
    choices = parse_name_list(offered)
    if choices and SOFTWARE_TOKEN_MFA not in choices:
        return Decision("stop", STOPPED, "{0} offers {1}, not SOFTWARE_TOKEN_MFA".format(name, ", ".join(choices)))
    return None


def decide_challenge(
    name: str,
    params: Dict[str, Any],
    *,
    has_code: bool,
    has_new_password: bool,
    enroll: bool,
    expect: str,
) -> Decision:
    """Pure: what to do with challenge ``name``."""
    if name == PASSWORD_VERIFIER:
        return Decision("srp")
    if name == SOFTWARE_TOKEN_MFA:
        if expect == EXPECT_MFA_CHALLENGED:
            return Decision("stop", CHALLENGED, "Cognito asked for a TOTP code (SOFTWARE_TOKEN_MFA)")
        if not has_code:
            return Decision(
                "stop", STOPPED, "SOFTWARE_TOKEN_MFA asks for a TOTP code: give totp_secret or totp_code"
            )
        return Decision("totp")
    if name == SELECT_MFA_TYPE:
        return _without_totp(name, params.get("MFAS_CAN_CHOOSE")) or Decision("select_totp")
    if name == NEW_PASSWORD_REQUIRED:
        if not has_new_password:
            return Decision(
                "stop", STOPPED, "NEW_PASSWORD_REQUIRED: the user must set a new password; give new_password"
            )
        return Decision("new_password")
    if name == MFA_SETUP:
        without_totp = _without_totp(name, params.get("MFAS_CAN_SETUP"))
        if without_totp:
            return without_totp
        if enroll:
            return Decision("enroll")
        if expect == EXPECT_MFA_CHALLENGED:
            return Decision("stop", CHALLENGED, "Cognito asked the user to set up TOTP (MFA_SETUP)")
        return Decision(
            "stop",
            STOPPED,
            "MFA_SETUP: the user has no TOTP authenticator yet and must enrol; set enroll=true to enrol it",
        )
    if name in (SMS_MFA, EMAIL_OTP):
        return Decision(
            "stop", STOPPED, "{0}: Cognito asked for a code sent by {1}, not TOTP".format(
                name, "SMS" if name == SMS_MFA else "email"
            )
        )
    return Decision("stop", STOPPED, "{0}: this module does not answer that challenge".format(name))


# --- errors ----------------------------------------------------------------------------

# Error codes that mean "Cognito refused this sign-in" (as opposed to "the test is broken").
REFUSAL_REASONS = {
    "NotAuthorizedException": "not authorized",
    "CodeMismatchException": "wrong TOTP code",
    "ExpiredCodeException": "code expired",
    "EnableSoftwareTokenMFAException": "TOTP enrolment code rejected",
    "UserNotConfirmedException": "user not confirmed",
    "PasswordResetRequiredException": "password reset required",
    "UserNotFoundException": "user not found",
    "TooManyFailedAttemptsException": "too many failed attempts (locked out)",
}

# NotAuthorizedException covers many cases; its message tells which (Cognito's wording).
_NOT_AUTHORIZED_MESSAGES = (
    (re.compile(r"secret hash|SECRET_HASH|configured (for|with) secret", re.I), ERROR, "SECRET_HASH rejected: check client_secret"),
    (re.compile(r"flow.*not enabled|not enabled.*flow|not supported", re.I), ERROR, "auth flow not enabled for this app client"),
    (re.compile(r"disabled", re.I), REFUSED, "user is disabled"),
    (re.compile(r"attempts exceeded|too many", re.I), REFUSED, "locked out after too many failed attempts"),
    (re.compile(r"temporary password has expired", re.I), REFUSED, "temporary password expired; an administrator must reset it"),
    (re.compile(r"session", re.I), REFUSED, "sign-in session invalid or expired"),
    (re.compile(r"incorrect username or password", re.I), REFUSED, "wrong password (or unknown user)"),
)


def classify_error(code: str, message: str = "") -> "tuple[str, str]":
    """``(REFUSED or ERROR, short reason)`` for a Cognito error code and message."""
    if code == "NotAuthorizedException":
        for pattern, kind, reason in _NOT_AUTHORIZED_MESSAGES:
            if pattern.search(message or ""):
                return kind, reason
        return REFUSED, "not authorized (wrong password, disabled user or lockout)"
    if code in REFUSAL_REASONS:
        return REFUSED, REFUSAL_REASONS[code]
    if code == "InvalidPasswordException":
        return ERROR, "new_password does not meet the pool's password policy"
    if code == "TooManyRequestsException":
        return ERROR, "throttled by Cognito"
    if code == "LimitExceededException":
        return ERROR, "a Cognito limit was exceeded (not a request rate: retrying does not help)"
    if code == "ResourceNotFoundException":
        return ERROR, "user pool or app client not found"
    if code == "InvalidParameterException":
        return ERROR, "invalid parameter (is this auth flow enabled for the app client?)"
    return ERROR, "unexpected error"


# --- verdict ---------------------------------------------------------------------------


def describe_challenges(challenges: List[str]) -> str:
    return ", ".join(challenges) if challenges else "none"


def judge(expect: str, result: Dict[str, Any]) -> "tuple[bool, str]":
    """Pure: does the result meet ``expect``? Returns ``(passed, message)``."""
    outcome = result["outcome"]
    seen = describe_challenges(result.get("challenges", []))
    decided = result.get("decided_by") or "sign-in"
    why = result.get("reason") or ""
    code = result.get("error_code")
    cause = "{0}: {1}".format(code, why) if code else why

    if outcome == ERROR:
        return False, "The sign-in test could not run: {0} at {1}.".format(cause, decided)
    if outcome == STOPPED:
        return False, "Sign-in stopped at {0}: {1} (challenges: {2}).".format(decided, why, seen)

    if outcome == SIGNED_IN:
        totp = result.get("totp_required")
        if expect == EXPECT_SUCCESS:
            return True, "The user signed in (challenges: {0}).".format(seen)
        if expect in (EXPECT_MFA_REQUIRED, EXPECT_MFA_CHALLENGED):
            if totp:
                return True, "The user signed in and TOTP was required (challenges: {0}).".format(seen)
            return False, (
                "Expected sign-in to require TOTP, but the user signed in without a TOTP challenge "
                "(challenges: {0}).".format(seen)
            )
        return False, "Expected sign-in to be refused, but the user signed in (challenges: {0}).".format(seen)

    if outcome == CHALLENGED:
        if expect == EXPECT_MFA_CHALLENGED:
            return True, "The password was accepted and {0} (challenges: {1}).".format(why, seen)
        return False, "Sign-in stopped at {0}: {1} (challenges: {2}).".format(decided, why, seen)

    # REFUSED
    if expect == EXPECT_REFUSED:
        return True, "Sign-in was refused at {0}: {1} (challenges: {2}).".format(decided, cause, seen)
    wanted = {
        EXPECT_SUCCESS: "the user to sign in",
        EXPECT_MFA_REQUIRED: "the user to sign in with TOTP",
        EXPECT_MFA_CHALLENGED: "a TOTP challenge",
    }[expect]
    return False, "Expected {0}, but Cognito refused at {1}: {2} (challenges: {3}).".format(
        wanted, decided, cause, seen
    )


# --- SRP ----------------------------------------------------------------------------------


def srp_import_error() -> Optional[BaseException]:
    """Why pycognito's AWSSRP cannot be imported, or None."""
    try:
        from pycognito.aws_srp import AWSSRP  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
    except ImportError as e:
        return e
    return None


def make_srp(username: str, password: str, user_pool_id: str, client_id: str, client_secret: Optional[str], client: Any) -> Any:
    """pycognito's AWSSRP, used only for its SRP math (no calls)."""
    from pycognito.aws_srp import AWSSRP  # pylint: disable=import-outside-toplevel

    return AWSSRP(
        username=username,
        password=password,
        pool_id=user_pool_id,
        client_id=client_id,
        client=client,
        client_secret=client_secret,
    )


def srp_answer(srp: Any, challenge_params: Dict[str, Any], auth_params: Dict[str, Any]) -> Dict[str, Any]:
    """The PASSWORD_VERIFIER answer; pycognito's datetime.utcnow() warning is silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return srp.process_challenge(challenge_params, auth_params)


# --- the driver ---------------------------------------------------------------------------


@dataclass
class AuthSettings:
    client_id: str
    username: str
    password: str
    user_pool_id: Optional[str] = None
    client_secret: Optional[str] = None
    auth_flow: str = ADMIN_USER_PASSWORD_AUTH
    totp_secret: Optional[str] = None
    totp_code: Optional[str] = None
    totp_min_remaining: float = 5.0
    new_password: Optional[str] = None
    enroll: bool = False
    device_name: str = "mfaops-cognito"
    expect: str = EXPECT_MFA_REQUIRED


def settings_from(params: Dict[str, Any]) -> AuthSettings:
    """The settings of a sign-in test, from the module's options of the same names."""
    return AuthSettings(**{item.name: params[item.name] for item in fields(AuthSettings)})


@dataclass
class SignInResult:
    outcome: str = ""
    challenges: List[str] = field(default_factory=list)
    totp_required: bool = False
    decided_by: str = ""
    reason: str = ""
    error_code: Optional[str] = None
    error_message: Optional[str] = None
    token_type: Optional[str] = None
    expires_in: Optional[int] = None
    device_metadata_issued: bool = False
    password_changed: bool = False
    enrolled: bool = False
    tokens: Optional[Dict[str, str]] = None
    new_totp_secret: Optional[str] = None

    @property
    def authenticated(self) -> bool:
        return self.outcome == SIGNED_IN

    @property
    def changed(self) -> bool:
        return self.password_changed or self.enrolled

    def as_dict(self) -> Dict[str, Any]:
        """The public part (no tokens, no secret)."""
        return {
            "authenticated": self.authenticated,
            "outcome": self.outcome,
            "challenges": list(self.challenges),
            "totp_required": self.totp_required,
            "decided_by": self.decided_by or None,
            "reason": self.reason or None,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "device_metadata_issued": self.device_metadata_issued,
            "password_changed": self.password_changed,
            "enrolled": self.enrolled,
            "changed": self.changed,
        }


class _Refused(Exception):
    """A Cognito error that ends the sign-in (carries code, message and the step)."""

    def __init__(self, step: str, code: str, message: str) -> None:
        super().__init__(code)
        self.step = step
        self.code = code
        self.message = message


class SignInTest:
    """One sign-in attempt, answering challenges as ``decide_challenge`` says."""

    def __init__(
        self,
        client: Any,
        settings: AuthSettings,
        protect: Optional[Callable[[Optional[str]], None]] = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        srp_factory: Callable[..., Any] = make_srp,
        step_store: Any = None,
    ) -> None:
        self.client = client
        self.step_store = step_store  # totp_steps.StepStore: steps used by earlier tasks too
        self.s = settings
        self._protect = protect or (lambda value: None)
        self.clock = clock
        self.sleep = sleep
        self.srp_factory = srp_factory
        self.result = SignInResult()
        # The name Cognito knows the user by in challenge answers (can differ from the
        # sign-in alias, e.g. an email address), and the TOTP steps used per secret.
        self.challenge_username = settings.username
        self.used_steps: Dict[str, Set[int]] = {}
        self.code_used = False
        self.enrolled_secret: Optional[str] = None

    # -- helpers

    def protect(self, value: Any) -> None:
        if isinstance(value, str) and value:
            self._protect(value)

    def _with_secret_hash(self, responses: Dict[str, str], username: str) -> Dict[str, str]:
        if self.s.client_secret:
            value = secret_hash(username, self.s.client_id, self.s.client_secret)
            self.protect(value)
            responses["SECRET_HASH"] = value
        return responses

    def _call(self, step: str, operation: str, **kwargs: Any) -> Dict[str, Any]:
        try:
            response = getattr(self.client, operation)(**kwargs)
        except Abort as e:
            raise _Refused(step, e.code, e.message)
        except Exception as e:
            code = error_code(e)
            if not code:
                raise
            raise _Refused(step, code, aws_message(e))
        for key in ("Session", "SecretCode"):
            self.protect(response.get(key))
        return response

    def _next_code(self) -> str:
        """A TOTP code not used yet in this run, waiting for the next step if needed."""
        secret = self.enrolled_secret or self.s.totp_secret
        if secret:
            used = self.used_steps.setdefault(secret, set())
            now = self.clock()
            step, wait = plan_totp_step(now, self.s.totp_min_remaining, used)
            if self.step_store is not None:
                planned = {}

                def choose(last: Optional[int]) -> int:
                    taken = set(used) | (set(range(min(step, last), last + 1)) if last is not None else set())
                    planned["plan"] = plan_totp_step(now, self.s.totp_min_remaining, taken)
                    return planned["plan"][0]

                self.step_store.reserve(self.s.user_pool_id or self.s.client_id, self.challenge_username, choose)
                step, wait = planned["plan"]
            if wait > 0:
                self.sleep(wait)
            used.add(step)
            code = totp_code(secret, step)
        else:
            if self.code_used:
                raise _Refused(
                    SOFTWARE_TOKEN_MFA, "", "the literal totp_code was already used in this run; give totp_secret"
                )
            self.code_used = True
            code = self.s.totp_code or ""
        self.protect(code)
        return code

    def _respond(self, challenge: str, session: Optional[str], responses: Dict[str, str]) -> Dict[str, Any]:
        kwargs: Dict[str, Any] = {
            "ClientId": self.s.client_id,
            "ChallengeName": challenge,
            "ChallengeResponses": responses,
        }
        if session:
            kwargs["Session"] = session
        if self.s.auth_flow == ADMIN_USER_PASSWORD_AUTH:
            kwargs["UserPoolId"] = self.s.user_pool_id
            return self._call(challenge, "admin_respond_to_auth_challenge", **kwargs)
        return self._call(challenge, "respond_to_auth_challenge", **kwargs)

    # -- steps

    def _initiate(self) -> "tuple[Dict[str, Any], Dict[str, Any], Any]":
        s = self.s
        srp = None
        if s.auth_flow == USER_SRP_AUTH:
            srp = self.srp_factory(s.username, s.password, s.user_pool_id, s.client_id, s.client_secret, self.client)
            params = srp.get_auth_params()
            self.protect(params.get("SECRET_HASH"))
        else:
            params = self._with_secret_hash({"USERNAME": s.username, "PASSWORD": s.password}, s.username)
        if s.auth_flow == ADMIN_USER_PASSWORD_AUTH:
            response = self._call(
                s.auth_flow,
                "admin_initiate_auth",
                UserPoolId=s.user_pool_id,
                ClientId=s.client_id,
                AuthFlow=s.auth_flow,
                AuthParameters=params,
            )
        else:
            response = self._call(
                s.auth_flow, "initiate_auth", ClientId=s.client_id, AuthFlow=s.auth_flow, AuthParameters=params
            )
        return response, params, srp

    def _enroll(self, session: Optional[str]) -> Dict[str, Any]:
        """MFA_SETUP: associate a token, verify it with a real code, finish the challenge."""
        associated = self._call(MFA_SETUP, "associate_software_token", Session=session)
        secret = associated.get("SecretCode") or ""
        self.protect(secret)
        self.enrolled_secret = secret
        session = associated.get("Session") or session
        code = self._next_code()
        verified = self._call(
            MFA_SETUP,
            "verify_software_token",
            Session=session,
            UserCode=code,
            FriendlyDeviceName=self.s.device_name,
        )
        if verified.get("Status") != "SUCCESS":
            raise _Refused(MFA_SETUP, "EnableSoftwareTokenMFAException", "VerifySoftwareToken did not succeed")
        self.result.enrolled = True
        self.result.new_totp_secret = secret
        session = verified.get("Session") or session
        user = self.challenge_username
        return self._respond(MFA_SETUP, session, self._with_secret_hash({"USERNAME": user}, user))

    def _finish(self, auth: Dict[str, Any]) -> None:
        r = self.result
        r.outcome = SIGNED_IN
        r.token_type = auth.get("TokenType")
        r.expires_in = auth.get("ExpiresIn")
        r.device_metadata_issued = bool(auth.get("NewDeviceMetadata"))
        tokens = {}
        for key, name in (("AccessToken", "access_token"), ("IdToken", "id_token"), ("RefreshToken", "refresh_token")):
            if auth.get(key):
                tokens[name] = auth[key]
        r.tokens = tokens
        for value in tokens.values():
            self.protect(value)
        metadata = auth.get("NewDeviceMetadata") or {}
        self.protect(metadata.get("DeviceKey"))
        self.protect(metadata.get("DeviceGroupKey"))

    def run(self) -> SignInResult:
        r = self.result
        try:
            response, auth_params, srp = self._initiate()
            for _round in range(MAX_ROUNDS):
                name = response.get("ChallengeName")
                if not name:
                    if response.get("AuthenticationResult"):
                        self._finish(response["AuthenticationResult"])
                    else:
                        r.outcome, r.reason = ERROR, "Cognito answered with neither a challenge nor tokens"
                    return r
                r.challenges.append(name)
                params = response.get("ChallengeParameters") or {}
                self.challenge_username = params.get("USERNAME") or params.get("USER_ID_FOR_SRP") or self.challenge_username
                session = response.get("Session")
                r.totp_required = r.totp_required or asks_for_totp(name, params)
                decision = decide_challenge(
                    name,
                    params,
                    has_code=bool(self.enrolled_secret or self.s.totp_secret or (self.s.totp_code and not self.code_used)),
                    has_new_password=bool(self.s.new_password) and not r.password_changed,
                    enroll=self.s.enroll and not r.enrolled,
                    expect=self.s.expect,
                )
                user = self.challenge_username
                if decision.action == "stop":
                    r.outcome, r.decided_by, r.reason = decision.outcome, name, decision.reason
                    return r
                if decision.action == "srp":
                    answer = srp_answer(srp, params, auth_params)
                    for key in ("SECRET_HASH", "PASSWORD_CLAIM_SIGNATURE"):
                        self.protect(answer.get(key))
                    response = self._respond(name, session, answer)
                elif decision.action == "totp":
                    answer = self._with_secret_hash({"USERNAME": user, "SOFTWARE_TOKEN_MFA_CODE": self._next_code()}, user)
                    response = self._respond(name, session, answer)
                elif decision.action == "select_totp":
                    answer = self._with_secret_hash({"USERNAME": user, "ANSWER": SOFTWARE_TOKEN_MFA}, user)
                    response = self._respond(name, session, answer)
                elif decision.action == "new_password":
                    answer = self._with_secret_hash({"USERNAME": user, "NEW_PASSWORD": self.s.new_password or ""}, user)
                    response = self._respond(name, session, answer)
                    r.password_changed = True
                elif decision.action == "enroll":
                    response = self._enroll(session)
            r.outcome, r.reason = ERROR, "more than {0} challenges in one sign-in".format(MAX_ROUNDS)
            r.decided_by = r.challenges[-1] if r.challenges else ""
        except _Refused as e:
            kind, reason = classify_error(e.code, e.message) if e.code else (STOPPED, e.message)
            r.outcome, r.decided_by, r.reason = kind, e.step, reason
            r.error_code = e.code or None
            r.error_message = e.message if e.code else None
        return r
