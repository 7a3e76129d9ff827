"""Counts in words (plugins/module_utils/words.py) and the counted filter."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mfaops.cognito.plugins.filter.words import counted as counted_filter
from ansible_collections.mfaops.cognito.plugins.module_utils.words import agreed, counted


@pytest.mark.parametrize("number, noun, many, text", [
    (0, "user", None, "0 users"), (1, "user", None, "1 user"), (2, "user", None, "2 users"), (1, "batch", None, "1 batch"),
    (3, "batch", None, "3 batches"), (2, "entry", None, "2 entries"), (2, "service account", None, "2 service accounts"),
    (2, "person", "people", "2 people"), (-1, "day", None, "-1 days"),
])
def test_counted(number, noun, many, text):
    assert counted(number, noun, many) == text


def test_agreed_and_the_filter():
    assert (agreed(1, "was"), agreed(2, "was"), agreed(1, "member"), agreed(5, "member")) == ("was", "were", "member", "members")
    assert (counted_filter("1", "user"), counted_filter(4, "threshold")) == ("1 user", "4 thresholds")
    with pytest.raises(AnsibleFilterError, match="counted: expected a whole number, got 'x'"):
        counted_filter("x", "user")
