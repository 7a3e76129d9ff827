# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""user_profile: checking user entries for onboarding, and the pure decisions for one user, as tables."""

from __future__ import annotations

import random
import string

import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import user_profile as p
from ansible_collections.mfaops.cognito.plugins.module_utils.mfa import InvalidRequest


# ---------------------------------------------------------------- single values


@pytest.mark.parametrize(
    "email",
    ["a@b.io", "first.last+tag@mail.example.com", "o'neil@example.co.uk", "x_y-z@sub-1.example.org", "u@xn--bcher-kva.example"],
)
def test_valid_emails(email):
    assert p.check_email(email, "email") == email


@pytest.mark.parametrize(
    "email",
    [
        "",
        "plain",
        "@example.com",
        "a@",
        "a@b",
        "a b@example.com",
        "a@@example.com",
        ".a@example.com",
        "a.@example.com",
        "a..b@example.com",
        "a@-example.com",
        "a@example.c",
        "a@example.123",
        "jörg@example.com",
        "x" * 65 + "@example.com",
        None,
        42,
    ],
)
def test_invalid_emails(email):
    with pytest.raises(InvalidRequest, match=r"^users\[0\]\.email: .* is not a valid e-mail address$"):
        p.check_email(email, "users[0].email")


@pytest.mark.parametrize("phone", ["+14155550123", "+442079460958", "+33123456789", "+12", "+123456789012345"])
def test_valid_phone_numbers(phone):
    assert p.check_phone_number(phone, "phone_number") == phone


@pytest.mark.parametrize(
    "phone, hint",
    [
        ("+1 415 555 0123", "+14155550123"),
        ("+1 (415) 555-0123", "+14155550123"),
        ("0044 20 7946 0958", "+442079460958"),
        ("14155550123", None),
        ("+04155550123", None),
        ("+1234567890123456", None),
        ("+1415555012a", None),
        ("", None),
        (14155550123, None),
    ],
)
def test_invalid_phone_numbers(phone, hint):
    with pytest.raises(InvalidRequest) as error:
        p.check_phone_number(phone, "phone_number")
    message = str(error.value)
    assert message.startswith(f"phone_number: {phone!r} is not a phone number in E.164 form")
    assert (f"for example {hint!r}" in message) == bool(hint), message


@pytest.mark.parametrize(
    "groups, expected",
    [([], ()), (["staff"], ("staff",)), (["a", "b", "a"], ("a", "b")), (("x",), ("x",)), (["Ops-EU_1.🙂"], ("Ops-EU_1.🙂",))],
)
def test_groups(groups, expected):
    assert p.check_groups(groups, "groups") == expected


@pytest.mark.parametrize(
    "groups, message",
    [
        ("staff", "groups: expected a list of group names, got 'staff'"),
        ([""], "groups[0]: a group name must be a non-empty string, got ''"),
        (["ok", 3], "groups[1]: a group name must be a non-empty string, got 3"),
        (["two words"], "groups[0]: group name 'two words' contains white space or control characters"),
        (["g" * 129], "groups[0]: group name 'gggggggggggggggggggg'... is longer than 128 characters"),
    ],
)
def test_bad_groups(groups, message):
    with pytest.raises(InvalidRequest) as error:
        p.check_groups(groups, "groups")
    assert str(error.value) == message


@pytest.mark.parametrize(
    "attributes, expected",
    [
        ({}, {}),
        ({"given_name": "Alice", "email_verified": True}, {"given_name": "Alice", "email_verified": "true"}),
        ({"email_verified": "no", "phone_number_verified": "yes"}, {"email_verified": "false", "phone_number_verified": "true"}),
        ({"custom:level": 3, "custom:ratio": 2.5, "custom:flag": False}, {"custom:level": "3", "custom:ratio": "2.5", "custom:flag": "false"}),
        ({"custom:n": 4.0}, {"custom:n": "4"}),
        ({"email": "a@b.io", "phone_number": "+14155550123"}, {"email": "a@b.io", "phone_number": "+14155550123"}),
    ],
)
def test_attributes(attributes, expected):
    assert p.check_attributes(attributes, "attributes") == expected


@pytest.mark.parametrize(
    "attributes, message",
    [
        (["email"], "attributes: expected a dict of attribute names and values, got ['email']"),
        ({"sub": "x"}, "attributes: 'sub' is set by Cognito and cannot be given"),
        ({"mail": "x"}, "attributes: unknown attribute 'mail' (a standard attribute"),
        ({"custom:": "x"}, "attributes: unknown attribute 'custom:'"),
        ({"custom:" + "x" * 21: "x"}, "attributes: unknown attribute 'custom:xxxxxxxxxxxxxxxxxxxxx'"),
        ({"given_name": None}, "attributes.given_name: expected a text, number or boolean value, got None"),
        ({"address": {"street": "x"}}, "attributes.address: expected a text, number or boolean value"),
        ({"given_name": ""}, "attributes.given_name: empty value (Cognito takes an empty value as 'delete the attribute')"),
        ({"email_verified": "maybe"}, "attributes.email_verified: 'maybe' is not a boolean"),
        ({"email": "nope"}, "attributes.email: 'nope' is not a valid e-mail address"),
        ({"phone_number": "555-0123"}, "attributes.phone_number: '555-0123' is not a phone number in E.164 form"),
        ({"website": "x" * 2049}, "attributes.website: value longer than 2048 characters"),
    ],
)
def test_bad_attributes(attributes, message):
    with pytest.raises(InvalidRequest) as error:
        p.check_attributes(attributes, "attributes")
    assert str(error.value).startswith(message), str(error.value)


# ---------------------------------------------------------------- entries


def test_entry_with_everything():
    spec = p.user_spec(
        {
            "username": "carol",
            "email": "carol@example.com",
            "phone_number": "+14155550123",
            "name": "Carol C",
            "attributes": {"given_name": "Carol", "email": "carol@example.com"},
            "groups": ["admins", "staff"],
            "service_account": "yes",
        },
        "users[2]",
        base_attributes={"locale": "en", "given_name": "Someone"},
        base_groups=("staff", "all"),
    )
    assert spec == p.UserSpec(
        username="carol",
        attributes={
            "email": "carol@example.com",
            "given_name": "Carol",
            "locale": "en",
            "name": "Carol C",
            "phone_number": "+14155550123",
        },
        groups=("staff", "all", "admins"),
        service_account=True,
    )
    assert list(spec.attributes) == sorted(spec.attributes)


def test_plain_username_entry_gets_the_task_settings():
    assert p.user_spec("dave", "users[0]", {"locale": "en"}, ("staff",)) == p.UserSpec("dave", {"locale": "en"}, ("staff",))


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"email": "a@b.io"}, "users[4]: username must be a non-empty string, got None"),
        ("", "users[4]: username must be a non-empty string, got ''"),
        (
            {"username": "bob", "emial": "x"},
            "users[4] (bob): unknown key(s) emial (allowed: username, email, phone_number, name, attributes, groups, service_account)",
        ),
        ({"username": "bob", "email": "bob"}, "users[4] (bob).email: 'bob' is not a valid e-mail address"),
        ({"username": "bob", "email": None}, "users[4] (bob).email: no value given"),
        ({"username": "bob", "phone_number": "0612345678"}, "users[4] (bob).phone_number: '0612345678' is not a phone number in E.164 form"),
        (
            {"username": "bob", "email": "a@b.io", "attributes": {"email": "c@d.io"}},
            "users[4] (bob): email is given twice with different values (email: 'a@b.io', attributes.email: 'c@d.io')",
        ),
        ({"username": "bob", "name": "B", "attributes": {"name": "C"}}, "users[4] (bob): name is given twice with different values"),
        ({"username": "bob", "groups": "staff"}, "users[4] (bob).groups: expected a list of group names, got 'staff'"),
        ({"username": "bob", "attributes": {"nickname": ""}}, "users[4] (bob).attributes.nickname: empty value"),
        ({"username": "bob", "service_account": "sometimes"}, "users[4] (bob).service_account: 'sometimes' is not a boolean"),
    ],
)
def test_bad_entries(entry, message):
    with pytest.raises(InvalidRequest) as error:
        p.user_spec(entry, "users[4]")
    assert str(error.value).startswith(message), str(error.value)


def test_module_entries_do_not_take_service_account():
    with pytest.raises(InvalidRequest, match=r"unknown key\(s\) service_account \(allowed: username, email, phone_number, name, attributes, groups\)"):
        p.user_specs([{"username": "svc", "service_account": True}])


def test_the_task_options_name_themselves_without_an_entry():
    with pytest.raises(InvalidRequest) as error:
        p.user_spec({"username": "alice", "email": "x"}, "")
    assert str(error.value) == "email: 'x' is not a valid e-mail address"


def test_duplicates_name_both_entries():
    with pytest.raises(InvalidRequest) as error:
        p.user_specs(["a", {"username": "b"}, {"username": "a", "email": "a@b.io"}])
    assert str(error.value) == "users[2] (a): duplicate of users[0]"


def test_split_entry():
    entry = {"username": "a", "software_token_mfa": {"enabled": True}, "email": "a@b.io", "groups": ["g"], "x": 1}
    assert p.split_entry(entry) == (
        {"username": "a", "software_token_mfa": {"enabled": True}, "x": 1},
        {"email": "a@b.io", "groups": ["g"]},
    )
    assert p.split_entry("bob") == ("bob", {})


@pytest.mark.parametrize(
    "attributes, wanted, expected",
    [
        ({"email": "a@b.io"}, [], ["EMAIL"]),
        ({"email": "a@b.io", "phone_number": "+12345"}, [], ["EMAIL"]),
        ({"phone_number": "+12345"}, [], ["SMS"]),
        ({"email": "a@b.io", "phone_number": "+12345"}, ["SMS", "EMAIL"], ["SMS", "EMAIL"]),
    ],
)
def test_delivery_mediums(attributes, wanted, expected):
    assert p.delivery_mediums(p.UserSpec("u", attributes), wanted, "users[0] (u)") == expected


@pytest.mark.parametrize(
    "attributes, wanted, message",
    [
        ({}, [], "users[0] (u): no email or phone_number to send the invitation to (give one, or set invitation: suppress)"),
        ({"email": "a@b.io"}, ["SMS"], "users[0] (u): the invitation goes by SMS, but the user has no phone_number"),
        ({"phone_number": "+12345"}, ["EMAIL"], "users[0] (u): the invitation goes by EMAIL, but the user has no email"),
    ],
)
def test_delivery_mediums_need_a_destination(attributes, wanted, message):
    with pytest.raises(InvalidRequest) as error:
        p.delivery_mediums(p.UserSpec("u", attributes), wanted, "users[0] (u)")
    assert str(error.value) == message


# ---------------------------------------------------------------- planning


def test_attributes_of_reads_both_shapes():
    items = [{"Name": "email", "Value": "a@b.io"}, {"Name": "sub", "Value": "x-y"}]
    assert p.attributes_of({"UserAttributes": items}) == {"email": "a@b.io", "sub": "x-y"}
    assert p.attributes_of({"Attributes": items}) == {"email": "a@b.io", "sub": "x-y"}
    assert p.attributes_of({}) == {}


@pytest.mark.parametrize(
    "current, desired, expected",
    [
        ({"email": "a@b.io", "sub": "1"}, {"email": "a@b.io"}, {}),
        ({"email": "a@b.io"}, {"email": "c@d.io"}, {"email": "c@d.io"}),
        ({"email": "a@b.io", "name": "A"}, {"given_name": "A"}, {"given_name": "A"}),  # others never touched
        ({}, {}, {}),
    ],
)
def test_attribute_changes(current, desired, expected):
    assert p.attribute_changes(current, desired) == expected


def test_missing_groups_keep_the_desired_order():
    assert p.missing_groups(["b"], ("c", "b", "a")) == ["c", "a"]
    assert p.missing_groups(["a", "b"], ("a",)) == []


@pytest.mark.parametrize(
    "status, invitation, reset, expected",
    [
        ("FORCE_CHANGE_PASSWORD", "send", False, None),
        ("FORCE_CHANGE_PASSWORD", "suppress", False, None),
        ("FORCE_CHANGE_PASSWORD", "resend", False, "resend"),
        ("FORCE_CHANGE_PASSWORD", "suppress", True, "reset"),
        ("FORCE_CHANGE_PASSWORD", "send", True, "reset"),
        ("CONFIRMED", "resend", False, None),  # a password the user chose is never touched
        ("CONFIRMED", "suppress", True, None),
        ("RESET_REQUIRED", "resend", True, None),
        ("EXTERNAL_PROVIDER", "resend", False, None),
    ],
)
def test_password_action(status, invitation, reset, expected):
    assert p.password_action(status, invitation, reset) == expected


def classes(password):
    return [any(test(ch) for ch in password) for test in (str.isupper, str.islower, str.isdigit, lambda ch: ch in string.punctuation)]


@pytest.mark.parametrize(
    "policy, length",
    [
        ({"MinimumLength": 8, "RequireSymbols": False}, 16),
        ({"MinimumLength": 40}, 40),
        ({}, 16),
        (None, 32),  # the policy could not be read
        ({"MinimumLength": 999}, 256),
    ],
)
def test_generated_passwords(policy, length):
    rng = random.Random(7)
    passwords = {p.generate_password(policy, rng) for _index in range(200)}
    assert len(passwords) == 200
    for password in passwords:
        assert len(password) == length
        assert classes(password) == [True, True, True, True]
        assert not set(password) & set("IOl01 ")


def test_generated_passwords_use_the_system_random_by_default():
    assert p.generate_password({}) != p.generate_password({})
