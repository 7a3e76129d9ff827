"""Build user pools and users in every MFA state, through the real Cognito API.

Everything here goes through boto3 against the stand-in (or any endpoint), the way
a user and an administrator would reach each state; nothing reaches into moto.
For pools of 5,000+ users, ``seed_backdoor`` creates the same states directly in
the stand-in's memory in seconds.

The user states (``STATES``; the same names as ``standin.USER_STATES``):

``no_mfa``
    Confirmed user with a permanent password; no TOTP token, no MFA method.
    Enforcing TOTP on them gives ``not_enrolled``.
``totp_verified``
    Signed in (``AdminInitiateAuth`` ADMIN_USER_PASSWORD_AUTH), then
    ``AssociateSoftwareToken`` + ``VerifySoftwareToken`` with a real code from the
    returned secret. As in Cognito, TOTP is then verified but NOT enabled:
    ``UserMFASettingList`` is empty. The user that bulk enforcement changes.
``totp_enabled``
    ``totp_verified`` + ``AdminSetUserMFAPreference`` TOTP enabled, not preferred.
``totp_preferred``
    ``totp_verified`` + TOTP enabled and preferred: already compliant.
``sms_only``
    Has a ``phone_number``; SMS enabled and preferred; no TOTP token. Enforcing TOTP
    gives ``not_enrolled`` and must leave SMS as it is.
``sms_totp_verified``
    ``sms_only`` + a verified TOTP token: enforcing TOTP preferred must keep SMS
    enabled (never weaken) and only move the preference.
``disabled``
    ``no_mfa`` + ``AdminDisableUser``. Admin calls still work on disabled users.
``disabled_totp_verified``
    ``totp_verified`` + ``AdminDisableUser``.

Every seeded user has the password ``STANDIN_PASSWORD`` and an e-mail address.

moto quirks that matter here (see DESIGN.md): a TOTP code is accepted only for the
current 30 s step (no skew window), so ``totp_code`` never hands out a code in the
last second of a step and a mismatch is retried once; moto accepts a reused code,
so thousands of users can verify with the same code.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Iterable

import pyotp

from .standin import STANDIN_PASSWORD, STANDIN_TOTP_SECRET, USER_STATES, phone_number_for

STATES = tuple(USER_STATES)
NEEDS_TOKEN = frozenset(s for s, fields in USER_STATES.items() if fields.get("token_verified"))
# Module vocabulary (cognito_user_mfa output) for Cognito's method names.
METHOD_NAMES = {"SOFTWARE_TOKEN_MFA": "software_token_mfa", "SMS_MFA": "sms_mfa", "EMAIL_OTP": "email_mfa"}
APP_CLIENT_FLOWS = [
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]
FAKE_SNS_ROLE = "arn:aws:iam::123456789012:role/cognito-sms"


@dataclass
class Pool:
    """A user pool with one app client (no client secret)."""

    id: str
    client_id: str
    name: str
    users: dict[str, str] = field(default_factory=dict)  # username -> state

    def names(self, *states: str) -> list[str]:
        """Usernames in any of ``states`` (all users if none given), sorted."""
        return sorted(u for u, s in self.users.items() if not states or s in states)


@dataclass
class SeededUser:
    username: str
    state: str
    access_token: str | None = None  # from the enrolment sign-in, if there was one


def totp_code(secret: str = STANDIN_TOTP_SECRET) -> str:
    """The current TOTP code; waits out the last second of a 30 s step, because
    moto checks the current step only."""
    if 30 - time.time() % 30 < 1.0:
        time.sleep(30 - time.time() % 30 + 0.05)
    return pyotp.TOTP(secret).now()


def create_pool(
    client: Any, name: str = "mfaops-test", mfa_configuration: str = "OPTIONAL", pool_id: str | None = None, standin: Any = None
) -> Pool:
    """A pool whose MFA is ``mfa_configuration`` with TOTP and SMS allowed, plus an
    app client that allows admin/user password auth, SRP and refresh tokens.
    ``pool_id`` (with ``standin``): the id to give it instead of moto's random one."""
    created_id = client.create_user_pool(
        PoolName=name,
        AutoVerifiedAttributes=["email"],
        SmsConfiguration={"SnsCallerArn": FAKE_SNS_ROLE, "ExternalId": "mfaops"},
    )["UserPool"]["Id"]
    if pool_id:
        standin.rename_pool(created_id, pool_id)
    pool_id = pool_id or created_id
    if mfa_configuration != "OFF":
        client.set_user_pool_mfa_config(
            UserPoolId=pool_id,
            MfaConfiguration=mfa_configuration,
            SoftwareTokenMfaConfiguration={"Enabled": True},
            SmsMfaConfiguration={"SmsConfiguration": {"SnsCallerArn": FAKE_SNS_ROLE, "ExternalId": "mfaops"}},
        )
    client_id = client.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=f"{name}-app",
        GenerateSecret=False,
        ExplicitAuthFlows=APP_CLIENT_FLOWS,
    )["UserPoolClient"]["ClientId"]
    return Pool(id=pool_id, client_id=client_id, name=name)


def sign_in(client: Any, pool: Pool, username: str, password: str = STANDIN_PASSWORD) -> str:
    """ADMIN_USER_PASSWORD_AUTH, answering a SOFTWARE_TOKEN_MFA challenge with a real
    code if one comes; returns the access token."""
    response = client.admin_initiate_auth(
        UserPoolId=pool.id,
        ClientId=pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    if response.get("ChallengeName") == "SOFTWARE_TOKEN_MFA":
        response = client.admin_respond_to_auth_challenge(
            UserPoolId=pool.id,
            ClientId=pool.client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=response["Session"],
            ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": totp_code()},
        )
    if "AuthenticationResult" not in response:
        raise RuntimeError(f"sign-in of {username} stopped at {response.get('ChallengeName')}")
    return response["AuthenticationResult"]["AccessToken"]


def enrol_totp(client: Any, access_token: str) -> None:
    """AssociateSoftwareToken + VerifySoftwareToken with a real code: TOTP verified,
    not enabled. Retries once on a code that fell on a step boundary."""
    secret = client.associate_software_token(AccessToken=access_token)["SecretCode"]
    for attempt in (1, 2):
        try:
            result = client.verify_software_token(
                AccessToken=access_token, UserCode=totp_code(secret), FriendlyDeviceName="seed"
            )
            break
        except client.exceptions.CodeMismatchException:
            if attempt == 2:
                raise
    if result.get("Status") != "SUCCESS":
        raise RuntimeError(f"VerifySoftwareToken: {result}")


def create_user(client: Any, pool: Pool, username: str, state: str = "no_mfa") -> SeededUser:
    """Create ``username`` in ``state`` (see the module docstring) via the API."""
    if state not in USER_STATES:
        raise ValueError(f"unknown state {state!r}; known: {STATES}")
    fields = USER_STATES[state]
    attributes = [{"Name": "email", "Value": f"{username}@example.com"}, {"Name": "email_verified", "Value": "true"}]
    if fields.get("phone"):
        attributes.append({"Name": "phone_number", "Value": phone_number_for(username)})
    client.admin_create_user(
        UserPoolId=pool.id, Username=username, MessageAction="SUPPRESS", UserAttributes=attributes
    )
    client.admin_set_user_password(UserPoolId=pool.id, Username=username, Password=STANDIN_PASSWORD, Permanent=True)
    user = SeededUser(username, state)
    if fields.get("token_verified"):
        user.access_token = sign_in(client, pool, username)
        enrol_totp(client, user.access_token)
    if fields.get("software_token_mfa_enabled"):
        preferred = fields.get("preferred_mfa_setting") == "SOFTWARE_TOKEN_MFA"
        client.admin_set_user_mfa_preference(
            UserPoolId=pool.id,
            Username=username,
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": preferred},
        )
    if fields.get("sms_mfa_enabled"):
        preferred = fields.get("preferred_mfa_setting") == "SMS_MFA"
        client.admin_set_user_mfa_preference(
            UserPoolId=pool.id, Username=username, SMSMfaSettings={"Enabled": True, "PreferredMfa": preferred}
        )
    if fields.get("enabled") is False:
        client.admin_disable_user(UserPoolId=pool.id, Username=username)
    pool.users[username] = state
    return user


def user_names(states: dict[str, int], prefix: str = "") -> list[tuple[str, str]]:
    """``{state: count}`` -> ``[(username, state)]`` with names ``<prefix><state>-<n>``."""
    return [(f"{prefix}{state.replace('_', '-')}-{i:05d}", state) for state, count in states.items() for i in range(count)]


def seed_api(
    client: Any, pool: Pool, users: dict[str, int] | Iterable[tuple[str, str]], workers: int = 8, prefix: str = ""
) -> dict[str, SeededUser]:
    """Create many users through the API with ``workers`` threads (the boto3 client
    is thread safe; give it ``max_pool_connections >= workers``). ``users`` is
    ``{state: count}`` or ``[(username, state)]``. Returns ``{username: SeededUser}``."""
    wanted = user_names(users, prefix) if isinstance(users, dict) else list(users)
    with ThreadPoolExecutor(max_workers=workers) as executor:
        created = list(executor.map(lambda w: create_user(client, pool, w[0], w[1]), wanted))
    return {u.username: u for u in created}


def seed_backdoor(standin: Any, pool: Pool, users: dict[str, int] | Iterable[tuple[str, str]], prefix: str = "") -> float:
    """The same states as ``seed_api``, created in the stand-in's memory
    (``POST /_standin/seed``): 100,000 users in a few seconds. Returns the seconds
    the stand-in spent."""
    wanted = user_names(users, prefix) if isinstance(users, dict) else list(users)
    result = standin.seed(pool.id, users=[{"username": u, "state": s} for u, s in wanted])
    pool.users.update(dict(wanted))
    return float(result["seconds"])


def add_to_group(client: Any, pool: Pool, group: str, usernames: Iterable[str]) -> None:
    """Create ``group`` in ``pool`` and add the users to it."""
    client.create_group(UserPoolId=pool.id, GroupName=group)
    for username in usernames:
        client.admin_add_user_to_group(UserPoolId=pool.id, Username=username, GroupName=group)


def missing_names(pool: Pool, count: int = 2, prefix: str = "ghost") -> list[str]:
    """Usernames that do not exist in ``pool``."""
    return [f"{prefix}-{i}" for i in range(count) if f"{prefix}-{i}" not in pool.users]


def every_state_pool(client: Any, name: str = "every-state", per_state: int = 1) -> tuple[Pool, dict[str, SeededUser]]:
    """A pool with ``per_state`` users in each state, via the API."""
    pool = create_pool(client, name)
    seeded = seed_api(client, pool, {state: per_state for state in STATES})
    return pool, seeded


def mfa_state(client: Any, pool_id: str, username: str) -> dict[str, Any]:
    """A user's MFA state in the module's vocabulary and order:
    ``{"enabled_methods": [software_token_mfa, sms_mfa, email_mfa (those enabled)],
    "preferred_method": name or None}``.
    A missing, empty or ``""`` value from Cognito all mean "none"."""
    user = client.admin_get_user(UserPoolId=pool_id, Username=username)
    listed = user.get("UserMFASettingList") or []
    enabled = [name for method, name in METHOD_NAMES.items() if method in listed]
    preferred = user.get("PreferredMfaSetting") or None
    return {"enabled_methods": enabled, "preferred_method": METHOD_NAMES.get(preferred, preferred) if preferred else None}


def email_pool(
    client: Any,
    case_sensitive: bool,
    users: dict[str, str],
    groups: dict[str, Iterable[str]],
    name: str = "email-sign-in",
    pool_id: str | None = None,
    standin: Any = None,
) -> tuple[Pool, dict[str, str]]:
    """A pool that signs in by email (``UsernameAttributes: [email]``; Cognito gives each
    user a UUID as Username), case-sensitive or not. ``users``: ``{email: how}``, ``how``
    one of ``totp_verified``, ``no_mfa``, ``force_change_password`` (created by an
    administrator, never signed in) or ``unconfirmed`` (signed up, never confirmed).
    ``groups``: ``{group: emails}``. ``pool_id`` (with ``standin``): the id to give it.
    Returns the pool and ``{email: Cognito Username}``."""
    created_id = client.create_user_pool(
        PoolName=name,
        UsernameAttributes=["email"],
        UsernameConfiguration={"CaseSensitive": case_sensitive},
        AutoVerifiedAttributes=["email"],
    )["UserPool"]["Id"]
    if pool_id:
        standin.rename_pool(created_id, pool_id)
    pool_id = pool_id or created_id
    client.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OPTIONAL", SoftwareTokenMfaConfiguration={"Enabled": True})
    client_id = client.create_user_pool_client(
        UserPoolId=pool_id, ClientName="app", GenerateSecret=False, ExplicitAuthFlows=APP_CLIENT_FLOWS
    )["UserPoolClient"]["ClientId"]
    pool = Pool(id=pool_id, client_id=client_id, name=name)
    usernames = {}
    for email, how in users.items():
        if how == "unconfirmed":
            client.sign_up(ClientId=client_id, Username=email, Password=STANDIN_PASSWORD,
                           UserAttributes=[{"Name": "email", "Value": email}])
            usernames[email] = client.admin_get_user(UserPoolId=pool_id, Username=email)["Username"]
            continue
        attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
        usernames[email] = client.admin_create_user(
            UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS", UserAttributes=attributes
        )["User"]["Username"]
        if how != "force_change_password":
            client.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=STANDIN_PASSWORD, Permanent=True)
        if how == "totp_verified":
            enrol_totp(client, sign_in(client, pool, email))
    for group, members in groups.items():
        add_to_group(client, pool, group, [usernames[email] for email in members])
    return pool, usernames
