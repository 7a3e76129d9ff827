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
  - The same entries may carry what onboarding needs (M(mfaops.cognito.cognito_user), the
    C(mfaops.cognito.onboard_users) role) - C(email), C(phone_number) (E.164), C(name), C(attributes) (a dict),
    C(groups) (a list) and C(service_account) (a boolean). They are checked too, and left out of the returned
    entries unless O(keep_profile=true), so one users file serves both enforcement and onboarding.
  - The first problem fails the lookup with one message that names the pool, the file and the entry - a users file
    that does not exist or does not hold a list, an unknown key, a duplicate user (within or across sources),
    a bad username, a bad or conflicting setting, an invalid e-mail address or phone number, an unknown
    attribute name, a bad group name. Nothing is returned then, so nothing can be changed.
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
      - "A relative path is looked for, in this order: in O(base_dir); in C(inventory_dir) (the directory of the
        inventory source that defines the pool); in C(playbook_dir); in the current working directory (the project
        directory when AWX or ansible-runner runs the job); then in the play's C(files) search path. The first file
        found is taken. When none is, the lookup fails naming every place it looked."
    type: list
    elements: str
    default: []
  base_dir:
    description: The first place relative O(files) paths are looked for (in the roles, their C(*_users_dir), by default C(inventory_dir)).
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
  user_pool_id:
    description:
      - The pool's id (in the roles, the host var C(cognito_user_pool_id)). When given, it is checked first, with the
        collection's one user pool id check, and a malformed one fails the lookup.
    type: str
  pool:
    description: The pool's name (usually C(inventory_hostname)), to say where a problem is.
    type: str
    default: this pool
  keep_profile:
    description:
      - Keep the onboarding keys (C(email), C(phone_number), C(name), C(attributes), C(groups), C(service_account))
        in the returned entries, C(service_account) as a boolean. They are checked either way.
    type: bool
    default: false
  keep_mfa:
    description:
      - Keep the MFA keys (C(software_token_mfa), C(sms_mfa), C(email_mfa)) in the returned entries. They are
        checked either way.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: The users to enforce in this pool (use query, which always returns a list)
  ansible.builtin.set_fact:
    pool_users: >-
      {{ query('mfaops.cognito.mfa_users', users=enforce_mfa_users, files=enforce_mfa_users_files,
               base_dir=inventory_dir, exclude=enforce_mfa_exclude, pool=inventory_hostname,
               settings={'software_token_mfa': {'enabled': true, 'preferred': true}}) }}

- name: The users to onboard, with their profiles and without their MFA settings
  ansible.builtin.set_fact:
    pool_users: >-
      {{ query('mfaops.cognito.mfa_users', users=cognito_users, files=cognito_users_files, base_dir=inventory_dir,
               exclude=cognito_exclude, pool=inventory_hostname, keep_profile=true, keep_mfa=false) }}
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
from ansible_collections.mfaops.cognito.plugins.module_utils import user_profile
from ansible_collections.mfaops.cognito.plugins.plugin_utils.role_checks import pool_problems

# Without task-wide MFA settings (onboarding), entries need no MFA setting of their own: check them against
# a setting that asks for nothing.
NO_SETTING = {mfa.TOTP: mfa.MethodRequest()}


def places(path, base_dir, variables):
    """The paths a users file is looked for at, in order (the order documented in O(files) and docs/awx.md)."""
    if os.path.isabs(path):
        return [path]
    dirs = (base_dir, variables.get("inventory_dir"), variables.get("playbook_dir"), os.getcwd())
    return list(dict.fromkeys(os.path.join(str(directory), path) for directory in dirs if directory))


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        pool = self.get_option("pool")
        if self.get_option("user_pool_id") is not None and pool_problems(self.get_option("user_pool_id")):
            raise AnsibleError(f"pool {pool}: {pool_problems(self.get_option('user_pool_id'))[0]}")
        sources = [("inline users", self.get_option("users") or [])]
        for path in self.get_option("files"):
            sources.append((f"users file '{path}'", self._load_list(path, variables, pool)))

        excluded = set(self.get_option("exclude"))
        keep_profile, keep_mfa = self.get_option("keep_profile"), self.get_option("keep_mfa")
        try:
            base = mfa.task_request(self.get_option("settings")) or NO_SETTING
        except mfa.InvalidRequest as e:
            raise AnsibleError(f"pool {pool}: {e}") from None

        entries, seen = [], {}
        for source, items in sources:
            for index, entry in enumerate(items):
                where = f"{source}, entry {index + 1}"
                rest, profile = user_profile.split_entry(entry)
                try:
                    if keep_profile and isinstance(entry, dict):
                        # Onboarding: name every key an entry may have (enforcement names its own keys only).
                        user_profile.check_keys(entry, where, mfa.USER_ENTRY_KEYS + user_profile.PROFILE_KEYS)
                    mfa.user_requests([rest], base, label=lambda _index: where)
                    spec = user_profile.user_spec(dict(profile, username=rest.get("username")), where) if profile else None
                except mfa.InvalidRequest as e:
                    raise AnsibleError(f"pool {pool}: {e}") from None
                name = rest.get("username") if isinstance(rest, dict) else rest
                if name in seen:
                    raise AnsibleError(f"pool {pool}: {where} ({name}): duplicate of {seen[name]}")
                seen[name] = where
                if name not in excluded:
                    kept = dict(rest) if isinstance(rest, dict) else {"username": rest}
                    if not keep_mfa:
                        kept = {"username": name}
                    if keep_profile:
                        kept.update(profile)
                        if "service_account" in profile:
                            kept["service_account"] = spec.service_account  # yes/no/"true" ... as a boolean
                    entries.append(kept)
        return entries

    def _load_list(self, path, variables, pool):
        variables = variables or {}
        tried = places(path, self.get_option("base_dir"), variables)
        found = next((place for place in tried if os.path.isfile(place)), None)
        if found is None and not os.path.isabs(path):
            found = self.find_file_in_search_path(variables, "files", path, ignore_missing=True)
            search = [str(place) for place in variables.get("ansible_search_path") or []]
            tried.append("the play's files search path" + (f" ({', '.join(search)})" if search else ""))
        if not found or not os.path.isfile(found):
            raise AnsibleError(f"pool {pool}: users file '{path}' does not exist (looked in: {'; '.join(tried)})")
        try:
            data = self._loader.load_from_file(found)
        except AnsibleError as e:
            raise AnsibleError(f"pool {pool}: users file '{path}' is not valid YAML: {to_text(e.message)}") from None
        if data is None:
            return []
        if not isinstance(data, list):
            raise AnsibleError(f"pool {pool}: users file '{path}' must hold a list of users, not a {'mapping' if isinstance(data, dict) else 'single value'}")
        return data
