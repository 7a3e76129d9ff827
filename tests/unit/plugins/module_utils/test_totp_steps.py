# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The TOTP steps kept on the controller: two sign-in tests of one user in one 30 s step."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import auth
from ansible_collections.mfaops.cognito.plugins.module_utils import totp_steps

from fakes import FakeClock
from test_auth_signin import STANDIN_SECRET, T0, ScriptedClient, challenge, tokens

POOL_ID = "us-east-1_AbCdEf123"


def sign_in(store, clock, username="alice"):
    client = ScriptedClient(
        ("admin_initiate_auth", challenge("SOFTWARE_TOKEN_MFA")),
        ("admin_respond_to_auth_challenge", tokens()),
    )
    settings = auth.AuthSettings(
        client_id="c", username=username, password="Passw0rd!", user_pool_id=POOL_ID, totp_secret=STANDIN_SECRET
    )
    result = auth.SignInTest(client, settings, clock=clock, sleep=clock.sleep, step_store=store).run()
    assert result.authenticated
    return client.calls[1][1]["ChallengeResponses"]["SOFTWARE_TOKEN_MFA_CODE"]


def test_second_sign_in_in_the_same_step_waits_for_a_fresh_code(tmp_path):
    path = str(tmp_path / "steps.json")
    clock = FakeClock(T0)
    first = sign_in(totp_steps.StepStore(path), clock)
    second = sign_in(totp_steps.StepStore(path), clock)  # a new task: a new store object, same file
    step = int(T0 // 30)
    assert (first, second) == (auth.totp_code(STANDIN_SECRET, step), auth.totp_code(STANDIN_SECRET, step + 1))
    assert clock.sleeps == [pytest.approx(20 + auth.STEP_MARGIN)]


@pytest.mark.parametrize("other", ["bob", "ALICE"])
def test_steps_are_per_user_case_blind(tmp_path, other):
    path = str(tmp_path / "steps.json")
    clock = FakeClock(T0)
    sign_in(totp_steps.StepStore(path), clock)
    sign_in(totp_steps.StepStore(path), clock, username=other)
    assert bool(clock.sleeps) is (other == "ALICE")


def test_without_a_store_each_task_starts_afresh():
    clock = FakeClock(T0)
    assert sign_in(None, clock) == sign_in(None, clock)


def test_file_holds_hashes_only_and_is_private(tmp_path):
    path = str(tmp_path / "steps.json")
    totp_steps.StepStore(path).reserve(POOL_ID, "alice", lambda last: 7)
    text = open(path).read()
    assert "alice" not in text and POOL_ID not in text
    assert json.loads(text) == {totp_steps.key(POOL_ID, "alice"): 7}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


@pytest.mark.parametrize("content", ["", "not json", "[1, 2]", '{"x": "y"}'])
def test_a_damaged_file_counts_as_empty(tmp_path, content):
    path = tmp_path / "steps.json"
    path.write_text(content)
    seen = []
    totp_steps.StepStore(str(path)).reserve(POOL_ID, "alice", lambda last: seen.append(last) or 3)
    assert seen == [None]
