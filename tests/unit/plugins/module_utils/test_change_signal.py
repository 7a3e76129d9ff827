"""change_signal.py and user_state.py: which events name which users, own writes, full-read triggers, the store."""

from __future__ import annotations

import email.utils
import json
import os
import sqlite3
from types import SimpleNamespace

import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import change_signal as cs
from ansible_collections.mfaops.cognito.plugins.module_utils import incremental
from ansible_collections.mfaops.cognito.plugins.module_utils.user_state import StateError, Store

POOL = "us-east-1_P"


def entry(name, at, sub=None, pool=POOL, error=None, **request):
    record = {"eventName": name, "requestParameters": dict({"userPoolId": pool} if pool else {}, **request)}
    if sub:
        record["additionalEventData"] = {"sub": sub}
    if error:
        record["errorCode"] = error
    return {"EventName": name, "EventTime": at, "CloudTrailEvent": json.dumps(record)}


def test_events_name_users_by_sub_and_own_writes_are_not_changes() -> None:
    events = [cs.parse(entry("AdminSetUserMFAPreference", 100, "a")), cs.parse(entry("AdminSetUserMFAPreference", 101, "a")),
              cs.parse(entry("AdminDisableUser", 105, "b")), cs.parse(entry("SignUp", 90, "x", pool="us-east-1_Other"))]
    own = [("a", "AdminSetUserMFAPreference", 100.4, 100.6)]
    signal = cs.interpret(events, POOL, own)
    assert signal.own == 1 and signal.subs == {"a": 101, "b": 105} and signal.untied is None  # the 2nd write is not ours
    assert cs.interpret(events[:1], POOL, own).subs == {}
    assert cs.interpret(events[:1], POOL, [("a", "AdminDeleteSoftwareToken", 100.4, 100.6)]).subs == {"a": 100}


def test_an_event_without_sub_of_this_or_an_unknown_pool_is_untied() -> None:
    assert "not tied to one user" in cs.interpret([cs.parse(entry("AdminSetUserMFAPreference", 5))], POOL, []).untied
    assert cs.interpret([cs.parse(entry("SetUserMFAPreference", 5, pool=None))], POOL, []).untied
    assert cs.interpret([cs.parse(entry("AdminSetUserMFAPreference", 5, pool="us-east-1_Other"))], POOL, []).untied is None


@pytest.mark.parametrize("name", sorted(cs.LISTED_EFFECT))
def test_an_untied_event_whose_effect_the_listing_shows_forces_no_full_read(name) -> None:
    # created (new username or sub), deleted (gone), confirmed (UserStatus), enabled / disabled (Enabled): plan() sees it
    assert cs.interpret([cs.parse(entry(name, 5)), cs.parse(entry(name, 6, pool=None))], POOL, []).untied is None


@pytest.mark.parametrize("name", ["AdminCreateUser", "ConfirmSignUp"])
@pytest.mark.parametrize("force", [True, "true", "HIDDEN_DUE_TO_SECURITY_REASONS"])
def test_an_untied_call_that_may_move_an_alias_from_another_user_still_reads_the_whole_pool(name, force) -> None:
    assert cs.interpret([cs.parse(entry(name, 5, forceAliasCreation=force))], POOL, []).untied
    assert cs.interpret([cs.parse(entry(name, 5, forceAliasCreation=False))], POOL, []).untied is None


def test_a_failed_untied_call_changed_nothing_and_other_untied_events_still_read_the_whole_pool() -> None:
    failed = [cs.parse(entry(name, 5, pool=None, error="NotAuthorizedException"))
              for name in ("SignUp", "SetUserMFAPreference", "VerifySoftwareToken", "AdminUpdateUserAttributes")]
    assert cs.interpret(failed, POOL, []).untied is None
    for name in sorted(set(cs.EVENT_NAMES) - cs.LISTED_EFFECT):
        untied = cs.interpret(failed + [cs.parse(entry(name, 9, pool=None))], POOL, []).untied
        assert untied and name in untied


def test_window_first_run_and_90_days() -> None:
    assert cs.window_start(None, 900, 10_000_000)[1].startswith("first run")
    assert cs.window_start(10_000_000 - 91 * 86400, 900, 10_000_000)[1].startswith("the last run was more than 89 days")
    # a day inside CloudTrail's 90: the window's first events must not expire while it is paged
    assert cs.window_start(10_000_000 - 89 * 86400 + 900, 900, 10_000_000) == (10_000_000 - 89 * 86400, None)
    assert cs.window_start(10_000_000 - 89 * 86400 + 899, 900, 10_000_000)[0] is None
    assert cs.window_start(9_999_000, 900, 10_000_000) == (9_998_100, None)


def listing(users):
    def page(token):
        return {"Users": [{"Username": name, "Attributes": [{"Name": "sub", "Value": sub}], "UserStatus": "CONFIRMED",
                           "Enabled": True, "UserLastModifiedDate": 1000.0} for name, sub in users]}
    return page


def test_the_store_plans_reads_and_carries(tmp_path) -> None:
    settings = incremental.settings_from({"state_dir": str(tmp_path / "s"), "signal_delay": "15m", "state_lock_timeout": 1})
    events = []

    def lookup(name, start, end, token):
        return {"Events": [entry(*event) for event in events if event[0] == name]}

    clock = [1_800_000_000.0]
    first = [("alice", "s-a"), ("bob", "s-b"), ("carol", "s-c")]
    later = [("alice", "s-a"), ("bob", "s-b"), ("dave", "s-d")]
    steps = ((first, [], {"full read": 3}), (first, [], {}),
             (later, [("AdminDisableUser", clock[0] + 7200 - 60, "s-b")], {"named by an event": 1, "new": 1}))
    for users, events[:], expected in steps:
        with Store(settings.state_dir, POOL, 1) as store:
            run = incremental.PoolRun(store, POOL, settings, listing(users), lookup, clock=lambda: clock[0])
            assert run.prepare().reasons == expected
            for item in run.items():
                run.saved(item, clock[0] if not item.carried else item.read_at,
                          None if item.carried else {"Username": item.username, "UserMFASettingList": []}, "unchanged")
            run.finish()
        clock[0] += 3600
    assert oct(os.stat(tmp_path / "s" / f"{POOL}.sqlite3").st_mode & 0o777) == "0o600"
    with sqlite3.connect(tmp_path / "s" / f"{POOL}.sqlite3") as db:
        assert sorted(row[0] for row in db.execute("SELECT username FROM users")) == ["alice", "bob", "dave"]


def test_auth_factors_read_empty_are_kept_and_a_record_without_them_is_read_not_carried(tmp_path) -> None:
    from ansible_collections.mfaops.cognito.plugins.module_utils.user_state import compact

    assert json.loads(compact({"ConfiguredUserAuthFactors": []})) == {"ConfiguredUserAuthFactors": []}  # read: none
    assert "ConfiguredUserAuthFactors" not in json.loads(compact({"UserMFASettingList": []}))  # not read
    settings = incremental.settings_from({"state_dir": str(tmp_path / "s"), "signal_delay": "15m", "state_lock_timeout": 1})
    clock = [1_800_000_000.0]
    users = [("audited", "s-a"), ("enforced", "s-e")]
    answers = {"audited": {"ConfiguredUserAuthFactors": []}, "enforced": {"UserMFASettingList": ["SOFTWARE_TOKEN_MFA"]}}

    def one_run(factors):
        with Store(settings.state_dir, POOL, 1) as store:
            run = incremental.PoolRun(store, POOL, settings, listing(users), lambda *args: {}, clock=lambda: clock[0])
            facts = run.prepare(factors=factors)
            items = list(run.items())
            for item in items:
                run.saved(item, clock[0] if not item.carried else item.read_at,
                          None if item.carried else dict(answers[item.username], Username=item.username), None)
            run.finish()
        clock[0] += 3600
        return facts.reasons, {item.username: item for item in items}

    one_run(False)  # a first run: each answer as read (the enforcement's without auth factors)
    reasons, items = one_run(True)
    assert reasons == {"auth factors not read": 1} and not items["enforced"].carried and items["audited"].carried
    factors = []

    def judge(name, read, read_factors, record):
        factors.append(read_factors(name))
        return SimpleNamespace(fields={}, outcome="compliant")

    incremental.audit_work(lambda name: {}, lambda name: {}, judge)(items["audited"])
    assert factors == [{"ConfiguredUserAuthFactors": []}]


DAY = 86400.0


@pytest.mark.parametrize(
    "known, stale, interval, max_age, expected",
    [
        (1000, 0, DAY, 30 * DAY, 0),            # nobody past max_age: no re-read
        (1000, 1000, DAY, 30 * DAY, 34),        # the whole pool past max_age at once, daily runs: 1/30 a run
        (1000, 10, DAY, 30 * DAY, 10),          # fewer than the pace: all of them
        (1000, 1000, 7 * DAY, 30 * DAY, 234),   # weekly runs: 7/30 a run
        (1000, 1000, 30 * DAY, 30 * DAY, 1000),  # a run per max_age or rarer: all of them
        (1000, 1000, 90 * DAY, 30 * DAY, 1000),
        (1000, 1000, None, 30 * DAY, 1000),     # no last run to pace by: all of them
        (10, 10, 5.0, DAY, 1),                  # runs seconds apart: at least one a run, so the backlog ends
        (10, 10, -2.0, DAY, 1),                 # a clock stepped back: still one
        (0, 0, DAY, DAY, 0),
        (10, 10, 6 * 3600.0, DAY, 3),           # ceil(10 * 6 / 24)
    ],
)
def test_max_age_re_reads_are_spread_over_runs(known, stale, interval, max_age, expected) -> None:
    assert incremental.max_age_reads(known, stale, interval, max_age) == expected


def test_max_age_re_reads_the_oldest_first_and_only_its_share(tmp_path) -> None:
    settings = incremental.settings_from({"state_dir": str(tmp_path), "signal_delay": "15m", "state_lock_timeout": 1,
                                          "max_age": "1d"})
    users = [(f"u{index}", f"s-{index}") for index in range(10)]
    clock = [1_800_000_000.0]

    def run_once(read_at=None):
        with Store(settings.state_dir, POOL, 1) as store:
            run = incremental.PoolRun(store, POOL, settings, listing(users), lambda *a: {"Events": []}, clock=lambda: clock[0])
            facts = run.prepare()
            read = []
            for item in run.items():
                if not item.carried:
                    read.append(item.username)
                when = item.read_at if item.carried else (read_at(item.username) if read_at else clock[0])
                run.saved(item, when, None if item.carried else {"Username": item.username, "UserMFASettingList": []}, "unchanged")
            run.finish()
        return facts, read

    # the first run reads all; u9 read first, u0 last (so u9 is the oldest)
    facts, read = run_once(lambda name: clock[0] - int(name[1:]))
    assert facts.full_read_reason and len(read) == 10
    clock[0] += 20 * 3600
    assert run_once()[1] == []  # read 20 h ago: within max_age
    clock[0] += 6 * 3600
    facts, read = run_once()  # all 10 read 26 h ago, the last run 6 h ago: ceil(10 * 6 / 24) = 3, the oldest
    assert read == ["u7", "u8", "u9"] and facts.reasons == {"older than max_age": 3} and facts.past_max_age == 10
    assert facts.as_dict()["users_past_max_age"] == 10  # before this run's re-reads
    clock[0] += 60
    facts, read = run_once()  # a minute later: one, the next oldest
    assert read == ["u6"] and facts.past_max_age == 7


def test_a_second_run_on_a_locked_pool_fails_clearly_and_foreign_files_are_refused(tmp_path) -> None:
    with Store(str(tmp_path), POOL, 0):
        with pytest.raises(StateError, match="Another run holds the state"):
            Store(str(tmp_path), POOL, 0.3).__enter__()
    with pytest.raises(StateError, match="not of us-east-1_Q|state of user pool"):
        os.replace(tmp_path / f"{POOL}.sqlite3", tmp_path / "us-east-1_Q.sqlite3")
        Store(str(tmp_path), "us-east-1_Q", 0).__enter__()
    (tmp_path / "junk.sqlite3").write_bytes(b"x" * 4096)
    with pytest.raises(StateError, match="move it away"):
        Store(str(tmp_path), "junk", 0).__enter__()


@pytest.mark.parametrize(
    "last, record, expected",
    [
        ("changed", {"UserMFASettingList": ["SOFTWARE_TOKEN_MFA"], "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA"}, "unchanged"),
        ("unchanged", {"UserMFASettingList": []}, None),  # not compliant in the state: read it
        ("not_enrolled", {"UserMFASettingList": []}, "not_enrolled"),
        ("not_applicable", {"UserStatus": "UNCONFIRMED"}, "not_applicable"),
        ("failed", {"UserMFASettingList": ["SOFTWARE_TOKEN_MFA"]}, None),
        (None, {}, None),
    ],
)
def test_what_an_enforcement_carries_without_a_read(last, record, expected) -> None:
    from ansible_collections.mfaops.cognito.plugins.module_utils import mfa  # pylint: disable=import-outside-toplevel

    methods = {mfa.TOTP: mfa.MethodRequest(enabled=True, preferred=True)}
    item = incremental.Item("alice", "s-a", None, 1.0, dict({"Username": "alice", "UserStatus": "CONFIRMED"}, **record),
                            last, 2.0)
    outcome = incremental.carried_outcome(item, methods)
    assert (outcome.outcome if outcome else None) == expected
    if outcome is not None:
        assert outcome.wrote is False
    planned = incremental.Item("alice", "s-a", "named by an event", 1.0, None, last, 2.0)
    assert incremental.carried_outcome(planned, methods) is None


def test_the_pool_fingerprint_moves_with_the_configuration_the_verdicts_depend_on() -> None:
    mfa = {"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": True}, "ResponseMetadata": {"a": 1}}
    described = {"UserPool": {"Id": POOL, "MfaConfiguration": "ON", "Name": "x",
                              "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]}}}}
    same = incremental.pool_fingerprint(dict(mfa, ResponseMetadata={"b": 2}), {"UserPool": dict(described["UserPool"], Name="y")})
    assert incremental.pool_fingerprint(mfa, described) == same  # request ids and the pool's name do not count
    optional = incremental.pool_fingerprint(dict(mfa, MfaConfiguration="OPTIONAL"), described)
    passkeys = incremental.pool_fingerprint(mfa, {"UserPool": dict(
        described["UserPool"], Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}})})
    assert len({same, optional, passkeys}) == 3
    assert incremental.pool_config_reason(same, same) is None and incremental.pool_config_reason(None, None) is None
    assert incremental.pool_config_reason(same, optional) == incremental.POOL_CONFIG_CHANGED
    assert "does not record" in incremental.pool_config_reason(None, same)  # a state of enforcements only


@pytest.mark.parametrize("date, sent, received, skew", [
    ("Thu, 03 Dec 2026 19:00:00 GMT", 1796324400.2, 1796324400.4, 0.2),  # within the second: about 0
    ("Thu, 03 Dec 2026 19:00:00 GMT", 1796324405.0, 1796324405.2, -4.6),  # the controller 5 s ahead
    ("Thu, 03 Dec 2026 19:01:00 GMT", 1796324400.0, 1796324400.2, 60.4),  # a minute behind
])
def test_the_clock_skew_from_an_answers_date_header(date, sent, received, skew) -> None:
    answer = {"ResponseMetadata": {"HTTPHeaders": {"date": date}}}
    assert cs.clock_skew(answer, sent, received) == pytest.approx(skew)
    assert cs.clock_skew({"ResponseMetadata": {"HTTPHeaders": {}}}, sent, received) is None
    assert cs.clock_skew({"ResponseMetadata": {"HTTPHeaders": {"date": "yesterday"}}}, sent, received) is None


def test_a_skew_beyond_the_margin_reads_the_whole_pool_and_says_by_how_much() -> None:
    assert cs.skew_reason(None) is None and cs.skew_reason(0.9) is None and cs.skew_reason(-1.0) is None
    assert cs.skew_reason(-4.6) == ("the controller's clock is 5 s ahead of AWS's (Date header): "
                                    "events cannot be placed against reads")
    assert "60 s behind AWS's" in cs.skew_reason(60.4)


@pytest.mark.parametrize("offset, full", [(0.0, False), (-6.0, True), (6.0, True)])
def test_a_run_whose_clock_is_off_aws_reads_the_whole_pool(tmp_path, offset, full) -> None:
    settings = incremental.settings_from({"state_dir": str(tmp_path / "s"), "signal_delay": "15m", "state_lock_timeout": 1})
    clock = [1_800_000_000.25]
    plain = listing([("alice", "s-a")])

    def dated(token):  # AWS's clock = the controller's + offset
        stamp = email.utils.formatdate(int(clock[0] + offset), usegmt=True)
        return dict(plain(token), ResponseMetadata={"HTTPHeaders": {"date": stamp}})

    for step in range(2):
        with Store(settings.state_dir, POOL, 1) as store:
            run = incremental.PoolRun(store, POOL, settings, dated, lambda *args: {}, clock=lambda: clock[0])
            facts = run.prepare(pool_config="fp")
            for item in run.items():
                run.saved(item, clock[0] if not item.carried else item.read_at,
                          None if item.carried else {"Username": item.username}, None)
            run.finish()
        clock[0] += 3600
    assert bool(facts.full_read_reason) == full and (not full or "Date header" in facts.full_read_reason)


def test_an_audit_reads_the_whole_pool_when_its_configuration_changed(tmp_path) -> None:
    settings = incremental.settings_from({"state_dir": str(tmp_path / "s"), "signal_delay": "15m", "state_lock_timeout": 1})
    clock = [1_800_000_000.0]
    reasons = []
    for fingerprint in ("a", "a", None, "b", "b"):  # None: an enforcement (keeps the audit's fingerprint)
        with Store(settings.state_dir, POOL, 1) as store:
            run = incremental.PoolRun(store, POOL, settings, listing([("alice", "s-a")]), lambda *args: {},
                                      clock=lambda: clock[0])
            reasons.append(run.prepare(pool_config=fingerprint).full_read_reason)
            for item in run.items():
                run.saved(item, clock[0] if not item.carried else item.read_at,
                          None if item.carried else {"Username": item.username}, None)
            run.finish()
        clock[0] += 3600
    assert reasons[1:] == [None, None, incremental.POOL_CONFIG_CHANGED, None] and reasons[0].startswith("first run")
