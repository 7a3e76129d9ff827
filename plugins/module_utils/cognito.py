# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin helpers around the Cognito calls, each made through the engine's Caller.

The category names match the Caller's limiters: reads (UserRead quota), writes
(UserResourceUpdate quota). Each helper is one call; decisions live in mfa.py.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping

from .engine import Caller

READ = "read"
WRITE = "write"
ADMIN_DELETE_SOFTWARE_TOKEN_BOTOCORE = "1.43.82"


def supports(client: Any, operation: str) -> bool:
    """Whether the installed botocore knows the operation (new Cognito calls need a recent one)."""
    return operation in client.meta.service_model.operation_names


def client_config(workers: int) -> Dict[str, Any]:
    """botocore config: the engine does the retrying, so botocore must not retry on its own."""
    return {
        "retries": {"mode": "standard", "total_max_attempts": 1},
        "max_pool_connections": max(10, workers + 2),
        "connect_timeout": 10,
        "read_timeout": 30,
    }


def admin_get_user(call: Caller, user_pool_id: str, username: str) -> Dict[str, Any]:
    return call(READ, "admin_get_user", UserPoolId=user_pool_id, Username=username)


def admin_set_user_mfa_preference(
    call: Caller, user_pool_id: str, username: str, blocks: Mapping[str, Mapping[str, bool]]
) -> None:
    call(WRITE, "admin_set_user_mfa_preference", UserPoolId=user_pool_id, Username=username, **blocks)


def admin_delete_software_token(call: Caller, user_pool_id: str, username: str) -> None:
    call(WRITE, "admin_delete_software_token", UserPoolId=user_pool_id, Username=username)


def get_user(call: Caller, access_token: str) -> Dict[str, Any]:
    return call(READ, "get_user", AccessToken=access_token)


def set_user_mfa_preference(call: Caller, access_token: str, blocks: Mapping[str, Mapping[str, bool]]) -> None:
    call(WRITE, "set_user_mfa_preference", AccessToken=access_token, **blocks)


# Listing (UserList quota) and the pool's MFA configuration (UserPoolResourceRead / Update quotas).
LIST = "list"
POOL_READ = "pool_read"
POOL_WRITE = "pool_write"
LIST_PAGE_SIZE = 60  # the most ListUsers / ListUsersInGroup return per page


def list_users(call: Caller, user_pool_id: str, filter_: str = "", pagination_token: str = "") -> Dict[str, Any]:
    params: Dict[str, Any] = {"UserPoolId": user_pool_id, "Limit": LIST_PAGE_SIZE}
    if filter_:
        params["Filter"] = filter_
    if pagination_token:
        params["PaginationToken"] = pagination_token
    return call(LIST, "list_users", **params)


def list_users_in_group(call: Caller, user_pool_id: str, group_name: str, next_token: str = "") -> Dict[str, Any]:
    params: Dict[str, Any] = {"UserPoolId": user_pool_id, "GroupName": group_name, "Limit": LIST_PAGE_SIZE}
    if next_token:
        params["NextToken"] = next_token
    return call(LIST, "list_users_in_group", **params)


def get_user_pool_mfa_config(call: Caller, user_pool_id: str) -> Dict[str, Any]:
    return call(POOL_READ, "get_user_pool_mfa_config", UserPoolId=user_pool_id)


def set_user_pool_mfa_config(call: Caller, user_pool_id: str, config: Mapping[str, Any]) -> Dict[str, Any]:
    return call(POOL_WRITE, "set_user_pool_mfa_config", UserPoolId=user_pool_id, **config)


# Onboarding (cognito_user): creating users (UserCreation quota), reading a user's groups
# (UserResourceRead quota), per-user updates (WRITE: group membership, attributes, temporary
# passwords), and the pool's groups and password policy (POOL_READ / POOL_WRITE).
CREATE = "create"
RESOURCE_READ = "resource_read"


def admin_create_user(call: Caller, user_pool_id: str, username: str, **params: Any) -> Dict[str, Any]:
    return call(CREATE, "admin_create_user", UserPoolId=user_pool_id, Username=username, **params)


def admin_list_groups_for_user(call: Caller, user_pool_id: str, username: str, next_token: str = "") -> Dict[str, Any]:
    params: Dict[str, Any] = {"UserPoolId": user_pool_id, "Username": username, "Limit": LIST_PAGE_SIZE}
    if next_token:
        params["NextToken"] = next_token
    return call(RESOURCE_READ, "admin_list_groups_for_user", **params)


def admin_add_user_to_group(call: Caller, user_pool_id: str, username: str, group_name: str) -> None:
    call(WRITE, "admin_add_user_to_group", UserPoolId=user_pool_id, Username=username, GroupName=group_name)


def admin_update_user_attributes(call: Caller, user_pool_id: str, username: str, attributes: Mapping[str, str]) -> None:
    items = [{"Name": name, "Value": value} for name, value in attributes.items()]
    call(WRITE, "admin_update_user_attributes", UserPoolId=user_pool_id, Username=username, UserAttributes=items)


def admin_set_user_password(call: Caller, user_pool_id: str, username: str, password: str, permanent: bool) -> None:
    call(WRITE, "admin_set_user_password", UserPoolId=user_pool_id, Username=username, Password=password, Permanent=permanent)


def list_groups(call: Caller, user_pool_id: str, next_token: str = "") -> Dict[str, Any]:
    params: Dict[str, Any] = {"UserPoolId": user_pool_id, "Limit": LIST_PAGE_SIZE}
    if next_token:
        params["NextToken"] = next_token
    return call(POOL_READ, "list_groups", **params)


def create_group(call: Caller, user_pool_id: str, group_name: str) -> None:
    call(POOL_WRITE, "create_group", UserPoolId=user_pool_id, GroupName=group_name)


def describe_user_pool(call: Caller, user_pool_id: str) -> Dict[str, Any]:
    return call(POOL_READ, "describe_user_pool", UserPoolId=user_pool_id)
