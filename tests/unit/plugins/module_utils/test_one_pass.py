"""Enforce and audit in one pass: the selection of cognito_user_mfa and the audit row of an outcome."""

import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import audit
from ansible_collections.mfaops.cognito.plugins.module_utils import mfa
from ansible_collections.mfaops.cognito.plugins.module_utils import one_pass
from ansible_collections.mfaops.cognito.plugins.module_utils import selection
from ansible_collections.mfaops.cognito.plugins.module_utils.bulk import Outcome
from ansible_collections.mfaops.cognito.plugins.module_utils.identity import PoolNaming
from ansible_collections.mfaops.cognito.plugins.module_utils.mfa import InvalidRequest

from test_selection import FakePool

TOTP = {mfa.TOTP: mfa.MethodRequest(enabled=True, preferred=True)}
PREFERRED = mfa.MfaState(enabled=frozenset({mfa.TOTP}), preferred=mfa.TOTP)
NONE = mfa.MfaState()


def names(listed, params, pool, naming=None):
    stats = selection.SelectionStats()
    chosen = one_pass.selection_of(params)
    out = one_pass.requests([mfa.UserRequest(name, TOTP) for name in listed], chosen, params.get("exclude") or [], TOTP,
                            pool.list_users, pool.list_users_in_group, stats, naming=naming)
    return [request.username for request in out], stats


def test_listed_users_first_then_group_members_each_once_exclusion_wins():
    pool = FakePool(["a", "b", "c", "d"], groups={"staff": ["b", "c", "d"], "ops": ["d", "a"]})
    got, stats = names(["a", "b", "x"], {"groups": ["staff", "ops"], "exclude": ["x", "c"]}, pool)
    assert got == ["a", "b", "d"]
    assert stats.excluded == 2 and stats.duplicates == 3


@pytest.mark.parametrize("case_sensitive, expected", [(True, ["ALICE", "bob"]), (False, ["bob"])])
def test_a_listed_name_is_excluded_as_written_in_the_pool_s_case_rules(case_sensitive, expected):
    pool = FakePool(["alice", "bob"])
    got, stats = names(["ALICE", "bob"], {"exclude": ["alice"]}, pool, PoolNaming(case_sensitive=case_sensitive))
    assert got == expected and stats.excluded == 2 - len(expected)


def test_empty_selection_values_select_nothing_and_make_no_call():
    pool = FakePool(["a"], groups={"staff": ["a"]})
    got, _stats = names(["a", "b"], {"groups": [], "all_users": False, "filter": "", "exclude": ["b"]}, pool)
    assert got == ["a"] and pool.calls == []


@pytest.mark.parametrize("params, fault", [
    ({"filter": 'email ^= "x"'}, "filter works only with all_users"),
    ({"groups": ["staff"], "username": "alice"}, "cannot be combined with username"),
    ({"all_users": True, "groups": ["staff"]}, "all_users cannot be combined"),
    ({"exclude": ["  "]}, "exclude[0]"),
])
def test_bad_selections_fail_naming_the_option(params, fault):
    with pytest.raises(InvalidRequest, match=fault.replace("[", r"\[").replace("]", r"\]")):
        one_pass.selection_of(params)


@pytest.mark.parametrize("outcome, check_mode, verdict, state", [
    (Outcome("u", "changed", before=NONE, after=PREFERRED), False, audit.COMPLIANT, PREFERRED),
    (Outcome("u", "changed", before=NONE, after=PREFERRED), True, audit.NON_COMPLIANT, NONE),
    (Outcome("u", "unchanged", before=PREFERRED, after=PREFERRED), False, audit.COMPLIANT, PREFERRED),
    (Outcome("u", "not_enrolled", before=NONE, after=NONE), False, audit.NON_COMPLIANT, NONE),
    (Outcome("u", "failed", error_code="AccessDenied"), False, "failed", None),
    (Outcome("u", "not_found"), False, audit.NOT_FOUND, None),
])
def test_audit_row_of_an_outcome(outcome, check_mode, verdict, state):
    row = one_pass.audit_of(outcome, TOTP, (True, "CONFIRMED"), check_mode)
    assert row.outcome == verdict and row.after == state


def test_recorder_keeps_the_first_answer_facts():
    answers = iter([{"Enabled": True, "UserStatus": "CONFIRMED"}, {"Enabled": False, "UserStatus": "X"}])
    recorder = one_pass.Recorder(lambda _name: next(answers))
    recorder.read("u")
    recorder.read("u")
    assert recorder.pop("u") == (True, "CONFIRMED") and recorder.pop("u") == (None, None)
