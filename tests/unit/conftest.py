"""Make `ansible_collections.mfaops.cognito` importable from this source tree, and the tests' helpers:
``fakes`` (tests/unit/fakes.py) and ``tests.support`` from the tests under tests/unit/plugins/..., which
mirror the plugins they test (the layout ``ansible-test units`` expects).

Under ansible-test the tree already sits at .../ansible_collections/mfaops/cognito; from a plain
checkout a symlink in a temporary directory gives the same import path, pointing at the live code.
"""

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# ansible-test runs pytest in importlib mode: a test's own directory is not on sys.path, so put the helpers'
# directories there (tests/unit for fakes, the plugin test directories for tests that share helpers).
_UNIT = Path(__file__).resolve().parent
for _path in [str(_UNIT), str(ROOT)] + sorted(str(p) for p in (_UNIT / "plugins").glob("*") if p.is_dir()):
    if _path not in sys.path:
        sys.path.insert(0, _path)

if ROOT.parent.parent.name == "ansible_collections":
    sys.path.insert(0, str(ROOT.parents[2]))
else:
    _base = Path(tempfile.mkdtemp(prefix="mfaops-unit-"))
    (_base / "ansible_collections" / "mfaops").mkdir(parents=True)
    (_base / "ansible_collections" / "mfaops" / "cognito").symlink_to(ROOT)
    sys.path.insert(0, str(_base))
