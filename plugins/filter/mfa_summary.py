# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: mfa_summary
short_description: Sum up the batches of a cognito_user_mfa run for one pool
version_added: 0.1.0
description:
  - Takes the registered result of a M(mfaops.cognito.cognito_user_mfa) task run in a loop of batches and returns one
    summary for the pool - the counts of every outcome and the users that changed or did not reach the desired state.
  - A batch that failed as a whole (for example expired credentials) counts its users as V(not_attempted), so no user
    is ever lost from the summary.
author:
  - mfaops.cognito contributors (@mfaops)
options:
  _input:
    description: The registered loop result (with C(results)), or a list of batch results.
    type: raw
    required: true
  already_compliant:
    description: Users found compliant before the run (for example by M(mfaops.cognito.cognito_user_mfa_info)), counted as unchanged.
    type: int
    default: 0
  check_mode:
    description: Whether the run was in check mode; the message then says "would change".
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Sum up the batches
  ansible.builtin.set_fact:
    pool_summary: "{{ batches | mfaops.cognito.mfa_summary(already_compliant=120) }}"
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
      description: Usernames changed (in check mode, that would change).
      type: list
      elements: str
    not_enrolled:
      description: Usernames without a verified authenticator.
      type: list
      elements: str
    not_found:
      description: Usernames not in the pool.
      type: list
      elements: str
    failed:
      description: Users that failed or were not attempted, each with C(username), C(outcome), C(error_code) and C(message).
      type: list
      elements: dict
    message:
      description: One line for people.
      type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.mfaops.cognito.plugins.module_utils import user_mfa

LISTED = (user_mfa.CHANGED, user_mfa.NOT_ENROLLED, user_mfa.NOT_FOUND)


def _entry_name(entry):
    return entry.get("username") if isinstance(entry, dict) else entry


def mfa_summary(batches, already_compliant=0, check_mode=False):
    if isinstance(batches, dict):
        batches = batches.get("results", [])
    if not isinstance(batches, list):
        raise AnsibleFilterError("mfa_summary expects the registered result of a looped cognito_user_mfa task")
    counts = {outcome: 0 for outcome in user_mfa.OUTCOMES}
    counts[user_mfa.UNCHANGED] = int(already_compliant)
    names = {outcome: [] for outcome in LISTED}
    failed = []
    for batch in batches:
        if batch.get("skipped"):
            continue
        if "counts" not in batch:
            reason = batch.get("msg", "the batch failed")
            for entry in batch.get("item") or []:
                counts[user_mfa.NOT_ATTEMPTED] += 1
                failed.append({"username": _entry_name(entry), "outcome": user_mfa.NOT_ATTEMPTED, "error_code": "BatchFailed", "message": reason})
            continue
        for outcome in user_mfa.OUTCOMES:
            counts[outcome] += batch["counts"].get(outcome, 0)
        for row in batch.get("users", []):
            if row["outcome"] in names:
                names[row["outcome"]].append(row["username"])
            elif row["outcome"] in (user_mfa.FAILED, user_mfa.NOT_ATTEMPTED):
                failed.append({key: row.get(key) for key in ("username", "outcome", "error_code", "message")})
    counts["total"] = sum(counts[outcome] for outcome in user_mfa.OUTCOMES)
    labels = {user_mfa.UNCHANGED: "already compliant", user_mfa.CHANGED: "would change" if check_mode else "changed"}
    message = f"{counts['total']} users: " + ", ".join(
        f"{counts[outcome]} {labels.get(outcome, outcome.replace('_', ' '))}"
        for outcome in user_mfa.OUTCOMES
        if counts[outcome] or outcome in labels
    )
    return dict(counts=counts, failed=failed, message=message, **{outcome: sorted(found) for outcome, found in names.items()})


class FilterModule:
    def filters(self):
        return {"mfa_summary": mfa_summary}
