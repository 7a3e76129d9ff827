# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The roles' checks of their input (documented in the .yml file of each beside this one); the work is done in
plugins/plugin_utils/role_checks.py."""

from __future__ import annotations

from ansible_collections.mfaops.cognito.plugins.plugin_utils import role_checks


class FilterModule:
    def filters(self):
        return {
            "as_list": role_checks.as_list,
            "pool_problems": role_checks.pool_problems,
            "option_problems": role_checks.option_problems,
            "accounts": role_checks.accounts,
            "onboarding_problems": role_checks.onboarding_problems,
            "service_passwords": role_checks.service_passwords,
        }
