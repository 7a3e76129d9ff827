#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cognito_service_accounts
short_description: Complete the first sign-in of Cognito service accounts and enrol TOTP, never losing a secret
version_added: 0.2.0
description:
  - Runs on the controller (an action plugin with this module's name drives it step by step). For each service
    account it keeps the new password in the secrets store before it is set on Cognito, and the TOTP secret before
    its token is verified (a C(pending) entry, then C(confirmed)). A failure or a kill at any point leaves the old
    working state, or credentials that are in the store; the next run finishes a pending account.
  - The stores are an ansible-vault encrypted file (O(vault_file)) and, with O(secrets_manager=true), AWS Secrets
    Manager, one secret per account named after O(secret_name). Both are checked before anything is written to
    Cognito - the vault file decrypts with O(vault_password), its directory is a directory (missing ones are created
    with mode 0700) and writable, each secret is readable and writable.
  - Under AWX or Automation Controller (the job's C(awx_job_id) or C(tower_job_id) variable), a vault file in the job's
    private data directory or beside its inventory does not outlive the job; without Secrets Manager or a vault file
    elsewhere, the task fails before any write.
  - A service account that signed in already but whose secrets are not in the store is reported, with the way to
    re-enrol it, and fails the task.
  - The O(step) options are for the action plugin only.
author:
  - mfaops.cognito contributors (@mfaops)
options:
  user_pool_id:
    description: The user pool, for example V(us-east-1_AbCdEf123).
    type: str
    required: true
  client_id:
    description: The app client the accounts sign in through (C(ADMIN_USER_PASSWORD_AUTH) enabled).
    type: str
  client_secret:
    description: The app client's secret, if it has one.
    type: str
  accounts:
    description: The usernames of the service accounts.
    type: list
    elements: str
    default: []
  temporary_passwords:
    description: The temporary password of each account not signed in yet, by username (from M(mfaops.cognito.cognito_user)).
    type: dict
    default: {}
  passwords:
    description: Permanent passwords chosen beforehand, by username; the others get a generated one, kept in the store.
    type: dict
    default: {}
  check_only:
    description: Only check the stores (and, under AWX, that one of them is durable); no call to Cognito.
    type: bool
    default: false
  pool:
    description: The pool's inventory host name, for O(secret_name).
    type: str
    default: ""
  vault_file:
    description: The ansible-vault encrypted YAML file of the secrets, a mapping of username to C(password), C(totp_secret) and C(state). Empty - none.
    type: path
  vault_password:
    description: The vault password of O(vault_file).
    type: str
  vault_id:
    description: The vault id (label) of O(vault_file).
    type: str
    default: default
  secrets_manager:
    description: Keep each account's secrets in AWS Secrets Manager too, as a JSON string.
    type: bool
    default: false
  secret_name:
    description: The name of each account's secret; C({pool}), C({user_pool_id}) and C({username}) are replaced.
    type: str
    default: "mfaops/cognito/{user_pool_id}/{username}"
  secrets_manager_endpoint_url:
    description: Another endpoint for Secrets Manager. Empty - the AWS default, or O(endpoint_url) when that is set.
    type: str
  secrets_manager_kms_key_id:
    description: The KMS key that encrypts new secrets. Empty - the account's default key for Secrets Manager.
    type: str
  step:
    description: Internal, set by the action plugin.
    type: str
    choices: [status, begin, verify, secrets_read, secrets_write]
  username:
    description: Internal, set by the action plugin.
    type: str
  password:
    description: Internal, set by the action plugin.
    type: str
  new_password:
    description: Internal, set by the action plugin.
    type: str
  totp_secret:
    description: Internal, set by the action plugin.
    type: str
  handle:
    description: Internal, set by the action plugin.
    type: dict
  secrets:
    description: Internal, set by the action plugin.
    type: dict
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Needs the IAM permissions C(cognito-idp:AdminGetUser), C(cognito-idp:AdminInitiateAuth) and
    C(cognito-idp:AdminRespondToAuthChallenge) (C(AssociateSoftwareToken) and C(VerifySoftwareToken) are authorised
    by the sign-in session); with O(secrets_manager), C(secretsmanager:GetSecretValue),
    C(secretsmanager:PutSecretValue) and C(secretsmanager:CreateSecret) on the secrets' names (O(secret_name)).
  - Supports check mode - it checks the stores and reads Cognito, signs nobody in and writes nothing. Idempotent - an
    account whose confirmed secrets are in the store is not signed in again.
  - Secrets never appear in the result or the logs; run it with C(no_log) all the same.
"""

EXAMPLES = r"""
- name: Enrol the service accounts, keeping their secrets in a vault file and in Secrets Manager
  mfaops.cognito.cognito_service_accounts:
    user_pool_id: eu-west-1_AbCdEf123
    client_id: "{{ client_id }}"
    accounts: [svc-ci]
    temporary_passwords: "{{ created.temporary_passwords }}"
    vault_file: /srv/secrets/corp.vault.yml
    vault_password: "{{ secrets_vault_password }}"
    secrets_manager: true
  no_log: true
"""

RETURN = r"""
results:
  description: One entry per account.
  returned: always
  type: list
  elements: dict
  contains:
    item:
      description: The username.
      type: str
    enrolled:
      description: Whether the account is enrolled with secrets in the store at the end.
      type: bool
    action:
      description: What the account needed - V(first_sign_in), V(resume), V(done), V(lost) or V(absent).
      type: str
    msg:
      description: Why it is not enrolled.
      type: str
  sample: [{"item": "svc-ci", "enrolled": true, "action": "first_sign_in"}]
stores:
  description: The stores checked and written.
  returned: always
  type: list
  elements: str
  sample: ["vault file /srv/secrets/corp.vault.yml", "Secrets Manager"]
"""

import json

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mfaops.cognito.plugins.module_utils import auth
from ansible_collections.mfaops.cognito.plugins.module_utils import cognito
from ansible_collections.mfaops.cognito.plugins.module_utils import service_account
from ansible_collections.mfaops.cognito.plugins.module_utils.errors import CALL_ERRORS, error_code, fail_aws

CATEGORIES = (cognito.READ, cognito.AUTH, cognito.WRITE)
NOT_FOUND = "ResourceNotFoundException"


def argument_spec():
    secret = dict(type="str", no_log=True)
    return dict(
        user_pool_id=dict(type="str", required=True),
        client_id=dict(type="str"),
        client_secret=secret,
        accounts=dict(type="list", elements="str", default=[]),
        temporary_passwords=dict(type="dict", default={}, no_log=True),
        passwords=dict(type="dict", default={}, no_log=True),
        check_only=dict(type="bool", default=False),
        pool=dict(type="str", default=""),
        vault_file=dict(type="path"),
        vault_password=secret,
        vault_id=dict(type="str", default="default"),
        secrets_manager=dict(type="bool", default=False),
        secret_name=dict(type="str", default="mfaops/cognito/{user_pool_id}/{username}"),
        secrets_manager_endpoint_url=dict(type="str", no_log=False),
        secrets_manager_kms_key_id=dict(type="str"),
        step=dict(type="str", choices=["status", "begin", "verify", "secrets_read", "secrets_write"]),
        username=dict(type="str"),
        password=secret,
        new_password=secret,
        totp_secret=secret,
        handle=dict(type="dict", no_log=True),
        secrets=dict(type="dict", no_log=True),
    )


def settings(p):
    return auth.AuthSettings(
        client_id=p["client_id"],
        username=p["username"],
        password=p["password"],
        user_pool_id=p["user_pool_id"],
        client_secret=p["client_secret"],
        totp_secret=p["totp_secret"],
        new_password=p["new_password"],
    )


def status(call, user_pool_id, usernames):
    found = {}
    for name in usernames:
        try:
            found[name] = cognito.admin_get_user(call, user_pool_id, name).get("UserStatus")
        except CALL_ERRORS as e:
            if error_code(e) != "UserNotFoundException":
                raise
            found[name] = None
    return found


def secrets_client(module):
    p = module.params
    endpoint = p["secrets_manager_endpoint_url"]
    return module.client("secretsmanager", **({"endpoint": endpoint} if endpoint else {}))


def secrets_read(client, names):
    found = {}
    for username, name in names.items():
        try:
            found[username] = json.loads(client.get_secret_value(SecretId=name)["SecretString"])
        except botocore.exceptions.ClientError as e:
            if error_code(e) != NOT_FOUND:
                raise
            found[username] = None
    return found


def secrets_write(client, values, kms_key_id=None):
    for name, value in values.items():
        text = json.dumps(value, sort_keys=True)
        try:
            client.put_secret_value(SecretId=name, SecretString=text)
        except botocore.exceptions.ClientError as e:
            if error_code(e) != NOT_FOUND:
                raise
            extra = {"KmsKeyId": kms_key_id} if kms_key_id else {}
            client.create_secret(Name=name, SecretString=text, Description="mfaops.cognito service account", **extra)


def main():
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    p = module.params
    step = p["step"]
    if not step:
        module.fail_json(msg="cognito_service_accounts runs through its action plugin: call it as mfaops.cognito.cognito_service_accounts")

    def protect(value):
        if isinstance(value, str) and value:
            module.no_log_values.add(value)

    try:
        if step in ("secrets_read", "secrets_write"):
            client = secrets_client(module)
            if step == "secrets_read":
                module.exit_json(changed=False, secrets=secrets_read(client, p["secrets"] or {}))
            secrets_write(client, p["secrets"] or {}, p["secrets_manager_kms_key_id"])
            module.exit_json(changed=True)
        client = module.client("cognito-idp", config=cognito.client_config(1))
        call = cognito.caller(client, CATEGORIES, retries=8)
        if step == "status":
            module.exit_json(changed=False, status=status(call, p["user_pool_id"], p["accounts"]))
        routed = cognito.Routed(call)
        if step == "begin":
            try:
                began = service_account.begin(routed, settings(p), protect)
            except RuntimeError as e:
                module.fail_json(msg=f"{p['username']}: {e}")
            # Handed to the action plugin only, which keeps it out of the task's result.
            for key in ("secret", "session", "access_token"):
                module.no_log_values.discard(began.get(key))
            module.exit_json(changed=True, **began)
        try:
            service_account.verify(routed, settings(p), p["totp_secret"], p["handle"] or {}, protect)
        except RuntimeError as e:
            module.fail_json(msg=f"{p['username']}: {e}")
        module.exit_json(changed=True)
    except CALL_ERRORS as e:
        fail_aws(module, e, f"{step} failed")


if __name__ == "__main__":
    main()
