"""The conformance kit's machinery: probes, the run context, normalising, verdicts, the report.

A probe is a small scenario (plain boto3) that creates what it needs in a user pool of its own,
named ``<prefix><run id>-<probe>``, calls Cognito and returns what it saw as a small dict, already
abstract (``"tokens"``, ``{"error": code, "message": text}``) and normalised (``normalise``: ids,
times and tokens replaced by stable names). ``PROBES`` is filled by ``probes.py``.

Verdicts (one per probe):
- ``agrees`` / ``differs``: the observation against the recorded AWS snapshot when there is one
  (``snapshots/<probe>.json``), else against the ledger's expectation;
- ``unknown``: every known field agrees, but the expectation has fields nobody has seen on a real
  pool (``UNKNOWN``) and there is no snapshot yet: a ``TARGET=aws`` run settles them;
- ``skipped``: the probe did not run here, with why.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

PREFIX = "mfaops-conformance-"
SNAPSHOT_DIR = Path(__file__).resolve().parent / "snapshots"
UNKNOWN = "<unknown: not yet seen on Cognito>"
# An observation's key whose value is shown and kept in snapshots but never compared (figures that vary
# from run to run, such as CloudTrail's delivery delay).
MEASURED = "measured"
VERDICTS = ("agrees", "differs", "unknown", "skipped")
# The password of the kit's users (meets Cognito's default policy; a fake, never a real credential).
PASSWORD = "Conformance-Passw0rd!"


class Skip(Exception):
    """Raised by a probe that cannot run against this endpoint; the message says why."""


@dataclass
class Probe:
    """One probe. ``part_of`` names another probe whose scenario observes this one's ``field``
    (one scenario, two rows of the report: a known and a not-yet-seen part)."""

    name: str
    ledger_row: str
    title: str
    expected: dict[str, Any]
    run: Optional[Callable[["Context"], dict[str, Any]]] = None
    part_of: Optional[str] = None
    field: Optional[str] = None
    # True: the ledger says the stand-in does not reproduce this row; skipped against the stand-in.
    standin_gap: bool = False
    # Why this probe does not run on AWS by default (an opt-in variable runs it), or None.
    aws_opt_in: Optional[tuple[str, str]] = None


PROBES: dict[str, Probe] = {}


def probe(name: str, ledger_row: str, title: str, expected: dict[str, Any], **options: Any) -> Callable:
    """Decorator: register a probe's scenario."""

    def register(run: Callable[["Context"], dict[str, Any]]) -> Callable:
        PROBES[name] = Probe(name, ledger_row, title, expected, run=run, **options)
        return run

    return register


def part(name: str, ledger_row: str, title: str, expected: Any, part_of: str, field_name: str, **options: Any) -> None:
    PROBES[name] = Probe(name, ledger_row, title, {field_name: expected}, part_of=part_of, field=field_name, **options)


# ----- the run context -------------------------------------------------------------------


@dataclass
class Context:
    """What a probe gets: boto3 clients on the endpoint, pools it creates (tracked for clean-up),
    the AWS-only waits (``wait_scale``: 1 on AWS, small when simulated) and the target."""

    session: Any
    endpoint_url: Optional[str]
    target: str  # "standin", "aws" or "endpoint"
    run_id: str
    wait_scale: float = 1.0
    cloudtrail_wait: float = 900.0
    created: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    probe_name: str = ""
    log: Callable[[str], None] = print
    # The kit's own stand-in proxy (tests/support/proxy.py) when target is "standin", for its fault hooks.
    proxy: Any = None

    def client(self, service: str = "cognito-idp", retries: int = 4) -> Any:
        from botocore.config import Config  # pylint: disable=import-outside-toplevel

        config = Config(retries={"mode": "standard", "max_attempts": retries}, connect_timeout=10, read_timeout=60)
        return self.session.client(service, endpoint_url=self.endpoint_url, config=config)

    @property
    def cognito(self) -> Any:
        if not hasattr(self, "_cognito"):
            self._cognito = self.client()  # pylint: disable=attribute-defined-outside-init
        return self._cognito

    def pool_name(self, suffix: str = "") -> str:
        return f"{PREFIX}{self.run_id}-{self.probe_name}{suffix}"[:128]

    def create_pool(self, suffix: str = "", **params: Any) -> str:
        """A user pool of this run (deleted by ``delete_pools``, or by ``clean`` after a kill)."""
        params.setdefault("DeletionProtection", "INACTIVE")
        name = self.pool_name(suffix)
        pool_id = self.cognito.create_user_pool(PoolName=name, **params)["UserPool"]["Id"]
        self.created.append(pool_id)
        self.log(f"  created user pool {pool_id} ({name})")
        return pool_id

    def delete_pools(self) -> None:
        for pool_id in list(self.created):
            if pool_id in self.deleted:
                continue
            try:
                self.cognito.delete_user_pool(UserPoolId=pool_id)
            except Exception as exc:  # pylint: disable=broad-except
                if error_code(exc) != "ResourceNotFoundException":
                    self.log(f"  could not delete {pool_id}: {exc} (make conformance-clean removes it)")
                    continue
            self.deleted.append(pool_id)
            self.log(f"  deleted user pool {pool_id}")

    def sleep(self, seconds: float) -> None:
        """An AWS-only wait (shortened when simulated)."""
        time.sleep(seconds * self.wait_scale)


# ----- answers, abstracted ----------------------------------------------------------------


def error_code(exc: BaseException) -> Optional[str]:
    return getattr(exc, "response", {}).get("Error", {}).get("Code")


def error_of(exc: BaseException) -> dict[str, Any]:
    error = getattr(exc, "response", {}).get("Error", {})
    return {"error": error.get("Code") or type(exc).__name__, "message": error.get("Message") or str(exc)}


def attempt(call: Callable[..., Any], **params: Any) -> tuple[Optional[dict[str, Any]], Optional[dict[str, Any]]]:
    """``(answer, None)`` or ``(None, {"error", "message"})`` for a botocore ClientError."""
    from botocore.exceptions import ClientError  # pylint: disable=import-outside-toplevel

    try:
        return call(**params), None
    except ClientError as exc:
        return None, error_of(exc)


def outcome(call: Callable[..., Any], **params: Any) -> Any:
    """``"accepted"`` or ``{"error", "message"}``."""
    answer, error = attempt(call, **params)
    return error if error else "accepted"


def sign_in_answer(answer: Optional[dict[str, Any]], error: Optional[dict[str, Any]] = None) -> Any:
    """``"tokens"``, ``"challenge:<name>"`` or the error."""
    if error:
        return error
    if answer and answer.get("AuthenticationResult"):
        return "tokens"
    return f"challenge:{(answer or {}).get('ChallengeName')}"


# Ids anywhere in a string (error messages name them too): pool ids, UUIDs (subs, UUID user names),
# app client ids (26 lowercase letters and digits), account ids.
_IDS = (
    ("pool", re.compile(r"\b[a-z]{2}(?:-[a-z]+)+-\d_[0-9a-zA-Z]+\b")),
    ("uuid", re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")),
    ("client", re.compile(r"\b(?=[a-z0-9]*\d)(?=[a-z0-9]*[a-z])[a-z0-9]{26}\b")),
    ("account", re.compile(r"\b\d{12}\b")),
)
_JWT = re.compile(r"^[\w-]+\.[\w-]+\.[\w-]+$")


def normalise(value: Any, names: Optional[dict[str, str]] = None) -> Any:
    """``value`` with ids, times and tokens replaced by stable names (``<pool-1>``, ``<uuid-1>``,
    ``<client-1>``, ``<account-1>``, ``<time>``, ``<token>``), also inside strings such as error
    messages: the same id gets the same name within one observation."""
    names = {} if names is None else names

    def name_of(kind: str, text: str) -> str:
        if text not in names:
            names[text] = f"<{kind}-{sum(1 for v in names.values() if v.startswith('<' + kind)) + 1}>"
        return names[text]

    if isinstance(value, dict):
        return {key: normalise(item, names) for key, item in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [normalise(item, names) for item in value]
    if isinstance(value, (_dt.datetime, _dt.date)):
        return "<time>"
    if isinstance(value, str):
        if _JWT.match(value) and len(value) > 100:
            return "<token>"
        for kind, pattern in _IDS:
            value = pattern.sub(lambda found, kind=kind: name_of(kind, found.group(0)), value)
    return value


# ----- verdicts ---------------------------------------------------------------------------


def compare(expected: Any, observed: Any) -> tuple[bool, bool]:
    """``(agrees on every known field, some field unknown)``."""
    if expected == UNKNOWN:
        return True, True
    if isinstance(expected, dict) and isinstance(observed, dict):
        agrees, unknown = True, False
        for key, value in expected.items():
            if key == MEASURED:
                continue
            key_agrees, key_unknown = compare(value, observed.get(key, "<missing>"))
            agrees, unknown = agrees and key_agrees, unknown or key_unknown
        return agrees, unknown
    return expected == observed, False


def differences(expected: Any, observed: Any, path: str = "") -> list[str]:
    if expected == UNKNOWN:
        return []
    if isinstance(expected, dict) and isinstance(observed, dict):
        found: list[str] = []
        for key, value in expected.items():
            if key == MEASURED:
                continue
            found += differences(value, observed.get(key, "<missing>"), f"{path}.{key}" if path else key)
        return found
    return [] if expected == observed else [f"{path or 'answer'}: expected {expected!r}, observed {observed!r}"]


def load_snapshot(name: str, directory: Path = SNAPSHOT_DIR) -> Optional[dict[str, Any]]:
    try:
        return json.loads((directory / f"{name}.json").read_text())
    except (OSError, ValueError):
        return None


def verdict(probe_: Probe, observed: Any, snapshot: Optional[dict[str, Any]]) -> tuple[str, Any, str]:
    """``(verdict, expected as shown in the report, why)``."""
    if snapshot is not None:
        expected = snapshot["observed"]
        found = differences(expected, observed)
        source = f"the AWS snapshot of {snapshot.get('recorded', '?')}"
        return ("differs" if found else "agrees"), expected, "; ".join(found) or f"as {source}"
    agrees, unknown = compare(probe_.expected, observed)
    if not agrees:
        return "differs", probe_.expected, "; ".join(differences(probe_.expected, observed))
    if unknown:
        return "unknown", probe_.expected, "the ledger's expectation has fields not yet seen on Cognito: a TARGET=aws run settles them"
    return "agrees", probe_.expected, "as the ledger says"


def new_run_id() -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


# ----- the report -------------------------------------------------------------------------


def write_report(rows: list[dict[str, Any]], directory: Path, header: list[str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "report.json").write_text(json.dumps(rows, indent=2, sort_keys=False, default=str) + "\n")
    counts = {name: sum(1 for row in rows if row["verdict"] == name) for name in VERDICTS}
    lines = ["# Conformance report", "", *header, "",
             "Verdicts: " + ", ".join(f"{n} {name}" for name, n in counts.items()), "",
             "| Probe | Ledger row | Verdict | Why | Expected | Observed |", "|---|---|---|---|---|---|"]
    for row in rows:
        cells = [row["probe"], str(row["ledger_row"]), row["verdict"], row.get("why", ""),
                 _cell(row["expected"]), _cell(row["observed"])]
        lines.append("| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |")
    (directory / "report.md").write_text("\n".join(lines) + "\n")


def _cell(value: Any) -> str:
    return "" if value is None else "`" + json.dumps(value, sort_keys=True, default=str) + "`"


def write_snapshot(probe_: Probe, observed: Any, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    body = {"probe": probe_.name, "ledger_row": probe_.ledger_row,
            "recorded": time.strftime("%Y-%m-%d", time.gmtime()), "observed": observed}
    (directory / f"{probe_.name}.json").write_text(json.dumps(body, indent=2, sort_keys=True) + "\n")
