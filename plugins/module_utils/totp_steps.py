# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The last TOTP step used per user pool and user, kept on the controller across tasks.

Cognito accepts each TOTP code once, so two sign-in tests of one user in one 30 s step
must not send the same code. The steps are kept in a small JSON file in the controller's
temp dir (modules of this collection run on the controller), locked while it is read and
written, so tasks, forks and runs in parallel see each other's steps. Keys are hashes of
the pool id and user name; no code or secret is stored.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from typing import Callable, Dict, Optional

FILE_NAME = "mfaops-cognito-totp-steps.json"
KEEP_STEPS = 4  # entries older than this many steps are dropped


def default_path() -> str:
    return os.path.join(tempfile.gettempdir(), FILE_NAME)


def key(user_pool_id: str, username: str) -> str:
    return hashlib.sha256("{0}\n{1}".format(user_pool_id, username.lower()).encode("utf-8")).hexdigest()


class StepStore:
    """``reserve(pool, user, choose)``: under the file lock, ``choose(last step or None)``
    picks a step, which is recorded as used before the lock is released."""

    def __init__(self, path: Optional[str] = None) -> None:
        self.path = path or default_path()

    def reserve(self, user_pool_id: str, username: str, choose: Callable[[Optional[int]], int]) -> int:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        with os.fdopen(fd, "r+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                steps = self._load(handle)
                name = key(user_pool_id, username)
                step = choose(steps.get(name))
                steps[name] = max(step, steps.get(name, step))
                newest = max(steps.values())
                steps = {k: v for k, v in steps.items() if v > newest - KEEP_STEPS}
                handle.seek(0)
                handle.truncate()
                json.dump(steps, handle)
                handle.flush()
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return step

    @staticmethod
    def _load(handle) -> Dict[str, int]:
        try:
            data = json.loads(handle.read() or "{}")
        except ValueError:
            return {}
        return {k: v for k, v in data.items() if isinstance(v, int)} if isinstance(data, dict) else {}
