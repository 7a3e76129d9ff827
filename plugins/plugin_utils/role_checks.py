# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The roles' checks of their input, before any call: each returns the sentences that say what is wrong
(empty when all is well), for an assert task to fail with."""

from __future__ import annotations

import json
import re
import secrets
import string
from fractions import Fraction

from ansible_collections.mfaops.cognito.plugins.module_utils import validate
from ansible_collections.mfaops.cognito.plugins.module_utils.words import counted

CONTACTS = {"EMAIL": "email", "SMS": "phone_number"}
# A generated service-account password: 8 characters of each kind Cognito's password policy may ask for.
PASSWORD_KINDS = (string.ascii_uppercase, string.ascii_lowercase, string.digits, "!#%+-=@_")
PASSWORD_EACH = 8


def as_list(value):
    """A role's list variable as a list. A YAML list stays as it is; a string - what a survey text field or
    ``-e k=v`` gives - is split at commas and new lines, each item stripped, blank items dropped; none is []."""
    if value is None:
        return []
    if isinstance(value, str):
        return [item.strip() for item in re.split(r"[,\n]", value) if item.strip()]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise TypeError(f"expected a list or a comma-separated string, got {type(value).__name__} {json.dumps(value, default=str)}")


def pool_problems(user_pool_id, region="", region_vars="cognito_region"):
    """The pool id as the roles take it (host var cognito_user_pool_id), and the region set beside it."""
    found = validate.pool_region(user_pool_id)
    shown = json.dumps(user_pool_id)
    if found is None:
        return [f"cognito_user_pool_id {shown} is not a Cognito user pool id (expected <region>_<id>, for example eu-west-1_AbCdEf123)"]
    if region and region != found:
        return [f"cognito_user_pool_id {shown} is in region {found}, but the region is set to {json.dumps(region)} ({region_vars})"]
    return []


def _number(value):
    try:
        return Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        return None


def option_problems(options):
    """Pace, batch and threshold options of a role, by name: *_per_second greater than 0, *_batch_size and *_workers at least 1,
    *_percent from 0 to 100, *_max_failed a whole number of 0 or more."""
    found = []
    for name, value in options.items():
        number = _number(value)
        if name.endswith("_per_second") and (number is None or number <= 0):
            found.append(f"{name} must be greater than 0, got {value}")
        elif name.endswith(("_batch_size", "_workers")) and (number is None or number < 1):
            found.append(f"{name} must be at least 1, got {value}")
        elif name.endswith("_percent") and (number is None or not 0 <= number <= 100):
            found.append(f"{name} must be between 0 and 100, got {value}")
        elif name.endswith("_max_failed") and (number is None or number < 0 or number.denominator != 1):
            found.append(f"{name} must be a whole number, 0 or more, got {value}")
    return found


def _has(entry, key):
    return key in entry or key in (entry.get("attributes") or {})


def accounts(entries, groups=()):
    """The mfa_users entries of onboarding split into people and service accounts, without the role's own
    service_account key (cognito_user does not take it), and every group they join - the task's groups, then
    their own - each once, in the order listed."""
    split = {"people": [], "service": [], "groups": list(dict.fromkeys(groups or ()))}
    for entry in entries:
        kept = {key: value for key, value in entry.items() if key != "service_account"}
        split["service" if entry.get("service_account") else "people"].append(kept)
        split["groups"] += [group for group in entry.get("groups") or [] if group not in split["groups"]]
    return split


def onboarding_problems(split, invitation, delivery_mediums=(), client_id="", vault_password="", batch_size=1, max_failed=0):
    """Users the invitation cannot reach; service accounts without an app client or a vault password; the batch
    size and failures allowed out of range (option_problems)."""
    found = option_problems({"onboard_users_batch_size": batch_size, "onboard_users_max_failed": max_failed})
    people = split["people"]
    mediums = [medium for medium in CONTACTS if medium in (delivery_mediums or ())]
    if invitation != "suppress":
        lacking = {medium: [user["username"] for user in people if not _has(user, key)] for medium, key in CONTACTS.items()}
        if mediums:
            unreachable = list(dict.fromkeys(name for medium in mediums for name in lacking[medium]))
        else:
            unreachable = [name for name in lacking["EMAIL"] if name in lacking["SMS"]]
        if unreachable:
            needs = " or ".join(CONTACTS[medium] for medium in mediums or CONTACTS)
            more = " ..." if len(unreachable) > 10 else ""
            found.append(
                f"the invitation ({invitation}) cannot reach {counted(len(unreachable), 'user')} who {'has' if len(unreachable) == 1 else 'have'} no {needs}: "
                f"{', '.join(unreachable[:10])}{more}. Give them one, or set onboard_users_invitation: suppress."
            )
    service = [user["username"] for user in split["service"]]
    if service and not (client_id and vault_password):
        found.append(
            f"{counted(len(service), 'service account')} listed ({', '.join(service)}): their first sign-in needs an app client "
            "(onboard_users_client_id, or the host var cognito_client_id) and their secrets a vault password "
            "(onboard_users_secrets_vault_password)."
        )
    return found


def service_passwords(usernames, given=None):
    """The permanent password of each service account: the one given for it, else a fresh random one."""
    given = given or {}
    chosen = {}
    for username in usernames:
        if username in given:
            chosen[username] = given[username]
            continue
        characters = [secrets.choice(kind) for kind in PASSWORD_KINDS for _index in range(PASSWORD_EACH)]
        secrets.SystemRandom().shuffle(characters)
        chosen[username] = "".join(characters)
    return chosen
