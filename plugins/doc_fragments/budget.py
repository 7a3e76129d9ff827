# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The account's shared budget: options of the bulk modules whose rates it holds.
    DOCUMENTATION = r"""
options:
  shared_budget:
    description:
      - Treat the rate options (the C(*_per_second) options of the task) as the budget of the whole
        AWS account and region, shared by every task that runs at the same time on this controller with
        this option on, rather than as the pace of this task alone. Cognito's quotas are per account and region.
      - Forks of one play, several plays, and several jobs on one execution node (when they share O(budget_dir))
        then draw on one budget per account, region and quota category; pools of other accounts or regions each
        have their own. When one task finishes, the others use what it leaves.
      - With O(state_dir), CloudTrail's C(LookupEvents) (2 requests a second per account and region, a fixed pace)
        is shared the same way, so the change signals of pools of one account take turns.
      - Tasks on other controllers cannot share it; the adaptive backoff on throttling covers them.
      - The budget is a small file per account, region and category in O(budget_dir), mode 0600, locked for each
        call; it needs a POSIX controller (C(fcntl)), and without one each task keeps its own pace.
    type: bool
    default: true
  budget_dir:
    description:
      - Where the shared budget files live. A directory C(mfaops-cognito-budget-<uid>) (mode 0700) is made in it.
      - Defaults to the controller's temporary directory (E(TMPDIR), else C(/tmp)).
      - In AWX or Automation Controller each job has its own temporary directory; to share the budget between
        jobs on one execution node, point this at a host directory mounted into the execution environment.
    type: path
  account_id:
    description:
      - The AWS account id the budget is kept for.
      - By default it is read once per credentials on this controller with C(sts:GetCallerIdentity) and remembered
        in O(budget_dir). Without access to STS, the budget is kept per access key and region instead.
    type: str
"""

    # The not-enrolled memory's retry window: for modules that enable TOTP.
    NOT_ENROLLED_STATE = r"""
options:
  not_enrolled_retry_after:
    description:
      - With O(state_dir) on listed users, how long a refusal as not enrolled is trusted before the user's write
        is tried again (a run on the whole pool with a state waits for an event instead).
      - A number of seconds, or a number with a unit V(s), V(m), V(h), V(d) or V(w), for example V(12h) or V(7d).
    type: str
    default: 7d
"""
