#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cognito_mfa_report
short_description: Write an MFA audit report in every format on the controller, and keep its history
version_added: 0.2.0
description:
  - Writes the report built by the P(mfaops.cognito.audit_report#filter) filter into O(dir) on the controller, in one
    task and without starting a module process - C(NAME-YYYYMMDDTHHMMSSZ.json), the history the next audit compares
    with, and C(NAME-latest.EXT) for each of O(formats).
  - Every file is replaced atomically (a temporary file in the same directory, then a rename) with mode 0600, so a
    kill leaves the old file or the new one, and a symlink at a report's path is replaced, never followed.
  - O(dir) is created with mode 0700 when it is missing; an existing directory is left as it is (never chmodded).
  - Then deletes the timestamped reports of O(name) beyond the newest O(keep_reports). Only files whose whole name is
    O(name), a dash, a strict timestamp and C(.json) are ever deleted.
  - The C(mfaops.cognito.audit_mfa) role and the one-pass report of the C(mfaops.cognito.enforce_mfa) role write their
    reports with it.
  - Runs on the controller through its action plugin; it makes no AWS call.
author:
  - mfaops.cognito contributors (@mfaops)
options:
  report:
    description: The report, as the P(mfaops.cognito.audit_report#filter) filter returns it (its C(generated_at) names the
      timestamped file).
    type: dict
    required: true
  dir:
    description: The report directory on the controller. A relative path is relative to the current directory.
    type: path
    required: true
  name:
    description: The first part of every file name; one plain file-name part.
    type: str
    default: mfa-audit
  keep_reports:
    description: How many timestamped JSON reports of O(name) to keep; older ones are deleted. V(0) keeps all.
    type: int
    default: 30
  formats:
    description: The formats of the latest report, by file extension.
    type: list
    elements: str
    choices: [json, csv, html, junit.xml, ocsf.jsonl]
    default: [json, csv, html, junit.xml, ocsf.jsonl]
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: Nothing is written or deleted; RV(files) and RV(deleted) say what would be.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: none
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the
      controller.
    support: full
    details: It runs entirely on the controller, in the action plugin; the report directory is the controller's.
  idempotent:
    description: When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
    support: none
    details: Every run writes a new timestamped report.
"""

EXAMPLES = r"""
- name: Write the audit report in every format, keeping 30 timestamped reports
  mfaops.cognito.cognito_mfa_report:
    report: "{{ audit_mfa_report }}"
    dir: /var/lib/mfa-audit
    name: mfa-audit
    keep_reports: 30

- name: Only the JSON and JUnit reports, keep the whole history
  mfaops.cognito.cognito_mfa_report:
    report: "{{ audit_mfa_report }}"
    dir: reports
    formats: [json, junit.xml]
    keep_reports: 0
"""

RETURN = r"""
dir:
  description: The report directory, as an absolute path.
  returned: always
  type: str
  sample: /var/lib/mfa-audit
files:
  description: The files written (in check mode, that would be), the timestamped JSON report first.
  returned: always
  type: list
  elements: str
  sample: [/var/lib/mfa-audit/mfa-audit-20260102T030405Z.json, /var/lib/mfa-audit/mfa-audit-latest.json]
deleted:
  description: The timestamped reports deleted by retention (in check mode, that would be), oldest first.
  returned: always
  type: list
  elements: str
  sample: [/var/lib/mfa-audit/mfa-audit-20251203T030405Z.json]
"""
