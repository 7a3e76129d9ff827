# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: iam_policy
short_description: The least-privilege IAM policy a playbook of this collection needs, for given user pools
version_added: 0.2.0
description:
  - Renders the IAM policy document that a playbook of this collection (V(enforce_mfa), V(audit_mfa),
    V(onboard_users), V(mfa_campaign)) needs, with the ARNs of the given user pools filled in, to paste into IAM,
    Terraform or CloudFormation.
  - The actions come from the collection's one table of the calls each module makes
    (C(plugins/module_utils/iam.py)); docs/iam/ holds the same policies for an example pool.
  - Cognito user-pool actions are scoped to each pool's ARN; C(cloudtrail:LookupEvents) (incremental runs) has no
    resource type, so its statement has C(Resource "*"); Secrets Manager is scoped to the secret name prefix, SES
    to the sending identity, Security Hub to the account's hub and its own product.
author:
  - mfaops.cognito contributors (@mfaops)
options:
  _terms:
    description: One playbook name.
    type: list
    elements: str
    required: true
  pools:
    description: The user pool ids, for example C(eu-west-1_AbCdEf123); each pool's region is part of its id.
    type: list
    elements: str
    required: true
  account_id:
    description: The AWS account id of the pools.
    type: str
    required: true
  partition:
    description: The AWS partition.
    type: str
    default: aws
  statements:
    description:
      - The statements to keep, by Sid (for example V(CognitoUserPools)); all of them when not set.
      - V(IncrementalState) is needed only by runs with a state directory, V(SecurityHubImport) only with the
        Security Hub import, V(SecretsManagerStore) only with the Secrets Manager store.
    type: list
    elements: str
  secret_prefix:
    description: The name prefix of the service accounts' secrets in Secrets Manager (V(onboard_users)).
    type: str
    default: mfaops/cognito/
  identity:
    description: The SES identity (address or domain) the campaign sends from (V(mfa_campaign)).
    type: str
    default: example.com
notes:
  - Calls that Cognito authorises by a user's token or session (C(AssociateSoftwareToken), C(VerifySoftwareToken),
    C(RespondToAuthChallenge), C(InitiateAuth), C(GetUser), C(SetUserMFAPreference)) need no IAM permission, and
    C(sts:GetCallerIdentity) needs none either; they are in no policy.
"""

EXAMPLES = r"""
- name: Show the policy enforce_mfa needs for every pool of the inventory
  ansible.builtin.debug:
    msg: >-
      {{ lookup('mfaops.cognito.iam_policy', 'enforce_mfa', account_id='123456789012',
                pools=groups['cognito_pools'] | map('extract', hostvars, 'cognito_user_pool_id') | list) | to_nice_json }}
  run_once: true

- name: Write the audit policy without the optional statements
  ansible.builtin.copy:
    dest: audit-policy.json
    content: >-
      {{ lookup('mfaops.cognito.iam_policy', 'audit_mfa', account_id='123456789012', pools=['eu-west-1_AbCdEf123'],
                statements=['CognitoUserPools']) | to_nice_json }}
    mode: "0644"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
_raw:
  description: The policy document (one, in a list).
  type: list
  elements: dict
  sample:
    - Version: "2012-10-17"
      Statement:
        - Sid: CognitoUserPools
          Effect: Allow
          Action: [cognito-idp:AdminGetUser]
          Resource: arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbCdEf123
"""

import re

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.mfaops.cognito.plugins.module_utils import iam
from ansible_collections.mfaops.cognito.plugins.module_utils.errors import InvalidRequest
from ansible_collections.mfaops.cognito.plugins.module_utils.validate import check_user_pool_id

ACCOUNT_ID = re.compile(r"[0-9]{12}")


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        if len(terms) != 1 or terms[0] not in iam.PLAYBOOKS:
            raise AnsibleLookupError("give one playbook name: {0}".format(", ".join(sorted(iam.PLAYBOOKS))))
        account = self.get_option("account_id")
        if not ACCOUNT_ID.fullmatch(str(account)):
            raise AnsibleLookupError("account_id must be 12 digits, got {0!r}".format(account))
        pools = self.get_option("pools") or []
        if not pools:
            raise AnsibleLookupError("pools: give at least one user pool id")
        try:
            for pool in pools:
                check_user_pool_id(pool)
        except InvalidRequest as e:
            raise AnsibleLookupError(str(e))
        statements = self.get_option("statements")
        known = iam.statement_notes(terms[0])
        unknown = sorted(set(statements or ()) - set(known))
        if unknown:
            raise AnsibleLookupError("unknown statements {0}; {1} has {2}".format(unknown, terms[0], sorted(known)))
        document = iam.policy(terms[0], sorted(set(pools)), account, self.get_option("partition"), statements,
                              secret_prefix=self.get_option("secret_prefix"), identity=self.get_option("identity"))
        return [document]
