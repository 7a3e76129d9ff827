# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The errors every module and helper speaks: bad input, a stopped run, AWS's own errors.

- InvalidRequest: bad input, raised before any call; the message names the culprit.
- Abort: the run cannot go on (bad credentials, missing pool, endpoint unreachable, an action the credentials
  may not call); the engine raises it.
- access_denied: the Abort of an AccessDenied answer, naming the IAM action and the pool.
- AWS_ERRORS: the botocore exceptions a call can raise. CALL_ERRORS adds Abort: what one call can end in.
- error_code / error_message: the one parser of an AWS error.
- fail_aws: the one way a module gives up on a failed call.
"""

from __future__ import annotations

import re
from typing import Any, Optional

try:
    import botocore.exceptions

    AWS_ERRORS: tuple = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
except ImportError:  # handled by AnsibleAWSModule's own boto3 check
    AWS_ERRORS = ()


class InvalidRequest(ValueError):
    """Raised for bad input, before any call is made. The message names the culprit."""


class Abort(Exception):
    """The run cannot go on (bad credentials, missing pool, endpoint unreachable, access denied).

    `action`: the IAM action refused, for an access denial (else None)."""

    def __init__(self, code: str, message: str, action: Optional[str] = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.action = action


# AWS's codes for "this identity may not call this action" (Cognito: AccessDeniedException, HTTP 400;
# the Query APIs: AccessDenied). Reported as one code. docs/cognito-behaviour.md.
ACCESS_DENIED = "AccessDeniedException"
ACCESS_DENIED_CODES = frozenset((ACCESS_DENIED, "AccessDenied"))
_DENIED_ACTION = re.compile(r"not authorized to perform: ([\w-]+:\w+)")


def access_denied(exc: BaseException, service: str, pool: Optional[str] = None) -> Abort:
    """The Abort of an AccessDenied answer: the action (from AWS's message, else service:operation) and the pool.

    AWS's own message is not repeated: it names the caller's ARN and adds nothing the policy needs."""
    found = _DENIED_ACTION.search(aws_message(exc))
    operation = getattr(exc, "operation_name", None) or "?"
    action = found.group(1) if found else f"{service}:{operation}"
    where = f" on user pool {pool}" if pool else ""
    return Abort(ACCESS_DENIED, f"these credentials may not call {action}{where}; its IAM policy must allow {action} "
                 "(the policies are in docs/iam/)", action)


CALL_ERRORS = (Abort,) + AWS_ERRORS


def error_code(exc: BaseException) -> Optional[str]:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return (response.get("Error") or {}).get("Code") or None
    return None


def aws_message(exc: BaseException) -> str:
    """AWS's own message, as sent ("" if none)."""
    response = getattr(exc, "response", None)
    return str((response.get("Error") or {}).get("Message") or "") if isinstance(response, dict) else ""


def error_message(exc: BaseException) -> str:
    """An error in words: AWS's own message and the operation, else the exception's text.

    str() of a botocore ClientError repeats the code and says "(reached max retries: 0)",
    which misleads here: botocore is told not to retry because the engine does.
    """
    message = aws_message(exc)
    if not message:
        return str(exc).rstrip(".")
    operation = getattr(exc, "operation_name", None)
    return f"{message.rstrip('.')} ({operation})" if operation else message.rstrip(".")


def code_of(exc: BaseException) -> str:
    """The error code of an AWS error or an Abort, else the exception's class name."""
    if isinstance(exc, Abort):
        return exc.code
    return error_code(exc) or type(exc).__name__


def describe(exc: BaseException) -> str:
    """'Code: what happened', for an Abort or an AWS error."""
    if isinstance(exc, Abort):
        return f"{exc.code}: {exc.message}"
    return f"{code_of(exc)}: {exc}"


def fail_aws(module: Any, exc: BaseException, what: str, **result: Any) -> None:
    """Fail the task on a call that ended in an Abort or an AWS error; `what` says what could not be done."""
    if isinstance(exc, Abort):
        module.fail_json(msg=f"{what}: {describe(exc)}", **result)
    module.fail_json_aws(exc, msg=what, **result)
