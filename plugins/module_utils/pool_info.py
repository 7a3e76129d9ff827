# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""cognito_user_pool_info: a user pool and its app clients, read and shaped as the module returns them."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from . import cognito

CATEGORIES = (cognito.USER_POOL_READ, cognito.CLIENT_READ)


def user_pool_result(response: Mapping[str, Any]) -> Dict[str, Any]:
    """DescribeUserPool's UserPool with snake_case keys; tag keys are the pool owner's and stay as they are."""
    return camel_dict_to_snake_dict(dict(response.get("UserPool") or {}), ignore_list=["UserPoolTags"])


def app_client_result(response: Mapping[str, Any]) -> Dict[str, Any]:
    """DescribeUserPoolClient's UserPoolClient with snake_case keys, without its secret."""
    client = dict(response.get("UserPoolClient") or {})
    has_secret = bool(client.pop("ClientSecret", None))
    result = camel_dict_to_snake_dict(client)
    result["explicit_auth_flows"] = list(result.get("explicit_auth_flows") or [])
    result["has_client_secret"] = has_secret
    return result


def app_clients(call: Any, user_pool_id: str) -> List[Dict[str, Any]]:
    """Every app client of the pool, described, sorted by name and id."""
    found = [
        app_client_result(cognito.describe_user_pool_client(call, user_pool_id, client_id))
        for client_id in cognito.app_client_ids(call, user_pool_id)
    ]
    return sorted(found, key=lambda client: (client.get("client_name") or "", client.get("client_id") or ""))
