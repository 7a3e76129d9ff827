# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Carrying out a campaign plan (campaign.plan) in the kill-safe order of campaign_state.

Each group change is recorded before the call and confirmed after, with the state saved at both
points: a removal as pending, AdminRemoveUserFromGroup, then removed; a restore as restoring,
AdminAddUserToGroup, then the record goes. A run killed anywhere leaves a record that the next
run's plan finishes. `save` is campaign_state.save bound to the state directory and pool.
"""

from __future__ import annotations

import datetime
from typing import Any, Callable, Dict, List, Mapping

from . import campaign
from . import cognito
from .errors import AWS_ERRORS, error_code

GONE = ("UserNotFoundException",)


def apply_membership(call: Any, user_pool_id: str, plan: campaign.Plan, day: datetime.date,
                     save: Callable[[Dict[str, Any]], None]) -> Dict[str, List[Mapping[str, str]]]:
    """Make the plan's removals and restores; returns those done. Raises the first AWS error
    (its record stays, for the next run to finish)."""
    state = plan.state
    done: Dict[str, List[Mapping[str, str]]] = {"removed": [], "restored": [], "gone": []}
    for item in plan.removals:
        campaign.record_removal(state, item["group"], item["username"], campaign.PENDING, day)
        save(state)
        if _call(cognito.admin_remove_user_from_group, call, user_pool_id, item):
            campaign.record_removal(state, item["group"], item["username"], campaign.REMOVED, day)
            done["removed"].append(item)
        else:
            campaign.forget_removal(state, item["group"], item["username"])
            done["gone"].append(item)
        save(state)
    for item in plan.restores:
        campaign.record_removal(state, item["group"], item["username"], campaign.RESTORING, day)
        save(state)
        if _call(cognito.admin_add_user_to_group, call, user_pool_id, item):
            done["restored"].append(item)
        else:
            done["gone"].append(item)
        campaign.forget_removal(state, item["group"], item["username"])
        save(state)
    return done


def _call(helper: Callable[..., None], call: Any, user_pool_id: str, item: Mapping[str, str]) -> bool:
    """True when the call was made; False when the user no longer exists."""
    try:
        helper(call, user_pool_id, item["username"], item["group"])
    except AWS_ERRORS as exc:
        if error_code(exc) in GONE:
            return False
        raise
    return True


def emails(rows: List[Mapping[str, Any]]) -> Dict[str, str]:
    """username -> email, from the info module's rows read with attributes: [email]."""
    return {r["username"]: (r.get("attributes") or {}).get("email") or "" for r in rows if r.get("username")}
