# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The mfa_campaign role's filters (documented in the .yml file of each beside this one); the work is done
in plugins/plugin_utils/campaign_files.py and campaign_page.py (the page)."""

from __future__ import annotations

from ansible_collections.mfaops.cognito.plugins.plugin_utils import campaign_files
from ansible_collections.mfaops.cognito.plugins.plugin_utils import campaign_page


class FilterModule:
    def filters(self):
        return {
            "campaign_problems": campaign_files.campaign_problems,
            "campaign_nudge_csv": campaign_files.nudge_csv,
            "campaign_nudge_json": campaign_files.nudge_json,
            "campaign_status": campaign_files.campaign_status,
            "campaign_coverage_html": campaign_page.coverage_html,
        }
