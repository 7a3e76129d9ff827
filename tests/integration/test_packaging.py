"""The release tarball: galaxy.yml's build_ignore ships the collection's own files and nothing of a
user's working data, and the tarball installs offline with ``--no-deps`` (amazon.aws from the
``ansible`` package), as docs/install.md says.

The builds run where users build (issue 27): with ansible-core and without the python distlib library
(which galaxy.yml's ``manifest:`` key would need), from a tarball and from a git repository
(``ansible-galaxy collection install git+file://...``, as AWX installs a collection from
``collections/requirements.yml``). The interpreter without distlib is a venv whose site-packages links to
every package of this one but distlib: nothing is downloaded."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
from pathlib import Path

import pytest
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


GENERATED = {"MANIFEST.json", "FILES.json"}


def tracked_files(source: Path) -> set[str]:
    """The files of the tree `make collection` copied (tracked and not ignored)."""
    return {str(path.relative_to(source)) for path in source.rglob("*") if path.is_file() and "__pycache__" not in path.parts}


def shipped_files(own: set[str]) -> set[str]:
    """What the tarball holds of a checkout's own files: all but those for developing the collection (the
    benchmarks, the conformance kit's snapshots, notes under tests/) and the example IAM policies of docs/iam/
    (JSON, which build_ignore keeps out with every report a working tree may hold; the installed collection
    renders the same policies with the mfaops.cognito.iam_policy lookup)."""
    return {
        name for name in own
        if name not in DEVELOPMENT_ONLY and not name.startswith(("benchmarks/", "tests/conformance/snapshots/"))
        and not (name.startswith("tests/") and name.endswith(".md"))
        and not (name.startswith("docs/iam/") and name.endswith(".json"))
    }


def parents(files: set[str]) -> set[str]:
    return {str(parent) for name in files for parent in Path(name).parents if str(parent) != "."}


@pytest.fixture(scope="module")
def python_without_distlib(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A venv's python with every package of this one except distlib (site-packages entries linked, no download)."""
    venv = tmp_path_factory.mktemp("no-distlib") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    target = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 capture_output=True, text=True, check=True).stdout.strip())
    for site in dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib")):
        for entry in Path(site).iterdir():
            if not entry.name.lower().startswith("distlib") and not (target / entry.name).exists():
                (target / entry.name).symlink_to(entry)
    probe = subprocess.run([python, "-c", "import ansible, yaml, jinja2\ntry:\n import distlib\nexcept ImportError:\n print('none')"],
                           capture_output=True, text=True, timeout=120, check=False, env=clean_env())
    assert probe.stdout.strip() == "none", probe.stdout + probe.stderr
    return python


def clean_env(**extra: str) -> dict[str, str]:
    return {**{key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}, **extra}


def galaxy(python: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """ansible-galaxy run by `python` (this venv's ansible-galaxy script, so the same ansible-core)."""
    return subprocess.run([python, str(BIN / "ansible-galaxy"), *args], capture_output=True, text=True, timeout=300,
                          check=False, env=clean_env(**env))


def test_tarball_ships_the_collection_and_no_working_data(collections_path: str, tmp_path: Path, python_without_distlib: str) -> None:
    source = next(Path(p) for p in collections_path.split(os.pathsep) if ansible.holds_collection(p)) / ansible.COLLECTION
    tree = tmp_path / "checkout"
    shutil.copytree(source, tree)
    own = tracked_files(tree)
    for name in WORKING_DATA:
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text("working data\n")

    built = galaxy(python_without_distlib, "collection", "build", "--output-path", str(tmp_path / "dist"), str(tree))
    assert built.returncode == 0, built.stdout + built.stderr
    version = yaml.safe_load((tree / "galaxy.yml").read_text())["version"]
    tarball = tmp_path / "dist" / f"mfaops-cognito-{version}.tar.gz"
    with tarfile.open(tarball) as archive:
        shipped = {member.name for member in archive.getmembers() if member.isfile()}
        folders = {member.name for member in archive.getmembers() if member.isdir()}
        listed = {entry["name"] for entry in json.load(archive.extractfile("FILES.json"))["files"] if entry["ftype"] == "file"}

    assert shipped - GENERATED == listed
    leaked = sorted(name for name in shipped if name in WORKING_DATA or name.split("/")[0] in {"build", "context", "benchmarks"})
    assert not leaked, f"working data in the tarball: {leaked}"
    assert not [name for name in shipped | folders if "mfa-audit" in name or ".venv" in name or ".coverage" in name]
    # Exactly the collection's own files (the benchmarks and the development files left out), and no folder
    # but theirs: no empty folder of working data either.
    assert shipped - GENERATED == shipped_files(own), (
        f"left out: {sorted(shipped_files(own) - shipped)}; not the collection's: {sorted(shipped - GENERATED - shipped_files(own))}"
    )
    assert folders == parents(shipped_files(own)), sorted(folders ^ parents(shipped_files(own)))
    for needed in ("meta/runtime.yml", "plugins/modules/cognito_user_mfa.py", "plugins/plugin_utils/audit_report/html_report.py",
                   "roles/enforce_mfa/meta/argument_specs.yml", "requirements.txt", "changelogs/changelog.yaml", "README.md",
                   "tests/requirements/ansible-2.21.txt", "docs/images/bench-rates.png"):
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


def test_installs_from_a_git_repository_without_distlib(collections_path: str, tmp_path: Path, python_without_distlib: str) -> None:
    """AWX's way: ansible-galaxy builds the collection from its git repository, then installs it."""
    source = next(Path(p) for p in collections_path.split(os.pathsep) if ansible.holds_collection(p)) / ansible.COLLECTION
    repo = tmp_path / "repo"
    shutil.copytree(source, repo)
    own = tracked_files(repo)
    git = {"GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.invalid", "GIT_COMMITTER_NAME": "test",
           "GIT_COMMITTER_EMAIL": "test@example.invalid"}
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "the collection"]):
        subprocess.run(["git", *command], cwd=repo, check=True, timeout=120, env=clean_env(**git))

    installed = tmp_path / "installed"
    install = galaxy(python_without_distlib, "collection", "install", f"git+file://{repo}", "--no-deps", "-p", str(installed),
                     ANSIBLE_COLLECTIONS_PATH=str(installed))
    assert install.returncode == 0, install.stdout + install.stderr
    target = installed / "ansible_collections" / "mfaops" / "cognito"
    assert tracked_files(target) - GENERATED == shipped_files(own)
    assert json.loads((target / "MANIFEST.json").read_text())["collection_info"]["name"] == "cognito"
