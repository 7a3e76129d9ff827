# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every module does with its AWS settings before its first check or call (docs/awx.md)."""

from __future__ import annotations

import os
from typing import Any

from .validate import pool_region

# AWX's "Amazon Web Services" credential injects the session token as AWS_SECURITY_TOKEN (boto's old name);
# amazon.aws 10 and later read only AWS_SESSION_TOKEN, and without it STS keys are sent without their token.
SECURITY_TOKEN_ENV = "AWS_SECURITY_TOKEN"
ACCESS_KEY_ENV = ("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY")


def settle(module: Any) -> None:
    """Fill in, in ``module.params``: the session token from AWS_SECURITY_TOKEN when the access key came from
    the environment and no session token did; the user pool id's region when neither the task nor AWS_REGION /
    AWS_DEFAULT_REGION sets one (a region set that is not the pool's fails the module's pool id check)."""
    params = module.params
    token = os.environ.get(SECURITY_TOKEN_ENV)
    from_env = params.get("access_key") and params.get("access_key") in [os.environ.get(name) for name in ACCESS_KEY_ENV]
    if token and from_env and not params.get("session_token") and not params.get("profile"):
        params["session_token"] = token
        module.no_log_values.add(token)
    region = pool_region(params.get("user_pool_id"))
    if region and not params.get("region"):
        params["region"] = region
