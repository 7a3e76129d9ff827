# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The counted filter (documented in counted.yml beside this one): the roles' counts in the words of
plugins/module_utils/words.py."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.mfaops.cognito.plugins.module_utils import words


def counted(number, noun, many=None):
    try:
        whole = int(number)
    except (TypeError, ValueError):
        raise AnsibleFilterError(f"counted: expected a whole number, got {number!r}") from None
    return words.counted(whole, str(noun), many)


class FilterModule:
    def filters(self):
        return {"counted": counted}
