# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin helpers around the Cognito calls, each made through the engine's Caller.

The first argument of every call is its quota category, a key of quotas.TABLE (which says which
Cognito quota it draws on). Each helper is one call, or one listing through paginate();
decisions live elsewhere (mfa.py, pool_mfa.py, onboarding.py ...).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional

from .engine import Caller, RateLimiter
from .quotas import rates
from .quotas import AUTH, CLIENT_READ, CREATE, LIST, POOL_READ, POOL_WRITE, READ, RESOURCE_READ, SIGNAL_READ, USER_POOL_READ, WRITE
from .quotas import category_of

__all__ = ["AUTH", "CLIENT_READ", "CREATE", "LIST", "POOL_READ", "POOL_WRITE", "READ", "RESOURCE_READ", "USER_POOL_READ", "WRITE"]
PAGE_SIZE = 60  # the most any of these listings returns per page
ADMIN_DELETE_SOFTWARE_TOKEN_BOTOCORE = "1.43.82"


def supports(client: Any, operation: str) -> bool:
    """Whether the installed botocore knows the operation (new Cognito calls need a recent one)."""
    return operation in client.meta.service_model.operation_names


def caller(client: Any, keys: Iterable[str], params: Optional[Mapping[str, Any]] = None, **options: Any) -> Caller:
    """The engine's Caller for these quota categories, each at the pace the task asks for (quotas.rates)."""
    return Caller(client, {key: RateLimiter(rate) for key, rate in rates(keys, params).items()}, **options)


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


def admin_get_user_auth_factors(call: Caller, user_pool_id: str, username: str) -> Dict[str, Any]:
    """MFA settings and ConfiguredUserAuthFactors (choice-based sign-in); the UserRead quota, as AdminGetUser."""
    return call(READ, "admin_get_user_auth_factors", UserPoolId=user_pool_id, Username=username)


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


def paginate(fetch: Callable[[str], Mapping[str, Any]], token_key: str = "NextToken") -> Iterator[Mapping[str, Any]]:
    """The pages of a listing; fetch(token) makes one call ("" for the first page)."""
    token = ""
    while True:
        page = fetch(token)
        yield page
        token = page.get(token_key) or ""
        if not token:
            return


def names(pages: Iterator[Mapping[str, Any]], items_key: str, name_key: str) -> List[str]:
    return [item[name_key] for page in pages for item in page.get(items_key) or []]


class Routed:
    """A client whose every method is a Caller call in the operation's quota category (for code written
    against a boto3 client, such as auth.SignInTest)."""

    def __init__(self, call: Caller):
        self._call = call

    def __getattr__(self, operation: str) -> Callable[..., Dict[str, Any]]:
        key = category_of(operation).key
        return lambda **params: self._call(key, operation, **params)


def _page(call: Caller, category: str, operation: str, token: str, token_param: str = "NextToken", size_param: str = "Limit",
          **params: Any) -> Dict[str, Any]:
    """One page of a listing: the largest page Cognito gives, from `token` on ("" for the first)."""
    params[size_param] = PAGE_SIZE
    if token:
        params[token_param] = token
    return call(category, operation, **params)


def list_users(call: Caller, user_pool_id: str, filter_: str = "", pagination_token: str = "") -> Dict[str, Any]:
    extra = {"Filter": filter_} if filter_ else {}
    return _page(call, LIST, "list_users", pagination_token, "PaginationToken", UserPoolId=user_pool_id, **extra)


def list_users_in_group(call: Caller, user_pool_id: str, group_name: str, next_token: str = "") -> Dict[str, Any]:
    return _page(call, LIST, "list_users_in_group", next_token, UserPoolId=user_pool_id, GroupName=group_name)


def get_user_pool_mfa_config(call: Caller, user_pool_id: str) -> Dict[str, Any]:
    return call(POOL_READ, "get_user_pool_mfa_config", UserPoolId=user_pool_id)


def set_user_pool_mfa_config(call: Caller, user_pool_id: str, config: Mapping[str, Any]) -> Dict[str, Any]:
    return call(POOL_WRITE, "set_user_pool_mfa_config", UserPoolId=user_pool_id, **config)


# Onboarding (cognito_user): creating users, reading a user's groups, per-user updates (group
# membership, attributes, temporary passwords), the pool's groups and its password policy.


def admin_create_user(call: Caller, user_pool_id: str, username: str, **params: Any) -> Dict[str, Any]:
    return call(CREATE, "admin_create_user", UserPoolId=user_pool_id, Username=username, **params)


def admin_list_groups_for_user(call: Caller, user_pool_id: str, username: str, next_token: str = "") -> Dict[str, Any]:
    return _page(call, RESOURCE_READ, "admin_list_groups_for_user", next_token, UserPoolId=user_pool_id, Username=username)


def groups_of_user(call: Caller, user_pool_id: str, username: str) -> List[str]:
    pages = paginate(lambda token: admin_list_groups_for_user(call, user_pool_id, username, token))
    return names(pages, "Groups", "GroupName")


def admin_add_user_to_group(call: Caller, user_pool_id: str, username: str, group_name: str) -> None:
    call(WRITE, "admin_add_user_to_group", UserPoolId=user_pool_id, Username=username, GroupName=group_name)


def admin_remove_user_from_group(call: Caller, user_pool_id: str, username: str, group_name: str) -> None:
    call(WRITE, "admin_remove_user_from_group", UserPoolId=user_pool_id, Username=username, GroupName=group_name)


def group_members(call: Caller, user_pool_id: str, group_name: str) -> List[str]:
    pages = paginate(lambda token: list_users_in_group(call, user_pool_id, group_name, token))
    return names(pages, "Users", "Username")


def admin_update_user_attributes(call: Caller, user_pool_id: str, username: str, attributes: Mapping[str, str]) -> None:
    items = [{"Name": name, "Value": value} for name, value in attributes.items()]
    call(WRITE, "admin_update_user_attributes", UserPoolId=user_pool_id, Username=username, UserAttributes=items)


def admin_set_user_password(call: Caller, user_pool_id: str, username: str, password: str, permanent: bool) -> None:
    call(WRITE, "admin_set_user_password", UserPoolId=user_pool_id, Username=username, Password=password, Permanent=permanent)


def list_groups(call: Caller, user_pool_id: str, next_token: str = "") -> Dict[str, Any]:
    return _page(call, POOL_READ, "list_groups", next_token, UserPoolId=user_pool_id)


def pool_groups(call: Caller, user_pool_id: str) -> List[str]:
    return names(paginate(lambda token: list_groups(call, user_pool_id, token)), "Groups", "GroupName")


def create_group(call: Caller, user_pool_id: str, group_name: str) -> None:
    call(POOL_WRITE, "create_group", UserPoolId=user_pool_id, GroupName=group_name)


def describe_user_pool(call: Caller, user_pool_id: str) -> Dict[str, Any]:
    return call(USER_POOL_READ, "describe_user_pool", UserPoolId=user_pool_id)


def list_user_pool_clients(call: Caller, user_pool_id: str, next_token: str = "") -> Dict[str, Any]:
    return _page(call, CLIENT_READ, "list_user_pool_clients", next_token, size_param="MaxResults", UserPoolId=user_pool_id)


def app_client_ids(call: Caller, user_pool_id: str) -> List[str]:
    pages = paginate(lambda token: list_user_pool_clients(call, user_pool_id, token))
    return names(pages, "UserPoolClients", "ClientId")


def describe_user_pool_client(call: Caller, user_pool_id: str, client_id: str) -> Dict[str, Any]:
    return call(CLIENT_READ, "describe_user_pool_client", UserPoolId=user_pool_id, ClientId=client_id)


def lookup_events(call: Caller, event_name: str, start: float, end: float, next_token: str = "") -> Dict[str, Any]:
    """One page (50 events, the most LookupEvents gives) of CloudTrail management events of one name, start to end.
    `call` is a Caller on a cloudtrail client (category SIGNAL_READ: 2 requests a second per account and region)."""
    params: Dict[str, Any] = dict(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": event_name}],
                                  StartTime=start, EndTime=end, MaxResults=50)
    if next_token:
        params["NextToken"] = next_token
    return call(SIGNAL_READ, "lookup_events", **params)
