# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: mfa_users
short_description: Gather and check the users of one pool from inline lists and YAML files
version_added: 0.1.0
description:
  - Joins an inline list of users and the lists kept in YAML files beside the inventory, drops the excluded users,
    and checks every entry the way M(mfaops.cognito.cognito_user_mfa) will, before any call to AWS.
  - Each entry is a username, or a dict with C(username) and that user's own C(software_token_mfa), C(sms_mfa)
    or C(email_mfa) settings.
  - The first problem fails the lookup with one message that names the pool, the file and the entry - a users file
    that does not exist or does not hold a list, an unknown key, a duplicate user (within or across sources),
    a bad username, a bad or conflicting setting. Nothing is returned then, so nothing can be changed.
  - Returns the list of entries, in order, each user once, each as a dict with at least C(username); the excluded
    ones are left out.
  - Files may be encrypted with ansible-vault.
author:
  - mfaops.cognito contributors (@mfaops)
options:
  users:
    description: Users given inline.
    type: list
    elements: raw
    default: []
  files:
    description:
      - YAML files, each holding a list of users.
      - A relative path is taken from O(base_dir), or else looked up in the play's C(files) search path.
    type: list
    elements: str
    default: []
  base_dir:
    description: Where relative O(files) paths start, usually C(inventory_dir).
    type: str
  exclude:
    description: Usernames always left out (break-glass accounts). Exclusion wins over every source.
    type: list
    elements: str
    default: []
  settings:
    description:
      - "The task-wide settings the entries refine, as in M(mfaops.cognito.cognito_user_mfa), for example
        C({software_token_mfa: {enabled: true, preferred: true}}). Used to check for conflicting preferred methods."
    type: dict
    default: {}
  pool:
    description: The pool's name (usually C(inventory_hostname)), to say where a problem is.
    type: str
    default: this pool
"""

EXAMPLES = r"""
- name: The users to enforce in this pool (use query, which always returns a list)
  ansible.builtin.set_fact:
    pool_users: >-
      {{ query('mfaops.cognito.mfa_users', users=enforce_mfa_users, files=enforce_mfa_users_files,
               base_dir=inventory_dir, exclude=enforce_mfa_exclude, pool=inventory_hostname,
               settings={'software_token_mfa': {'enabled': true, 'preferred': true}}) }}
"""

RETURN = r"""
_raw:
  description: The checked entries (one list item per user, a dict with at least C(username)), in order, each user once, without the excluded users.
  type: list
  elements: raw
"""

import os

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.lookup import LookupBase

from ansible_collections.mfaops.cognito.plugins.module_utils import mfa


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        pool = self.get_option("pool")
        sources = [("inline users", self.get_option("users") or [])]
        for path in self.get_option("files"):
            sources.append((f"users file '{path}'", self._load_list(path, variables, pool)))

        excluded = set(self.get_option("exclude"))
        try:
            base = mfa.task_request(self.get_option("settings"))
        except mfa.InvalidRequest as e:
            raise AnsibleError(f"pool {pool}: {e}") from None

        entries, seen = [], {}
        for source, items in sources:
            for index, entry in enumerate(items):
                where = f"{source}, entry {index + 1}"
                try:
                    mfa.user_requests([entry], base, label=lambda _index: where)
                except mfa.InvalidRequest as e:
                    raise AnsibleError(f"pool {pool}: {e}") from None
                name = entry.get("username") if isinstance(entry, dict) else entry
                if name in seen:
                    raise AnsibleError(f"pool {pool}: {where} ({name}): duplicate of {seen[name]}")
                seen[name] = where
                if name not in excluded:
                    entries.append(entry if isinstance(entry, dict) else {"username": entry})
        return entries

    def _load_list(self, path, variables, pool):
        base_dir = self.get_option("base_dir")
        if base_dir and not os.path.isabs(path):
            found = os.path.join(base_dir, path)
        else:
            found = self.find_file_in_search_path(variables or {}, "files", path, ignore_missing=True)
        if not found or not os.path.isfile(found):
            raise AnsibleError(f"pool {pool}: users file '{path}' does not exist" + (f" (looked in {base_dir})" if base_dir else ""))
        try:
            data = self._loader.load_from_file(found)
        except AnsibleError as e:
            raise AnsibleError(f"pool {pool}: users file '{path}' is not valid YAML: {to_text(e.message)}") from None
        if data is None:
            return []
        if not isinstance(data, list):
            raise AnsibleError(f"pool {pool}: users file '{path}' must hold a list of users, not a {'mapping' if isinstance(data, dict) else 'single value'}")
        return data
