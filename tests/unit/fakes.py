# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fakes shared by the unit tests: AWS errors, a clock, a Cognito user pool, a fast Caller."""

from __future__ import annotations

import copy
import threading

import botocore.exceptions

from ansible_collections.mfaops.cognito.plugins.module_utils import quotas
from ansible_collections.mfaops.cognito.plugins.module_utils.engine import Caller, RateLimiter

POLICY = {"MinimumLength": 12, "RequireUppercase": True, "RequireLowercase": True, "RequireNumbers": True, "RequireSymbols": True}


def client_error(code, message="boom", operation="op", status=None):
    """A botocore ClientError as Cognito sends it (with the HTTP status when given)."""
    response = {"Error": {"Code": code, "Message": message}}
    if status is not None:
        response["ResponseMetadata"] = {"HTTPStatusCode": status}
    return botocore.exceptions.ClientError(response, operation)


class FakeClock:
    """A clock that moves only when slept on (sleep) or moved (advance); records the sleeps. Thread safe."""

    def __init__(self, now=0.0):
        self.now = now
        self.sleeps = []
        self.lock = threading.Lock()

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        with self.lock:
            self.sleeps.append(seconds)
            self.now += seconds

    def advance(self, seconds):
        self.now += seconds


def fast_caller(client, retries=0):
    """The engine's Caller with every quota category at 10,000 calls a second and no real sleeping."""
    return Caller(client, {key: RateLimiter(10000) for key in quotas.BY_KEY}, retries=retries, sleep=lambda _s: None)


class FakeCognito:
    """One user pool: users with attributes, status and groups; records every call. `fail` maps an
    operation to an error code to raise, or to a callable(params) returning an exception or None."""

    def __init__(self, users=None, groups=("staff", "eng"), policy=None):
        self.users = copy.deepcopy(users or {})
        self.groups = list(groups)
        self.policy = policy or POLICY
        self.calls = []
        self.fail = {}
        self.lock = threading.Lock()

    def _call(self, operation, params):
        with self.lock:
            self.calls.append((operation, params))
        failure = self.fail.get(operation)
        error = failure(params) if callable(failure) else client_error(failure, operation=operation) if failure else None
        if error:
            raise error

    def _user(self, username):
        if username not in self.users:
            raise client_error("UserNotFoundException", "User does not exist.")
        return self.users[username]

    def ops(self, *names):
        return [operation for operation, _params in self.calls if not names or operation in names]

    # --- the API
    def admin_get_user(self, **params):
        self._call("admin_get_user", params)
        user = self._user(params["Username"])
        return {
            "Username": params["Username"],
            "UserStatus": user["status"],
            "UserAttributes": [{"Name": k, "Value": v} for k, v in user["attributes"].items()],
        }

    def admin_create_user(self, **params):
        self._call("admin_create_user", params)
        name = params["Username"]
        if params.get("MessageAction") == "RESEND":
            user = self._user(name)
        elif name in self.users:
            raise client_error("UsernameExistsException", "User account already exists")
        else:
            attributes = {item["Name"]: item["Value"] for item in params.get("UserAttributes", [])}
            user = self.users[name] = {"status": "FORCE_CHANGE_PASSWORD", "attributes": dict(attributes, sub="s-" + name), "groups": []}
        user["password"] = params.get("TemporaryPassword")
        return {"User": {"Username": name, "UserStatus": user["status"], "Attributes": []}}

    def admin_list_groups_for_user(self, **params):
        self._call("admin_list_groups_for_user", params)
        groups = self._user(params["Username"])["groups"]
        start = int(params.get("NextToken") or 0)
        page = groups[start:start + 2]  # small pages, to exercise paging
        result = {"Groups": [{"GroupName": g} for g in page]}
        if start + 2 < len(groups):
            result["NextToken"] = str(start + 2)
        return result

    def admin_add_user_to_group(self, **params):
        self._call("admin_add_user_to_group", params)
        if params["GroupName"] not in self.groups:
            raise client_error("ResourceNotFoundException", "Group not found.")
        user = self._user(params["Username"])
        if params["GroupName"] not in user["groups"]:
            user["groups"].append(params["GroupName"])

    def admin_update_user_attributes(self, **params):
        self._call("admin_update_user_attributes", params)
        self._user(params["Username"])["attributes"].update({i["Name"]: i["Value"] for i in params["UserAttributes"]})

    def admin_set_user_password(self, **params):
        self._call("admin_set_user_password", params)
        user = self._user(params["Username"])
        user["password"] = params["Password"]
        user["status"] = "CONFIRMED" if params["Permanent"] else "FORCE_CHANGE_PASSWORD"

    def list_groups(self, **params):
        self._call("list_groups", params)
        start = int(params.get("NextToken") or 0)
        result = {"Groups": [{"GroupName": g} for g in self.groups[start:start + 2]]}
        if start + 2 < len(self.groups):
            result["NextToken"] = str(start + 2)
        return result

    def create_group(self, **params):
        self._call("create_group", params)
        self.groups.append(params["GroupName"])

    def describe_user_pool(self, **params):
        self._call("describe_user_pool", params)
        return {"UserPool": {"Id": params["UserPoolId"], "Policies": {"PasswordPolicy": self.policy}}}
