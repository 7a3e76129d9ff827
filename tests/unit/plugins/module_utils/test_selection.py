"""Which users a task works on: option checks, paging, exclusions, duplicates, laziness, listing errors."""

import itertools

import botocore.exceptions
import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import selection
from ansible_collections.mfaops.cognito.plugins.module_utils.engine import Abort
from ansible_collections.mfaops.cognito.plugins.module_utils.mfa import InvalidRequest
from ansible_collections.mfaops.cognito.plugins.module_utils.selection import Selection


class FakePool:
    """ListUsers / ListUsersInGroup over in-memory users, `page` users a page; records every call."""

    def __init__(self, users, groups=None, page=60):
        self.users = list(users)
        self.groups = groups or {}
        self.page = page
        self.calls = []

    def _page(self, names, token, token_key):
        start = int(token or 0)
        chunk = names[start:start + self.page]
        response = {"Users": [{"Username": name, "Enabled": True} for name in chunk]}
        if start + self.page < len(names):
            response[token_key] = str(start + self.page)
        return response

    def list_users(self, filter_, token):
        self.calls.append(("list_users", filter_, token))
        names = self.users
        if filter_:
            prefix = filter_.split('"')[1]
            names = [name for name in names if name.startswith(prefix)]
        return self._page(names, token, "PaginationToken")

    def list_users_in_group(self, group, token):
        self.calls.append(("list_users_in_group", group, token))
        if group not in self.groups:
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "ResourceNotFoundException", "Message": "Group not found."}}, "ListUsersInGroup"
            )
        return self._page(self.groups[group], token, "NextToken")

    def stream(self, chosen, stats=None):
        return selection.usernames(chosen, self.list_users, self.list_users_in_group, stats)


def names(count, prefix="user-"):
    return [f"{prefix}{i:05d}" for i in range(count)]


# ---------------------------------------------------------------- options


def opts(**given):
    base = dict(usernames=None, groups=None, all_users=False, filter=None, exclude=[])
    base.update(given)
    return base


@pytest.mark.parametrize(
    "given, expected",
    [
        (dict(usernames=["a", "b"]), Selection(usernames=("a", "b"))),
        (dict(usernames=[]), Selection()),
        (dict(groups=["admins"], usernames=["a"]), Selection(usernames=("a",), groups=("admins",))),
        (dict(all_users=True), Selection(all_users=True)),
        (dict(all_users=True, filter='status = "Enabled"'), Selection(all_users=True, filter='status = "Enabled"')),
        (dict(all_users=True, filter='email ^= "ops-"', exclude=["x"]), Selection(all_users=True, filter='email ^= "ops-"', exclude=("x",))),
        (
            dict(all_users=True, filter='cognito:user_status = "FORCE_CHANGE_PASSWORD"'),
            Selection(all_users=True, filter='cognito:user_status = "FORCE_CHANGE_PASSWORD"'),
        ),
    ],
)
def test_from_params(given, expected):
    assert selection.from_params(opts(**given)) == expected


@pytest.mark.parametrize(
    "given, message",
    [
        (dict(), "choose the users"),
        (dict(all_users=True, usernames=["a"]), "all_users cannot be combined"),
        (dict(all_users=True, groups=["g"]), "all_users cannot be combined"),
        (dict(usernames=["a"], filter='status = "Enabled"'), "filter works only with all_users"),
        (dict(all_users=True, filter="status=Enabled"), "is not a Cognito ListUsers filter"),
        (dict(all_users=True, filter='status = "Enabled" and email = "x"'), "is not a Cognito ListUsers filter"),
        (dict(usernames=["ok", "has space"]), "usernames[1]"),
        (dict(usernames=[""]), "usernames[0]"),
        (dict(groups=[" "]), "groups[0]"),
        (dict(usernames=["a"], exclude=["bad\tname"]), "exclude[0]"),
    ],
)
def test_from_params_errors(given, message):
    with pytest.raises(InvalidRequest) as error:
        selection.from_params(opts(**given))
    assert message in str(error.value)


# ---------------------------------------------------------------- streaming


def test_all_users_pages_through_the_pool():
    pool = FakePool(names(150))
    stats = selection.SelectionStats()
    assert list(pool.stream(Selection(all_users=True), stats)) == names(150)
    assert [call[2] for call in pool.calls] == ["", "60", "120"]
    assert stats.pages == 3


def test_filter_is_passed_to_list_users():
    pool = FakePool(names(5) + names(3, "ops-"))
    assert list(pool.stream(Selection(all_users=True, filter='username ^= "ops-"'))) == names(3, "ops-")
    assert pool.calls == [("list_users", 'username ^= "ops-"', "")]


def test_stream_is_lazy():
    """Only the first page is fetched up front; the next one when the stream reaches it."""
    pool = FakePool(names(100_000))
    stream = pool.stream(Selection(all_users=True))
    assert len(pool.calls) == 1
    assert list(itertools.islice(stream, 61)) == names(61)
    assert len(pool.calls) == 2


def test_usernames_then_groups_each_user_once_exclusions_win():
    pool = FakePool(names(10), groups={"admins": ["a", "b", "c"], "ops": ["c", "d", "x"]})
    stats = selection.SelectionStats()
    chosen = Selection(usernames=("b", "z"), groups=("admins", "ops"), exclude=("x", "z", "nobody"))
    assert list(pool.stream(chosen, stats)) == ["b", "a", "c", "d"]
    assert (stats.excluded, stats.duplicates) == (2, 2)


def test_group_members_over_several_pages():
    members = names(130, "member-")
    pool = FakePool([], groups={"big": members})
    assert list(pool.stream(Selection(groups=("big",)))) == members
    assert [call[2] for call in pool.calls] == ["", "60", "120"]


def test_missing_group_fails_before_any_user_is_handed_out():
    pool = FakePool([], groups={"admins": ["a"]})
    with pytest.raises(selection.SelectionError) as error:
        pool.stream(Selection(usernames=("u",), groups=("admins", "nope")))
    assert "the members of group 'nope'" in str(error.value)
    assert "ResourceNotFoundException" in str(error.value)


def test_bad_filter_fails_before_any_user_is_handed_out():
    def list_users(_filter, _token):
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "InvalidParameterException", "Message": "Invalid search attribute: foo"}}, "ListUsers"
        )

    with pytest.raises(selection.SelectionError) as error:
        selection.usernames(Selection(all_users=True, filter='foo = "x"'), list_users, None)
    assert "filter 'foo = \"x\"'" in str(error.value)
    assert "InvalidParameterException" in str(error.value)


def test_error_on_a_later_page_ends_the_stream_with_a_selection_error():
    pool = FakePool(names(200))
    original = pool.list_users

    def flaky(filter_, token):
        if token == "120":
            raise Abort("ExpiredTokenException", "The security token included in the request is expired")
        return original(filter_, token)

    stream = selection.usernames(Selection(all_users=True), flaky, None)
    got = []
    with pytest.raises(selection.SelectionError) as error:
        for name in stream:
            got.append(name)
    assert got == names(120)
    assert "ExpiredTokenException" in str(error.value)


def test_empty_pool_and_empty_list():
    assert list(FakePool([]).stream(Selection(all_users=True))) == []
    assert list(FakePool([]).stream(Selection())) == []
