# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A service account's first sign-in in steps, so that each new secret reaches the store before Cognito
depends on it: the new password is stored before it is set, the TOTP secret before its token is verified.

``plan`` decides what one account needs (pure). ``begin`` signs in up to the new TOTP secret and stops
there (``Associated``: the secret and the handle to verify it with, a sign-in session or an access token);
``verify`` verifies it and ends the sign-in. The store writes in between are the caller's.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, Mapping, Optional

from . import auth

PENDING, CONFIRMED, RESERVED = "pending", "confirmed", "reserved"
# What one service account needs.
FIRST = "first_sign_in"  # never signed in: new password, then TOTP
RESUME = "resume"  # signed in with a password the store (or the task) holds, enrolment not confirmed
DONE = "done"  # the store holds its confirmed secrets
LOST = "lost"  # signed in, but the store holds no password or TOTP secret for it
ABSENT = "absent"  # no such user (check mode, or its creation failed)

REENROL = (
    "its secrets are not in the store; nobody can sign in as it with TOTP. To re-enrol it: remove its TOTP token "
    "(mfaops.cognito.cognito_user_mfa with reset_software_token: true, or aws cognito-idp admin-delete-software-token), give it "
    "a new temporary password (aws cognito-idp admin-set-user-password --no-permanent), then run onboard_users again"
)


def stored(entry: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """A store entry without the placeholder the writability check leaves."""
    entry = dict(entry or {})
    return {} if entry.get("state") == RESERVED else entry


def plan(status: Optional[str], entry: Optional[Mapping[str, Any]], given_password: Optional[str] = None) -> str:
    """What a service account needs, from Cognito's UserStatus (None: no such user) and the store's entry.
    An entry without ``state`` was written before entries had one: confirmed."""
    entry = stored(entry)
    if status is None:
        return ABSENT
    if status == "FORCE_CHANGE_PASSWORD":
        return FIRST
    password = given_password or entry.get("password")
    if entry.get("totp_secret") and entry.get("state", CONFIRMED) == CONFIRMED and password:
        return DONE
    if password and status == "CONFIRMED":
        return RESUME
    return LOST


def entry(password: Optional[str], given: bool, totp_secret: Optional[str] = None, state: str = PENDING) -> Dict[str, Any]:
    """A store entry: the password only when generated here (a given one is already the caller's)."""
    out: Dict[str, Any] = {"state": state}
    if password and not given:
        out["password"] = password
    if totp_secret:
        out["totp_secret"] = totp_secret
    return out


class Associated(Exception):
    """The sign-in reached a new TOTP secret: stop, so it is stored before it is verified."""

    def __init__(self, secret: str, session: Optional[str] = None, access_token: Optional[str] = None, username: str = ""):
        super().__init__("associated")
        self.secret = secret
        self.session = session
        self.access_token = access_token
        self.username = username


class _UpToSecret(auth.SignInTest):
    def _enroll(self, session: Optional[str]) -> Dict[str, Any]:
        associated = self._call(auth.MFA_SETUP, "associate_software_token", Session=session)
        self.protect(associated.get("SecretCode"))
        raise Associated(associated["SecretCode"], session=associated.get("Session") or session, username=self.challenge_username)


def begin(client: Any, settings: auth.AuthSettings, protect: Callable[[Any], None]) -> Dict[str, Any]:
    """Sign in (answering NEW_PASSWORD_REQUIRED with ``settings.new_password``, SOFTWARE_TOKEN_MFA with the
    stored ``settings.totp_secret``) up to a new TOTP secret. Returns ``{"enrolled": True}`` when the account
    signed in with the stored secret (nothing new), else ``{"secret", "session" or "access_token", "username"}``
    (the sign-in gave tokens without asking for TOTP: a new token is associated through the access token).
    Raises ``auth``'s refusals as ``RuntimeError`` with the reason."""
    settings.enroll, settings.expect = True, auth.EXPECT_MFA_REQUIRED
    test = _UpToSecret(client, settings, protect=protect)
    try:
        result = test.run()
    except Associated as e:
        return {"secret": e.secret, "session": e.session, "username": e.username}
    if not result.authenticated:
        raise RuntimeError(f"{result.decided_by or 'sign-in'}: {result.reason or result.outcome}")
    if result.totp_required:
        return {"enrolled": True}
    token = (result.tokens or {}).get("access_token") or ""
    associated = client.associate_software_token(AccessToken=token)
    protect(associated.get("SecretCode"))
    return {"secret": associated["SecretCode"], "access_token": token, "username": test.challenge_username}


def verify(
    client: Any,
    settings: auth.AuthSettings,
    secret: str,
    handle: Mapping[str, Any],
    protect: Callable[[Any], None],
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Verify the stored secret's token with a fresh code and, for a sign-in session, end the MFA_SETUP challenge."""
    step, wait = auth.plan_totp_step(clock(), settings.totp_min_remaining)
    if wait > 0:
        sleep(wait)
    code = auth.totp_code(secret, step)
    protect(code)
    kwargs = {"UserCode": code, "FriendlyDeviceName": settings.device_name}
    kwargs.update({"Session": handle["session"]} if handle.get("session") else {"AccessToken": handle["access_token"]})
    verified = client.verify_software_token(**kwargs)
    protect(verified.get("Session"))
    if verified.get("Status") != "SUCCESS":
        raise RuntimeError("VerifySoftwareToken did not succeed")
    if not handle.get("session"):
        return
    user = handle.get("username") or settings.username
    responses = {"USERNAME": user}
    if settings.client_secret:
        responses["SECRET_HASH"] = auth.secret_hash(user, settings.client_id, settings.client_secret)
        protect(responses["SECRET_HASH"])
    answer = client.admin_respond_to_auth_challenge(
        UserPoolId=settings.user_pool_id,
        ClientId=settings.client_id,
        ChallengeName=auth.MFA_SETUP,
        Session=verified.get("Session") or handle["session"],
        ChallengeResponses=responses,
    )
    for value in (answer.get("AuthenticationResult") or {}).values():
        protect(value if isinstance(value, str) else None)
    if not answer.get("AuthenticationResult"):
        raise RuntimeError(f"MFA_SETUP: Cognito answered {answer.get('ChallengeName') or 'without tokens'}")


def secret_name(pattern: str, pool: str, user_pool_id: str, username: str) -> str:
    """The Secrets Manager name of one account's secret, from the configured pattern."""
    return pattern.format(pool=pool, user_pool_id=user_pool_id, username=username)
