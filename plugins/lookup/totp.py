# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: totp
short_description: The current TOTP code of a secret, as an authenticator app shows it
version_added: 0.1.0
description:
  - Computes the current time-based one-time password of each base32 secret given, as Amazon Cognito checks
    it and as authenticator apps show it (RFC 6238, HMAC-SHA1, 6 digits, 30 s steps).
  - Runs on the controller; its clock should be right within a few seconds.
  - Spaces, dashes, padding and lower case in the secret are ignored. An invalid secret fails the lookup; the
    error message never contains the secret.
author:
  - mfaops.cognito contributors (@mfaops)
requirements:
  - pyotp
options:
  _terms:
    description: One or more TOTP secrets (base32).
    type: list
    elements: str
    required: true
  min_remaining:
    description:
      - The least number of seconds the code must stay valid. When the current 30 s step ends sooner, the lookup
        waits for the next step and returns its code.
      - Between 0 and 30; V(30) always waits for the start of the next step.
    type: int
    default: 0
notes:
  - Cognito accepts each code once. Two sign-ins of the same user within one 30 s step cannot both use the
    lookup's code; M(mfaops.cognito.cognito_auth_test) with its O(mfaops.cognito.cognito_auth_test#module:totp_secret)
    option waits for a fresh code by itself.
  - Treat the result as a secret (C(no_log)), as the module treats its O(mfaops.cognito.cognito_auth_test#module:totp_code).
seealso:
  - module: mfaops.cognito.cognito_auth_test
"""

EXAMPLES = r"""
- name: Show the current code of a secret kept in a vault
  ansible.builtin.debug:
    msg: "{{ lookup('mfaops.cognito.totp', vault_svc_totp_secret) }}"
  no_log: true

- name: Sign in with a code that stays valid for at least 5 more seconds
  mfaops.cognito.cognito_auth_test:
    region: eu-west-1
    user_pool_id: eu-west-1_AbCdEf123
    client_id: 3n4b5urk1ft4fl3mg5e62d9ado
    username: svc-reports
    password: "{{ vault_svc_password }}"
    totp_code: "{{ lookup('mfaops.cognito.totp', vault_svc_totp_secret, min_remaining=5) }}"

- name: Codes of several secrets at once (a list, in the order given)
  ansible.builtin.set_fact:
    codes: "{{ query('mfaops.cognito.totp', secret_a, secret_b) }}"
  no_log: true
"""

RETURN = r"""
_raw:
  description: The current 6-digit code of each secret, in the order given.
  type: list
  elements: str
  sample: ["492039"]
"""

import time

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.mfaops.cognito.plugins.module_utils.auth import HAS_PYOTP, TOTP_STEP, plan_totp_step, totp_code, totp_error


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        if not HAS_PYOTP:
            raise AnsibleLookupError("The mfaops.cognito.totp lookup needs the pyotp Python library on the controller.")
        min_remaining = self.get_option("min_remaining")
        if not 0 <= min_remaining <= TOTP_STEP:
            raise AnsibleLookupError("min_remaining must be between 0 and 30")

        secrets = []
        for index, term in enumerate(terms):
            if not isinstance(term, str) or not term.strip():
                raise AnsibleLookupError("TOTP secret number {0} is empty or not a string".format(index + 1))
            problem = totp_error(term)
            if problem:
                raise AnsibleLookupError("TOTP secret number {0}: {1}".format(index + 1, problem))
            secrets.append(term)

        step, wait = plan_totp_step(time.time(), min_remaining)
        if wait > 0:
            time.sleep(wait)
        return [totp_code(secret, step) for secret in secrets]
