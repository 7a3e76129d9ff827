"""audit_mfa's report files: the name and retention checked before any call, retention deleting only the role's
own timestamped reports, and every report format well-formed whatever the usernames (plugin_utils/report_files.py,
plugin_utils/audit_report/)."""

import csv
import os
import stat
import io
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from ansible_collections.mfaops.cognito.plugins.plugin_utils import report_files
from ansible_collections.mfaops.cognito.plugins.plugin_utils import role_checks
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report import csv_report
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report import formats
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report import model
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report.report import audit_report

PLAIN = "plain file-name part"


@pytest.mark.parametrize(
    "name, fragment",
    [
        ("../../escaped", PLAIN), ("a/b", PLAIN), ("a\\b", PLAIN), ("*", PLAIN), ("mfa-?", PLAIN), ("[ab]", PLAIN),
        ("{a,b}", PLAIN), (".", PLAIN), ("..", PLAIN), ("bad\nname", PLAIN), ("", "non-empty"), (None, "non-empty"),
        ("x" * 201, "longer than 200"),
    ],
)
def test_report_name_is_one_plain_file_name_part(name, fragment):
    found = report_files.name_problems(name)
    assert len(found) == 1 and fragment in found[0] and found[0].startswith("audit_mfa_report_name")


@pytest.mark.parametrize("name", ["mfa-audit", "cmp", "staff.weekly", "a b", "Prüfung_2026", "x" * 200])
def test_good_report_names(name):
    assert report_files.name_problems(name) == []


def test_report_problems_check_retention_and_both_thresholds():
    assert report_files.report_problems("mfa-audit", 30, 90, "80") == []
    assert report_files.report_problems("mfa-audit", "0", 0, 100) == []
    assert report_files.report_problems("../x", -1, 150, "abc") == [
        report_files.name_problems("../x")[0],
        "audit_mfa_keep_reports must be a whole number, 0 (keep all) or more, got -1",
        "audit_mfa_min_compliance_percent must be between 0 and 100, got 150",
        "audit_mfa_pool_min_compliance_percent must be between 0 and 100, got abc",
    ]
    assert report_files.report_problems("r", "2.5")[0].startswith("audit_mfa_keep_reports must be a whole number")
    assert report_files.report_problems("r", True)[0].startswith("audit_mfa_keep_reports must be a whole number")


def test_retention_deletes_only_this_series_oldest_first():
    directory = "/r"
    ours = [f"/r/cmp-2026010{day}T000000Z.json" for day in (3, 1, 2)]
    others = [
        "/r/cmp-latest.json",
        "/r/cmp-2nd-20260101T000000Z.json",  # another series, whose name starts like this one's
        "/r/cmp-20260101T000000Z.json.bak",
        "/r/cmp-2026-01-01T000000Z.json",  # not the role's stamp
        "/r/cmp-20260101T0000Z.json",
        "/r/xcmp-20260101T000000Z.json",
        "/r/sub/cmp-20260101T000000Z.json",  # another directory (a glob in the directory's name)
        "/r/db-backup-2024-01-01T000000Z.json",
    ]
    assert report_files.expired_reports(ours + others, directory, "cmp", 1) == ["/r/cmp-20260101T000000Z.json", "/r/cmp-20260102T000000Z.json"]
    assert report_files.expired_reports(ours + others, directory, "cmp", "2") == ["/r/cmp-20260101T000000Z.json"]
    assert report_files.expired_reports(ours + others, directory, "cmp", 0) == []
    assert report_files.expired_reports(ours + others, directory, "cmp", 5) == []
    # A name with regular-expression characters means itself.
    assert report_files.expired_reports(["/r/a+b-20260101T000000Z.json", "/r/aab-20260101T000000Z.json"], directory, "a+b", 0) == []
    assert report_files.expired_reports(
        ["/r/a+b-20260101T000000Z.json", "/r/aab-20260101T000000Z.json", "/r/a+b-20260102T000000Z.json"], directory, "a+b", 1
    ) == ["/r/a+b-20260101T000000Z.json"]
    # '*' is refused before this, and even so means nothing to retention but a literal star.
    assert report_files.expired_reports(others, directory, "*", 1) == []


@pytest.mark.parametrize(
    "options, expected",
    [
        ({"onboard_users_batch_size": 0}, "onboard_users_batch_size must be at least 1, got 0"),
        ({"onboard_users_max_failed": -1}, "onboard_users_max_failed must be a whole number, 0 or more, got -1"),
        ({"onboard_users_max_failed": 1.5}, "onboard_users_max_failed must be a whole number, 0 or more, got 1.5"),
        ({"onboard_users_max_failed": "many"}, "onboard_users_max_failed must be a whole number, 0 or more, got many"),
    ],
)
def test_onboarding_batch_size_and_max_failed(options, expected):
    assert role_checks.option_problems(options) == [expected]
    split = role_checks.accounts([])
    assert role_checks.onboarding_problems(split, "suppress", **{key.split("onboard_users_")[1]: v for key, v in options.items()}) == [expected]
    assert role_checks.onboarding_problems(split, "suppress", batch_size="500", max_failed="0") == []


# Usernames Cognito permits (botocore's UsernameType: [\p{L}\p{M}\p{S}\p{N}\p{P}]+, at most 128), chosen to break
# each format, and characters outside that a stand-in or another tool may still hand over (controls, noncharacters).
HOSTILE = [
    "<script>alert(1)</script>", "]]>", "&amp;", "\"quoted\"", "'single'", "=HYPERLINK(\"x\")", "+1", "-1", "@SUM(A1)",
    "{{7*7}}", "{%raw%}", "a,b;c", "back\\slash", "💥", "e\u0301", "ﬁ", "Ω≈ç√", "日本語", "\u00a0x", "--><!--",
    "ctl\x01name", "esc\x1b[0m", "nul\x00byte", "bad\ufffe", "tab\tcr\rlf\n", "x" * 128,
]


def illegal_in_xml(name):
    return any((ord(ch) < 0x20 and ch not in "\t\n\r") or ch in "\ufffe\uffff" for ch in name)


def hostile_report():
    rows = [
        dict(username=name, compliant=False, not_found=False, enabled=True, user_status="CONFIRMED", enabled_methods=[],
             preferred_method=None, mfa_state="no_mfa")
        for name in HOSTILE
    ]
    results = [{"changed": False, "users": rows, "user_pool_mfa_config": {"mfa_configuration": "ON"}}]
    return audit_report([model.audit_pool(results, "pool<&>", "us-east-1_Pool1")], generated_at="2026-01-02T03:04:05Z")


class Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.cells.append(data)


def test_every_format_stays_well_formed_for_hostile_usernames():
    report = hostile_report()
    assert set(formats.RENDERERS) == {"json", "csv", "html", "junit.xml", "ocsf.jsonl"}  # a new format gets its parse here
    rendered = {extension: formats.render(report, extension) for extension in formats.RENDERERS}

    assert {user["username"] for user in json.loads(rendered["json"])["pools"][0]["users"]} == set(HOSTILE)

    rows = list(csv.DictReader(io.StringIO(rendered["csv"], newline="")))
    assert {row["username"] for row in rows} == {csv_report._cell(name) for name in HOSTILE}  # formulas: a leading '

    page = Text()
    page.feed(rendered["html"])
    page.close()
    assert "script" not in page.tags
    text = "".join(page.cells)
    assert all(name.replace("\r", "") in text.replace("\r", "") for name in HOSTILE if "\x00" not in name)

    root = ET.fromstring(rendered["junit.xml"].split("\n", 1)[1])
    names = {case.get("name") for case in root.iter("testcase")}
    legal = {name for name in HOSTILE if not illegal_in_xml(name)}
    assert legal <= names
    assert {"ctl\\u0001name", "esc\\u001b[0m", "nul\\u0000byte", "bad\\ufffe"} <= names
    assert len(names) == len(HOSTILE) + 2  # the overall case and the pool's, beside one per user

    records = [json.loads(line) for line in rendered["ocsf.jsonl"].splitlines()]
    assert records and all(record["class_uid"] == 2004 for record in records)


def written_report(generated_at="2026-01-03T04:05:06Z"):
    row = dict(username="amy", compliant=True, not_found=False, enabled=True, user_status="CONFIRMED",
               enabled_methods=["software_token_mfa"], preferred_method="software_token_mfa", mfa_state="totp_preferred")
    results = [{"changed": False, "users": [row], "user_pool_mfa_config": {"mfa_configuration": "ON"}}]
    return audit_report([model.audit_pool(results, "p", "us-east-1_Pool1")], generated_at=generated_at)


def test_reports_are_written_whole_0600_in_new_0700_dirs_and_retention_runs_after(tmp_path):
    directory = str(tmp_path / "a" / "b")
    first, deleted = report_files.write_reports(written_report("2026-01-01T00:00:00Z"), directory, "cmp", 2, list(formats.RENDERERS))
    assert deleted == []
    assert [os.path.basename(path) for path in first] == [
        "cmp-20260101T000000Z.json", "cmp-latest.json", "cmp-latest.csv", "cmp-latest.html", "cmp-latest.junit.xml",
        "cmp-latest.ocsf.jsonl"]
    assert {stat.S_IMODE(os.stat(path).st_mode) for path in first} == {0o600}
    assert [stat.S_IMODE(os.stat(path).st_mode) for path in (tmp_path / "a", tmp_path / "a" / "b")] == [0o700, 0o700]
    report = written_report()
    assert json.loads(open(first[1], encoding="utf-8").read())["generated_at"] == "2026-01-01T00:00:00Z"
    report_files.write_reports(written_report("2026-01-02T00:00:00Z"), directory, "cmp", 2, ["json"])
    files, deleted = report_files.write_reports(report, directory, "cmp", 2, ["json", "csv"])
    assert deleted == [os.path.join(directory, "cmp-20260101T000000Z.json")]
    assert sorted(os.listdir(directory)) == sorted([
        "cmp-20260102T000000Z.json", "cmp-20260103T040506Z.json", "cmp-latest.json", "cmp-latest.csv",
        "cmp-latest.html", "cmp-latest.junit.xml", "cmp-latest.ocsf.jsonl"])
    with open(files[2], "rb") as handle:  # byte for byte: CSV lines end in CRLF
        assert handle.read() == formats.render(report, "csv").encode("utf-8")


def test_an_existing_dir_is_left_as_it_is_and_a_symlinked_report_is_replaced_not_followed(tmp_path):
    directory = tmp_path / "shared"
    directory.mkdir()
    directory.chmod(0o1777)
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    (directory / "cmp-latest.csv").symlink_to(outside)
    report_files.write_reports(written_report(), str(directory), "cmp", 0, ["csv"])
    assert stat.S_IMODE(directory.stat().st_mode) == 0o1777
    assert outside.read_text() == "keep me"
    assert not (directory / "cmp-latest.csv").is_symlink()


def test_without_write_nothing_is_made_and_the_answer_says_what_would_be(tmp_path):
    directory = tmp_path / "reports"
    directory.mkdir()
    old = directory / "cmp-20250101T000000Z.json"
    old.write_text("{}")
    files, deleted = report_files.write_reports(written_report(), str(directory), "cmp", 1, ["json"], write=False)
    assert files == [str(directory / "cmp-20260103T040506Z.json"), str(directory / "cmp-latest.json")]
    assert deleted == [str(old)]
    assert os.listdir(directory) == [old.name]
    assert report_files.write_reports(written_report(), str(tmp_path / "missing"), "cmp", 1, ["json"], write=False)[1] == []
    assert not (tmp_path / "missing").exists()
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="is not a directory"):
        report_files.write_reports(written_report(), str(tmp_path / "file"), "cmp", 1, ["json"])
