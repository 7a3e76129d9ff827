# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The audit_mfa role's report settings and retention (documented in the .yml file of each beside this one); the
work is done in plugins/plugin_utils/report_files.py."""

from __future__ import annotations

from ansible_collections.mfaops.cognito.plugins.plugin_utils import report_files


class FilterModule:
    def filters(self):
        return {"report_problems": report_files.report_problems, "expired_reports": report_files.expired_reports}
