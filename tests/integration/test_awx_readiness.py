"""What AWX / Automation Controller needs, checked without AWX or a container runtime:

- execution-environment.yml: ``ansible-builder create`` writes a build context whose
  Containerfile installs the pinned ansible-core and ansible-runner and whose galaxy
  step installs this collection; that step and ansible-builder's introspection are
  then run here, offline, on the context, as the image build would run them.
- collections/requirements.yml: the example an AWX project uses.
- the audit playbook run through ansible-runner (the engine AWX runs jobs with), from
  a project that imports the collection's playbook, with the AWS credentials only in
  the environment (as AWX's AWS credential type injects them): the runner's artifacts
  carry the set_stats summary, and the reports are written.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import playbook as ansible
from tests.support import seed
from tests.support.standin import write_calls

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = BIN / name
    return str(found) if found.exists() else (shutil.which(name) or name)


def pins(requirements: Path) -> dict[str, str]:
    """``{package: version}`` of the exact pins of a requirements file."""
    found = {}
    for line in requirements.read_text().splitlines():
        spec = line.split("#")[0].strip()
        if "==" in spec:
            name, version = spec.split("==")
            found[name.split("[")[0].strip().lower()] = version.strip()
    return found


def build_tarball(tree: Path, output: Path) -> Path:
    """``ansible-galaxy collection build`` of ``tree`` (galaxy.yml's manifest) into ``output``."""
    built = subprocess.run(
        [tool("ansible-galaxy"), "collection", "build", "--force", "--output-path", str(output), str(tree)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (tarball,) = output.glob("mfaops-cognito-*.tar.gz")
    return tarball


def test_execution_environment_build_context(collections_path: str, tmp_path: Path) -> None:
    """`ansible-builder create` on execution-environment.yml beside the release tarball, then the
    image build's galaxy and introspection steps run on the context offline: the tarball's
    collection installs next to the pinned amazon.aws, and its Python and system needs are found."""
    definition = yaml.safe_load((ROOT / "execution-environment.yml").read_text())
    galaxy_yml = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    assert definition["version"] == 3
    # The image's ansible-core, ansible-runner and amazon.aws are the versions tested here.
    tested = pins(ROOT / "tests" / "requirements" / "ansible-2.21.txt")
    assert definition["dependencies"]["ansible_core"]["package_pip"] == f"ansible-core=={tested['ansible-core']}"
    assert definition["dependencies"]["ansible_runner"]["package_pip"] == f"ansible-runner=={tested['ansible-runner']}"
    import ansible_collections.amazon.aws as amazon_aws  # pylint: disable=import-outside-toplevel
    amazon_aws_dir = Path(list(amazon_aws.__path__)[0])
    amazon_aws_version = json.loads((amazon_aws_dir / "MANIFEST.json").read_text())["collection_info"]["version"]
    by_name = {entry["name"]: entry for entry in definition["dependencies"]["galaxy"]["collections"]}
    assert by_name["amazon.aws"]["version"] == f"=={amazon_aws_version}"
    tarball_name = f"mfaops-cognito-{galaxy_yml['version']}.tar.gz"
    assert definition["additional_build_files"] == [{"src": tarball_name, "dest": "collections"}]
    assert by_name[f"collections/{tarball_name}"]["type"] == "file"

    # A released tarball beside the definition, as a user downloads it: nothing else of the checkout.
    source = next(Path(p) for p in collections_path.split(os.pathsep) if ansible.holds_collection(p)) / ansible.COLLECTION
    tarball = build_tarball(source, tmp_path / "dist")
    release = tmp_path / "release"
    release.mkdir()
    shutil.copy(ROOT / "execution-environment.yml", release)
    shutil.copy(tarball, release / tarball_name)
    created = subprocess.run(
        [tool("ansible-builder"), "create", "--file", "execution-environment.yml", "--context", "context", "-v", "2"],
        cwd=release, capture_output=True, text=True, timeout=300, check=False,
    )
    assert created.returncode == 0, created.stdout + created.stderr
    assert "No matches" not in created.stdout + created.stderr  # the tarball was found and copied

    context = release / "context"
    containerfile = next(context / name for name in ("Containerfile", "Dockerfile") if (context / name).exists())
    text = containerfile.read_text()
    assert 'ARG EE_BASE_IMAGE="quay.io/centos/centos:stream9"' in text
    assert 'ARG PYCMD="/usr/bin/python3.12"' in text
    assert f'ARG ANSIBLE_INSTALL_REFS="ansible-core=={tested["ansible-core"]} ansible-runner=={tested["ansible-runner"]}"' in text
    assert "ansible-galaxy collection install" in text and "introspect.py introspect" in text

    build = context / "_build"
    assert (build / "collections" / tarball_name).read_bytes() == tarball.read_bytes()
    galaxy = yaml.safe_load((build / "requirements.yml").read_text())
    assert {entry["name"]: entry.get("version") for entry in galaxy["collections"]} == {
        "amazon.aws": f"=={amazon_aws_version}", f"collections/{tarball_name}": None}

    # The galaxy stage (WORKDIR /build = _build), offline: amazon.aws comes from Galaxy in a real
    # build; here the tested copy is in place first, so the pin must accept it and nothing is fetched.
    installed = tmp_path / "installed"
    shutil.copytree(amazon_aws_dir, installed / "ansible_collections" / "amazon" / "aws",
                    ignore=shutil.ignore_patterns("__pycache__", "tests"))
    galaxy_step = subprocess.run(
        [tool("ansible-galaxy"), "collection", "install", "-r", "requirements.yml", "-p", str(installed), "--offline"],
        cwd=build, capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(installed)},  # not the copy `make collection` made
    )
    assert f"mfaops.cognito:{galaxy_yml['version']} was installed successfully" in galaxy_step.stdout, galaxy_step.stdout
    assert galaxy_step.returncode == 0, galaxy_step.stdout + galaxy_step.stderr
    manifest = json.loads((installed / ansible.COLLECTION / "MANIFEST.json").read_text())["collection_info"]
    assert (manifest["namespace"], manifest["name"], manifest["version"]) == ("mfaops", "cognito", galaxy_yml["version"])
    assert manifest["dependencies"] == galaxy_yml["dependencies"]
    assert (installed / ansible.COLLECTION / "roles" / "audit_mfa" / "tasks" / "main.yml").is_file()

    # The builder stage's introspection finds the collection's Python and system needs.
    introspected = subprocess.run(
        [sys.executable, str(build / "scripts" / "introspect.py"), "introspect", str(installed),
         "--write-pip", str(tmp_path / "pip.txt"), "--write-bindep", str(tmp_path / "bindep.txt")],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert introspected.returncode == 0, introspected.stdout + introspected.stderr
    python_needs = {line.split("#")[0].strip() for line in (tmp_path / "pip.txt").read_text().splitlines() if line.strip()}
    wanted = {line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines() if line.split("#")[0].strip()}
    assert wanted <= python_needs and any(need.startswith("boto3") for need in python_needs)
    assert "ca-certificates" in (tmp_path / "bindep.txt").read_text()


def test_collections_requirements_example() -> None:
    """collections/requirements.yml names amazon.aws (as galaxy.yml requires it) and this collection."""
    requirements = yaml.safe_load((ROOT / "collections" / "requirements.yml").read_text())
    by_name = {entry["name"]: entry for entry in requirements["collections"]}
    galaxy_yml = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    assert by_name["amazon.aws"]["version"] == galaxy_yml["dependencies"]["amazon.aws"]
    assert by_name[f"{galaxy_yml['repository']}.git"]["type"] == "git"


def test_audit_through_ansible_runner(
    standin: Any, collections_path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An AWX-like job: a project playbook that imports mfaops.cognito.audit_mfa, an inventory with no
    credentials, the AWS keys and session token only in the environment; the runner's artifacts carry the
    set_stats summary, the reports land in the project directory (the role's default), no write call."""
    import ansible_runner  # pylint: disable=import-outside-toplevel

    client = standin.client(region="eu-west-1")
    pool = seed.create_pool(client, "awx-job", "ON", pool_id="eu-west-1_AuditAwxR1", standin=standin)
    seed.seed_backdoor(standin, pool, {"totp_preferred": 3, "sms_only": 1, "no_mfa": 1})

    private = tmp_path / "runner"
    (private / "project").mkdir(parents=True)
    (private / "project" / "audit.yml").write_text(
        yaml.safe_dump([{"name": "MFA audit", "ansible.builtin.import_playbook": "mfaops.cognito.audit_mfa"}], sort_keys=False)
    )
    (private / "inventory").mkdir()
    (private / "inventory" / "pools.yml").write_text(
        yaml.safe_dump(
            {
                "cognito_pools": {
                    "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
                    "hosts": {"customers-eu": {"cognito_user_pool_id": pool.id, "cognito_all_users": True,
                                               "cognito_endpoint_url": standin.endpoint}},
                }
            }
        )
    )
    # Nothing from this process's environment reaches the job but what AWX would give it.
    for name in list(os.environ):
        if name.startswith(("AWS_", "ANSIBLE_")):
            monkeypatch.delenv(name)
    credentials = {  # as AWX's "Amazon Web Services" credential type injects them (fake values)
        "AWS_ACCESS_KEY_ID": "AKIAFAKEAWXJOB000001",
        "AWS_SECRET_ACCESS_KEY": "fake-secret-from-awx-credential",
        "AWS_SECURITY_TOKEN": "fake-session-token-from-awx",
        "AWS_SESSION_TOKEN": "fake-session-token-from-awx",
    }
    standin.reset_counts()
    run = ansible_runner.run(
        private_data_dir=str(private),
        playbook="audit.yml",
        inventory=str(private / "inventory" / "pools.yml"),
        envvars={
            **credentials,
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "ANSIBLE_COLLECTIONS_PATH": collections_path,
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
            "PYTHONDONTWRITEBYTECODE": "1",
        },
        quiet=True,
        timeout=600,
    )
    stdout = run.stdout.read()
    assert (run.status, run.rc) == ("successful", 0), stdout[-4000:]
    assert write_calls(standin.counts()) == {}
    assert standin.counts(pool.id)["AdminGetUser"] == 5

    # The job's artifacts: the custom stats AWX shows and passes on in a workflow, and the host stats.
    (stats_event,) = [event for event in run.events if event["event"] == "playbook_on_stats"]
    summary = stats_event["event_data"]["artifact_data"]["mfa_audit"]
    assert summary["passed"] is True
    assert summary["counts"]["compliant"] == 3 and summary["counts"]["considered"] == 5
    assert summary["pools"]["customers-eu"]["findings"] == ["sms_mfa_allowed", "password_auth_without_srp"]
    report_dir = private / "project" / "mfa-audit"
    assert summary["report_dir"] == str(report_dir.resolve())
    assert run.stats["failures"] == {} and "customers-eu" in run.stats["ok"]
    artifacts = Path(run.config.artifact_dir)
    assert (artifacts / "job_events").is_dir() and (artifacts / "stdout").is_file()
    assert json.loads((artifacts / "command").read_text())["env"]["AWS_SESSION_TOKEN"] == credentials["AWS_SESSION_TOKEN"]

    for name in ("json", "csv", "html", "junit.xml"):
        path = report_dir / f"mfa-audit-latest.{name}"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        for secret in credentials.values():
            assert secret not in path.read_text()
    assert json.loads((report_dir / "mfa-audit-latest.json").read_text())["overall"]["compliance_percent"] == 60
