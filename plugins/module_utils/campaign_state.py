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
import tempfile
from typing import Any, Dict, Optional

from .campaign import CampaignError
from .campaign import check_state
from .campaign import new_state
from . import validate


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
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{user_pool_id}.", suffix=".tmp", dir=state_dir)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state, handle, indent=1, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dir_fd = os.open(state_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class Lock:
    """An exclusive lock on the pool's state for the length of a run (fails at once if held)."""

    def __init__(self, state_dir: str, user_pool_id: str):
        self.path = path_for(state_dir, user_pool_id) + ".lock"
        self.state_dir = state_dir
        self._fd: Optional[int] = None

    def __enter__(self) -> "Lock":
        os.makedirs(self.state_dir, mode=0o700, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise CampaignError(f"state_dir: another campaign run holds {self.path}") from None
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
