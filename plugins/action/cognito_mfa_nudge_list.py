# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Writes a campaign's nudge list on the controller and records the nudges it hands over, in this process.
Documentation: the module of the same name; the work: plugin_utils/campaign_files.py."""

from __future__ import annotations

import os

from ansible.plugins.action import ActionBase

from ansible_collections.mfaops.cognito.plugins.module_utils.campaign import CampaignError
from ansible_collections.mfaops.cognito.plugins.plugin_utils import campaign_files

ARGUMENT_SPEC = {
    "step": {"type": "dict", "required": True},
    "pool": {"type": "str", "required": True},
    "user_pool_id": {"type": "str", "required": True},
    "dir": {"type": "path", "required": True},
    "state_dir": {"type": "path", "required": True},
    "record": {"type": "bool", "default": True},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        directory = os.path.realpath(args["dir"])
        try:
            paths, written, recorded = campaign_files.write_nudge_list(
                args["step"], directory, args["pool"], args["user_pool_id"], os.path.realpath(args["state_dir"]),
                record=args["record"], write=not self._task.check_mode,
            )
        except (OSError, ValueError, CampaignError) as e:
            return {**result, "failed": True, "msg": f"writing the nudge list of {args['pool']} into {directory} "
                    f"(no nudge recorded): {e}", "files": [], "written": [], "recorded": []}
        return {**result, "changed": bool(written or recorded), "files": paths, "written": written, "recorded": recorded}
