"""The two user pools of examples/inventory.yml, built on the stand-in.

Shared by ``make demo`` (tests/support/demo.py) and the enforce_mfa integration
tests. Pool ids and regions come from the inventory itself; this file adds the
users each pool starts with, in mixed MFA states (seed.py's names), the groups
of the customer pool, and what enforcing TOTP does to each user.

staff-us (us-east-1_DemoStaff1): users listed inline and in users/staff-us.yml.
customers-eu (eu-west-1_DemoCust1): members of the groups support and admins,
plus users/operators-eu.yml. ``breakglass-admin`` is in both pools, listed (US)
or a group member (EU), and excluded by the inventory: never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import seed

ROOT = Path(__file__).resolve().parents[2]
INVENTORY = ROOT / "examples" / "inventory.yml"

# What enforcing TOTP (enabled + preferred) does to a user, by the outcome the
# playbook reports; "excluded" and "not selected" users are never read or written.
CHANGED, UNCHANGED, NOT_ENROLLED = "changed", "unchanged", "not_enrolled"
EXCLUDED, NOT_SELECTED = "excluded", "not selected"


@dataclass(frozen=True)
class DemoUser:
    name: str
    state: str  # seed.py state it starts in
    story: str  # the starting state in words
    outcome: str  # what the playbook does to it
    keeps_sms: bool = False  # SMS stays enabled after enforcing (else it ends disabled or was never on)


@dataclass(frozen=True)
class DemoPool:
    host: str  # inventory host
    users: tuple[DemoUser, ...]
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def user(self, name: str) -> DemoUser:
        return next(u for u in self.users if u.name == name)

    def names(self, *outcomes: str) -> list[str]:
        """The usernames, in order; only those with one of ``outcomes`` if given."""
        return [u.name for u in self.users if not outcomes or u.outcome in outcomes]


POOLS = (
    DemoPool(
        "staff-us",
        (
            DemoUser("alice", "totp_verified", "authenticator set up, TOTP never switched on", CHANGED),
            DemoUser("bob", "no_mfa", "never set up an authenticator", NOT_ENROLLED),
            DemoUser("carol", "sms_totp_verified", "SMS preferred; authenticator set up too", CHANGED, True),
            DemoUser("dave", "totp_preferred", "TOTP preferred: already compliant", UNCHANGED),
            DemoUser("erin", "totp_enabled", "TOTP on, not preferred", CHANGED),
            DemoUser("frank", "sms_only", "SMS only; no authenticator", NOT_ENROLLED, True),
            DemoUser("breakglass-admin", "no_mfa", "emergency account (excluded)", EXCLUDED),
        ),
    ),
    DemoPool(
        "customers-eu",
        (
            DemoUser("oscar", "totp_verified", "authenticator set up, TOTP never switched on", CHANGED),
            DemoUser("olivia", "sms_totp_verified", "SMS preferred; authenticator set up too", CHANGED),
            DemoUser("sam", "totp_preferred", "group support; already compliant", UNCHANGED),
            DemoUser("sofia", "totp_enabled", "group support; TOTP on, not preferred", CHANGED),
            DemoUser("steve", "no_mfa", "group support; never set up an authenticator", NOT_ENROLLED),
            DemoUser("adam", "totp_verified", "group admins; authenticator set up, TOTP off", CHANGED),
            DemoUser("breakglass-admin", "no_mfa", "group admins; emergency account (excluded)", EXCLUDED),
            DemoUser("uma", "no_mfa", "in no group: not selected", NOT_SELECTED),
        ),
        groups={"support": ("sam", "sofia", "steve"), "admins": ("adam", "breakglass-admin")},
    ),
)


def inventory_hosts(inventory: Path = INVENTORY) -> dict[str, dict[str, Any]]:
    """The host vars of the pools in ``inventory`` (group ``cognito_pools``)."""
    return yaml.safe_load(inventory.read_text())["cognito_pools"]["hosts"]


def usernames(entries: list[Any]) -> list[str]:
    """The usernames of user entries (a username, or a dict with ``username``)."""
    return [e["username"] if isinstance(e, dict) else e for e in entries]


def listed_users(inventory: Path, host: str) -> list[str]:
    """Usernames the inventory lists for ``host``, inline and in its users files."""
    hostvars = inventory_hosts(inventory)[host]
    entries = list(hostvars.get("cognito_users") or [])
    for path in hostvars.get("cognito_users_files") or []:
        entries += yaml.safe_load((inventory.parent / path).read_text()) or []
    return usernames(entries)


def check_matches(inventory: Path = INVENTORY) -> None:
    """Fail loudly when the inventory and POOLS drifted apart: a user listed in the
    inventory, or a group it names, that this file does not create."""
    hosts = inventory_hosts(inventory)
    for pool in POOLS:
        missing = set(listed_users(inventory, pool.host)) - set(pool.names())
        missing |= set(hosts[pool.host].get("cognito_groups") or []) - set(pool.groups)
        if missing:
            raise RuntimeError(f"{inventory} names what tests/support/demo_pools.py does not create in {pool.host}: {sorted(missing)}")


def create(standin: Any, inventory: Path = INVENTORY) -> dict[str, seed.Pool]:
    """Create the inventory's pools (their fixed ids, in their regions) with their
    users and groups, through the Cognito API. Returns ``{host: seed.Pool}``; each
    Pool has the app client a sign-in test can use."""
    check_matches(inventory)
    hosts = inventory_hosts(inventory)
    created = {}
    for pool in POOLS:
        hostvars = hosts[pool.host]
        client = standin.client(region=hostvars["cognito_region"])
        made = seed.create_pool(client, pool.host, pool_id=hostvars["cognito_user_pool_id"], standin=standin)
        seed.seed_api(client, made, [(u.name, u.state) for u in pool.users])
        for group, members in pool.groups.items():
            seed.add_to_group(client, made, group, members)
        created[pool.host] = made
    return created


def expected_state(user: DemoUser, before: dict[str, Any]) -> dict[str, Any]:
    """The user's MFA state (seed.mfa_state's shape) after enforcing: TOTP enabled
    and preferred for users who change, SMS kept where it is (only olivia's entry
    turns it off); everyone else exactly as before."""
    if user.outcome != CHANGED:
        return before
    methods = ["software_token_mfa"] + (["sms_mfa"] if user.keeps_sms else [])
    return {"enabled_methods": methods, "preferred_method": "software_token_mfa"}
