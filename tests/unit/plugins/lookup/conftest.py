# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mfaops.cognito contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's lookup plugins as a playbook gets them."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import pytest

from ansible_collections.mfaops.cognito.plugins.module_utils import validate


@contextlib.contextmanager
def _loaded(name):
    """The plugin `name` through the plugin loader and Ansible's collection finder.

    The finder must load the collection's packages itself (it reads the collection's metadata
    then, and wants one path per package, while PYTHONPATH may hold a second copy of the tree),
    so the package modules that plain imports made are set aside while it runs and put back
    afterwards; the finder is removed again.
    """
    from ansible.plugins.loader import init_plugin_loader, lookup_loader
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

    saved = {
        module_name: module
        for module_name, module in sys.modules.items()
        if module_name == "ansible_collections"
        or (module_name.startswith("ansible_collections.mfaops") and (hasattr(module, "__path__") or ".plugins.lookup." in module_name))
    }
    for module_name in saved:
        del sys.modules[module_name]
    try:
        # .../<root>/ansible_collections/mfaops/cognito/plugins/module_utils/validate.py
        init_plugin_loader([str(Path(validate.__file__).parents[5])])
        plugin = lookup_loader.get(name)
        assert plugin is not None, f"{name} not found by the plugin loader"
        yield plugin
    finally:
        _AnsibleCollectionFinder._remove()
        sys.modules.update(saved)


@pytest.fixture(scope="module")
def load_lookup():
    """load_lookup(name): the lookup plugin `name`, loaded for the test module's duration."""
    with contextlib.ExitStack() as stack:
        yield lambda name: stack.enter_context(_loaded(name))
