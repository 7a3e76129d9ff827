"""The campaign's pure decisions (module_utils/campaign.py) and its state file (campaign_state.py)."""

import datetime
import json
import os
import stat

import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import campaign
from ansible_collections.mfaops.cognito.plugins.module_utils import campaign_state

D = datetime.date.fromisoformat
POOL = "us-east-1_Campaign1"


def row(name, state="no_mfa", compliant=None, **extra):
    if compliant is None:
        compliant = state == "totp_preferred"
    return dict(dict(username=name, compliant=compliant, not_found=False, mfa_state=state), **extra)


def settings(today="2027-01-10", deadline="2027-03-01", **kw):
    return campaign.settings(today, deadline, **kw)


def run(s, rows, members=None, state=None, config="OPTIONAL", clients=()):
    return campaign.plan(s, rows, members or {}, state or campaign.new_state(POOL), config, clients)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(today="2027-13-01"), "mfa_campaign_today: '2027-13-01' is not a date"),
        (dict(today="15/01/2027"), "mfa_campaign_today: '15/01/2027' is not a date"),
        (dict(deadline=""), "mfa_campaign_deadline: '' is not a date"),
        (dict(switch_at_percent="101"), "mfa_campaign_switch_at_percent: '101' is not a number from 0 to 100"),
        (dict(switch_at_percent="lots"), "mfa_campaign_switch_at_percent: 'lots'"),
        (dict(groups={"admins": "soon"}), "mfa_campaign_groups.admins: 'soon' is not a date"),
        (dict(groups={"admins": "2027-04-01"}), "mfa_campaign_groups.admins: deadline 2027-04-01 is after the pool's deadline"),
        (dict(groups={"admins": "2027-02-01"}, known_groups=["staff"]), "mfa_campaign_groups: group admins does not exist"),
        (dict(nudge_every_days=0), "mfa_campaign_nudge_every_days: 0"),
        (dict(groups=["admins"]), "mfa_campaign_groups: expected a mapping"),
    ],
)
def test_bad_settings_name_the_culprit(kwargs, message):
    args = dict(today="2027-01-10", deadline="2027-03-01")
    args.update(kwargs)
    with pytest.raises(campaign.CampaignError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        campaign.settings(**args)


@pytest.mark.parametrize(
    "deadline, groups, started, message",
    [
        ("2027-01-09", {}, None, "mfa_campaign_deadline: 2027-01-09 is already past on the campaign's first run"),
        ("2027-03-01", {"admins": "2027-01-01"}, None, "mfa_campaign_groups.admins: deadline 2027-01-01 is already past"),
        ("2027-01-09", {}, "2027-01-01", None),
        ("2027-01-10", {}, None, None),
    ],
)
def test_deadline_past_only_refused_on_the_first_run(deadline, groups, started, message):
    s = settings(deadline=deadline, groups=groups)
    state = dict(campaign.new_state(POOL), started=started)
    if message is None:
        campaign.check_first_run(state, s)
    else:
        with pytest.raises(campaign.CampaignError, match=message):
            campaign.check_first_run(state, s)


def test_nudge_rows_days_left_days_on_list_and_group_deadline():
    s = settings(groups={"admins": "2027-02-01"})
    state = campaign.new_state(POOL)
    state["started"] = "2027-01-01"
    state["users"]["bob"] = {"first_seen": "2027-01-03", "nudges": ["2027-01-05"], "enrolled": None}
    plan = run(
        s,
        [row("amy", email="amy@example.com"), row("bob", "other_mfa_only"), row("cy", "totp_preferred")],
        members={"admins": ["amy"]},
        state=state,
    )
    assert plan.nudges == [
        {"username": "amy", "email": "amy@example.com", "group": "admins", "deadline": "2027-02-01",
         "days_left": 22, "days_on_list": 0, "nudges_sent": 0, "due": True},
        {"username": "bob", "email": "", "group": "", "deadline": "2027-03-01",
         "days_left": 50, "days_on_list": 7, "nudges_sent": 1, "due": False},
    ]
    assert plan.state["users"]["amy"] == {"first_seen": "2027-01-10", "nudges": [], "enrolled": None}
    assert plan.state["started"] == "2027-01-01" and plan.state["last_run"] == "2027-01-10"
    assert "cy" not in plan.state["users"]
    assert plan.switch is None


@pytest.mark.parametrize(
    "today, percent, config, expected",
    [
        ("2027-01-10", None, "OPTIONAL", None),
        ("2027-01-10", 50, "OPTIONAL", "threshold"),  # 2 of 3 = 66.67 %
        ("2027-01-10", 70, "OPTIONAL", None),
        ("2027-03-01", 70, "OPTIONAL", "deadline"),
        ("2027-03-01", None, "OFF", "deadline"),
        ("2027-03-01", 50, "ON", None),
    ],
)
def test_switch_at_threshold_or_deadline(today, percent, config, expected):
    rows = [row("a", "totp_preferred"), row("b", "totp_preferred"), row("c"), dict(row("gone"), not_found=True, mfa_state=None)]
    plan = run(settings(today=today, switch_at_percent=percent), rows, config=config)
    assert plan.coverage["total"] == 3 and plan.coverage["percent"] == 66.67
    assert plan.switch == expected


def test_excluded_users_are_never_counted_nudged_or_removed():
    s = settings(today="2027-02-02", groups={"admins": "2027-02-01"}, exclude=["breakglass"])
    plan = run(s, [row("breakglass"), row("amy")], members={"admins": ["breakglass", "amy"]})
    assert [n["username"] for n in plan.nudges] == ["amy"]
    assert plan.removals == [{"username": "amy", "group": "admins"}]
    assert plan.coverage["total"] == 1


@pytest.mark.parametrize(
    "today, expected",
    [("2027-02-01", []), ("2027-02-02", [{"username": "amy", "group": "admins"}])],
)
def test_removal_only_after_the_group_deadline(today, expected):
    s = settings(today=today, groups={"admins": "2027-02-01"})
    plan = run(s, [row("amy"), row("cy", "totp_preferred")], members={"admins": ["amy", "cy"]})
    assert plan.removals == expected


@pytest.mark.parametrize(
    "status, member, compliant, removals, restores, kept_status",
    [
        ("pending", True, False, [("amy", "admins")], [], "pending"),  # killed before the call: redo it
        ("pending", False, False, [("amy", "admins")], [], "pending"),  # killed after the call: confirm (idempotent)
        ("removed", False, False, [], [], "removed"),
        ("removed", True, False, [("amy", "admins")], [], "removed"),  # put back by hand: take out again
        ("removed", False, True, [], [("amy", "admins")], "removed"),  # enrolled: restore
        ("restoring", True, True, [], [("amy", "admins")], "restoring"),  # killed mid-restore: finish it
        ("restoring", False, False, [], [], "removed"),
    ],
)
def test_kept_removals_resume(status, member, compliant, removals, restores, kept_status):
    s = settings(today="2027-02-05", groups={"admins": "2027-02-01"})
    state = campaign.new_state(POOL)
    state.update(started="2027-01-01")
    campaign.record_removal(state, "admins", "amy", status, D("2027-02-02"))
    plan = run(s, [row("amy", "totp_preferred" if compliant else "no_mfa")], {"admins": ["amy"] if member else []}, state)
    assert [(r["username"], r["group"]) for r in plan.removals] == removals
    assert [(r["username"], r["group"]) for r in plan.restores] == restores
    assert plan.state["removals"]["admins/amy"]["status"] == kept_status
    if not compliant:
        assert plan.nudges[0]["group"] == "admins"
    # amy counts in her group's coverage, removed or not: every run of the day measures the same group
    assert plan.coverage["groups"]["admins"] == {"total": 1, "compliant": int(compliant), "percent": 100.0 if compliant else 0.0}


def test_removal_of_a_user_gone_or_excluded_is_forgotten():
    state = campaign.new_state(POOL)
    campaign.record_removal(state, "admins", "gone", "removed", D("2027-02-02"))
    campaign.record_removal(state, "admins", "bg", "removed", D("2027-02-02"))
    plan = run(settings(exclude=["bg"]), [dict(row("gone"), not_found=True, mfa_state=None)], state=state)
    assert plan.state["removals"] == {} and plan.restores == [] and plan.removals == []


def test_enrolled_users_are_marked_and_leave_the_list():
    state = campaign.new_state(POOL)
    state["users"]["amy"] = {"first_seen": "2027-01-01", "nudges": ["2027-01-01"], "enrolled": None}
    plan = run(settings(), [row("amy", "totp_preferred")], state=state)
    assert plan.nudges == [] and plan.state["users"]["amy"]["enrolled"] == "2027-01-10"


def test_nudge_due_again_after_the_interval():
    state = campaign.new_state(POOL)
    state["users"]["amy"] = {"first_seen": "2027-01-01", "nudges": ["2027-01-03"], "enrolled": None}
    assert run(settings(today="2027-01-09"), [row("amy")], state=state).nudges[0]["due"] is False
    assert run(settings(today="2027-01-10"), [row("amy")], state=state).nudges[0]["due"] is True
    campaign.record_nudge(state, "amy", D("2027-01-10"))
    campaign.record_nudge(state, "amy", D("2027-01-10"))
    assert state["users"]["amy"]["nudges"] == ["2027-01-03", "2027-01-10"]
    assert campaign.nudged_on(state, "amy", D("2027-01-10")) and not campaign.nudged_on(state, "amy", D("2027-01-11"))
    assert not campaign.nudged_on(state, "bo", D("2027-01-10"))


@pytest.mark.parametrize(
    "nudges, due, sent",
    [
        ([], True, 0),
        (["2027-01-10"], True, 0),  # handed over earlier today: the same list again
        (["2027-01-03", "2027-01-10"], True, 1),
        (["2027-01-04", "2027-01-10"], False, 1),
        (["2027-01-04"], False, 1),
        (["2027-01-11"], True, 0),  # a date after today (a clock set back) does not count either
    ],
)
def test_due_and_nudges_sent_count_only_nudges_before_today(nudges, due, sent):
    state = campaign.new_state(POOL)
    state["users"]["amy"] = {"first_seen": "2027-01-01", "nudges": nudges, "enrolled": None}
    plan = run(settings(today="2027-01-10"), [row("amy")], state=state)
    assert (plan.nudges[0]["due"], plan.nudges[0]["nudges_sent"]) == (due, sent)
    assert plan.state["users"]["amy"]["nudges"] == nudges  # the plan records nothing


def test_a_same_day_rerun_after_the_nudges_were_recorded_plans_the_same():
    first = run(settings(), [row("amy"), row("bo")])
    for name in ("amy", "bo"):
        campaign.record_nudge(first.state, name, D("2027-01-10"))
    again = run(settings(), [row("amy"), row("bo")], state=first.state)
    assert again.nudges == first.nudges and again.state == first.state


def test_lockout_risk_counts_users_without_mfa_and_clients_that_cannot_answer():
    clients = [
        {"client_id": "c1", "client_name": "web", "explicit_auth_flows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]},
        {"client_id": "c2", "client_name": "kiosk", "explicit_auth_flows": ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]},
    ]
    rows = [row("a"), row("b", "other_mfa_only"), row("c", "totp_enabled_not_preferred"), row("d", "totp_preferred")]
    risk = run(settings(), rows, clients=clients).lockout_risk
    assert risk["mfa_setup_users"] == 1
    assert [c["client_id"] for c in risk["app_clients"]] == ["c2"]
    assert risk["line"] == (
        "1 user will meet MFA_SETUP at their next sign-in; app clients that cannot answer it: "
        "kiosk (ALLOW_CUSTOM_AUTH, ALLOW_REFRESH_TOKEN_AUTH)"
    )


def test_plan_does_not_change_the_state_it_was_given():
    state = campaign.new_state(POOL)
    state["users"]["amy"] = {"first_seen": "2027-01-01", "nudges": [], "enrolled": None}
    before = json.dumps(state, sort_keys=True)
    run(settings(), [row("amy", "totp_preferred"), row("bob")], state=state)
    assert json.dumps(state, sort_keys=True) == before


# ---------------------------------------------------------------- the state file


def test_state_round_trip_is_private_and_atomic(tmp_path):
    directory = str(tmp_path / "state")
    assert campaign_state.load(directory, POOL) == campaign.new_state(POOL)
    state = campaign.new_state(POOL)
    campaign.record_removal(state, "admins", "amy", "pending", D("2027-02-02"))
    campaign_state.save(directory, POOL, state)
    path = campaign_state.path_for(directory, POOL)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert campaign_state.load(directory, POOL) == state
    assert sorted(os.listdir(directory)) == [f"{POOL}.campaign.json"]


def test_state_save_failure_leaves_the_old_file(tmp_path, monkeypatch):
    directory = str(tmp_path)
    campaign_state.save(directory, POOL, campaign.new_state(POOL))

    def boom(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(campaign_state.os, "replace", boom)
    with pytest.raises(OSError):
        campaign_state.save(directory, POOL, dict(campaign.new_state(POOL), started="2027-01-01"))
    assert campaign_state.load(directory, POOL)["started"] is None
    assert os.listdir(directory) == [f"{POOL}.campaign.json"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "cannot read the campaign state"),
        ("[]", "is not a campaign state"),
        (json.dumps(dict(campaign.new_state("us-east-1_Other"))), "belongs to user pool us-east-1_Other"),
        (json.dumps(dict(campaign.new_state(POOL), version=9)), "campaign state version 9"),
    ],
)
def test_bad_state_file_is_one_clear_error(tmp_path, content, message):
    (tmp_path / f"{POOL}.campaign.json").write_text(content)
    with pytest.raises(campaign.CampaignError, match=message):
        campaign_state.load(str(tmp_path), POOL)


def test_lock_refuses_a_second_run(tmp_path):
    with campaign_state.Lock(str(tmp_path), POOL):
        with pytest.raises(campaign.CampaignError, match="another campaign run holds"):
            with campaign_state.Lock(str(tmp_path), POOL):
                pass
    with campaign_state.Lock(str(tmp_path), POOL):
        pass
