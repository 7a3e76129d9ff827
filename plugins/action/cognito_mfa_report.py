# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Writes the audit report files on the controller, in this process: one task instead of a module run (and a
checksum round trip) per file. Documentation: the module of the same name; the work: plugin_utils/report_files.py."""

from __future__ import annotations

import os

from ansible.plugins.action import ActionBase

from ansible_collections.mfaops.cognito.plugins.plugin_utils import report_files
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report.formats import RENDERERS

ARGUMENT_SPEC = {
    "report": {"type": "dict", "required": True},
    "dir": {"type": "path", "required": True},
    "name": {"type": "str", "default": "mfa-audit"},
    "keep_reports": {"type": "int", "default": 30},
    "formats": {"type": "list", "elements": "str", "choices": list(RENDERERS), "default": list(RENDERERS)},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        problems = report_files.name_problems(args["name"]) + report_files.keep_problems(args["keep_reports"])
        if not isinstance(args["report"].get("generated_at"), str):
            problems.append("report has no generated_at: pass what the mfaops.cognito.audit_report filter returns")
        directory = os.path.realpath(args["dir"])
        if problems:
            return {**result, "failed": True, "msg": "; ".join(problems), "dir": directory, "files": [], "deleted": []}
        try:
            files, deleted = report_files.write_reports(
                args["report"], directory, args["name"], args["keep_reports"], args["formats"],
                write=not self._task.check_mode,
            )
        except (OSError, ValueError) as e:
            return {**result, "failed": True, "msg": f"writing the reports into {directory}: {e}", "dir": directory,
                    "files": [], "deleted": []}
        return {**result, "changed": True, "dir": directory, "files": files, "deleted": deleted}
