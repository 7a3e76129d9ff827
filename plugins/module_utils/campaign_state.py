# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The campaign's kept state: one JSON file per user pool in a directory the user chooses.

Every save is atomic (a temporary file in the same directory, flushed to disk, then renamed over
the old one), readable by its owner only (0600). Callers save after each step that matters, and
record an action before making it (a removal as pending) and confirm it after, so a run killed at
any point loses nothing: the next run finds the pending record and finishes it. A lock file keeps
two runs on one pool from interleaving.
"""

from __future__ import annotations

import fcntl
import json
import os
from typing import Any, Dict, Optional

from .campaign import CampaignError
from .campaign import check_state
from .campaign import new_state
from . import validate
from .files import make_dirs, write_private


def path_for(state_dir: str, user_pool_id: str) -> str:
    if not validate.is_user_pool_id(user_pool_id):
        raise CampaignError(f"user_pool_id: {user_pool_id!r} cannot name a state file")
    return os.path.join(state_dir, f"{user_pool_id}.campaign.json")


def load(state_dir: str, user_pool_id: str) -> Dict[str, Any]:
    """The kept state, or a new one when the pool has none yet."""
    path = path_for(state_dir, user_pool_id)
    try:
        with open(path, encoding="utf-8") as handle:
            state = json.load(handle)
    except FileNotFoundError:
        return new_state(user_pool_id)
    except (OSError, ValueError) as exc:
        raise CampaignError(f"state_dir: cannot read the campaign state {path}: {exc}") from None
    if not isinstance(state, dict):
        raise CampaignError(f"state_dir: {path} is not a campaign state (not a JSON object)")
    check_state(state, user_pool_id, f"state_dir: {path}")
    return state


def save(state_dir: str, user_pool_id: str, state: Dict[str, Any]) -> None:
    path = path_for(state_dir, user_pool_id)
    make_dirs(state_dir)
    write_private(path, json.dumps(state, indent=1, sort_keys=True) + "\n")


class Lock:
    """An exclusive lock on the pool's state for the length of a run (fails at once if held)."""

    def __init__(self, state_dir: str, user_pool_id: str):
        self.path = path_for(state_dir, user_pool_id) + ".lock"
        self.state_dir = state_dir
        self._fd: Optional[int] = None

    def __enter__(self) -> "Lock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def acquire(self) -> "Lock":
        make_dirs(self.state_dir)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise CampaignError(f"state_dir: another campaign run holds {self.path}") from None
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
