"""The campaign's page (plugins/plugin_utils/campaign_page.py): what it draws and says, and that its labels stay
inside the SVG by the page's own estimate of a label's width. The browser test (tests/integration/test_report_pages.py)
measures the real text in Chromium."""

from __future__ import annotations

import re

import pytest

from ansible_collections.mfaops.cognito.plugins.plugin_utils import campaign_page

DAY_ONE = {"today": "2027-01-10", "pool_mfa_configuration": "OPTIONAL", "history": {"2027-01-10": 50.0}, "nudges": [{}, {}],
           "coverage": {"percent": 50.0, "compliant": 2, "total": 4, "groups": {}},
           "lockout_risk": {"mfa_setup_users": 1, "line": "1 user will meet MFA_SETUP at their next sign-in; every app client allows a flow"}}


def svg_of(page: str) -> str:
    """The SVG, its tspans (which map numbers to the step) left out."""
    return re.sub(r"<tspan[^>]*>|</tspan>", "", page[page.index("<svg"):page.index("</svg>")])


def labels(svg: str) -> list[tuple[float, str, str]]:
    return [(float(x), anchor, text) for x, anchor, text in re.findall(r'<text x="([\d.]+)"[^>]*text-anchor="(\w+)"[^>]*>([^<]*)</text>', svg)]


def test_coverage_chart_draws_history_deadlines_and_threshold():
    step = {"today": "2027-01-20", "coverage": {"percent": 75.0, "compliant": 3, "total": 4, "groups": {"<adm>": {"total": 1}}},
            "history": {"2027-01-10": 50.0, "2027-01-20": 75.0, "2027-01-16": 50.0}, "nudges": [{}]}
    page = campaign_page.coverage_html(step, "staff", "2027-03-01", 80, {"admins": "2027-01-15"})
    svg = svg_of(page)
    points = svg.split('class="coverage" points="')[1].split('"')[0].split()
    assert len(points) == 3 and [float(p.split(",")[0]) for p in points] == sorted(float(p.split(",")[0]) for p in points)
    assert svg.count('class="deadline"') == 2 and "switch at 80%" in svg and "deadline 2027-03-01" in svg
    assert "<adm>" not in page and "&lt;adm&gt;" in page and "<script" not in page
    assert float(points[-1].split(",")[1]) < float(points[0].split(",")[1])  # higher coverage is drawn higher
    assert "75% today" in svg and "40 days left" in svg


def test_day_one_shows_the_target_todays_value_and_the_days_left():
    page = campaign_page.coverage_html(DAY_ONE, "staff", "2027-03-01", 95, {})
    svg = svg_of(page)
    assert 'class="threshold"' in svg and "switch at 95%" in svg
    assert '<tspan data-json="/history/2027-01-10">50</tspan>% today' in page and '<tspan data-campaign="days_left">50</tspan>' in page
    assert "50% today" in svg and "50 days left" in svg and 'class="days-left"' in svg
    assert '<span data-campaign="days_left">50</span> <small>days to 2027-03-01</small>' in page
    assert '<span data-json="/coverage/percent">50</span> %' in page
    assert '<span data-json-count="/nudges">2</span> <small>users</small>' in page
    assert '<span data-json="/lockout_risk/mfa_setup_users">1</span> user will meet MFA_SETUP' in page


def test_no_privileged_groups_says_so_instead_of_an_empty_table():
    page = campaign_page.coverage_html(DAY_ONE, "staff", "2027-03-01", None, {})
    assert "No privileged groups in this campaign." in page and "<table" not in page
    assert "switch at" not in page and "on 2027-03-01" in page


def test_group_rows_map_each_number_to_the_step():
    step = dict(DAY_ONE, coverage={"percent": 50.0, "compliant": 2, "total": 4, "groups": {"a/b": {"total": 1, "compliant": 1, "percent": 100.0}}})
    page = campaign_page.coverage_html(step, "staff", "2027-03-01", 95, {"a/b": "2027-02-01"})
    assert '<span data-json="/coverage/groups/a~1b/total">1</span>' in page and "<td>2027-02-01</td>" in page


@pytest.mark.parametrize("groups", [{}, {"admins": "2027-02-27"}, {"platform-administrators-of-every-region-" * 3: "2027-01-11"}])
def test_labels_stay_inside_the_svg(groups):
    step = dict(DAY_ONE, history={"2027-01-10": 100.0})
    svg = svg_of(campaign_page.coverage_html(step, "staff", "2027-03-01", 100, groups))
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
    for x, anchor, text in labels(svg):
        size = campaign_page._width(text.replace("&amp;", "&"))
        left = {"start": x, "middle": x - size / 2, "end": x - size}[anchor]
        assert 0 <= left and left + size <= width, (text, x, anchor)


def test_counts_agree_with_their_number():
    one = dict(DAY_ONE, nudges=[{}], coverage={"percent": 0.0, "compliant": 0, "total": 1, "groups": {}})
    page = campaign_page.coverage_html(one, "staff", "2027-01-11", None, {})
    assert "<small>user</small>" in page and "1 day left" in svg_of(page) and "<small>day to 2027-01-11</small>" in page
    assert "of <span data-json=\"/coverage/total\">1</span> user)" in page
