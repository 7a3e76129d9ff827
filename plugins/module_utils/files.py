# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Files the collection keeps on the controller (state, budgets, secrets, reports): written whole or not at all, in
directories it makes private."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from typing import Any, Iterator, Mapping, Union


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


class RowsFile:
    """Rows written one JSON object a line as they come, so that a million of them are never held at once.

    The file appears at `path` whole, 0600, when close() renames it into place (a symlink there is replaced, never
    followed); until then the rows go to a temporary file beside it. Missing directories are made 0700.
    """

    def __init__(self, path: str):
        self.path = os.path.abspath(path)
        directory = os.path.dirname(self.path)
        make_dirs(directory)
        fd, self._tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".jsonl")
        os.fchmod(fd, 0o600)
        self._handle = os.fdopen(fd, "w", encoding="utf-8")
        self.count = 0

    def write(self, row: Mapping[str, Any]) -> None:
        self._handle.write(json.dumps(row, separators=(",", ":")) + "\n")
        self.count += 1

    def close(self) -> None:
        if self._handle.closed:
            return
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        os.replace(self._tmp, self.path)


def read_rows(path: str) -> Iterator[Any]:
    """The rows of a RowsFile, one at a time."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)
