#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cognito_user_pool_info
short_description: Read the settings of an Amazon Cognito user pool and of its app clients
version_added: 0.1.0
description:
  - Reads a user pool's description (C(DescribeUserPool)) and, unless O(app_clients=false), every app client of the
    pool (C(ListUserPoolClients), then C(DescribeUserPoolClient) for each), with snake_case keys.
  - Gives what an MFA audit needs about the pool itself, such as the device configuration (remembered devices
    that may skip MFA) and the authentication flows each app client allows.
  - Read only. It never changes anything, reads no user (no monthly active user is billed), and works the same in
    check mode.
  - App client secrets are never returned; RV(app_clients[].has_client_secret) says whether a client has one.
author:
  - mfaops.cognito contributors (@mfaops)
options:
  user_pool_id:
    description:
      - The user pool, for example V(us-east-1_AbCdEf123).
      - The task runs in the region of its prefix. O(region) (or E(AWS_REGION)) is not needed; if set, it must be the same.
    type: str
    required: true
  app_clients:
    description:
      - Whether to read the pool's app clients too (one C(DescribeUserPoolClient) call per client).
    type: bool
    default: true
  retries:
    description:
      - How many times one call is retried after throttling (C(TooManyRequestsException)) or a transient error,
        with jittered exponential backoff.
    type: int
    default: 10
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Needs the IAM permissions C(cognito-idp:DescribeUserPool), and C(cognito-idp:ListUserPoolClients) and
    C(cognito-idp:DescribeUserPoolClient) for the app clients.
  - Calls are paced at 5 requests per second, the most Cognito allows each pool and app client read operation on
    one user pool (its C(UserPoolRead) and C(UserPoolClientRead) quotas are 15 requests per second, shared by every
    job of the account and region).
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: none
  idempotent:
    description: When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
    support: full
    details: Read only, never reports a change.
seealso:
  - module: mfaops.cognito.cognito_user_mfa_info
  - module: mfaops.cognito.cognito_user_pool_mfa
"""

EXAMPLES = r"""
- name: Read a pool and its app clients
  mfaops.cognito.cognito_user_pool_info:
    user_pool_id: us-east-1_AbCdEf123
  register: pool

- name: Warn about app clients that accept a plain password (no SRP)
  ansible.builtin.debug:
    msg: "{{ item.client_name }} allows {{ item.explicit_auth_flows | intersect(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH']) }}"
  loop: "{{ pool.app_clients }}"
  loop_control:
    label: "{{ item.client_id }}"
  when: item.explicit_auth_flows | intersect(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH'])

- name: Does a remembered device let a sign-in skip MFA?
  ansible.builtin.debug:
    msg: "{{ pool.user_pool.device_configuration.challenge_required_on_new_device | default(false) }}"
"""

RETURN = r"""
user_pool:
  description:
    - The pool's description from C(DescribeUserPool), with snake_case keys (tags are kept as they are).
    - Keys the pool does not have are left out. C(device_configuration) is left out when the pool does not remember devices.
  returned: always
  type: dict
  contains:
    id:
      description: The pool id.
      type: str
    name:
      description: The pool name.
      type: str
    mfa_configuration:
      description: V(OFF), V(OPTIONAL) or V(ON).
      type: str
    device_configuration:
      description:
        - How the pool remembers devices; present only when it does.
        - With C(challenge_required_on_new_device=true), a remembered device can sign in without MFA.
        - With C(device_only_remembered_on_user_prompt=true), the user chooses whether a device is remembered.
      type: dict
    estimated_number_of_users:
      description: Cognito's estimate of the number of users.
      type: int
  sample:
    id: us-east-1_AbCdEf123
    name: staff
    mfa_configuration: OPTIONAL
    device_configuration:
      challenge_required_on_new_device: true
      device_only_remembered_on_user_prompt: false
    estimated_number_of_users: 1200
app_clients:
  description: The pool's app clients, sorted by name, each from C(DescribeUserPoolClient) with snake_case keys, without the secret.
  returned: always (empty when O(app_clients=false))
  type: list
  elements: dict
  contains:
    client_id:
      description: The app client id.
      type: str
    client_name:
      description: The app client name.
      type: str
    explicit_auth_flows:
      description:
        - The authentication flows the client allows, for example V(ALLOW_USER_SRP_AUTH) or V(ALLOW_USER_PASSWORD_AUTH).
        - Empty when Cognito applies its defaults (V(ALLOW_USER_SRP_AUTH), V(ALLOW_CUSTOM_AUTH), V(ALLOW_REFRESH_TOKEN_AUTH)).
      type: list
      elements: str
    has_client_secret:
      description: Whether the client has a secret. The secret itself is never returned.
      type: bool
  sample:
    - client_id: 1example23456789
      client_name: web
      explicit_auth_flows: [ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
      has_client_secret: false
calls:
  description: AWS calls made per operation, with retries and throttled replies.
  returned: always
  type: dict
  sample: {describe_user_pool: {calls: 1, retries: 0, throttled: 0}}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mfaops.cognito.plugins.module_utils import connection
from ansible_collections.mfaops.cognito.plugins.module_utils import bulk
from ansible_collections.mfaops.cognito.plugins.module_utils import cognito
from ansible_collections.mfaops.cognito.plugins.module_utils import pool_info
from ansible_collections.mfaops.cognito.plugins.module_utils.errors import CALL_ERRORS, InvalidRequest, fail_aws
from ansible_collections.mfaops.cognito.plugins.module_utils.validate import check_bulk_options, check_user_pool_id

ARGUMENT_SPEC = dict(
    user_pool_id=dict(type="str", required=True),
    app_clients=dict(type="bool", default=True),
    retries=dict(type="int", default=10),
)


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    connection.settle(module)
    params = module.params
    pool = params["user_pool_id"]
    try:
        check_user_pool_id(pool, module.region)
        check_bulk_options(params, ())
    except InvalidRequest as e:
        module.fail_json(msg=str(e))

    client = module.client("cognito-idp", config=cognito.client_config(1))
    call = cognito.caller(client, pool_info.CATEGORIES, retries=params["retries"])
    what = "the user pool"
    try:
        user_pool = pool_info.user_pool_result(cognito.describe_user_pool(call, pool))
        app_clients = []
        if params["app_clients"]:
            what = "the app clients of the user pool"
            app_clients = pool_info.app_clients(call, pool)
    except CALL_ERRORS as e:
        fail_aws(module, e, f"Could not read {what} {pool}")

    module.exit_json(changed=False, user_pool=user_pool, app_clients=app_clients, calls=bulk.calls(call))


if __name__ == "__main__":
    main()
