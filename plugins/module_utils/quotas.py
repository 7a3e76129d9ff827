# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Cognito's request-rate quotas, in one table: what the engine paces, what the options are called.

Source: "Amazon Cognito user pools API operation categories and request rate quotas",
https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html#category_operations
Each quota is per account and region, shared by every pool and job there. In the pool-resource
categories (UserPoolRead, UserPoolResourceRead/Update, UserPoolClientRead) each operation is also
held to 5 requests per second per user pool; the pace of those categories is that cap.

The table builds the rate options of a module's argspec (argspec), the paces of the engine's
limiters (rates; cognito.caller makes the Caller) and tells which category an operation belongs
to (category_of). The test proxy (tests/support/proxy.py) loads this file for its quotas, so it
imports nothing of the collection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple

PER_POOL_CAP = 5.0
# The categories' keys: the first argument of every Caller call (cognito.py re-exports them).
READ = "read"
WRITE = "write"
LIST = "list"
AUTH = "auth"
CREATE = "create"
RESOURCE_READ = "resource_read"
USER_POOL_READ = "user_pool_read"
POOL_READ = "pool_read"
POOL_WRITE = "pool_write"
CLIENT_READ = "client_read"
# Other services the campaign calls (not Cognito quotas; the test proxy never sees them).
EMAIL_SEND = "email_send"
FINDINGS_WRITE = "findings_write"
FINDINGS_READ = "findings_read"
SIGNAL_READ = "signal_read"


@dataclass(frozen=True)
class Category:
    key: str  # the engine's limiter name, the first argument of every Caller call
    quota: str  # Cognito's name of the quota
    rate: float  # Cognito's default requests per second (account and region)
    option: Optional[str]  # the module option that sets the pace, or None for a fixed pace
    pace: float  # the default pace of this collection
    per_pool: Optional[float]  # the per-pool cap of each operation, where Cognito has one
    operations: Tuple[str, ...]


TABLE: Tuple[Category, ...] = (
    Category(READ, "UserRead", 120, "reads_per_second", 60, None,
             ("AdminGetUser", "AdminGetUserAuthFactors", "GetUser", "GetUserAuthFactors")),
    Category(WRITE, "UserResourceUpdate", 25, "writes_per_second", 12, None,
             ("AdminSetUserMFAPreference", "SetUserMFAPreference", "AssociateSoftwareToken", "VerifySoftwareToken",
              "AdminDeleteSoftwareToken", "AdminAddUserToGroup", "AdminRemoveUserFromGroup", "AdminUpdateUserAttributes", "AdminSetUserPassword")),
    Category(LIST, "UserList", 30, "lists_per_second", 15, None, ("ListUsers", "ListUsersInGroup")),
    Category(AUTH, "UserAuthentication", 120, None, 10, None,
             ("InitiateAuth", "AdminInitiateAuth", "RespondToAuthChallenge", "AdminRespondToAuthChallenge")),
    Category(CREATE, "UserCreation", 50, "creates_per_second", 25, None, ("AdminCreateUser",)),
    Category(RESOURCE_READ, "UserResourceRead", 50, "group_reads_per_second", 25, None, ("AdminListGroupsForUser",)),
    Category(USER_POOL_READ, "UserPoolRead", 15, None, PER_POOL_CAP, PER_POOL_CAP, ("DescribeUserPool",)),
    Category(POOL_READ, "UserPoolResourceRead", 20, None, PER_POOL_CAP, PER_POOL_CAP,
             ("GetUserPoolMfaConfig", "ListGroups")),
    Category(POOL_WRITE, "UserPoolResourceUpdate", 15, None, PER_POOL_CAP, PER_POOL_CAP,
             ("SetUserPoolMfaConfig", "CreateGroup")),
    Category(CLIENT_READ, "UserPoolClientRead", 15, None, PER_POOL_CAP, PER_POOL_CAP,
             ("ListUserPoolClients", "DescribeUserPoolClient")),
    # Amazon SES: the account's maximum send rate (GetSendQuota MaxSendRate; 1 a second in the sandbox).
    # https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas.html
    Category(EMAIL_SEND, "SES maximum send rate", 1, "emails_per_second", 1, None, ("SendEmail",)),
    # Security Hub: BatchImportFindings 10 TPS per account and region, burst 30 (partner guide,
    # "Guidelines for using the BatchImportFindings API"); BatchUpdateFindings the same, GetFindings 3.
    Category(FINDINGS_WRITE, "Security Hub BatchImportFindings", 10, None, 5, None,
             ("BatchImportFindings", "BatchUpdateFindings")),
    Category(FINDINGS_READ, "Security Hub GetFindings", 3, None, 2, None, ("GetFindings",)),
    # CloudTrail LookupEvents: "limited to two per second, per account, per Region" (botocore cloudtrail
    # service model, LookupEvents); the change signal of the state runs (user_state.py, change_signal.py).
    Category(SIGNAL_READ, "CloudTrail LookupEvents", 2, None, 2, None, ("LookupEvents",)),
)
BY_KEY: Dict[str, Category] = {category.key: category for category in TABLE}
BY_OPERATION: Dict[str, Category] = {operation: category for category in TABLE for operation in category.operations}


def snake(operation: str) -> str:
    """AdminSetUserMFAPreference -> admin_set_user_mfa_preference, as boto3 names the method."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", operation).lower()


BY_METHOD: Dict[str, Category] = {snake(operation): category for operation, category in BY_OPERATION.items()}


def category_of(operation: str) -> Category:
    """The category of an operation, by its boto3 (snake_case) or Cognito (CamelCase) name."""
    return BY_OPERATION.get(operation) or BY_METHOD[operation]


def rate_options(keys: Iterable[str]) -> Tuple[str, ...]:
    return tuple(BY_KEY[key].option for key in keys if BY_KEY[key].option)


def argspec(keys: Iterable[str]) -> Dict[str, Dict[str, Any]]:
    """The argspec entries of the rate options of these categories."""
    return {BY_KEY[key].option: dict(type="float", default=BY_KEY[key].pace) for key in keys if BY_KEY[key].option}


def rates(keys: Iterable[str], params: Optional[Mapping[str, Any]] = None) -> Dict[str, float]:
    """The pace of each category: what its option asks for, else its default (or fixed) pace."""
    params = params or {}
    result = {}
    for key in keys:
        category = BY_KEY[key]
        rate = params.get(category.option) if category.option else None
        result[key] = float(rate if rate is not None else category.pace)
    return result


def default_quotas() -> Dict[str, float]:
    """Cognito's default rate of each quota, for the test proxy."""
    return {category.quota: float(category.rate) for category in TABLE}


def operation_quotas() -> Dict[str, str]:
    """Cognito operation name -> quota name, for the test proxy."""
    return {operation: category.quota for operation, category in BY_OPERATION.items()}
