# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Drives the module of the same name step by step, writing the secrets store between the steps, so that
Cognito never holds a password or a TOTP secret the store does not. Documentation: the module."""

from __future__ import annotations

import os

from ansible.plugins.action import ActionBase

from ansible_collections.mfaops.cognito.plugins.module_utils import service_account as sa
from ansible_collections.mfaops.cognito.plugins.plugin_utils import role_checks, secrets_store

MODULE = "mfaops.cognito.cognito_service_accounts"
OWN = ("accounts", "temporary_passwords", "passwords", "check_only", "pool", "vault_file", "vault_password", "vault_id",
       "secrets_manager", "secret_name")
INTERNAL = ("step", "username", "password", "new_password", "totp_secret", "handle", "secrets")


class _Failed(Exception):
    pass


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        bad = sorted(set(args) & set(INTERNAL))
        if bad:
            return {**result, "failed": True, "msg": f"options set by the action plugin only: {', '.join(bad)}"}
        self._own = {key: args.pop(key, None) for key in OWN}
        self._base = args  # the pool, the app client and the AWS options, for every step
        self._vars = task_vars
        accounts = self._own["accounts"] or []
        try:
            self._stores = self._open_stores(task_vars)
            self._check_stores(accounts)
            if self._own["check_only"] or not accounts:
                return {**result, "changed": False, "results": [], "stores": [str(s) for s in self._stores]}
            rows = self._enrol(accounts)
        except _Failed as e:
            return {**result, "failed": True, "msg": str(e)}
        changed = any(row["action"] in (sa.FIRST, sa.RESUME) for row in rows)
        return {**result, "changed": changed, "results": rows, "stores": [str(s) for s in self._stores]}

    # ----- stores

    def _open_stores(self, task_vars):
        own = self._own
        pool = own["pool"] or task_vars.get("inventory_hostname", "")
        awx = secrets_store.awx_job(task_vars)
        path = own["vault_file"]
        if not path and not awx and (own["vault_password"] or not own["secrets_manager"]):
            base = task_vars.get("inventory_dir") or task_vars.get("playbook_dir") or "."
            path = os.path.join(base, "secrets", f"{pool}.vault.yml")
        if path and awx and secrets_store.under(path, secrets_store.job_dirs(task_vars)) and not own["secrets_manager"]:
            raise _Failed(
                f"pool {pool}: this is an AWX job, and the vault file {path} is in the job's directories, which AWX "
                "discards when the job ends: the service accounts' secrets would be lost. Set onboard_users_secrets_manager: "
                "true, or onboard_users_secrets_file to a path outside the job (a mounted volume)."
            )
        stores = [secrets_store.VaultFile(path, own["vault_password"], own["vault_id"])] if path else []
        if own["secrets_manager"]:
            stores.append(_SecretsManager(self, pool))
        if not stores:
            raise _Failed(
                f"pool {pool}: no store for the service accounts' secrets. This is an AWX job, which keeps no file: set "
                "onboard_users_secrets_manager: true, or onboard_users_secrets_file to a path outside the job."
            )
        return stores

    def _check_stores(self, accounts):
        problems = [problem for store in self._stores for problem in store.problems(accounts)]
        if problems:
            raise _Failed("The secrets store is not usable, so no service account was touched: " + "; ".join(problems))
        self._entries = {}
        for store in reversed(self._stores):  # the vault file's entry wins over Secrets Manager's
            for name, entry in store.read(accounts).items():
                if sa.stored(entry):
                    self._entries[name] = sa.stored(entry)

    def _put(self, username, entry):
        self._entries[username] = entry
        for store in self._stores:
            try:
                store.put({username: entry})
            except _Failed:
                raise
            except Exception as e:  # the store's own error, without the entry
                raise _Failed(f"{username}: writing {store} failed: {type(e).__name__}: {e}")

    # ----- Cognito

    def step(self, step, **extra):
        out = self._execute_module(module_name=MODULE, module_args={**self._base, "step": step, **extra}, task_vars=self._vars)
        if out.get("failed"):
            raise _Failed(out.get("msg") or f"step {step} failed")
        return out

    def _enrol(self, accounts):
        status = {} if self._play_context.check_mode else self.step("status", accounts=accounts)["status"]
        rows = []
        for username in accounts:
            if self._play_context.check_mode:
                rows.append({"item": username, "action": "check_mode", "enrolled": False})
                continue
            action = sa.plan(status.get(username), self._entries.get(username), (self._own["passwords"] or {}).get(username))
            row = {"item": username, "action": action, "enrolled": action == sa.DONE}
            if action == sa.LOST:
                row["msg"] = f"signed in already ({status[username]}), but {sa.REENROL}"
            elif action == sa.ABSENT:
                row["msg"] = "no such user"
            elif action in (sa.FIRST, sa.RESUME):
                try:
                    self._one(username, action)
                    row["enrolled"] = True
                except _Failed as e:
                    row["msg"] = str(e)
            rows.append(row)
        return rows

    def _one(self, username, action):
        given = (self._own["passwords"] or {}).get(username)
        entry = self._entries.get(username, {})
        password = given or entry.get("password") or role_checks.service_passwords([username])[username]
        if action == sa.FIRST:
            temporary = (self._own["temporary_passwords"] or {}).get(username)
            if not temporary:
                raise _Failed(f"{username}: no temporary password to sign in with")
            self._put(username, sa.entry(password, bool(given)))
            began = self.step("begin", username=username, password=temporary, new_password=password)
        else:
            began = self.step("begin", username=username, password=password, totp_secret=entry.get("totp_secret"))
        if began.get("enrolled"):
            self._put(username, sa.entry(password, bool(given), entry.get("totp_secret"), sa.CONFIRMED))
            return
        secret = began["secret"]
        self._put(username, sa.entry(password, bool(given), secret))
        handle = {key: began.get(key) for key in ("session", "access_token", "username") if began.get(key)}
        self.step("verify", username=username, password=password, totp_secret=secret, handle=handle)
        self._put(username, sa.entry(password, bool(given), secret, sa.CONFIRMED))


class _SecretsManager:
    """One secret per account in AWS Secrets Manager, through the module's secrets_* steps."""

    def __init__(self, action, pool):
        self.action = action
        self.pattern = action._own["secret_name"] or "mfaops/cognito/{user_pool_id}/{username}"
        self.pool = pool

    def __str__(self):
        return "Secrets Manager"

    def name(self, username):
        return sa.secret_name(self.pattern, self.pool, self.action._base.get("user_pool_id", ""), username)

    def read(self, accounts):
        names = {username: self.name(username) for username in accounts}
        return {username: entry for username, entry in self.action.step("secrets_read", secrets=names)["secrets"].items() if entry}

    def problems(self, accounts):
        """Each secret readable; a missing one is created with a placeholder, which proves it writable."""
        try:
            found = self.read(accounts)
            if not self.action._play_context.check_mode:
                missing = {self.name(u): {"state": sa.RESERVED} for u in accounts if u not in found}
                if missing:
                    self.action.step("secrets_write", secrets=missing)
        except _Failed as e:
            return [f"{self}: {e}"]
        return []

    def put(self, entries):
        self.action.step("secrets_write", secrets={self.name(u): entry for u, entry in entries.items()})
