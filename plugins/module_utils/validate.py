# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Checks of input every module shares, made before any call. Each raises InvalidRequest naming the culprit."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterable, Mapping, Optional

from .errors import InvalidRequest

# Cognito's UserPoolId: <region>_<id>, at most 55 characters (botocore service model, pattern [\w-]+_[0-9a-zA-Z]+).
USER_POOL_ID = re.compile(r"(?P<region>[\w-]+)_[0-9a-zA-Z]+")
USER_POOL_ID_MAX = 55
USERNAME_MAX = 128


def pool_region(user_pool_id: Any) -> Optional[str]:
    """The region of a well-formed user pool id, else None. A trailing newline is not well formed."""
    if not isinstance(user_pool_id, str) or len(user_pool_id) > USER_POOL_ID_MAX:
        return None
    match = USER_POOL_ID.fullmatch(user_pool_id)
    return match.group("region") if match else None


def is_user_pool_id(user_pool_id: Any) -> bool:
    return pool_region(user_pool_id) is not None


def check_user_pool_id(user_pool_id: Any, region: Optional[str] = None) -> str:
    found = pool_region(user_pool_id)
    if found is None:
        raise InvalidRequest(
            f"user_pool_id {user_pool_id!r} is not a Cognito user pool id (expected <region>_<id>, e.g. us-east-1_AbCdEf123)"
        )
    if region and found != region:
        raise InvalidRequest(f"user_pool_id {user_pool_id!r} belongs to region {found}, but the task runs in region {region}")
    return user_pool_id


def check_username(username: Any, where: str) -> str:
    if not isinstance(username, str) or not username:
        raise InvalidRequest(f"{where}: username must be a non-empty string, got {username!r}")
    if len(username) > USERNAME_MAX:
        raise InvalidRequest(f"{where}: username {username[:20]!r}... is longer than {USERNAME_MAX} characters")
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in username):
        raise InvalidRequest(f"{where}: username {username!r} contains white space or control characters")
    return username


def check_bulk_options(params: Mapping[str, Any], rate_options: Iterable[str]) -> None:
    """The bulk engine's options, as every module that works on many users has them."""
    for name in rate_options:
        if params[name] <= 0:
            raise InvalidRequest(f"{name} must be greater than 0, got {params[name]}")
    if "workers" in params and params["workers"] < 1:
        raise InvalidRequest(f"workers must be at least 1, got {params['workers']}")
    if params["retries"] < 0:
        raise InvalidRequest(f"retries must be 0 or more, got {params['retries']}")


def as_bool(value: Any, where: str) -> Optional[bool]:
    """A YAML-ish boolean (true, "yes", "off" ...); None stays None."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("yes", "on", "true", "1", "y", "t"):
        return True
    if text in ("no", "off", "false", "0", "n", "f"):
        return False
    raise InvalidRequest(f"{where}: {value!r} is not a boolean")
