# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The audit_mfa role's report files: the settings checked before any call (the report name, retention, the
thresholds), writing every format at once, and which files retention may delete - only the timestamped JSON reports
this role writes."""

from __future__ import annotations

import json
import os
import re
import unicodedata

from ansible_collections.mfaops.cognito.plugins.module_utils import files as files_util
from ansible_collections.mfaops.cognito.plugins.plugin_utils import role_checks
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report import formats as formats_util

# Path separators and the characters a glob gives a meaning to.
NOT_IN_A_NAME = frozenset("/\\*?[]{}")
# Room for the longest suffix the role adds ("-20260102T030405Z.json", "-latest.junit.xml") within NAME_MAX (255).
NAME_MAX = 200
STAMP = r"[0-9]{8}T[0-9]{6}Z"


def name_problems(name):
    """A report name is one plain file-name part: no separator, no glob character, no control character, not . or .."""
    shown = json.dumps(name)
    if not isinstance(name, str) or not name:
        return [f"audit_mfa_report_name must be a non-empty file name, got {shown}"]
    bad = sorted({ch for ch in name if ch in NOT_IN_A_NAME or unicodedata.category(ch).startswith("C")})
    if bad or name in (".", ".."):
        found = f" (found {json.dumps(''.join(bad))})" if bad else ""
        return [
            f"audit_mfa_report_name {shown} must be one plain file-name part: no path separator (/ \\), "
            f"no glob character (* ? [ ] {{ }}), no control character, not . or ..{found}"
        ]
    if len(name) > NAME_MAX:
        return [f"audit_mfa_report_name {json.dumps(name[:20])}... is longer than {NAME_MAX} characters"]
    return []


def keep_problems(keep_reports):
    text = str(keep_reports).strip()
    if isinstance(keep_reports, bool) or not text.isdigit():
        return [f"audit_mfa_keep_reports must be a whole number, 0 (keep all) or more, got {keep_reports}"]
    return []


def report_problems(name, keep_reports, min_compliance_percent=0, pool_min_compliance_percent=0):
    """Everything about the reports that can be wrong before the first call, each as a sentence."""
    thresholds = {
        "audit_mfa_min_compliance_percent": min_compliance_percent,
        "audit_mfa_pool_min_compliance_percent": pool_min_compliance_percent,
    }
    return name_problems(name) + keep_problems(keep_reports) + role_checks.option_problems(thresholds)


def stamped(name):
    """The exact file name of a timestamped JSON report of this name, as a pattern."""
    return re.compile(re.escape(name) + "-" + STAMP + r"\.json")


def expired_reports(paths, directory, name, keep_reports):
    """Of the files found, the timestamped reports of this name in this directory beyond the newest keep_reports
    (0: none); any other file - another series, another directory, another program's - is never among them."""
    keep = int(keep_reports)
    pattern = stamped(name)
    history = sorted(
        path for path in paths or [] if os.path.dirname(path) == directory and pattern.fullmatch(os.path.basename(path))
    )
    return history[:-keep] if keep > 0 else []


def stamped_name(name, generated_at):
    """The timestamped JSON report's file name: 2026-01-02T03:04:05Z gives NAME-20260102T030405Z.json."""
    return f"{name}-{generated_at.replace('-', '').replace(':', '')}.json"


def write_reports(report, directory, name, keep_reports, formats, write=True):
    """Write the timestamped JSON report and the latest report in every format into `directory` (made 0700, with
    its missing parents, when it is missing; an existing one is left as it is), then delete the timestamped reports beyond `keep_reports`.
    Every file is replaced atomically with mode 0600, never through a symlink. With write=False nothing is written
    or deleted: the answer says what would be. Returns (files written, files deleted), as absolute paths."""
    latest = [(os.path.join(directory, f"{name}-latest.{extension}"), extension) for extension in formats]
    files = [(os.path.join(directory, stamped_name(name, report["generated_at"])), "json")] + latest
    if os.path.lexists(directory) and not os.path.isdir(directory):
        raise ValueError(f"audit_mfa_report_dir {directory} exists and is not a directory")
    existing = [os.path.join(directory, entry) for entry in os.listdir(directory)] if os.path.isdir(directory) else []
    deleted = expired_reports(sorted(set(existing) | {files[0][0]}), directory, name, keep_reports)
    if not write:
        return [path for path, _ext in files], deleted
    files_util.make_dirs(directory)
    rendered = {extension: formats_util.render(report, extension) for extension in {"json", *formats}}
    for path, extension in files:
        files_util.write_private(path, rendered[extension])
    for path in deleted:
        os.unlink(path)
    return [path for path, _ext in files], deleted
