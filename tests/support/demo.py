"""`make demo`: put every user of the example inventory's two Cognito user pools on
TOTP MFA with playbooks/enforce_mfa.yml, against a local stand-in.

1. Starts the local Cognito stand-in (moto, on 127.0.0.1; nothing reaches AWS).
2. Creates the two pools of examples/inventory.yml (their ids, in their regions) with
   users in mixed MFA states, through the Cognito API as users and administrators
   would (tests/support/demo_pools.py).
3. Runs `ansible-playbook -i examples/inventory.yml playbooks/enforce_mfa.yml`: in
   check mode with a diff, for real, then once more to show that nothing changes;
   after each step, the users' MFA state as read back from the pools, and the calls
   the stand-in saw per pool.
4. Proves it: one enforced user signs in with password + TOTP code
   (examples/demo_signin.yml, mfaops.cognito.cognito_auth_test). The password and the
   TOTP secret go through an extra-vars file, never on a command line or in the output.
5. An email-sign-in, case-blind pool (examples/inventory-email.yml): Alice, named by email
   in another case, listed and in a group, is handled once; the excluded break-glass account,
   in the group too, gets no write (the demo fails if it does).
6. One day of the enrolment campaign (playbooks/mfa_campaign.yml): coverage, the users
   still to enrol (CSV/JSON nudge files), the lockout-risk line; nothing changes in Cognito.
7. Stops the stand-in, also on failure or Ctrl-C. Safe to run again: each run starts
   from a fresh stand-in.

Run it with `make demo` (which builds the venv and the collection first), or
`python tests/support/demo.py` with the venv's Python.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# pylint: disable=wrong-import-position
from tests.support import demo_pools  # noqa: E402
from tests.support import playbook as ansible  # noqa: E402
from tests.support import seed  # noqa: E402
from tests.support.cognito_front import CognitoFront  # noqa: E402
from tests.support.proxy import DEFAULT_QUOTAS, Proxy  # noqa: E402
from tests.support.standin import STANDIN_PASSWORD, STANDIN_TOTP_SECRET, StandIn, StandInClient  # noqa: E402

INVENTORY = "examples/inventory.yml"
EMAIL_INVENTORY = "examples/inventory-email.yml"
ENFORCE = "playbooks/enforce_mfa.yml"
CAMPAIGN = "playbooks/mfa_campaign.yml"
SIGNIN = "examples/demo_signin.yml"
SIGNIN_USER = ("staff-us", "alice")  # an enforced user: the sign-in test of step 4
SECRETS = (STANDIN_PASSWORD, STANDIN_TOTP_SECRET)
# Step 5's pool: users by email, as created (Cognito stores them in lowercase in a case-blind pool).
ALICE, BREAK_GLASS, NEVER_ENROLLED = "alice@example.com", "breakglass@example.com", "nina@example.com"
EMAIL_USERS = {ALICE: "totp_verified", BREAK_GLASS: "totp_verified", NEVER_ENROLLED: "no_mfa"}
EMAIL_GROUPS = {"staff": (ALICE, BREAK_GLASS)}
WRITE = "AdminSetUserMFAPreference"
RECAP = re.compile(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
SHORT = {"software_token_mfa": "TOTP", "sms_mfa": "SMS", "email_mfa": "email"}
WIDTH = 78


def say(text: str = "", end: str = "\n") -> None:
    print(text, end=end, flush=True)


def banner(text: str) -> None:
    say()
    say("=" * WIDTH)
    say(text)
    say("=" * WIDTH)


def describe(state: dict[str, Any]) -> str:
    enabled = ", ".join(SHORT[m] for m in state["enabled_methods"]) or "none"
    preferred = SHORT.get(state["preferred_method"] or "", "-")
    return f"MFA on: {enabled:<10} preferred: {preferred:<5}"


@dataclass
class Step:
    """What one playbook run did: per pool host, (reads, accepted writes, refused
    writes) at the stand-in, and the PLAY RECAP's changed count."""

    calls: dict[str, tuple[int, int, int]]
    changed: dict[str, int]

    def accepted_writes(self) -> int:
        return sum(pool_calls[1] for pool_calls in self.calls.values())

    def refused_writes(self) -> int:
        return sum(pool_calls[2] for pool_calls in self.calls.values())


def stream(command: list[str], env: dict[str, str]) -> tuple[int, bool, dict[str, int]]:
    """Run ``command`` with its output (stdout and stderr) passed through line by
    line, any secret masked. Returns (exit code, whether a secret was masked,
    {host: changed} from the PLAY RECAP)."""
    leaked, changed = False, {}
    with subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    ) as process:
        try:
            assert process.stdout is not None
            for line in process.stdout:
                for secret in SECRETS:
                    if secret in line:
                        line, leaked = line.replace(secret, "********"), True
                sys.stdout.write(line)
                sys.stdout.flush()
                recap = RECAP.match(ANSI.sub("", line))
                if recap:
                    changed[recap[1]] = int(recap[2])
        except BaseException:
            if process.poll() is None:
                process.terminate()
            raise
    return process.returncode, leaked, changed


class Demo:
    """The stand-in, the example pools, and the playbook runs."""

    def __init__(self, standin: StandInClient, scratch: Path, front: Proxy | None = None) -> None:
        self.standin = standin
        self.front = front
        self.scratch = scratch
        self.hosts = demo_pools.inventory_hosts()
        self.pools: dict[str, seed.Pool] = {}
        self.clients = {host: standin.client(region=v["cognito_region"]) for host, v in self.hosts.items()}
        self.states: dict[tuple[str, str], dict[str, Any]] = {}
        self.collections = ansible.collections_path(scratch / "collections")

    def create_pools(self) -> None:
        self.pools = demo_pools.create(self.standin)
        self.standin.reset_counts()

    def show_sources(self) -> None:
        """Where each pool's users come from, in the inventory's words."""
        for pool in demo_pools.POOLS:
            hostvars = self.hosts[pool.host]
            sources = []
            if hostvars.get("cognito_users"):
                sources.append("inline " + ", ".join(demo_pools.usernames(hostvars["cognito_users"])))
            sources += [f"file {path}" for path in hostvars.get("cognito_users_files") or []]
            sources += [f"group {group}" for group in hostvars.get("cognito_groups") or []]
            say(f"  {pool.host:<13} pool {hostvars['cognito_user_pool_id']} in {hostvars['cognito_region']}")
            say(f"  {'':<13} users: {'; '.join(sources)}")

    def show_users(self, story: bool = False) -> int:
        """Print each user's MFA state as read from the pools; return how many changed."""
        changed = 0
        for pool in demo_pools.POOLS:
            say(f"  {pool.host} ({self.pools[pool.host].id})")
            for user in pool.users:
                state = seed.mfa_state(self.clients[pool.host], self.pools[pool.host].id, user.name)
                key = (pool.host, user.name)
                note = user.story if story else ""
                if not story and self.states[key] != state:
                    note, changed = "<- changed", changed + 1
                self.states[key] = state
                say(f"    {user.name:<16} {describe(state)}  {note}".rstrip())
        return changed

    def calls(self, pools: dict[str, seed.Pool] | None = None) -> dict[str, tuple[int, int, int]]:
        """Per pool host: (reads, accepted writes, refused writes) since the last call."""
        seen = {}
        for host, pool in (self.pools if pools is None else pools).items():
            counts, failures = self.standin.counts(pool.id), self.standin.failures(pool.id)
            writes = {op: n for op, n in counts.items() if op.startswith(("AdminSet", "SetUser"))}
            refused = sum(failures.get(op, 0) for op in writes)
            seen[host] = (sum(counts.values()) - sum(writes.values()), sum(writes.values()) - refused, refused)
        self.standin.reset_counts()
        return seen

    def run(
        self,
        title: str,
        playbook: str,
        *args: str,
        shown: tuple[str, ...] | None = None,
        inventory: str = INVENTORY,
        pools: dict[str, seed.Pool] | None = None,
    ) -> Step:
        """Run ``playbook`` on ``inventory`` (its ``pools``; the example inventory's by default)
        against the stand-in; its output streams through (a secret in it would be masked,
        and stop the demo)."""
        endpoint = ["-e", f"cognito_endpoint_url={self.standin.endpoint}"]
        command = [ansible.ansible_playbook(), "-i", inventory, playbook, *endpoint, *args]
        banner(f"{title}\n$ " + " ".join(["ansible-playbook", "-i", inventory, playbook, *endpoint, *(shown or args)]))
        extra = {"force_color": "1"} if sys.stdout.isatty() else {}
        env = {**ansible.playbook_env(self.collections, self.scratch, callback_result_format="yaml", **extra), "PYTHONUNBUFFERED": "1"}
        self.standin.reset_counts()
        if self.front is not None:
            self.front.reset_counts()
        started = time.monotonic()
        returncode, leaked, changed = stream(command, env)
        if returncode in (99, -signal.SIGINT):  # ansible-playbook's "user interrupted"
            raise KeyboardInterrupt
        if leaked:
            raise SystemExit("\nA secret appeared in the output above (masked there): that is a bug.")
        if returncode != 0:
            raise SystemExit(f"\nThe playbook failed (exit code {returncode}); see its output above.")
        calls = self.calls(pools)
        say(f"({time.monotonic() - started:.1f} s.", end="")
        if playbook == ENFORCE:
            say(" Calls the stand-in saw, per pool:")
            for host, (reads, accepted, refused) in calls.items():
                say(f"   {host:<13} {reads:>3} reads, {accepted} accepted writes, {refused} refused writes")
        say(")")
        return Step(calls, changed)

    def sign_in(self) -> None:
        """Step 4: examples/demo_signin.yml, secrets in a private extra-vars file."""
        host, username = SIGNIN_USER
        secrets = self.scratch / "signin-secrets.json"
        secrets.touch(mode=0o600)
        secrets.write_text(json.dumps({"signin_password": STANDIN_PASSWORD, "signin_totp_secret": STANDIN_TOTP_SECRET}))
        args = ["--limit", host, "-e", f"signin_username={username}", "-e", f"signin_client_id={self.pools[host].client_id}"]
        self.run(
            f"Step 4 of 6: prove it: {username} signs in with her password and a code from her app",
            SIGNIN,
            *args,
            "-e",
            f"@{secrets}",
            shown=(*args, "-e", "@signin-secrets.json"),
        )

    def email_pool(self) -> None:
        """Step 5: a pool that signs in by email and matches names in any case
        (examples/inventory-email.yml), through the Cognito front that emulates case-blind pools."""
        (host, hostvars), = demo_pools.inventory_hosts(ROOT / EMAIL_INVENTORY).items()
        client = self.standin.client(region=hostvars["cognito_region"])
        pool, usernames = seed.email_pool(client, False, EMAIL_USERS, EMAIL_GROUPS, name=host,
                                          pool_id=hostvars["cognito_user_pool_id"], standin=self.standin)
        step = self.run("Step 5 of 6: a pool where users sign in by email, in any case", ENFORCE, "--diff",
                        inventory=EMAIL_INVENTORY, pools={host: pool})
        assert self.front is not None
        written = self.front.user_counts(WRITE)

        def writes(email: str) -> int:
            names = {usernames[email].lower(), email.lower()}
            return sum(n.get("ok", 0) + n.get("error", 0) for user, n in written.items() if user.lower() in names)

        say(f"Read back from {pool.id} (Cognito gave each user a UUID as Username):")
        for email, username in usernames.items():
            state = seed.mfa_state(client, pool.id, username)
            say(f"    {email:<24} {username}  {describe(state)}  {WRITE}: {writes(email)}")
        alice = seed.mfa_state(client, pool.id, usernames[ALICE])
        if alice != {"enabled_methods": ["software_token_mfa"], "preferred_method": "software_token_mfa"}:
            raise SystemExit(f"{ALICE} is not on TOTP: that is a bug.")
        if writes(BREAK_GLASS) or seed.mfa_state(client, pool.id, usernames[BREAK_GLASS])["enabled_methods"]:
            raise SystemExit(f"The excluded {BREAK_GLASS} was written: that is a bug.")
        if writes(ALICE) != 1 or step.accepted_writes() != 1 or step.changed.get(host) != 1:
            raise SystemExit(f"{ALICE} was not written exactly once ({writes(ALICE)}): that is a bug.")
        say(
            "The inventory names Alice@Example.com and BreakGlass@Example.com; the pool stores them in\n"
            "lowercase under UUIDs and matches any case. Alice is listed and in the group staff: she is one\n"
            "person, changed with one write. The selection of staff skips her (her batch handled her) and the\n"
            "break-glass account (excluded by its email, in any case: a verified authenticator, so a write would\n"
            f"have shown; it got none). {NEVER_ENROLLED} is in no source: never written."
        )

    def campaign(self) -> None:
        """Step 6: one day of playbooks/mfa_campaign.yml, its files in the scratch directory."""
        today = time.strftime("%Y-%m-%d", time.gmtime())
        deadline = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 60 * 86400))
        out = self.scratch / "mfa-campaign"
        args = ["-e", f"mfa_campaign_today={today}", "-e", f"mfa_campaign_deadline={deadline}", "-e", "mfa_campaign_switch_at_percent=100"]
        self.run("Step 6 of 6: the enrolment campaign, day one: who still has to set up an app", CAMPAIGN, *args,
                 "-e", f"mfa_campaign_output_dir={out}", "-e", f"mfa_campaign_state_dir={out / 'state'}")
        for host in self.pools:
            listed = json.loads((out / f"{host}-nudges.json").read_text())
            names = ", ".join(n["username"] for n in listed["nudges"]) or "nobody"
            say(f"   {host:<13} coverage {listed['coverage']['percent']:g} %; to enrol by {deadline}: {names}")
        say("The nudge lists (CSV, JSON) and a coverage chart (HTML) are in mfa-campaign/; run it daily: at the\n"
            "deadline, or once everyone is enrolled, the pool goes to MFA ON.")


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    banner("mfaops.cognito demo: put the users of Cognito user pools on TOTP MFA, and prove it")
    say("Starting a local stand-in for Amazon Cognito (moto behind a front that answers as Cognito does where")
    say("moto differs: tests/support/cognito_front.py). Nothing here reaches AWS.")
    unlimited = {category: None for category in DEFAULT_QUOTAS}
    with StandIn() as moto, Proxy(moto.endpoint, quotas=unlimited, front=CognitoFront(), count_users=True) as front, \
            tempfile.TemporaryDirectory(prefix="mfaops-demo-") as scratch:
        standin = StandInClient(front.endpoint)
        demo = Demo(standin, Path(scratch), front)
        demo.create_pools()
        not_enrolled = [u.name for pool in demo_pools.POOLS for u in pool.users if u.outcome == demo_pools.NOT_ENROLLED]
        say(f"Stand-in at {standin.endpoint}.")
        say(
            f"\nThe inventory {INVENTORY} has one host per user pool (group cognito_pools)"
            "\nand says which users of each pool must be on TOTP (an authenticator app):\n"
        )
        demo.show_sources()
        say(
            "\nbreakglass-admin is excluded in both pools, whichever source names it. The demo has"
            "\ncreated both pools with these ids, through the Cognito API. Their users start as:\n"
        )
        demo.show_users(story=True)
        say(
            f"\n{ENFORCE} runs the role mfaops.cognito.enforce_mfa on both pools at the same"
            "\ntime (one Ansible fork per pool). Per pool, it checks every input before any call,"
            "\nfinds the users (lists, files, groups), makes TOTP enabled and preferred where it is"
            "\nnot, in batches, then sums up. An administrator cannot set up an authenticator for"
            "\nsomeone else: users who never did are reported as not enrolled, not as failures."
        )

        step = demo.run("Step 1 of 6: dry run: read every user, change nothing", ENFORCE, "--check", "--diff")
        say("Users after the dry run:")
        if demo.show_users() or step.accepted_writes():
            raise SystemExit("The dry run changed something: that is a bug.")
        say(
            "Nothing changed: the stand-in saw reads only. The diff lists, per pool, who would change.\n"
            f"{', '.join(not_enrolled)} are listed too: whether a user has set up an authenticator\n"
            "cannot be read, only tried. The real run tells."
        )

        demo.run("Step 2 of 6: enforce", ENFORCE, "--diff")
        say("Users after enforcing:")
        demo.show_users()
        say(
            "carol keeps SMS as a fallback (her entry in the inventory asks for it); olivia's entry\n"
            "turns her SMS off. Excluded and unselected users were not even read."
        )

        step = demo.run("Step 3 of 6: run it again: nothing is left to change", ENFORCE)
        say("Users after the second run:")
        if demo.show_users() or step.accepted_writes() or step.changed != dict.fromkeys(demo.pools, 0):
            raise SystemExit("The second run changed something: that is a bug.")
        say(
            f"Nothing changed: changed=0 for both pools, no write accepted. The {step.refused_writes()} refused"
            f" writes are\n{', '.join(not_enrolled)}: Cognito refuses TOTP for a user until the user has set"
            " up an\nauthenticator."
        )

        demo.sign_in()
        demo.email_pool()
        demo.campaign()

        banner("Done")
        say(
            "Everyone with an authenticator app is on TOTP now, and alice's sign-in shows that Cognito\n"
            f"asks for her code and accepts it. To make {', '.join(not_enrolled)} set one up, run the\n"
            'playbook with -e enforce_mfa_pool_policy=ON: Cognito then asks them at their next sign-in.\n'
            "Stopping the stand-in."
        )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\nInterrupted: the stand-in has been stopped.", file=sys.stderr)
        sys.exit(130)
