# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: mfa_summary
short_description: Sum up the batches of a bulk module run for one pool, and check the pool's thresholds
version_added: 0.1.0
description:
  - Takes the registered result of a M(mfaops.cognito.cognito_user_mfa) task (O(kind=mfa)) or a
    M(mfaops.cognito.cognito_user) task (O(kind=onboarding)) run in a loop of batches and returns one summary for the
    pool - the counts of every outcome, the users that changed or did not reach the desired state, and the sentences
    that fail the pool's thresholds.
  - A batch that failed as a whole (for example expired credentials) counts its users as V(not_attempted), so no user
    is ever lost from the summary.
  - A run that failed without naming its users (a selection of groups or of all users whose listing failed) fails the
    pool with its message, whatever the thresholds, since the users it did not reach are unknown.
author:
  - mfaops.cognito contributors (@mfaops)
options:
  _input:
    description: The registered loop result (with C(results)), or a list of batch results.
    type: raw
    required: true
  kind:
    description: Which module ran, and so which outcomes it has.
    type: str
    choices: [mfa, onboarding]
    default: mfa
  already_compliant:
    description: Users found compliant before the run (for example by M(mfaops.cognito.cognito_user_mfa_info)), counted as unchanged.
    type: int
    default: 0
  not_applicable:
    description:
      - Users found before the run to be users MFA does not apply to (federated, unconfirmed, password reset required,
        force change password), counted as V(not_applicable). They and V(excluded) users are outside the denominator of
        O(max_noncompliant_percent).
    type: int
    default: 0
  check_mode:
    description: Whether the run was in check mode; the message then says "would change".
    type: bool
    default: false
  lost_items:
    description: The users of a run without a loop item (a single task) that failed as a whole.
    type: list
    elements: raw
    default: []
  role:
    description: The role whose variables the threshold sentences name, for example V(enforce_mfa).
    type: str
    default: enforce_mfa
  fail_on:
    description: Outcomes that fail the pool when any user ends in them.
    type: list
    elements: str
    default: []
  max_noncompliant_percent:
    description: The most users, in percent, that may end neither unchanged nor changed (of the users MFA applies to).
    type: float
  max_failed:
    description:
      - The most users that may fail or not be attempted. Unset, a user not attempted fails the pool.
    type: int
"""

EXAMPLES = r"""
- name: Sum up the batches
  ansible.builtin.set_fact:
    pool_summary: "{{ batches | mfaops.cognito.mfa_summary(already_compliant=120, fail_on=['failed']) }}"
"""

RETURN = r"""
_value:
  description: The pool's summary.
  type: dict
  contains:
    counts:
      description: Users per outcome, with C(total).
      type: dict
    changed:
      description: Usernames changed (in check mode, that would change); O(kind=mfa) only.
      type: list
      elements: str
    not_enrolled:
      description: Usernames without a verified authenticator; O(kind=mfa) only.
      type: list
      elements: str
    not_found:
      description: Usernames not in the pool; O(kind=mfa) only.
      type: list
      elements: str
    failed:
      description: Rows of the users that failed or were not attempted, each with at least C(username), C(outcome), C(error_code) and C(message).
      type: list
      elements: dict
    not_attempted:
      description: Usernames of the runs that failed as a whole.
      type: list
      elements: str
    stopped_because:
      description: Why those runs failed, each reason once.
      type: list
      elements: str
    incomplete:
      description:
        - The messages of the runs that failed without naming their users (a selection of groups or of all users whose
          listing failed, for example with C(AccessDeniedException), expired credentials or retries exhausted), each
          once. The users such a run did not reach are unknown, so each of these messages fails the pool
          (it is in RV(_value.problems)) whatever the thresholds.
      type: list
      elements: str
    unmet:
      description: Users MFA applies to that did not end in the desired state.
      type: int
    considered:
      description: Users MFA applies to (the total less V(not_applicable) and V(excluded) users).
      type: int
    message:
      description: One line for people.
      type: str
    problems:
      description: The sentences that fail the pool's thresholds; empty when it is within them.
      type: list
      elements: str
"""

from ansible_collections.mfaops.cognito.plugins.plugin_utils import summary


def mfa_summary(batches, already_compliant=0, check_mode=False, kind="mfa", lost_items=(), role="enforce_mfa", fail_on=(),
                max_noncompliant_percent=None, max_failed=None, not_applicable=0):
    result = summary.summarise(batches, kind, already_compliant, check_mode, lost_items, not_applicable)
    result["problems"] = summary.problems(result, role, fail_on, max_noncompliant_percent, max_failed)
    return result


class FilterModule:
    def filters(self):
        return {
            "mfa_summary": mfa_summary,
            "service_account_summary": summary.service_accounts,
            "service_secrets": summary.service_secrets,
        }
