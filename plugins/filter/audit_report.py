# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The audit_mfa role's report filters (documented in the .yml file of each beside this one); the work is done in
plugins/plugin_utils/audit_report/."""

from __future__ import annotations

from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report.formats import RENDERERS
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report.formats import render
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report.model import audit_pool
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report.model import audit_pool_error
from ansible_collections.mfaops.cognito.plugins.plugin_utils.audit_report.report import audit_report


class FilterModule:
    def filters(self):
        return {
            "audit_pool": audit_pool,
            "audit_pool_error": audit_pool_error,
            "audit_report": audit_report,
            "audit_render": render,
            "audit_csv": RENDERERS["csv"],
            "audit_junit": RENDERERS["junit.xml"],
            "audit_html": RENDERERS["html"],
        }
