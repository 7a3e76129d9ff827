"""The pipeline of a run with a state (incremental.PoolRun over user_state.Store), driven with a pool and a trail
held in memory: what a run reads, carries, keeps and forgets."""

from __future__ import annotations

import datetime
import json
import sqlite3

import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import incremental

POOL = "eu-west-1_Abc123"


class World:
    """A pool (username -> facts) and its CloudTrail, with a clock."""

    def __init__(self, users: int = 6):
        self.now = 1_800_000_000.0
        self.users = {f"u{i}": {"sub": f"s-{i}", "mfa": True, "modified": 1.0} for i in range(users)}
        self.events: list[tuple[str, float, str]] = []

    def clock(self) -> float:
        return self.now

    def entry(self, name: str, key: str = "Attributes") -> dict:
        user = self.users[name]
        return {"Username": name, key: [{"Name": "sub", "Value": user["sub"]}], "UserStatus": "CONFIRMED",
                "Enabled": True, "UserLastModifiedDate": user["modified"]}

    def answer(self, name: str) -> dict:
        answer = self.entry(name, "UserAttributes")
        if self.users[name]["mfa"]:
            answer.update(UserMFASettingList=["SOFTWARE_TOKEN_MFA"], PreferredMfaSetting="SOFTWARE_TOKEN_MFA")
        return answer

    def list_page(self, _token: str) -> dict:
        return {"Users": [self.entry(name) for name in sorted(self.users)]}

    def lookup(self, name: str, start: float, end: float, _token: str) -> dict:
        return {"Events": [{"EventName": event, "EventTime": datetime.datetime.fromtimestamp(at, datetime.timezone.utc),
                            "CloudTrailEvent": json.dumps({"additionalEventData": {"sub": sub},
                                                           "requestParameters": {"userPoolId": POOL}})}
                           for event, at, sub in self.events if event == name and start <= at <= end]}

    def change(self, name: str, mfa: bool) -> None:
        """The user changes their MFA (an event naming them; the listing does not show it)."""
        self.users[name]["mfa"] = mfa
        self.events.append(("SetUserMFAPreference", float(int(self.now)), self.users[name]["sub"]))
        self.now += 10


class Exclude:
    def __init__(self, names):
        self.names = set(names)

    def match(self, user) -> bool:
        return user["Username"] in self.names


def settings(state_dir) -> incremental.Settings:
    return incremental.Settings(str(state_dir), 900.0, None, None, 5.0, datetime.timedelta(days=7))


def fail(msg):
    raise RuntimeError(msg)


def run(world: World, state_dir, failing=(), outcome=None, exclude=(), carried_outcome=None) -> dict:
    """One audit-like run: {username: 'read' | 'failed' | 'carried'}; the read users' answers are saved with
    `outcome`, the carried ones get `carried_outcome`."""
    done = {}
    with incremental.opened(settings(state_dir), POOL, fail) as store:
        pool_run = incremental.PoolRun(store, POOL, settings(state_dir), world.list_page, world.lookup, clock=world.clock,
                                       exclusions=Exclude(exclude))
        pool_run.prepare()
        for item in list(pool_run.items()):
            world.now += 0.5
            if item.carried:
                done[item.username] = "carried"
                pool_run.saved(item, item.read_at, None, carried_outcome)
            elif item.username in failing:
                done[item.username] = "failed"
                pool_run.saved(item, None, None, None)
            else:
                done[item.username] = "read"
                pool_run.saved(item, world.now, world.answer(item.username), outcome)
        pool_run.finish()
        rows = {name: store.user(name) for name in world.users}
    world.now += 100
    return done, rows


def test_a_user_whose_read_failed_is_read_next_run_although_the_mark_moved_past_their_event(tmp_path):
    world = World()
    run(world, tmp_path)
    world.change("u1", mfa=False)
    done, _rows = run(world, tmp_path, failing={"u1"})
    assert done["u1"] == "failed" and list(done.values()).count("read") == 0
    done, rows = run(world, tmp_path)
    assert done["u1"] == "read" and '"UserMFASettingList"' not in rows["u1"][5]  # read again: no TOTP any more
    assert list(done.values()).count("read") == 1


def test_a_carried_users_last_outcome_survives_an_audit_and_a_run_that_never_reached_them(tmp_path):
    world = World()
    run(world, tmp_path, outcome="not_enrolled")
    for outcome in (None, "not_attempted"):  # an audit; an aborted enforcement
        done, rows = run(world, tmp_path, carried_outcome=outcome)
        assert set(done.values()) == {"carried"}
        assert {row[6] for row in rows.values()} == {"not_enrolled"}, outcome
    _done, rows = run(world, tmp_path, carried_outcome="unchanged")  # an enforcement's verdict replaces it
    assert {row[6] for row in rows.values()} == {"unchanged"}


def test_users_a_run_leaves_out_keep_their_rows_unless_it_cannot_vouch_for_them(tmp_path):
    world = World()
    run(world, tmp_path, outcome="not_enrolled")
    world.change("u2", mfa=False)
    world.users["u3"]["modified"] = 2.0
    done, rows = run(world, tmp_path, exclude={"u1", "u2", "u3"})
    assert "u1" not in done and rows["u1"] is not None  # left out, unchanged: kept (e.g. a listed run's refusal)
    assert rows["u2"] is None and rows["u3"] is None  # named by an event, changed in the listing: forgotten
    del world.users["u4"]
    _done, rows = run(world, tmp_path, exclude={"u1"})
    assert rows["u1"] is not None and "u4" not in rows
    run(world, tmp_path, outcome="not_enrolled")
    with sqlite3.connect(tmp_path / f"{POOL}.sqlite3") as db:  # the last run 100 days ago: a full read, that cannot tell
        db.execute("UPDATE meta SET value = ? WHERE key = 'signal_through'", (repr(world.now - 100 * 86400),))
    _done, rows = run(world, tmp_path, exclude={"u1"})
    assert rows["u1"][6] == "not_enrolled" and rows["u1"][5] is None  # the refusal kept, the record dropped
    done, rows = run(world, tmp_path)
    assert done["u1"] == "read" and rows["u1"][5] is not None  # so a whole-pool run reads them before carrying them


def test_a_state_damaged_halfway_is_one_error_naming_the_file(tmp_path):
    world = World(users=3000)
    run(world, tmp_path)
    path = tmp_path / f"{POOL}.sqlite3"
    data = bytearray(path.read_bytes())
    data[8192:12288] = b"A" * 4096  # a page in the middle of the users table
    path.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match=rf"state_dir: .*{POOL}\.sqlite3 is damaged .*move it away"):
        run(world, tmp_path)


@pytest.mark.parametrize(
    ("facts", "line"),
    [
        (incremental.Facts(path="p", started=0.0, read=3, to_read=3, carried=97, reasons={"named by an event": 2, "new": 1}),
         "3 read (3 planned: named by an event 2, new 1), 97 carried from the state"),
        # a run that stopped early read fewer than it planned; the message says both
        (incremental.Facts(path="p", started=0.0, read=1, to_read=3, carried=97, reasons={"new": 3}),
         "1 read (3 planned: new 3), 97 carried from the state"),
        (incremental.Facts(path="p", started=0.0, read=0, carried=100), "0 read, 100 carried from the state"),
        (incremental.Facts(path="p", started=0.0, read=100, to_read=100, carried=0, reasons={"full read": 100},
                           full_read_reason="first run with this state"),
         "100 read (full read: first run with this state), 0 carried from the state"),
    ],
    ids=["changed", "stopped-early", "quiet", "full"],
)
def test_the_message_says_how_many_were_read_and_why(facts, line):
    assert facts.line() == line
