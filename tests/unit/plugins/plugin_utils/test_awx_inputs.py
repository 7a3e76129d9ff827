"""What AWX hands a job, as the collection takes it: list variables given as strings (role_checks.as_list),
the places a relative users file is looked for (the mfa_users lookup), and the AWS settings every module
settles before its first call (module_utils/connection.py)."""

import os
from types import SimpleNamespace

import pytest

from ansible_collections.mfaops.cognito.plugins.lookup import mfa_users
from ansible_collections.mfaops.cognito.plugins.module_utils import connection
from ansible_collections.mfaops.cognito.plugins.plugin_utils.role_checks import as_list


@pytest.mark.parametrize(
    "value, expected",
    [
        (["mfa_optional", "sms_mfa_allowed"], ["mfa_optional", "sms_mfa_allowed"]),
        ("mfa_optional,sms_mfa_allowed", ["mfa_optional", "sms_mfa_allowed"]),
        (" mfa_optional , sms_mfa_allowed ,", ["mfa_optional", "sms_mfa_allowed"]),
        ("not_enrolled", ["not_enrolled"]),
        ("alice\nbob\n", ["alice", "bob"]),  # a survey's textarea, one per line
        ("", []),
        (None, []),
        ([], []),
        ([{"username": "alice"}], [{"username": "alice"}]),
        (("a", "b"), ["a", "b"]),
    ],
)
def test_as_list(value, expected):
    assert as_list(value) == expected


def test_as_list_refuses_a_mapping():
    with pytest.raises(TypeError, match='expected a list or a comma-separated string, got dict {"a": 1}'):
        as_list({"a": 1})


def test_users_file_places_in_order():
    variables = {"inventory_dir": "/runner/inventory", "playbook_dir": "/runner/project"}
    assert mfa_users.places("users/hr.yml", "/runner/inventory", variables) == [
        "/runner/inventory/users/hr.yml", "/runner/project/users/hr.yml", os.path.join(os.getcwd(), "users/hr.yml")]
    assert mfa_users.places("users/hr.yml", "/elsewhere", {})[0] == "/elsewhere/users/hr.yml"
    assert mfa_users.places("/abs/hr.yml", "/elsewhere", variables) == ["/abs/hr.yml"]


def module(**params):
    full = {"access_key": None, "session_token": None, "profile": None, "region": None, "user_pool_id": None, **params}
    return SimpleNamespace(params=full, no_log_values=set())


@pytest.mark.parametrize(
    "env, params, token",
    [
        # AWX's AWS credential: the key and AWS_SECURITY_TOKEN in the environment, no AWS_SESSION_TOKEN.
        ({"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECURITY_TOKEN": "tok"}, {"access_key": "AKIAENV"}, "tok"),
        # AWS_SESSION_TOKEN (read by amazon.aws into session_token) wins.
        ({"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECURITY_TOKEN": "old"}, {"access_key": "AKIAENV", "session_token": "new"}, "new"),
        # Keys given to the task are not the environment's: the environment's token is not theirs.
        ({"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECURITY_TOKEN": "tok"}, {"access_key": "AKIATASK"}, None),
        # A profile brings its own credentials.
        ({"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECURITY_TOKEN": "tok"}, {"access_key": "AKIAENV", "profile": "p"}, None),
        ({"AWS_ACCESS_KEY_ID": "AKIAENV"}, {"access_key": "AKIAENV"}, None),
    ],
)
def test_security_token(monkeypatch, env, params, token):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settled = module(**params)
    connection.settle(settled)
    assert settled.params["session_token"] == token
    assert settled.no_log_values == ({token} if token and not params.get("session_token") else set())


@pytest.mark.parametrize(
    "env, params, region",
    [
        ({}, {"user_pool_id": "eu-west-1_AbC123"}, "eu-west-1"),
        # A region set (on the task, or by AWS_REGION through amazon.aws) stays: the module's pool id check fails on it.
        ({"AWS_REGION": "us-east-1"}, {"user_pool_id": "eu-west-1_AbC123", "region": "us-east-1"}, "us-east-1"),
        ({}, {"user_pool_id": "eu-west-1_AbC123", "region": ""}, "eu-west-1"),
        ({}, {"user_pool_id": "eu-west-1_AbC123", "region": "us-east-1"}, "us-east-1"),
        ({}, {"user_pool_id": "not a pool id"}, None),
        ({"AWS_REGION": "us-east-1"}, {"region": "us-east-1"}, "us-east-1"),
        ({}, {}, None),
    ],
)
def test_region_from_the_pool_id(monkeypatch, env, params, region):
    for name in ("AWS_SECURITY_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settled = module(**params)
    connection.settle(settled)
    assert settled.params["region"] == region
