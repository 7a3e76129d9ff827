# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Runs with a state (plugins/module_utils/incremental.py): read only the users that may have changed.
    DOCUMENTATION = r"""
options:
  signal_delay:
    description:
      - How far before its last run each run looks back in CloudTrail, for events delivered late. CloudTrail
        delivers events about 5 minutes after the call on average, with no guarantee.
      - A number with a unit, C(s), C(m), C(h), C(d) or C(w) (C(15m)).
    type: str
    default: 15m
  max_reads:
    description:
      - With O(state_dir), fail the pool before its first C(AdminGetUser) when the run would read more users
        than this (a full read of a large pool bills every user as a monthly active user).
    type: int
  max_age:
    description:
      - With O(state_dir), also re-read the users last read longer ago than this (a number with a unit, as
        O(signal_delay)). Default none.
      - The re-reads are spread over runs, oldest first, at the pace that reads each user of the state once per
        O(max_age) at this run's interval since the last run, C(ceil(users × interval / max_age)) (at least one);
        all of them when the last run is O(max_age) ago or more. A pool whose users all pass O(max_age) at once
        (after a full read) is re-read over the next O(max_age) instead of in one run; a user may then wait up to
        twice O(max_age) for its re-read.
      - Each re-read bills the user as a monthly active user that calendar month, unless already one (signed in or
        read that month), about C(users × 30d / max_age) MAU a month at most (C(30d) - the whole pool each month,
        C(90d) - a third).
    type: str
  state_lock_timeout:
    description:
      - How many seconds a run waits for another run on the same pool's state to finish before it fails.
    type: float
    default: 600
"""

    # state_dir of cognito_user_mfa_info (the audit).
    AUDIT = r"""
options:
  state_dir:
    description:
      - Keep a state of the pool in this directory (SQLite, one file C(<user pool id>.sqlite3) per pool, mode 0600;
        missing directories are made 0700; a symlink is refused) and read only the users that may have changed
        since the last run, on runs with O(all_users=true) and no usernames, groups or filter.
      - Each run lists the pool with C(ListUsers) (not billed as monthly active users), reads the change signal
        since its last run with CloudTrail C(LookupEvents) (by event name, through the same O(endpoint_url)), and
        calls C(AdminGetUser) only for users that are new, changed in the listing (sub, status, enabled, last
        modified), named by an event since their last read, or never read. Every other user is carried from the
        state with the time of its last read (C(read_at)); C(read_this_run) says which users this run read.
      - The whole pool is read, and the result says why (C(state.full_read_reason)), on the first run, when the
        last run was more than 89 days ago less O(signal_delay) (CloudTrail keeps 90), when C(LookupEvents) is
        refused or keeps failing,
        when an event of the pool cannot be tied to one user (a failed call, or a user created, deleted, confirmed,
        enabled or disabled, is seen in the listing instead), when this machine's clock is more than 1 s off AWS's
        (the first C(ListUsers) answer's C(Date) header), and when the pool's MFA or sign-in configuration changed
        since the last complete audit (or the state, made by enforcements only, does not say). When
        C(LookupEvents) is refused or keeps failing, the task also warns, naming the pool and the error (e.g.
        C(cloudtrail:LookupEvents) missing from the policy).
      - With O(auth_factors), users whose saved answer holds no auth factors (last read by an enforcement, or by
        an audit without O(auth_factors)) are read too.
      - The run's own writes (refused ones included) come back as events in the next run's window; the state
        records them, so they cost the next run no read.
      - In check mode the task reads no user and says how many users it would read (C(would_read)).
      - The state holds usernames and subs, so keep the directory private (in AWX, a persistent volume like the
        report directory). Two runs on one pool wait for each other (O(state_lock_timeout)).
      - Needs C(cloudtrail:LookupEvents) besides the Cognito permissions.
    type: path
"""

    # state_dir of cognito_user_mfa (the enforcement; also the not-enrolled memory of runs on listed users).
    ENFORCE = r"""
options:
  state_dir:
    aliases: [not_enrolled_state_dir]
    description:
      - Keep a state of the pool in this directory (SQLite, one file C(<user pool id>.sqlite3) per pool, mode 0600;
        missing directories are made 0700; a symlink is refused) and read only the users that may have changed
        since the last run, on runs with O(all_users=true) and no usernames, groups or filter.
      - Each run lists the pool with C(ListUsers) (not billed as monthly active users), reads the change signal
        since its last run with CloudTrail C(LookupEvents) (by event name, through the same O(endpoint_url)), and
        calls C(AdminGetUser) only for users that are new, changed in the listing (sub, status, enabled, last
        modified), named by an event since their last read, or never read. Every other user is carried from the
        state with the time of its last read (C(read_at)); C(read_this_run) says which users this run read.
      - The whole pool is read, and the result says why (C(state.full_read_reason)), on the first run, when the
        last run was more than 89 days ago less O(signal_delay) (CloudTrail keeps 90), when C(LookupEvents) is
        refused or keeps failing,
        when an event of the pool cannot be tied to one user (a failed call, or a user created, deleted, confirmed,
        enabled or disabled, is seen in the listing instead), and when this machine's clock is more than 1 s off
        AWS's (the first C(ListUsers) answer's C(Date) header). When C(LookupEvents) is refused or keeps failing,
        the task also warns, naming the pool and the error (e.g. C(cloudtrail:LookupEvents) missing from the policy).
      - The run's own writes (refused ones included) come back as events in the next run's window; the state
        records them, so they cost the next run no read.
      - In check mode the task reads no user and says how many users it would read (C(would_read)).
      - The state holds usernames and subs, so keep the directory private (in AWX, a persistent volume like the
        report directory). Two runs on one pool wait for each other (O(state_lock_timeout)).
      - With O(all_users=true), a user known compliant and unchanged gets neither a read nor a write, and a user
        known not enrolled (Cognito refused the write) gets no write until an event names them; a second run on an
        unchanged pool makes no C(AdminGetUser) call and no write.
      - With O(username), O(users), O(groups) or O(filter), every listed user is read, and the state only
        remembers which users Cognito refused as not enrolled (no verified authenticator), and when. Their write is
        skipped until O(not_enrolled_retry_after) has passed since the refusal, or sooner when their
        C(UserLastModifiedDate) is newer; they are still reported as V(not_enrolled), with RV(users[].known_since).
        Each skipped write saves one request of the account's C(UserResourceUpdate) quota, which users enrolling
        share. Such a run needs no C(cloudtrail:LookupEvents); O(max_reads) and O(max_age) do not apply to it.
      - Needs C(cloudtrail:LookupEvents) besides the Cognito permissions (runs on the whole pool).
      - Cannot be used with O(access_token), nor with O(reset_software_token) on the whole pool.
    type: path
"""
