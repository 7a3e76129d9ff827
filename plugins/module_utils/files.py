# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Files the collection keeps on the controller (state, budgets, secrets, reports): written whole or not at all, in
directories it makes private."""

from __future__ import annotations

import os
import stat
import tempfile
from typing import Union


def write_private(path: str, content: Union[str, bytes]) -> None:
    """Replace `path` atomically with a 0600 file: a temporary file in the same directory, fsync, rename.

    A kill at any moment leaves the old file or the new one, never half of one. The directory is
    synced too (best effort), so the rename outlives a power cut.
    """
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content.encode("utf-8") if isinstance(content, str) else content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def make_dirs(path):
    """Create the missing directories of ``path`` with mode 0700. Existing ones, and whatever a symlink leads
    to, are left as they are."""
    missing = []
    current = os.path.abspath(path)
    while not os.path.lexists(current):
        missing.append(current)
        current = os.path.dirname(current)
    for directory in reversed(missing):
        os.mkdir(directory, 0o700)
        # mkdir's mode is cut by the umask; chmod only what was just made, and only if it is that directory.
        if stat.S_ISDIR(os.lstat(directory).st_mode):
            os.chmod(directory, 0o700)
