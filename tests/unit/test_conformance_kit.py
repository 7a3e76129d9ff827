"""The conformance kit's pure parts (tests/conformance/kit.py, run.py): verdicts, normalising, which
probes run where. The kit against endpoints: tests/integration/test_conformance.py."""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# pylint: disable=wrong-import-position
from tests.conformance import kit, probes, run  # noqa: E402,F401  (probes fills kit.PROBES)  pylint: disable=unused-import

U = kit.UNKNOWN
PROBE = kit.Probe("p", "1", "a probe", {"error": "InvalidParameterException", "message": U})


@pytest.mark.parametrize("observed, verdict", [
    ({"error": "InvalidParameterException", "message": "anything"}, "unknown"),
    ({"error": "CodeMismatchException", "message": "anything"}, "differs"),
    ("accepted", "differs"),
    ({"message": "x"}, "differs"),  # a known field missing
])
def test_verdict_against_the_ledger(observed, verdict):
    assert kit.verdict(PROBE, observed, None)[0] == verdict


def test_a_fully_known_expectation_agrees_or_differs_field_by_field():
    probe_ = kit.Probe("p", "2", "t", {"a": 1, "b": {"c": "x"}})
    assert kit.verdict(probe_, {"a": 1, "b": {"c": "x"}, "extra": 3}, None)[0] == "agrees"
    verdict, dummy, why = kit.verdict(probe_, {"a": 1, "b": {"c": "y"}}, None)
    assert verdict == "differs" and why == "b.c: expected 'x', observed 'y'"


def test_measured_figures_are_shown_but_never_compared():
    probe_ = kit.Probe("p", "46", "t", {"delivery": {"delivered_within_bound": True}})
    observed = {"delivery": {"delivered_within_bound": True, "measured": {"max_delay_s": 0.0}}}
    snapshot = {"recorded": "2026-12-01", "observed": {"delivery": {"delivered_within_bound": True,
                                                                    "measured": {"max_delay_s": 312.5}}}}
    assert kit.verdict(probe_, observed, None)[0] == "agrees"
    assert kit.verdict(probe_, observed, snapshot)[0] == "agrees"
    late = {"delivery": {"delivered_within_bound": False, "measured": {"max_delay_s": None}}}
    assert kit.verdict(probe_, late, snapshot)[0] == "differs"


def test_a_snapshot_settles_the_unknown_and_comes_before_the_ledger():
    snapshot = {"recorded": "2026-12-01", "observed": {"error": "InvalidParameterException", "message": "seen on AWS"}}
    assert kit.verdict(PROBE, {"error": "InvalidParameterException", "message": "seen on AWS"}, snapshot)[:2] == (
        "agrees", snapshot["observed"])
    verdict, dummy, why = kit.verdict(PROBE, {"error": "InvalidParameterException", "message": "moto's"}, snapshot)
    assert verdict == "differs" and "seen on AWS" in why


def test_normalise_replaces_ids_times_and_tokens_with_stable_names():
    pool, sub = "eu-west-1_AbC123", "0b6f1c2e-3d4a-4b5c-8d9e-0f1a2b3c4d5e"
    token = "eyJ" + "a" * 60 + "." + "b" * 60 + "." + "c" * 40
    observed = {"pool": pool, "again": pool, "users": [sub, sub], "when": datetime.datetime(2026, 1, 1),
                "token": token, "name": "alice"}
    assert kit.normalise(observed) == {"again": "<pool-1>", "name": "alice", "pool": "<pool-1>",
                                       "token": "<token>", "users": ["<uuid-1>", "<uuid-1>"], "when": "<time>"}
    message = f"User pool client 3n4b5urk1ft4fl3mg5e62d9ado does not exist in {pool} of 123456789012 for {sub}."
    assert kit.normalise({"message": message}) == {
        "message": "User pool client <client-1> does not exist in <pool-1> of <account-1> for <uuid-1>."}
    assert kit.normalise("User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA") == (
        "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA")


def test_every_probe_names_a_ledger_row_and_every_part_a_scenario():
    assert len(kit.PROBES) >= 30
    for probe_ in kit.PROBES.values():
        assert probe_.ledger_row and probe_.title and probe_.expected
        assert (probe_.run is None) == (probe_.part_of is not None)
        if probe_.part_of:
            assert kit.PROBES[probe_.part_of].run is not None and probe_.field
    ledger = (ROOT / "docs" / "cognito-behaviour.md").read_text()
    for probe_ in kit.PROBES.values():
        assert f"`{probe_.name}`" in ledger, f"the ledger does not name the probe {probe_.name}"


def test_which_probes_run_where():
    gap, opt_in = kit.PROBES["secret_hash_required"], kit.PROBES["select_mfa_type"]
    assert "does not reproduce" in run.skip_reason(gap, "standin", False)
    assert run.skip_reason(gap, "aws", False) is None and run.skip_reason(gap, "endpoint", False) is None
    assert "CONFORMANCE_SMS=yes" in run.skip_reason(opt_in, "aws", False)
    assert run.skip_reason(opt_in, "aws", True) is None  # a rehearsal runs it
    assert run.skip_reason(opt_in, "standin", False) is None
    denied = kit.PROBES["access_denied"]
    assert "CONFORMANCE_ACCESS_DENIED=yes" in run.skip_reason(denied, "aws", False)
    assert run.skip_reason(denied, "standin", False) is None


def test_the_ledger_rows_of_the_state_runs_have_their_probes():
    rows = {probe_.ledger_row for probe_ in kit.PROBES.values()}
    # Row 60 is row 80's refusal from an IAM-enforcing stand-in: the ledger names access_denied (row 80) for it.
    assert {"40", "41", "42", "43", "44", "45", "46", "47", "48", "49", "50", "51", "61", "62", "70", "80"} <= rows
    assert not [p.name for p in kit.PROBES.values() if not p.ledger_row.isdigit()]


@pytest.mark.parametrize("target, endpoint, resolved", [
    (None, None, "standin"), ("", "http://x", "endpoint"), ("aws", None, "aws"), ("aws", "http://x", "aws"),
    ("standin", "http://x", "endpoint"),
])
def test_resolve_target(target, endpoint, resolved, monkeypatch):
    monkeypatch.delenv("TARGET", raising=False)
    assert run.resolve_target(target, endpoint) == resolved


@pytest.mark.parametrize("target, endpoint", [("endpoint", None), ("prod", None)])
def test_resolve_target_refuses(target, endpoint, monkeypatch):
    monkeypatch.delenv("TARGET", raising=False)
    with pytest.raises(SystemExit):
        run.resolve_target(target, endpoint)


def test_report_json_and_md(tmp_path):
    rows = [{"probe": "p", "ledger_row": "1", "expected": {"a": 1}, "observed": {"a": "x|y"}, "verdict": "differs",
             "why": "a"}, {"probe": "q", "ledger_row": "2", "expected": {}, "observed": None, "verdict": "skipped",
                           "why": "no"}]
    kit.write_report(rows, tmp_path, ["header"])
    assert json.loads((tmp_path / "report.json").read_text()) == rows
    markdown = (tmp_path / "report.md").read_text()
    assert "Verdicts: 0 agrees, 1 differs, 0 unknown, 1 skipped" in markdown and "x\\|y" in markdown


def test_the_plan_says_what_it_creates_and_costs():
    text = run.plan(list(kit.PROBES.values()), "aws", None, "eu-west-1", "r1")
    assert "mfaops-conformance-r1-<probe>" in text and "MAUs" in text and "No SMS or email is sent" in text


def test_every_ledger_row_names_a_probe_and_the_rows_are_in_order():
    table = [line for line in (ROOT / "docs" / "cognito-behaviour.md").read_text().splitlines()
             if line.startswith("| ") and line.split("|")[1].strip().isdigit()]
    numbers = [int(line.split("|")[1]) for line in table]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    for line in table:
        assert "conformance probe `" in line, f"ledger row {line.split('|')[1].strip()} names no conformance probe"
        named = line.split("conformance probe", 1)[1]
        assert any(f"`{name}`" in named for name in kit.PROBES), line[:80]
