# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The mfaops.cognito.iam_policy lookup, loaded through Ansible's plugin loader (as test_totp_lookup.py does)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleLookupError

from ansible_collections.mfaops.cognito.plugins.module_utils import iam


@pytest.fixture(scope="module")
def lookup(load_lookup):
    return load_lookup("mfaops.cognito.iam_policy")


def test_the_policy_of_an_inventorys_pools(lookup):
    pools = ["eu-west-1_AbCdEf123", "us-east-1_Zyx987", "eu-west-1_AbCdEf123"]
    [document] = lookup.run(["audit_mfa"], {}, pools=pools, account_id="123456789012")
    assert document == iam.policy("audit_mfa", sorted(set(pools)), "123456789012")
    assert document["Statement"][0]["Resource"] == [
        "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbCdEf123",
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Zyx987",
    ]
    [only] = lookup.run(["audit_mfa"], {}, pools=pools[:1], account_id="123456789012", statements=["CognitoUserPools"])
    assert [s["Sid"] for s in only["Statement"]] == ["CognitoUserPools"]


@pytest.mark.parametrize(
    ("terms", "options", "message"),
    [
        (["nope"], {"pools": ["eu-west-1_A1"], "account_id": "123456789012"}, "give one playbook name"),
        (["audit_mfa"], {"pools": ["eu-west-1_A1"], "account_id": "1234"}, "account_id must be 12 digits"),
        (["audit_mfa"], {"pools": [], "account_id": "123456789012"}, "at least one user pool"),
        (["audit_mfa"], {"pools": ["not a pool"], "account_id": "123456789012"}, "not a pool"),
        (["audit_mfa"], {"pools": ["eu-west-1_A1"], "account_id": "123456789012", "statements": ["Nope"]}, "unknown statements"),
    ],
)
def test_bad_input_is_one_clear_error(lookup, terms, options, message):
    with pytest.raises(AnsibleLookupError, match=message):
        lookup.run(terms, {}, **options)
