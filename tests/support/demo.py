"""`make demo`: put the users of a Cognito user pool on TOTP MFA, against a local stand-in.

1. Starts the local Cognito stand-in (moto, on 127.0.0.1; nothing reaches AWS).
2. Creates a demo pool with users in mixed MFA states, through the Cognito API as
   users and administrators would (an authenticator app set up with real codes...).
3. Runs examples/demo_enforce.yml: in check mode with a diff, for real, then once
   more to show that nothing changes; after each step, the users' MFA state as
   read back from the pool, and the calls the stand-in saw.
4. Stops the stand-in, also on failure or Ctrl-C. Safe to run again: each run
   starts from a fresh stand-in.

Run it with `make demo` (which builds the venv and the collection first), or
`python tests/support/demo.py` with the venv's Python.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# pylint: disable=wrong-import-position
import yaml  # noqa: E402

from tests.support import playbook as ansible  # noqa: E402
from tests.support import seed  # noqa: E402
from tests.support.standin import StandIn  # noqa: E402

PLAYBOOK = ROOT / "examples" / "demo_enforce.yml"
# Each demo user and the MFA state it starts in (tests/support/seed.py), in words.
USERS = {
    "alice": ("totp_verified", "set up an authenticator app; TOTP never switched on"),
    "bob": ("no_mfa", "no MFA; never set up an authenticator app"),
    "carol": ("sms_totp_verified", "SMS preferred; also set up an authenticator app"),
    "dave": ("totp_preferred", "TOTP on and preferred: already compliant"),
    "erin": ("totp_enabled", "TOTP on, but not the preferred method"),
    "frank": ("sms_only", "SMS only; no authenticator app"),
}
SHORT = {"software_token_mfa": "TOTP", "sms_mfa": "SMS", "email_mfa": "email"}
WIDTH = 78


def say(text: str = "") -> None:
    print(text, flush=True)


def banner(text: str) -> None:
    say()
    say("=" * WIDTH)
    say(text)
    say("=" * WIDTH)


def describe(state: dict[str, Any]) -> str:
    enabled = ", ".join(SHORT[m] for m in state["enabled_methods"]) or "none"
    preferred = SHORT.get(state["preferred_method"] or "", "-")
    return f"MFA on: {enabled:<10} preferred: {preferred:<5}"


class Demo:
    """The stand-in, the demo pool, and the three playbook runs."""

    def __init__(self, standin: StandIn, scratch: Path) -> None:
        self.standin = standin
        self.scratch = scratch
        self.client = standin.client()
        play = yaml.safe_load(PLAYBOOK.read_text())[0]
        self.pool_id = play["vars"]["demo_user_pool_id"]
        self.listed = play["vars"]["demo_users"]
        self.pool: seed.Pool | None = None
        self.states: dict[str, dict[str, Any]] = {}
        self.collections = ansible.collections_path(scratch / "collections")

    def create_pool(self) -> None:
        self.pool = seed.create_pool(self.client, "mfaops-demo", pool_id=self.pool_id, standin=self.standin)
        seed.seed_api(self.client, self.pool, [(name, state_and_words[0]) for name, state_and_words in USERS.items()])
        self.standin.reset_counts()

    def show_users(self, story: bool = False) -> int:
        """Print each user's MFA state as read from the pool; return how many changed."""
        assert self.pool is not None
        changed = 0
        for name, story_line in USERS.items():
            words = story_line[1]
            state = seed.mfa_state(self.client, self.pool.id, name)
            note = words if story else ""
            if not story and self.states[name] != state:
                note, changed = "<- changed", changed + 1
            self.states[name] = state
            say(f"    {name:<7} {describe(state)}  {note}")
        return changed

    def calls(self) -> tuple[int, int, int]:
        """(reads, accepted writes, refused writes) the stand-in saw since the last call."""
        counts, failures = self.standin.counts(), self.standin.failures()
        self.standin.reset_counts()
        writes = {op: n for op, n in counts.items() if op.startswith(("AdminSet", "SetUser"))}
        refused = sum(failures.get(op, 0) for op in writes)
        return sum(counts.values()) - sum(writes.values()), sum(writes.values()) - refused, refused

    def run_playbook(self, title: str, *flags: str) -> tuple[int, int, int]:
        shown = " ".join(["ansible-playbook", "examples/demo_enforce.yml", *flags])
        banner(f"{title}\n$ {shown}")
        command = [
            ansible.ansible_playbook(),
            "-i",
            "localhost,",
            str(PLAYBOOK),
            "-e",
            f"demo_endpoint_url={self.standin.endpoint}",
            *flags,
        ]
        env = ansible.playbook_env(self.collections, self.scratch, callback_result_format="yaml")
        self.standin.reset_counts()
        started = time.monotonic()
        done = subprocess.run(command, cwd=ROOT, env=env, check=False)
        if done.returncode in (99, -signal.SIGINT):  # ansible-playbook's "user interrupted"
            raise KeyboardInterrupt
        if done.returncode != 0:
            raise SystemExit(f"\nThe playbook failed (exit code {done.returncode}); see its output above.")
        reads, accepted, refused = calls = self.calls()
        say(
            f"({time.monotonic() - started:.1f} s. The stand-in saw {reads} reads, {accepted} accepted writes"
            f" and {refused} refused ones.)"
        )
        return calls


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    banner("mfaops.cognito demo: put the users of a Cognito user pool on TOTP MFA")
    say("Starting a local stand-in for Amazon Cognito (moto). Nothing here reaches AWS.")
    with StandIn() as standin, tempfile.TemporaryDirectory(prefix="mfaops-demo-") as scratch:
        demo = Demo(standin, Path(scratch))
        demo.create_pool()
        say(f"Stand-in at {standin.endpoint}. Demo pool {demo.pool_id}, created through the Cognito API:\n")
        demo.show_users(story=True)
        say(
            f"\nThe playbook asks for TOTP (authenticator app) enabled and preferred for {', '.join(demo.listed)}."
            "\nzoe is not in the pool (she left). An administrator cannot set up an authenticator for"
            "\nsomeone else, so users who never did are reported as not enrolled, not failed."
        )

        accepted = demo.run_playbook("Step 1 of 3: dry run: read every user, change nothing", "--check", "--diff")[1]
        say("Users after the dry run:")
        if demo.show_users() or accepted:
            raise SystemExit("The dry run changed something: that is a bug.")
        say(
            "Nothing changed. bob and frank show as 'would change': whether a user has set up an\n"
            "authenticator cannot be read, only tried; the real run tells."
        )

        demo.run_playbook("Step 2 of 3: enforce", "--diff")
        say("Users after enforcing:")
        demo.show_users()

        accepted, refused = demo.run_playbook("Step 3 of 3: run it again: nothing is left to change")[1:]
        say("Users after the second run:")
        if demo.show_users() or accepted:
            raise SystemExit("The second run changed something: that is a bug.")

        banner("Done")
        say(
            "Everyone with an authenticator app is on TOTP now; SMS stays on as a fallback where it was.\n"
            f"The {refused} refused writes of the last run are the users who must set up an authenticator\n"
            "themselves: put the pool's MFA configuration to ON and Cognito asks them at their next sign-in.\n"
            "Stopping the stand-in."
        )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\nInterrupted: the stand-in has been stopped.", file=sys.stderr)
        sys.exit(130)
