"""One identity per person: pool naming, identity keys, exclusions, duplicates across forms (tables + properties)."""

import string
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.mfaops.cognito.plugins.module_utils import identity
from ansible_collections.mfaops.cognito.plugins.module_utils.identity import (
    DuplicateUser,
    Exclusions,
    Identity,
    PoolNaming,
    Roster,
)
from ansible_collections.mfaops.cognito.plugins.module_utils.mfa import InvalidRequest

ALICE_SUB = "7f3c2a10-1b2c-4d5e-8f90-a1b2c3d4e5f6"
EMAIL_POOL = PoolNaming(case_sensitive=False, username_attributes=frozenset({"email"}))
PHONE_POOL = PoolNaming(case_sensitive=True, username_attributes=frozenset({"phone_number"}))
ALIAS_POOL = PoolNaming(case_sensitive=True, alias_attributes=frozenset({"email", "preferred_username"}))
CASE_BLIND = PoolNaming(case_sensitive=False)
PLAIN = PoolNaming()


def record(username, key="UserAttributes", **attributes):
    return {"Username": username, key: [{"Name": name, "Value": value} for name, value in attributes.items()]}


ALICE = record(ALICE_SUB, sub=ALICE_SUB, email="alice@example.com", phone_number="+15550100")


# ---------------------------------------------------------------- pool naming


@pytest.mark.parametrize(
    "described, expected",
    [
        ({"UserPool": {}}, PoolNaming(True, frozenset(), frozenset())),
        ({"UserPool": {"UsernameConfiguration": {"CaseSensitive": False}}}, PoolNaming(False, frozenset(), frozenset())),
        (
            {"UserPool": {"UsernameAttributes": ["email"], "UsernameConfiguration": {"CaseSensitive": False}}},
            PoolNaming(False, frozenset({"email"}), frozenset()),
        ),
        ({"UsernameAttributes": ["phone_number"]}, PoolNaming(True, frozenset({"phone_number"}), frozenset())),
        (
            {"UserPool": {"AliasAttributes": ["email", "preferred_username", "bogus"]}},
            PoolNaming(True, frozenset(), frozenset({"email", "preferred_username"})),
        ),
    ],
    ids=["nothing-set-is-case-sensitive", "case-blind", "email-pool", "bare-user-pool-member", "alias-pool"],
)
def test_pool_naming_from_describe_user_pool(described, expected):
    assert PoolNaming.from_user_pool(described) == expected


@pytest.mark.parametrize(
    "naming, name, kind, expected",
    [
        (PLAIN, "Alice", "username", "Alice"),
        (CASE_BLIND, "Alice", "username", "alice"),
        (CASE_BLIND, "Alice@Example.COM", "email", "alice@example.com"),
        (CASE_BLIND, "Ops_Lead", "preferred_username", "ops_lead"),
        (PLAIN, "Alice@Example.COM", "email", "Alice@Example.COM"),
        (PLAIN, ALICE_SUB.upper(), "sub", ALICE_SUB),
        (CASE_BLIND, "+15550100", "phone_number", "+15550100"),
    ],
)
def test_normalize(naming, name, kind, expected):
    assert naming.normalize(name, kind) == expected


def test_sign_in_names():
    assert EMAIL_POOL.sign_in_names == {"email"} and EMAIL_POOL.generated_usernames
    assert ALIAS_POOL.sign_in_names == {"username", "email", "preferred_username"}
    assert PLAIN.sign_in_names == {"username"} and not PLAIN.generated_usernames


# ---------------------------------------------------------------- identities


@pytest.mark.parametrize("key", ["UserAttributes", "Attributes"], ids=["AdminGetUser", "ListUsers"])
def test_identity_from_either_record_shape(key):
    got = identity.identity_from_user(record(ALICE_SUB, key, sub=ALICE_SUB, email="alice@example.com", preferred_username="al"))
    assert got == Identity(username=ALICE_SUB, sub=ALICE_SUB, email="alice@example.com", preferred_username="al")


def test_identity_without_attributes_and_without_username():
    assert identity.identity_from_user({"Username": "bob"}) == Identity("bob")
    with pytest.raises(ValueError, match="without a Username"):
        identity.identity_from_user({"Attributes": []})


def test_report_row_keys_by_canonical_username_and_shows_the_email():
    alice = identity.identity_from_user(ALICE)
    assert alice.row("Alice@Example.com") == {"username": ALICE_SUB, "email": "alice@example.com", "listed_as": "Alice@Example.com"}


# ---------------------------------------------------------------- exclusions


@pytest.mark.parametrize(
    "naming, entry, excluded",
    [
        (EMAIL_POOL, "Alice@Example.com", True),
        (EMAIL_POOL, "ALICE@EXAMPLE.COM", True),
        (EMAIL_POOL, ALICE_SUB, True),
        (EMAIL_POOL, ALICE_SUB.upper(), True),
        (EMAIL_POOL, "+15550100", True),
        (EMAIL_POOL, "bob@example.com", False),
        (PHONE_POOL, "+15550100", True),
        (PHONE_POOL, "alice@example.com", True),
        (PHONE_POOL, "Alice@example.com", False),  # case-sensitive pool: another string
        (PLAIN, ALICE_SUB.upper(), True),  # a UUID has no case
    ],
)
def test_exclusion_matches_by_any_name(naming, entry, excluded):
    assert (Exclusions([entry], naming).match(ALICE) == entry) is excluded


def test_exclusion_by_preferred_username_and_username():
    user = record("Alice", sub=ALICE_SUB, preferred_username="BreakGlass")
    assert Exclusions(["breakglass"], CASE_BLIND).match(user) == "breakglass"
    assert Exclusions(["alice"], CASE_BLIND).match(user) == "alice"
    assert Exclusions(["breakglass"], ALIAS_POOL).match(user) is None
    assert Exclusions(["BreakGlass"], ALIAS_POOL).match(user) == "BreakGlass"


def test_exclusion_reports_the_entry_as_listed_first():
    assert Exclusions(["ALICE@example.com", "alice@EXAMPLE.com"], EMAIL_POOL).match(ALICE) == "ALICE@example.com"


def test_match_name_before_resolution_and_may_write_guard():
    exclusions = Exclusions(["BreakGlass@Example.com"], EMAIL_POOL)
    assert exclusions.match_name("breakglass@example.com") == "BreakGlass@Example.com"
    assert exclusions.match_name("someone@example.com") is None
    assert identity.may_write(record("uuid-1", email="breakglass@example.com"), exclusions) == "BreakGlass@Example.com"
    assert identity.may_write(ALICE, exclusions) is None
    assert not Exclusions([], EMAIL_POOL) and exclusions


# ---------------------------------------------------------------- duplicates


def test_listed_names_that_differ_only_in_case_are_one_user_in_a_case_blind_pool():
    with pytest.raises(DuplicateUser, match=r"usernames\[1\] \(alice@example.com\): the same user as usernames\[0\]") as raised:
        identity.check_listed_names(["Alice@Example.com", "alice@example.com"], EMAIL_POOL)
    assert "case-blind" in str(raised.value)
    assert isinstance(raised.value, InvalidRequest)
    identity.check_listed_names(["Alice", "alice"], PLAIN)


def test_email_and_uuid_of_one_person_are_a_duplicate_naming_both_entries():
    roster = Roster(EMAIL_POOL, Exclusions([], EMAIL_POOL))
    assert roster.add(ALICE, "Alice@Example.com", "usernames[0]", explicit=True).listed_as == "Alice@Example.com"
    with pytest.raises(DuplicateUser) as raised:
        roster.add(ALICE, ALICE_SUB, "usernames[1]", explicit=True)
    message = str(raised.value)
    assert "usernames[1]" in message and "usernames[0] (Alice@Example.com)" in message and ALICE_SUB in message


def test_a_user_also_in_a_group_is_kept_once_as_first_listed():
    roster = Roster(EMAIL_POOL, Exclusions([], EMAIL_POOL))
    roster.add(ALICE, "Alice@Example.com", "usernames[0]", explicit=True)
    assert roster.add(record(ALICE_SUB, "Attributes", sub=ALICE_SUB), source="group 'staff'") is None
    assert roster.duplicates == 1
    assert [entry.row() for entry in roster.entries.values()] == [
        {"username": ALICE_SUB, "email": "alice@example.com", "listed_as": "Alice@Example.com"}
    ]


def test_exclusion_wins_over_every_source_and_is_recorded_once():
    roster = Roster(EMAIL_POOL, Exclusions(["ALICE@example.com"], EMAIL_POOL))
    assert roster.add(ALICE, "alice@example.com", "usernames[0]", explicit=True) is None
    assert roster.add(ALICE, source="group 'staff'") is None
    assert roster.usernames() == [] and len(roster.excluded) == 1
    assert [(entry.listed_as, matched) for entry, matched in roster.excluded.values()] == [("alice@example.com", "ALICE@example.com")]
    assert not roster.is_selected(ALICE)


# ---------------------------------------------------------------- the property


class FakeCognito:
    """Users of one pool, stored and looked up the way Cognito does it (independent of identity.py).

    Case-blind pools store username, email and preferred_username in lowercase; AdminGetUser accepts
    the username, the sub, or a sign-in alias.
    """

    def __init__(self, kind, case_sensitive, people):
        self.kind = kind
        self.case_sensitive = case_sensitive
        self.users = {}
        for person in people:
            names = dict(person)
            if not case_sensitive:
                for key in ("username", "email", "preferred_username"):
                    names[key] = names[key].lower()
            self.users[names["username"]] = names
        self.writes = []

    @property
    def described(self):
        pool = {"UsernameConfiguration": {"CaseSensitive": self.case_sensitive}}
        if self.kind in ("email", "phone_number"):
            pool["UsernameAttributes"] = [self.kind]
        elif self.kind == "alias":
            pool["AliasAttributes"] = ["email", "phone_number", "preferred_username"]
        return {"UserPool": pool}

    def sign_in_keys(self):
        if self.kind in ("email", "phone_number"):
            return (self.kind,)
        return ("username", "email", "phone_number", "preferred_username") if self.kind == "alias" else ("username",)

    def _record(self, names, key):
        return {
            "Username": names["username"],
            key: [{"Name": name, "Value": names[name]} for name in ("sub", "email", "phone_number", "preferred_username")],
        }

    def admin_get_user(self, name):
        for names in self.users.values():
            for key in self.sign_in_keys() + ("sub",):
                value = names[key]
                folded = key == "sub" or (not self.case_sensitive and key != "phone_number")
                if (value.lower() == name.lower()) if folded else (value == name):
                    return self._record(names, "UserAttributes")
        raise LookupError(name)

    def list_users(self):
        return [self._record(names, "Attributes") for names in self.users.values()]

    def write(self, username):
        self.writes.append(username)


def random_case(draw, text):
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(ch.swapcase() if flip else ch for ch, flip in zip(text, flips))


@st.composite
def scenarios(draw, kind, case_sensitive):
    count = draw(st.integers(min_value=1, max_value=5))
    stems = draw(st.lists(st.text(string.ascii_letters, min_size=1, max_size=6), min_size=count, max_size=count, unique_by=str.lower))
    people = []
    for index, stem in enumerate(stems):
        sub = str(uuid.UUID(int=draw(st.integers(min_value=0, max_value=2**128 - 1))))
        people.append(
            {
                "username": sub if kind in ("email", "phone_number") else f"U{stem}{index}",
                "sub": sub,
                "email": f"{stem}.{index}@Example.com",
                "phone_number": f"+1555{index:07d}",
                "preferred_username": f"P{stem}{index}",
            }
        )
    if len({person["sub"] for person in people}) < len(people):
        people = people[:1]
    pool = FakeCognito(kind, case_sensitive, people)
    target = draw(st.sampled_from(sorted(pool.users)))
    names = pool.users[target]
    excluded_kind = draw(st.sampled_from(["username", "sub", "email", "phone_number", "preferred_username"]))
    entry = names[excluded_kind]
    if excluded_kind == "sub" or (not case_sensitive and excluded_kind != "phone_number"):
        entry = random_case(draw, entry)
    # Inline entries: some users, each once, named in any form Cognito accepts for this pool.
    inline = []
    for username in draw(st.lists(st.sampled_from(sorted(pool.users)), unique=True)):
        key = draw(st.sampled_from(pool.sign_in_keys() + ("sub",)))
        form = pool.users[username][key]
        if key == "sub" or (not case_sensitive and key != "phone_number"):
            form = random_case(draw, form)
        inline.append(form)
    groups = draw(st.lists(st.lists(st.sampled_from(sorted(pool.users)), unique=True), max_size=2))
    all_users = draw(st.booleans())
    return pool, target, entry, inline, groups, all_users


def enforce(pool, inline, groups, all_users, exclude):
    """The selection -> read -> guard -> write path as the modules will wire it (docs: /work/notes/D-wiring.md)."""
    naming = PoolNaming.from_user_pool(pool.described)
    identity.check_listed_names(inline, naming)
    roster = Roster(naming, Exclusions(exclude, naming))
    for index, name in enumerate(inline):
        roster.add(pool.admin_get_user(name), name, f"usernames[{index}]", explicit=True)
    by_username = {user["Username"]: user for user in pool.list_users()}
    for number, members in enumerate(groups):
        for username in members:
            roster.add(by_username[username], source=f"group {number}")
    if all_users:
        for user in pool.list_users():
            roster.add(user, source="all users")
    for username in roster.usernames():
        before_write = pool.admin_get_user(username)
        if identity.may_write(before_write, roster.exclusions) is None:
            pool.write(before_write["Username"])
    return roster


POOL_KINDS = [
    pytest.param(kind, case_sensitive, id=f"{kind}-pool-{'case-sensitive' if case_sensitive else 'case-blind'}")
    for kind in ("email", "phone_number", "alias", "username")
    for case_sensitive in (False, True)
]


@pytest.mark.parametrize("kind, case_sensitive", POOL_KINDS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_an_excluded_account_is_never_sent_a_write(kind, case_sensitive, data):
    pool, target, entry, inline, groups, all_users = data.draw(scenarios(kind, case_sensitive))
    roster = enforce(pool, inline, groups, all_users, [entry])
    assert target not in pool.writes
    assert target not in roster.usernames()
    # ... and nobody else is lost: every other listed person is written exactly once.
    named = {pool.admin_get_user(name)["Username"] for name in inline} | {u for members in groups for u in members}
    if all_users:
        named |= set(pool.users)
    assert sorted(pool.writes) == sorted(named - {target})
