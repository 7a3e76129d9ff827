"""The release tarball: galaxy.yml's manifest ships the collection's own files and nothing of a
user's working data, and the tarball installs offline with ``--no-deps`` (amazon.aws from the
``ansible`` package), as docs/install.md says."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import yaml

from tests.support import playbook as ansible

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# What a user's runs and tools leave in a checkout, at the top and nested.
WORKING_DATA = [
    "mfa-audit/mfa-audit.json", "mfa-audit/mfa-audit.html", "mfa-audit/history/2026-12-01.json",
    "playbooks/mfa-audit/mfa-audit.csv", "playbooks/mfa-audit/history/old.yml",
    "examples/mfa-audit/mfa-audit.xml", "roles/audit_mfa/mfa-audit/mfa-audit.json",
    "tests/integration/mfa-audit/deep/er/report.yml",
    ".coverage", ".coverage.host.1234", "tests/.coverage", "tests/unit/.coverage.x",
    "standin.json", "examples/standin.json", "build/standin/standin.json", "build/standin/standin.log",
    "bench-20261201.json", "bench-20261201.txt", "benchmarks/output/scale.json", "build/bench/scale.json",
    "build/docs/html/index.html", "build/collections/ansible_collections/mfaops/cognito/galaxy.yml",
    ".venv/lib/python3.13/site-packages/x.py", ".venv-2.17/bin/activate", "tests/.venv/lib/y.py",
    "playbooks/.venv-x/lib/python3.12/site-packages/z.yml", "context/_build/requirements.yml",
    "tests/output/junit/x.xml", "plugins/modules/__pycache__/cognito_user.cpython-313.pyc",
    "mfaops-cognito-0.0.9.tar.gz", "notes.txt~",
]
# Files of the checkout that are for developing the collection, not for using it.
DEVELOPMENT_ONLY = {".ansible-lint", ".ci/run", ".gitignore", "Makefile", "galaxy.yml"}


def tracked_files(source: Path) -> set[str]:
    """The files of the tree `make collection` copied (tracked and not ignored)."""
    return {str(path.relative_to(source)) for path in source.rglob("*") if path.is_file() and "__pycache__" not in path.parts}


def test_tarball_ships_the_collection_and_no_working_data(collections_path: str, tmp_path: Path) -> None:
    source = next(Path(p) for p in collections_path.split(os.pathsep) if ansible.holds_collection(p)) / ansible.COLLECTION
    tree = tmp_path / "checkout"
    shutil.copytree(source, tree)
    own = tracked_files(tree)
    for name in WORKING_DATA:
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text("working data\n")

    built = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path / "dist"), str(tree)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    version = yaml.safe_load((tree / "galaxy.yml").read_text())["version"]
    tarball = tmp_path / "dist" / f"mfaops-cognito-{version}.tar.gz"
    with tarfile.open(tarball) as archive:
        shipped = {member.name for member in archive.getmembers() if member.isfile()}
        listed = {entry["name"] for entry in json.load(archive.extractfile("FILES.json"))["files"] if entry["ftype"] == "file"}

    assert shipped - {"MANIFEST.json", "FILES.json"} == listed
    leaked = sorted(name for name in shipped if name in WORKING_DATA or name.split("/")[0] in {"build", "context", "benchmarks"})
    assert not leaked, f"working data in the tarball: {leaked}"
    assert not [name for name in shipped if "mfa-audit/" in name or ".venv" in name or ".coverage" in name]
    # Everything else of the collection ships (the benchmarks are for developing it).
    missing = sorted(own - shipped - DEVELOPMENT_ONLY - {n for n in own if n.startswith("benchmarks/")})
    assert not missing, f"left out of the tarball: {missing}"
    for needed in ("meta/runtime.yml", "plugins/modules/cognito_user_mfa.py", "plugins/plugin_utils/audit_report/html_report.py",
                   "roles/enforce_mfa/meta/argument_specs.yml", "requirements.txt", "changelogs/changelog.yaml", "README.md"):
        assert needed in shipped

    # Offline install as docs/install.md says: --no-deps, amazon.aws from the `ansible` package.
    installed = tmp_path / "installed"
    install = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "install", str(tarball), "--no-deps", "-p", str(installed)],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(installed)},
    )
    assert install.returncode == 0, install.stdout + install.stderr
    doc = subprocess.run(
        [str(BIN / "ansible-doc"), "--json", "mfaops.cognito.cognito_user_mfa"],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(installed)},
    )
    assert doc.returncode == 0, doc.stdout + doc.stderr
    assert "mfaops.cognito.cognito_user_mfa" in json.loads(doc.stdout)
