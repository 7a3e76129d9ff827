"""Make `ansible_collections.mfaops.cognito` importable from this source tree.

Under ansible-test the tree already sits at .../ansible_collections/mfaops/cognito; from a plain
checkout a symlink in a temporary directory gives the same import path, pointing at the live code.
"""

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

if ROOT.parent.parent.name == "ansible_collections":
    sys.path.insert(0, str(ROOT.parents[2]))
else:
    _base = Path(tempfile.mkdtemp(prefix="mfaops-unit-"))
    (_base / "ansible_collections" / "mfaops").mkdir(parents=True)
    (_base / "ansible_collections" / "mfaops" / "cognito").symlink_to(ROOT)
    sys.path.insert(0, str(_base))
