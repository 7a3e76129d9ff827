"""Write docs/iam/<playbook>.json from the one table of IAM actions (plugins/module_utils/iam.py).

    python tests/tools/iam_policies.py           write the files
    python tests/tools/iam_policies.py --check   exit 1 if a file differs from what the table gives

tests/unit/plugins/module_utils/test_iam.py checks the files equal what this writes.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "iam"


def load_table():
    spec = importlib.util.spec_from_file_location("mfaops_iam", ROOT / "plugins" / "module_utils" / "iam.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rendered():
    """{file name: text} of every policy in docs/iam/."""
    return {f"{name}.json": json.dumps(document, indent=2) + "\n" for name, document in load_table().examples().items()}


def main(argv):
    stale = []
    for name, text in rendered().items():
        path = DOCS / name
        if path.exists() and path.read_text() == text:
            continue
        stale.append(name)
        if "--check" not in argv:
            DOCS.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if stale and "--check" in argv:
        print(f"docs/iam/ is stale: {', '.join(stale)} (run python tests/tools/iam_policies.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
