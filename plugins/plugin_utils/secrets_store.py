# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The controller's side of the service accounts' secrets: the ansible-vault file, directories made safely,
and whether the run is an AWX / Automation Controller job whose files do not outlive it."""

from __future__ import annotations

import json
import os

import yaml
from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.parsing.vault import VaultLib, VaultSecret

from ansible_collections.mfaops.cognito.plugins.module_utils.files import make_dirs, write_private

# AWX (and Tower/Controller before it) passes these extra vars to every job (awx/main/tasks.py, awx_meta_vars).
AWX_JOB_VARS = ("awx_job_id", "tower_job_id")


def awx_job(task_vars):
    return any(task_vars.get(name) not in (None, "") for name in AWX_JOB_VARS)


def job_dirs(task_vars):
    """Directories an AWX job discards at its end: the inventory's (a generated script in the job's private
    data dir), the private data dir itself (the parent of an `inventory` dir), and the project copy."""
    found = []
    inventory_dir = task_vars.get("inventory_dir")
    if inventory_dir:
        found.append(inventory_dir)
        if os.path.basename(os.path.normpath(inventory_dir)) == "inventory":
            found.append(os.path.dirname(os.path.normpath(inventory_dir)))
    if task_vars.get("playbook_dir"):
        found.append(task_vars["playbook_dir"])
    return [os.path.realpath(path) for path in found]


def under(path, directories):
    real = os.path.realpath(path)
    return any(real == d or real.startswith(d.rstrip(os.sep) + os.sep) for d in directories)


def _nearest_existing(path):
    current = os.path.abspath(path)
    while not os.path.lexists(current):
        current = os.path.dirname(current)
    return current


class VaultFile:
    """The ansible-vault encrypted YAML file: {username: {password, totp_secret, state}}."""

    def __init__(self, path, password, vault_id="default"):
        self.path = path
        self.vault_id = vault_id or "default"
        self.secret = VaultSecret(to_bytes(password or ""))
        self.password_given = bool(password)

    def __str__(self):
        return f"vault file {self.path}"

    def problems(self, accounts=()):
        """What stops the file from being read and written, without writing anything."""
        if not self.password_given:
            return [f"{self}: no vault password (onboard_users_secrets_vault_password)"]
        parent = os.path.dirname(os.path.abspath(self.path))
        existing = _nearest_existing(parent)
        if not os.path.isdir(existing):
            return [f"{self}: {existing} is not a directory"]
        if not os.access(existing, os.W_OK | os.X_OK):
            return [f"{self}: {existing} is not writable"]
        if not os.path.lexists(self.path):
            return []
        if not os.path.isfile(self.path):
            return [f"{self}: not a regular file"]
        if not os.access(self.path, os.R_OK | os.W_OK):
            return [f"{self}: not readable and writable"]
        try:
            self.read()
        except (AnsibleError, yaml.YAMLError, ValueError) as e:
            return [f"{self}: does not decrypt with onboard_users_secrets_vault_password ({to_text(e).splitlines()[0]})"]
        return []

    def read(self, accounts=None):
        if not os.path.exists(self.path):
            return {}
        with open(self.path, "rb") as f:
            sealed = f.read()
        data = yaml.safe_load(VaultLib([(self.vault_id, self.secret)]).decrypt(sealed)) or {}
        if not isinstance(data, dict):
            raise ValueError("its content is not a mapping")
        return data

    def put(self, entries):
        """Merge ``entries`` in and replace the file in one rename: a kill leaves the old file or the new one."""
        data = self.read()
        data.update(entries)
        # Plain types only: values may come tagged by the templating engine.
        data = json.loads(json.dumps(data))
        text = yaml.safe_dump(data, default_flow_style=False, sort_keys=True)
        vault_id = None if self.vault_id == "default" else self.vault_id
        sealed = VaultLib().encrypt(text, self.secret, vault_id=vault_id)
        directory = os.path.dirname(os.path.abspath(self.path))
        make_dirs(directory)
        write_private(self.path, sealed)
