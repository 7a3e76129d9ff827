"""Run ansible-playbook against the stand-in: the collection on the collections
path, fake AWS credentials, no AWS profile or config file. Shared by the
integration tests (tests/integration/conftest.py) and the demo."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from .standin import FAKE_AWS_ENV

ROOT = Path(__file__).resolve().parents[2]
COLLECTION = Path("ansible_collections") / "mfaops" / "cognito"
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv*", "build", "output", "__pycache__", ".pytest_cache", ".hypothesis", ".ansible", "*.pyc"
)


def holds_collection(collections_path: str) -> bool:
    return any((Path(p) / COLLECTION / "galaxy.yml").is_file() for p in collections_path.split(os.pathsep) if p)


def collections_path(scratch: Path) -> str:
    """``ANSIBLE_COLLECTIONS_PATH`` when it holds mfaops.cognito (``make`` sets it to
    build/collections); else a fresh copy of this tree under ``scratch``."""
    configured = os.environ.get("ANSIBLE_COLLECTIONS_PATH", "")
    if holds_collection(configured):
        return configured
    target = scratch / COLLECTION
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ROOT, target, ignore=COPY_IGNORE)
    return str(scratch)


def ansible_playbook() -> str:
    """The ansible-playbook beside this Python (the venv's), else the one on PATH."""
    beside_python = Path(sys.executable).parent / "ansible-playbook"
    found = str(beside_python) if beside_python.exists() else shutil.which("ansible-playbook")
    if not found:
        raise RuntimeError("ansible-playbook not found: run through make, or activate the venv")
    return found


def playbook_env(collections: str, scratch: Path, **ansible: str) -> dict[str, str]:
    """ansible-playbook's environment: ``collections`` first, fake AWS keys, and
    nothing that could point at a real account. ``ansible`` adds ``ANSIBLE_*``
    settings, e.g. ``STDOUT_CALLBACK="ansible.posix.json"``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_"))}
    env.update(FAKE_AWS_ENV)
    env.update(
        {
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "ANSIBLE_COLLECTIONS_PATH": collections,
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "ANSIBLE_LOCAL_TEMP": str(scratch / "ansible-tmp"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    env.update({f"ANSIBLE_{key.upper()}": value for key, value in ansible.items()})
    return env
