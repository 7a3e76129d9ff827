# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A test's kill at a task boundary: SIGKILL to ansible-playbook's own process group as the task named in
``MFAOPS_KILL_BEFORE_TASK`` is about to start (the task before it has finished on every host, this one has not
begun). Start ansible-playbook in a session of its own (``start_new_session=True``) so only it dies.
Enabled with ``ANSIBLE_CALLBACK_PLUGINS=<this directory>`` and ``ANSIBLE_CALLBACKS_ENABLED=kill_before_task``."""

from __future__ import annotations

import os
import signal

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: kill_before_task
type: aggregate
short_description: Kill ansible-playbook just before a named task (tests only)
description:
  - SIGKILL to the process group of ansible-playbook when the task named in the environment variable
    C(MFAOPS_KILL_BEFORE_TASK) starts.
requirements:
  - enabled in the configuration
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "kill_before_task"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_task_start(self, task, is_conditional):
        if os.environ.get("MFAOPS_KILL_BEFORE_TASK") == task.get_name():
            os.killpg(0, signal.SIGKILL)
