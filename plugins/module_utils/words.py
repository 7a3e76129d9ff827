# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Counts in words for people: "1 user", "2 users", "0 users". Every message that puts a number before a noun
(module summaries, failures, the reports, the campaign's lockout-risk line) goes through counted()."""

from __future__ import annotations

from typing import Optional

# Nouns whose plural is not the noun with an "s".
PLURALS = {"batch": "batches", "entry": "entries", "person": "people", "is": "are", "was": "were", "has": "have"}


def plural(noun: str) -> str:
    return PLURALS.get(noun, noun + "s")


def counted(number: int, noun: str, many: Optional[str] = None) -> str:
    """The number and the noun agreed with it: counted(1, 'user') is '1 user', counted(2, 'user') is '2 users'."""
    return f"{number} {noun if number == 1 else (many or plural(noun))}"


def agreed(number: int, singular: str, many: Optional[str] = None) -> str:
    """A word agreed with a number, without the number: agreed(1, 'was') is 'was', agreed(3, 'was') is 'were'."""
    return singular if number == 1 else (many or plural(singular))
