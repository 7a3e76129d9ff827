# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Options of the bulk engine shared by every module that works on many users.
    DOCUMENTATION = r"""
options:
  reads_per_second:
    description:
      - Most user reads (C(AdminGetUser), C(GetUser)) this task makes per second.
      - Cognito's C(UserRead) quota is 120 requests per second per account and region, shared by
        every job and every user pool there. The default leaves half of it to everything else.
      - The engine lowers its pace by itself when Cognito throttles, then climbs back to this rate.
    type: float
    default: 60
  workers:
    description:
      - How many users are worked on at the same time.
      - More workers help to reach the rates above when each call takes long; the rates stay the limit.
    type: int
    default: 8
  retries:
    description:
      - How many times one call is retried after throttling (C(TooManyRequestsException)) or a transient
        error (HTTP 5xx, dropped connection, timeout), with jittered exponential backoff.
      - A user fails only when its retries run out. Errors that no retry can fix (expired credentials,
        a user pool that does not exist, an endpoint that cannot be reached) stop the run at once.
    type: int
    default: 10
"""

    # For modules that write: cognito_user_mfa and the like.
    WRITES = r"""
options:
  writes_per_second:
    description:
      - Most MFA writes (C(AdminSetUserMFAPreference) and the like) this task makes per second.
      - Cognito's C(UserResourceUpdate) quota is 25 requests per second per account and region and cannot
        be raised. Live users enrolling authenticators draw on the same budget, so the default takes
        no more than half of it.
    type: float
    default: 12
"""
