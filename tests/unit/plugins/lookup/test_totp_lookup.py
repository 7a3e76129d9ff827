# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The mfaops.cognito.totp lookup, loaded through Ansible's plugin loader, on a fake clock."""

from __future__ import annotations

import base64

import pytest

from ansible.errors import AnsibleLookupError

from ansible_collections.mfaops.cognito.plugins.module_utils import auth

RFC6238_SECRET_B32 = base64.b32encode(b"12345678901234567890").decode()


@pytest.fixture(scope="module")
def lookup(load_lookup):
    return load_lookup("mfaops.cognito.totp")


@pytest.fixture
def clock(monkeypatch, lookup):
    """Replace the lookup module's `time`: time() returns .now, sleep() advances it."""

    class Clock:
        now = 1111111109.0  # an RFC 6238 test time
        sleeps = []

        def time(self):
            return self.now

        def sleep(self, seconds):
            self.sleeps.append(seconds)
            self.now += seconds

    fake = Clock()
    fake.sleeps = []
    module = __import__(type(lookup).__module__, fromlist=["time"])
    monkeypatch.setattr(module, "time", fake)
    return fake


def test_current_code_matches_rfc6238(lookup, clock):
    # RFC 6238: T = 1111111109 -> 07081804 (8 digits); Cognito's 6 digits are the last six.
    assert lookup.run([RFC6238_SECRET_B32], variables={}) == ["081804"]
    assert clock.sleeps == []


def test_several_secrets_in_order(lookup, clock):
    clock.now = 59.0
    other = "TKRAZINCFKGU5ZH2QFDJSEYR5G7XQDBI"
    assert lookup.run([RFC6238_SECRET_B32, other], variables={}) == ["287082", auth.totp_code(other, 1)]


def test_min_remaining_waits_for_the_next_step(lookup, clock):
    clock.now = 1111111109.0  # 29 s into step 37037036: 1 s left
    codes = lookup.run([RFC6238_SECRET_B32], variables={}, min_remaining=5)
    assert clock.sleeps == [pytest.approx(1 + auth.STEP_MARGIN)]
    assert codes == ["050471"]  # RFC 6238: T = 1111111111 -> 14050471


def test_secret_as_pasted_from_an_authenticator_setup_page(lookup, clock):
    pasted = " ".join(RFC6238_SECRET_B32.lower()[i:i + 4] for i in range(0, 32, 4))
    assert lookup.run([pasted], variables={}) == ["081804"]


@pytest.mark.parametrize("secret", ["JBSWY3DPEHPK3PXP", "not-base32!!", ""])
def test_bad_secret_fails_without_echoing_it(lookup, clock, secret):
    with pytest.raises(AnsibleLookupError) as error:
        lookup.run([secret], variables={})
    assert "secret number 1" in str(error.value)
    if secret:
        assert secret not in str(error.value)


def test_min_remaining_out_of_range(lookup, clock):
    with pytest.raises(AnsibleLookupError, match="between 0 and 30"):
        lookup.run([RFC6238_SECRET_B32], variables={}, min_remaining=31)
