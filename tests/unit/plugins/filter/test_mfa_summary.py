"""The enforce_mfa role's per-pool summary over batch results."""

from ansible_collections.mfaops.cognito.plugins.filter.mfa_summary import mfa_summary


def batch(counts, users=()):
    full = {"unchanged": 0, "changed": 0, "not_enrolled": 0, "not_found": 0, "failed": 0, "not_attempted": 0}
    full.update(counts)
    return {"counts": dict(full, total=sum(full.values())), "users": list(users), "item": []}


def test_sums_batches_and_lists_users():
    result = mfa_summary(
        {
            "results": [
                batch({"unchanged": 3, "changed": 1}, [{"username": "bob", "outcome": "changed"}]),
                batch(
                    {"not_enrolled": 1, "failed": 1},
                    [
                        {"username": "amy", "outcome": "not_enrolled"},
                        {"username": "cy", "outcome": "failed", "error_code": "InternalErrorException", "message": "x"},
                    ],
                ),
                {"skipped": True},
            ]
        },
        already_compliant=10,
    )
    assert result["counts"] == {
        "unchanged": 13, "changed": 1, "not_enrolled": 1, "not_applicable": 0, "excluded": 0, "not_found": 0, "failed": 1,
        "not_attempted": 0, "total": 16,
    }
    assert (result["changed"], result["not_enrolled"], result["not_found"]) == (["bob"], ["amy"], [])
    assert result["failed"] == [{"username": "cy", "outcome": "failed", "error_code": "InternalErrorException", "message": "x"}]
    assert result["message"] == "16 users: 13 already compliant, 1 changed, 1 not enrolled, 1 failed"


def test_a_batch_that_failed_whole_loses_no_user():
    failed_batch = {"failed": True, "msg": "Couldn't connect to AWS", "item": [{"username": "a"}, {"username": "b"}]}
    result = mfa_summary([failed_batch, batch({"changed": 1})], check_mode=True)
    assert result["counts"]["not_attempted"] == 2
    assert [row["username"] for row in result["failed"]] == ["a", "b"]
    assert result["message"] == "3 users: 0 already compliant, 1 would change, 2 not attempted"


def test_nothing_to_do():
    result = mfa_summary({"results": [], "skipped": True, "msg": "No items in the list"}, already_compliant=5)
    assert result["counts"]["total"] == 5
    assert result["message"] == "5 users: 5 already compliant, 0 changed"


def test_thresholds_name_what_fails_the_pool():
    result = mfa_summary(
        [
            batch({"unchanged": 1, "changed": 2, "not_enrolled": 1}, [{"username": "bob", "outcome": "not_enrolled"}]),
            {"failed": True, "msg": "expired", "item": [{"username": "x"}]},
        ],
        fail_on=["not_enrolled", "failed"],
        max_noncompliant_percent=25,
    )
    assert result["problems"] == [
        "The run stopped early (BatchFailed): run it again once the cause is fixed.",
        "1 not enrolled (fails the run: enforce_mfa_fail_on): bob.",
        "40.0 % of the users are not on TOTP, more than enforce_mfa_max_noncompliant_percent (25 %).",
    ]
    assert mfa_summary([batch({"unchanged": 4, "not_enrolled": 1})], max_noncompliant_percent=20)["problems"] == []


DENIED = ("Could not list the users of the pool: AccessDeniedException: User: arn:aws:iam::123456789012:user/x is not "
          "authorized to perform: cognito-idp:ListUsers")


def test_a_selection_that_failed_fails_the_pool_with_its_message():
    """Issue 27: the selection (loop item []) failed, before any user (no counts) or part-way (counts of the users
    it reached): the users it did not reach are unknown, so the pool fails whatever the thresholds."""
    listed = batch({"changed": 2}, [{"username": "amy", "outcome": "changed"}, {"username": "bob", "outcome": "changed"}])
    listed["item"] = ["amy", "bob"]
    before_any = {"failed": True, "msg": DENIED, "item": []}
    part_way = dict(batch({"changed": 1}), failed=True, msg="Could not list the users of the pool: ExpiredTokenException: x. 1 users")
    for runs, reason in (([listed, before_any], DENIED), ([part_way], part_way["msg"])):
        result = mfa_summary(runs, max_noncompliant_percent=100, max_failed=1000)
        assert result["incomplete"] == [reason]
        assert result["problems"][0] == f"The users to work on could not all be read, so not every user was reached: {reason}"
        assert result["message"].endswith(f"; NOT ALL USERS REACHED: {reason}")
    assert mfa_summary([listed, before_any])["counts"]["total"] == 2


def test_a_failed_batch_of_named_users_is_not_a_failed_selection():
    result = mfa_summary([{"failed": True, "msg": "expired", "item": [{"username": "x"}]}])
    assert result["incomplete"] == [] and result["not_attempted"] == ["x"]
    assert result["problems"] == ["The run stopped early (BatchFailed): run it again once the cause is fixed."]
    assert mfa_summary([batch({"changed": 1})])["incomplete"] == []  # a selection that did not fail
