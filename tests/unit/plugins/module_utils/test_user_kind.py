"""User status and kind: which users get a write, and which count in the compliance denominator."""

import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import user_kind
from ansible_collections.mfaops.cognito.plugins.module_utils.user_kind import UserKind, classify


@pytest.mark.parametrize(
    "status, enabled, reason, writable, counted, counted_with_disabled",
    [
        ("CONFIRMED", True, None, True, True, True),
        ("CONFIRMED", False, "disabled", True, False, True),
        ("EXTERNAL_PROVIDER", True, "federated", False, False, False),
        ("EXTERNAL_PROVIDER", False, "federated", False, False, False),
        ("UNCONFIRMED", True, "unconfirmed", False, False, False),
        ("UNCONFIRMED", False, "unconfirmed", False, False, False),
        ("RESET_REQUIRED", True, "password_reset_required", False, False, False),
        ("FORCE_CHANGE_PASSWORD", True, "force_change_password", False, False, False),
        ("FORCE_CHANGE_PASSWORD", False, "force_change_password", False, False, False),
        ("UNKNOWN", True, None, True, True, True),
        ("COMPROMISED", True, None, True, True, True),
        (None, None, None, True, True, True),
        (None, False, "disabled", True, False, True),
    ],
)
def test_kind_table(status, enabled, reason, writable, counted, counted_with_disabled):
    record = {"Username": "u"}
    if status is not None:
        record["UserStatus"] = status
    if enabled is not None:
        record["Enabled"] = enabled
    kind = classify(record)
    assert kind.reason == reason
    assert kind.state == ("applicable" if reason is None else "not_applicable")
    assert kind.writable is writable
    assert kind.counted() is counted
    assert kind.counted(count_disabled=True) is counted_with_disabled
    assert user_kind.counted(record) is counted


def test_every_reason_has_a_message_and_federated_says_no_write():
    assert set(user_kind.MESSAGES) == set(user_kind.REASONS)
    assert "no write" in UserKind("federated").message
    assert UserKind().message is None
    assert UserKind("disabled").as_dict() == {"state": "not_applicable", "reason": "disabled"}
