#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cognito_mfa_nudge_list
short_description: Write a TOTP enrolment campaign's nudge list and record the nudges it hands over
version_added: 0.2.0
description:
  - Writes the nudge list of one campaign step (M(mfaops.cognito.cognito_mfa_campaign)) into O(dir) on the controller,
    for a mail merge or a ticket import - C(<pool>-nudges.csv) and C(<pool>-nudges.json) (username, email, group,
    deadline, days left, days on the list, nudges sent before today, due).
  - Each file is replaced atomically (a temporary file in the same directory, fsync, then a rename) with mode 0600, and
    only when its content changes. O(dir) is created with mode 0700 when it is missing.
  - B(A nudge is recorded once it is handed over.) Only after both files are written does it record the nudges due in
    the list in the campaign state in O(state_dir) (under the state's lock, the file written atomically). A failure or
    a kill before that records nothing; a kill after the files are written leaves a list that the same day's rerun
    writes again, byte for byte, and records then.
  - With O(record=false) (the nudges are emailed by M(mfaops.cognito.cognito_mfa_nudge_email), which records each
    email SES accepted) the list is written and nothing is recorded.
  - CSV cells of text that a spreadsheet would read as a formula get a leading apostrophe; numbers stay numbers.
  - Runs on the controller through its action plugin; it makes no AWS call.
author:
  - mfaops.cognito contributors (@mfaops)
options:
  step:
    description: The result of M(mfaops.cognito.cognito_mfa_campaign) (its C(today), C(coverage) and C(nudges)).
    type: dict
    required: true
  pool:
    description: The pool's inventory host name; it names the files and goes into the JSON. One plain file-name part.
    type: str
    required: true
  user_pool_id:
    description: The user pool id (names the campaign state file; goes into the JSON).
    type: str
    required: true
  dir:
    description: The directory of the nudge files on the controller. A relative path is relative to the current directory.
    type: path
    required: true
  state_dir:
    description: The campaign state directory (as for M(mfaops.cognito.cognito_mfa_campaign)).
    type: path
    required: true
  record:
    description: Record the due nudges once the list is written (the list is the nudge). V(false) when SES emails them.
    type: bool
    default: true
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: Nothing is written or recorded; RV(written) and RV(recorded) say what would be.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: none
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the
      controller.
    support: full
    details: It runs entirely on the controller, in the action plugin; the directories are the controller's.
  idempotent:
    description: When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
    support: full
    details: The same step gives the same files, and a nudge is recorded once a day.
seealso:
  - module: mfaops.cognito.cognito_mfa_campaign
  - module: mfaops.cognito.cognito_mfa_nudge_email
"""

EXAMPLES = r"""
- name: Write the nudge list and record the nudges it hands over
  mfaops.cognito.cognito_mfa_nudge_list:
    step: "{{ step }}"
    pool: "{{ inventory_hostname }}"
    user_pool_id: us-east-1_AbCdEf123
    dir: /var/lib/mfa-campaign
    state_dir: /var/lib/mfa-campaign/state
"""

RETURN = r"""
files:
  description: The nudge files, CSV then JSON, as absolute paths.
  returned: always
  type: list
  elements: str
  sample: [/var/lib/mfa-campaign/staff-nudges.csv, /var/lib/mfa-campaign/staff-nudges.json]
written:
  description: The files replaced by this run (in check mode, that would be); unchanged files are not written.
  returned: always
  type: list
  elements: str
recorded:
  description: The users whose nudge this run recorded (in check mode, would record); empty with O(record=false).
  returned: always
  type: list
  elements: str
  sample: [bob, carol]
"""
