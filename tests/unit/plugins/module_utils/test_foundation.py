# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared pieces: input checks (validate), the quota table (quotas), errors, the bulk Report."""

from __future__ import annotations

import stat

import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import audit
from ansible_collections.mfaops.cognito.plugins.module_utils import bulk
from ansible_collections.mfaops.cognito.plugins.module_utils import cognito
from ansible_collections.mfaops.cognito.plugins.module_utils import engine
from ansible_collections.mfaops.cognito.plugins.module_utils import errors
from ansible_collections.mfaops.cognito.plugins.module_utils import files
from ansible_collections.mfaops.cognito.plugins.module_utils import mfa
from ansible_collections.mfaops.cognito.plugins.module_utils import quotas
from ansible_collections.mfaops.cognito.plugins.module_utils import validate

from fakes import client_error, fast_caller


@pytest.mark.parametrize(
    "pool_id, region",
    [("us-east-1_AbCdEf123", "us-east-1"), ("eu-west-2_x", "eu-west-2"), ("us-east-1_AbC\n", None), ("\nus-east-1_AbC", None),
     ("us-east-1", None), ("", None), (None, None), ("us-east-1_" + "a" * 46, None)],
)
def test_pool_region_matches_the_whole_id(pool_id, region):
    assert validate.pool_region(pool_id) == region
    assert validate.is_user_pool_id(pool_id) is (region is not None)


def test_a_trailing_newline_is_refused_naming_the_id():
    with pytest.raises(errors.InvalidRequest, match=r"user_pool_id 'us-east-1_AbC\\n' is not a Cognito user pool id"):
        validate.check_user_pool_id("us-east-1_AbC\n", "us-east-1")


def test_limit_exceeded_is_not_throttling_and_is_not_retried():
    assert engine.classify(client_error("LimitExceededException", status=400)) == "error"

    class Client:
        calls = 0

        def admin_add_user_to_group(self, **_params):
            Client.calls += 1
            raise client_error("LimitExceededException", "Too many groups", "AdminAddUserToGroup", 400)

    call = fast_caller(Client(), retries=5)
    with pytest.raises(errors.AWS_ERRORS) as raised:
        cognito.admin_add_user_to_group(call, "us-east-1_X", "alice", "staff")
    assert (Client.calls, call.stats["admin_add_user_to_group"].retries, call.stats["admin_add_user_to_group"].throttled) == (1, 0, 0)
    assert errors.error_message(raised.value) == "Too many groups (AdminAddUserToGroup)"
    assert call.limiters[cognito.WRITE].rate == call.limiters[cognito.WRITE].ceiling


def test_quota_table():
    assert quotas.argspec([cognito.READ, cognito.WRITE, cognito.POOL_READ]) == {
        "reads_per_second": {"type": "float", "default": 60},
        "writes_per_second": {"type": "float", "default": 12},
    }
    assert quotas.rates([cognito.READ, cognito.POOL_READ], {"reads_per_second": 7}) == {"read": 7.0, "pool_read": 5.0}
    assert quotas.category_of("admin_set_user_mfa_preference").quota == "UserResourceUpdate"
    assert quotas.category_of("SetUserPoolMfaConfig").quota == "UserPoolResourceUpdate"
    assert quotas.default_quotas()["UserPoolRead"] == quotas.default_quotas()["UserPoolClientRead"] == 15
    pool_categories = [c for c in quotas.TABLE if c.quota.startswith("UserPool")]
    assert pool_categories and all(c.per_pool == c.pace == 5 for c in pool_categories)
    assert all(c.pace <= c.rate for c in quotas.TABLE)
    assert len(quotas.BY_OPERATION) == sum(len(c.operations) for c in quotas.TABLE)  # each operation in one category


def test_paginate_follows_the_token():
    pages = {"": {"Items": [1], "Next": "a"}, "a": {"Items": [2], "Next": "b"}, "b": {"Items": [3]}}
    assert [page["Items"] for page in cognito.paginate(pages.__getitem__, "Next")] == [[1], [2], [3]]


def test_fail_aws_names_the_abort():
    class Module:
        def fail_json(self, **result):
            raise SystemExit(result)

    with pytest.raises(SystemExit) as failed:
        errors.fail_aws(Module(), errors.Abort("ExpiredTokenException", "expired"), "Could not read X")
    assert failed.value.args[0] == {"msg": "Could not read X: ExpiredTokenException: expired"}


def test_report_keeps_quiet_rows_only_when_asked_and_counts_writes():
    report = bulk.Report(("same", "done", bulk.FAILED, bulk.NOT_ATTEMPTED), quiet=("same",), changing=("done",), shown=("same", "done"))
    report.add(bulk.Outcome("b", "same"))
    report.add(bulk.Outcome("a", bulk.FAILED, error_code="X", fields={"actions": ["create"], "groups": []}, wrote=True))
    report.add(bulk.not_attempted("c", errors.Abort("ExpiredTokenException", "expired")))
    result = report.result()
    assert result == {
        "changed": True,
        "counts": {"same": 1, "done": 0, "failed": 1, "not_attempted": 1, "total": 3},
        "users": [
            {"username": "a", "outcome": "failed", "actions": ["create"], "error_code": "X"},
            {"username": "c", "outcome": "not_attempted", "error_code": "ExpiredTokenException", "message": "not attempted: the run stopped early"},
        ],
    }
    assert report.summary(False) == "3 users: 1 same, 0 done, 1 failed, 1 not attempted"


def test_rows_file_appears_whole_and_private_and_replaces_a_symlink(tmp_path):
    """RowsFile: nothing at the path until close(); then 0600, one JSON object a line; a symlink there is replaced,
    never followed; the report's rows go to it instead of its result."""
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me")
    path = tmp_path / "rows" / "all.jsonl"
    path.parent.mkdir(mode=0o755)
    path.symlink_to(target)
    report = audit.AuditReport(users_file=str(path))
    report.add(audit.UserAudit("bob", audit.NON_COMPLIANT, enabled=True, user_status="CONFIRMED",
                               state=mfa.MfaState(enabled=(), preferred=None)))
    report.add(audit.UserAudit("alice", audit.NOT_FOUND))
    assert path.is_symlink()  # still the old path: the rows are in a temporary file beside it
    result = report.result()
    assert result["users"] == [] and result["users_file"] == str(path) and result["counts"]["total"] == 2
    assert not path.is_symlink() and target.read_text() == "keep me"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [row["username"] for row in files.read_rows(str(path))] == ["bob", "alice"]  # in the order judged
    assert sorted(p.name for p in path.parent.iterdir()) == ["all.jsonl"]


def test_a_users_file_that_cannot_be_written_is_one_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    failed = []

    def fail(msg):
        failed.append(msg)
        raise SystemExit(1)

    with pytest.raises(SystemExit):
        audit.opened_report(fail, users_file=str(blocker / "all.jsonl"))
    assert failed and failed[0].startswith(f"users_file {blocker / 'all.jsonl'}: cannot write it")
