# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The campaign's nudge emails (cognito_mfa_nudge_email): the user's template filled in per user.

Templates are Python string.Template text (``$username``, ``${days_left}``), filled in here rather
than by Jinja, so a username or email from an end user is never evaluated as a template. Every
template is tried on a sample nudge before any email is sent: an unknown placeholder is an error
naming the option.
"""

from __future__ import annotations

import string
from typing import Any, Dict, Mapping, Optional

from .errors import InvalidRequest

# SendEmail errors that refuse every email, not the one (botocore's SES model; docs/cognito-behaviour.md): the
# module stops at the first, the rest not attempted.
REFUSES_EVERY_EMAIL = frozenset(
    ("AccountSendingPausedException", "ConfigurationSetSendingPausedException", "ConfigurationSetDoesNotExistException")
)
FIELDS = ("username", "email", "group", "deadline", "days_left", "days_on_list", "nudges_sent", "user_pool_id")
SAMPLE = {name: "x" for name in FIELDS}


def check_templates(templates: Mapping[str, Optional[str]]) -> None:
    for option, text in templates.items():
        if text is None:
            continue
        try:
            string.Template(text).substitute(SAMPLE)
        except KeyError as exc:
            raise InvalidRequest(f"{option}: unknown placeholder ${exc.args[0]}; known: {', '.join('$' + f for f in FIELDS)}") from None
        except ValueError as exc:
            raise InvalidRequest(f"{option}: {exc} (write $$ for a dollar sign)") from None


def message(nudge: Mapping[str, Any], user_pool_id: str, subject: str, text: str, html: Optional[str]) -> Dict[str, Any]:
    """SendEmail's Message for one nudge."""
    values = {name: str(nudge.get(name, "")) for name in FIELDS}
    values["user_pool_id"] = user_pool_id
    body = {"Text": {"Data": string.Template(text).substitute(values), "Charset": "UTF-8"}}
    if html is not None:
        escaped = {k: _escape(v) for k, v in values.items()}
        body["Html"] = {"Data": string.Template(html).substitute(escaped), "Charset": "UTF-8"}
    return {"Subject": {"Data": string.Template(subject).substitute(values), "Charset": "UTF-8"}, "Body": body}


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
