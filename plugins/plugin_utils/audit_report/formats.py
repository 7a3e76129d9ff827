# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every rendering of the report, by the file extension it is written with."""

from __future__ import annotations

import json

from ansible.errors import AnsibleFilterError

from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report import csv_report
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report import html_report
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report import junit_report
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report import ocsf_report


def json_report(report):
    """The report itself, as the history keeps it and the next run compares with."""
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


RENDERERS = {"json": json_report, "csv": csv_report.render, "html": html_report.render, "junit.xml": junit_report.render,
             "ocsf.jsonl": ocsf_report.render}


def render(report, extension):
    if extension not in RENDERERS:
        raise AnsibleFilterError(f"no report format {extension!r}; known: {', '.join(RENDERERS)}")
    return RENDERERS[extension](report)
