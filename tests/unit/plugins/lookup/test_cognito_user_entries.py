# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""User entries shared by enforce_mfa and onboard_users, through the mfa_users lookup (loaded by
Ansible's plugin loader): profile keys are checked, and returned only with keep_profile; MFA keys
are dropped with keep_mfa=false; enforcement's messages stay as they were."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleError


ENFORCE = {"software_token_mfa": {"enabled": True, "preferred": True}}
ENTRIES = [
    "alice",
    {"username": "bob", "email": "bob@example.com", "sms_mfa": {"enabled": True}, "groups": ["staff"]},
    {"username": "svc", "service_account": "yes", "phone_number": "+14155550123"},
    {"username": "carol", "attributes": {"given_name": "Carol", "email_verified": True}, "name": "Carol C"},
]


@pytest.fixture(scope="module")
def lookup(load_lookup):
    plugin = load_lookup("mfaops.cognito.mfa_users")
    return lambda **options: plugin.run([], {}, pool="p1", **options)


def test_enforcement_gets_mfa_keys_only(lookup):
    assert lookup(users=ENTRIES, settings=ENFORCE) == [
        {"username": "alice"},
        {"username": "bob", "sms_mfa": {"enabled": True}},
        {"username": "svc"},
        {"username": "carol"},
    ]


def test_onboarding_gets_profiles_without_mfa_keys(lookup):
    assert lookup(users=ENTRIES, keep_profile=True, keep_mfa=False, exclude=["carol"]) == [
        {"username": "alice"},
        {"username": "bob", "email": "bob@example.com", "groups": ["staff"]},
        {"username": "svc", "service_account": True, "phone_number": "+14155550123"},
    ]


def test_both(lookup):
    assert lookup(users=ENTRIES[1:2], keep_profile=True)[0] == ENTRIES[1]


@pytest.mark.parametrize(
    "entry, options, message",
    [
        # Enforcement's own message for an unknown key is unchanged (mfa.py's)...
        (
            {"username": "bob", "totp": True},
            {"settings": ENFORCE},
            "pool p1: inline users, entry 1 (bob): unknown key(s) totp (allowed: username, software_token_mfa, sms_mfa, email_mfa)",
        ),
        # ... onboarding names every key an entry may have.
        (
            {"username": "bob", "emial": "b@x.io"},
            {"keep_profile": True},
            "pool p1: inline users, entry 1 (bob): unknown key(s) emial (allowed: username, software_token_mfa, sms_mfa, email_mfa, "
            "email, phone_number, name, attributes, groups, service_account)",
        ),
        # Profile keys are checked in both.
        ({"username": "bob", "email": "bob"}, {"settings": ENFORCE}, "pool p1: inline users, entry 1 (bob).email: 'bob' is not a valid e-mail address"),
        ({"username": "bob", "groups": ["a b"]}, {}, "pool p1: inline users, entry 1 (bob).groups[0]: group name 'a b' contains white space"),
        ({"email": "a@b.io"}, {"keep_profile": True}, "pool p1: inline users, entry 1: username must be a non-empty string, got None"),
        (
            {"username": "bob", "sms_mfa": {"preferred": True}},
            {"settings": ENFORCE},
            "pool p1: inline users, entry 1 (bob): only one method can be preferred, got software_token_mfa, sms_mfa",
        ),
    ],
)
def test_bad_entries(lookup, entry, options, message):
    with pytest.raises(AnsibleError) as error:
        lookup(users=["alice", entry][1:], **options)
    assert str(error.value.message).startswith(message), error.value.message


def test_without_settings_entries_need_no_mfa_setting(lookup):
    assert lookup(users=["alice"]) == [{"username": "alice"}]
    with pytest.raises(AnsibleError, match="duplicate of inline users, entry 1"):
        lookup(users=["alice", {"username": "alice", "email": "a@b.io"}], keep_profile=True)
