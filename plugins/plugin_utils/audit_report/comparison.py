# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The report compared with the previous one: who became compliant, who fell out, who is new and not compliant."""

from __future__ import annotations

import json

from ansible_collections.mfaops.cognito.plugins.module_utils import mfa
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report.model import SCHEMA


def _user_index(pools):
    return {
        (pool["user_pool_id"], user["username"]): (pool, user)
        for pool in pools
        if not pool.get("error")
        for user in pool.get("users") or []
    }


def compare(pools, previous):
    """Who became compliant, who fell out, and who is new and not compliant, since the previous report.
    Pools are matched by id; a user that could not be read in either report is in none of the lists."""
    empty = {
        "available": False,
        "previous_generated_at": None,
        "became_compliant": [],
        "fell_out": [],
        "new_non_compliant": [],
        "counts": {"became_compliant": 0, "fell_out": 0, "new_non_compliant": 0},
        "previous_compliance_percent": None,
        "pools": {},
    }
    if isinstance(previous, (str, bytes)):
        try:
            previous = json.loads(previous) if previous.strip() else None
        except ValueError:
            return dict(empty, note="The previous report is not valid JSON: not compared")
    if not previous:
        return dict(empty, note="No previous report")
    if not isinstance(previous, dict) or previous.get("schema") != SCHEMA:
        return dict(empty, note=f"The previous report is not a {SCHEMA} report: not compared")
    before_pools = [pool for pool in previous.get("pools") or [] if isinstance(pool, dict) and not pool.get("error")]
    before = _user_index(before_pools)
    compared_ids = {pool["user_pool_id"] for pool in before_pools}
    became, fell, new = [], [], []
    for (pool_id, username), (pool, user) in sorted(_user_index(pools).items()):
        if pool_id not in compared_ids:
            continue
        entry = {"pool": pool["host"], "user_pool_id": pool_id, "username": username, "email": user.get("email"), "after": user["state"]}
        old = before.get((pool_id, username))
        if old is None:
            if user["state"] in mfa.KNOWN_NON_COMPLIANT:
                new.append(dict(entry, before=None))
            continue
        old_state = old[1]["state"]
        if old_state in mfa.KNOWN_NON_COMPLIANT and user["state"] == mfa.COMPLIANT:
            became.append(dict(entry, before=old_state))
        elif old_state == mfa.COMPLIANT and user["state"] in mfa.KNOWN_NON_COMPLIANT:
            fell.append(dict(entry, before=old_state))
    by_id = {pool["user_pool_id"]: pool for pool in before_pools}
    return dict(
        empty,
        available=True,
        note=f"Compared with the report of {previous.get('generated_at') or 'an unknown time'}",
        previous_generated_at=previous.get("generated_at"),
        became_compliant=became,
        fell_out=fell,
        new_non_compliant=new,
        counts={"became_compliant": len(became), "fell_out": len(fell), "new_non_compliant": len(new)},
        previous_compliance_percent=(previous.get("overall") or {}).get("compliance_percent"),
        pools={
            pool["host"]: {"previous_compliance_percent": by_id[pool["user_pool_id"]].get("compliance_percent")}
            for pool in pools
            if pool["user_pool_id"] in by_id and not pool.get("error")
        },
    )
