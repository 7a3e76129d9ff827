# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What kind of user a record is, and what that means for enforcement and for the audit.

Pure; tested as a table in tests/unit/plugins/module_utils/test_user_kind.py. The rules, with their sources:

| UserStatus / Enabled            | state / reason                             | write? | in the compliance denominator |
|---------------------------------|--------------------------------------------|--------|-------------------------------|
| EXTERNAL_PROVIDER               | not_applicable / federated                 | never  | no                            |
| UNCONFIRMED                     | not_applicable / unconfirmed               | no     | no                            |
| RESET_REQUIRED                  | not_applicable / password_reset_required   | no     | no                            |
| FORCE_CHANGE_PASSWORD           | not_applicable / force_change_password     | no     | no                            |
| Enabled: false (local user)     | not_applicable / disabled                  | yes    | only with count_disabled      |
| CONFIRMED, or no / other status | applicable                                 | yes    | yes                           |

- Federated users (``EXTERNAL_PROVIDER``: "User signed in with a third-party IdP"): Cognito
  "delegates all authentication processes to the IdP and doesn't offer them additional
  authentication factors" (Developer Guide, "Adding MFA to a user pool",
  https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa.html). A write
  would change nothing at sign-in, so none is ever sent; their MFA is the IdP's to prove.
- ``AdminSetUserMFAPreference`` declares ``UserNotConfirmedException`` and
  ``PasswordResetRequiredException`` (service-2.json, operation errors): such a write fails.
  UNCONFIRMED and RESET_REQUIRED users cannot sign in until confirmed / reset (``UserType.UserStatus``
  docs), so there is no session to protect yet; they are counted apart, not as ``no_mfa``.
- ``FORCE_CHANGE_PASSWORD``: "can sign in using a temporary password, but on first sign-in ... must
  change their password" (``UserType.UserStatus``). They have never finished a sign-in, so no TOTP
  token can be verified yet (``VerifySoftwareToken`` needs the user's access token or session); a
  write could only end ``not_enrolled``. The pool's mode decides what their first sign-in demands
  (``ON``: ``MFA_SETUP``), which the pool-level findings report.
- Disabled users cannot sign in (``Enabled``: "Indicates whether the user is activated for sign-in").
  Enforcement still converges them (a user re-enabled later is then already on TOTP); the audit
  leaves them out of the denominator unless ``count_disabled``.
- ``ARCHIVED``, ``COMPROMISED``, ``UNKNOWN`` "are no longer used" (``UserType.UserStatus``); a record
  with one of them, or without a status, is treated as an ordinary user so that it is never hidden.

The first matching row wins: a disabled federated user is ``federated``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple

APPLICABLE = "applicable"
NOT_APPLICABLE = "not_applicable"

FEDERATED = "federated"
UNCONFIRMED = "unconfirmed"
PASSWORD_RESET_REQUIRED = "password_reset_required"
FORCE_CHANGE_PASSWORD = "force_change_password"
DISABLED = "disabled"
REASONS = (FEDERATED, UNCONFIRMED, PASSWORD_RESET_REQUIRED, FORCE_CHANGE_PASSWORD, DISABLED)

# UserStatus -> reason, in order of precedence (before Enabled: false).
STATUS_REASONS: Tuple[Tuple[str, str], ...] = (
    ("EXTERNAL_PROVIDER", FEDERATED),
    ("UNCONFIRMED", UNCONFIRMED),
    ("RESET_REQUIRED", PASSWORD_RESET_REQUIRED),
    ("FORCE_CHANGE_PASSWORD", FORCE_CHANGE_PASSWORD),
)
WRITABLE_REASONS = frozenset((DISABLED,))

MESSAGES: Dict[str, str] = {
    FEDERATED: "federated user (EXTERNAL_PROVIDER): the identity provider does MFA, Cognito offers none; no write sent",
    UNCONFIRMED: "unconfirmed user: cannot sign in until confirmed; no write sent",
    PASSWORD_RESET_REQUIRED: "password reset required: cannot sign in until the password is reset; no write sent",
    FORCE_CHANGE_PASSWORD: "must change the temporary password at first sign-in, and cannot have a verified TOTP token yet; no write sent",
    DISABLED: "disabled user: cannot sign in",
}


@dataclass(frozen=True)
class UserKind:
    """``reason`` is None for an ordinary user."""

    reason: Optional[str] = None

    @property
    def state(self) -> str:
        return APPLICABLE if self.reason is None else NOT_APPLICABLE

    @property
    def writable(self) -> bool:
        """Whether enforcement may send this user a write."""
        return self.reason is None or self.reason in WRITABLE_REASONS

    @property
    def message(self) -> Optional[str]:
        return MESSAGES.get(self.reason) if self.reason else None

    def counted(self, count_disabled: bool = False) -> bool:
        """Whether the user is in the compliance denominator (compliant + non_compliant)."""
        return self.reason is None or (count_disabled and self.reason == DISABLED)

    def as_dict(self) -> Dict[str, Any]:
        return {"state": self.state, "reason": self.reason}


def classify(record: Mapping[str, Any]) -> UserKind:
    """The kind of an AdminGetUser response or a ListUsers user (both carry UserStatus and Enabled)."""
    status = record.get("UserStatus")
    for cognito_status, reason in STATUS_REASONS:
        if status == cognito_status:
            return UserKind(reason)
    if record.get("Enabled") is False:
        return UserKind(DISABLED)
    return UserKind()


def counted(record: Mapping[str, Any], count_disabled: bool = False) -> bool:
    return classify(record).counted(count_disabled)
