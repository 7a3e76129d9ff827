"""Scale benchmark (issue 8): 100,000 users in ONE cognito_user_mfa task, on a mostly compliant pool.

The stand-in's pool is seeded straight into its memory: by default 99.5 % of the users already
have TOTP enabled and preferred, 0.5 % have a verified token and need the write. The module is
told rates far above what the stand-in serves, so the run is bound by the stand-in (about
170 calls/s on a 2-CPU machine: count on 10 minutes for 100,000 users).

What is measured, and how:

- peak memory of the module process: the play sets ``ansible_python_interpreter`` to a small
  wrapper (written into the work directory) that starts the real Python on the AnsiballZ file
  as its child, waits for it, and records ``getrusage(RUSAGE_CHILDREN).ru_maxrss``: the kernel's
  peak resident set size of that one process (the module starts no process of its own). The
  same wrapper counts the bytes the module wrote to stdout (its JSON result, as sent to Ansible).
- size of the task result: the registered result as the controller holds it, serialised to JSON
  (what ``-v`` output, the JSON callback and AWX store for the task).
- for context: the peak RSS of the whole ansible-playbook run (the largest single process of it:
  the controller, a fork worker or the module), from a second wrapper around ansible-playbook.

Targets (issue 8): module peak RSS under 300 MB, task result under 1 MB when under 1 % of the
users change.

    python benchmarks/scale.py [--users 100000] [--change-share 0.005] [--workers 8]

``make bench`` runs it as the part "scale" of benchmarks/run.py. Results: a table on stdout and
build/bench/scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# pylint: disable=wrong-import-position
from tests.support import seed  # noqa: E402
from tests.support.standin import FAKE_AWS_ENV, StandIn  # noqa: E402

OUT = ROOT / "build" / "bench" / "scale.json"
MEMORY_TARGET_MB = 300
RESULT_TARGET_BYTES = 1_000_000
MODULE = "AnsiballZ_cognito_user_mfa.py"

# Runs argv[1:] as a child of this process, passes its stdin, stdout and exit code through, and
# appends one JSON line to LOG: the child's peak RSS (KiB), CPU time, wall time, stdout bytes.
WRAPPER = """#!{python}
import json, resource, subprocess, sys, time
started = time.monotonic()
child = subprocess.run({command}, stdout=subprocess.PIPE, check=False)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open({log!r}, "a") as log:
    log.write(json.dumps({{"argv": sys.argv[1:], "rc": child.returncode, "maxrss_kib": usage.ru_maxrss,
                          "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
                          "seconds": round(time.monotonic() - started, 2), "stdout_bytes": len(child.stdout)}}) + "\\n")
sys.stdout.buffer.write(child.stdout)
sys.stdout.flush()
sys.exit(child.returncode)
"""

PLAYBOOK = """---
- name: Scale - every user of a mostly compliant pool in one task
  hosts: bench
  gather_facts: false
  tasks:
    - name: Enforce TOTP on every user in one task
      mfaops.cognito.cognito_user_mfa:
        endpoint_url: "{{ endpoint }}"
        region: us-east-1
        user_pool_id: "{{ pool_id }}"
        users: "{{ users }}"
        software_token_mfa:
          enabled: true
          preferred: true
        reads_per_second: "{{ rate }}"
        writes_per_second: "{{ rate }}"
        workers: "{{ workers }}"
      register: scale_result

    - name: Keep the registered result
      ansible.builtin.copy:
        dest: "{{ out }}"
        mode: "0600"
        content: "{{ scale_result | to_json }}"
"""


def write_wrapper(path: Path, log: Path, command: str) -> Path:
    path.write_text(WRAPPER.format(python=sys.executable, command=command, log=str(log)))
    path.chmod(0o700)
    return path


def ansible_env() -> dict[str, str]:
    """The environment ansible-playbook runs in: this collection from build/, fake keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BOTO_"))}
    env.update(FAKE_AWS_ENV)
    env.update(
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        ANSIBLE_COLLECTIONS_PATH=env.get("ANSIBLE_COLLECTIONS_PATH", str(ROOT / "build" / "collections")),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
    )
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    return env


def run_scale(standin: StandIn, users: int, change_share: float, workers: int, rate: float, workdir: Path) -> dict[str, Any]:
    """Seed the pool, run the task once, return the figures."""
    client = standin.client()
    changing = max(1, round(users * change_share))
    pool = seed.create_pool(client, "scale")
    started = time.monotonic()
    seed.seed_backdoor(standin, pool, {"totp_preferred": users - changing, "totp_verified": changing}, prefix="s-")
    seed_seconds = time.monotonic() - started
    names = pool.names()

    log = workdir / "processes.jsonl"
    log.unlink(missing_ok=True)
    interpreter = write_wrapper(workdir / "python-measured", log, f"[{sys.executable!r}, *sys.argv[1:]]")
    playbook_wrapper = write_wrapper(workdir / "ansible-playbook-measured", log, "sys.argv[1:]")
    (workdir / "inventory.yml").write_text(
        f"bench:\n  hosts:\n    standin:\n      ansible_connection: local\n      ansible_python_interpreter: {interpreter}\n"
    )
    (workdir / "scale.yml").write_text(PLAYBOOK)
    result_file = workdir / "result.json"
    extra = workdir / "vars.json"
    extra.write_text(
        json.dumps(
            {"endpoint": standin.endpoint, "pool_id": pool.id, "users": names, "rate": rate, "workers": workers, "out": str(result_file)}
        )
    )
    standin.reset_counts()
    started = time.monotonic()
    proc = subprocess.run(
        [str(playbook_wrapper), "ansible-playbook", "-i", str(workdir / "inventory.yml"), str(workdir / "scale.yml"), "-e", f"@{extra}"],
        env=ansible_env(),
        capture_output=True,
        text=True,
        check=False,
        cwd=workdir,
    )
    wall = time.monotonic() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-6000:] + proc.stderr[-3000:])
        raise SystemExit(f"scale: ansible-playbook failed (rc {proc.returncode})")

    records = [json.loads(line) for line in log.read_text().splitlines()]
    module = next(r for r in records if any(MODULE in arg for arg in r["argv"]))
    whole = next(r for r in records if r["argv"] and r["argv"][0] == "ansible-playbook")
    result = json.loads(result_file.read_text())
    counts = result["counts"]
    expected = {"total": users, "unchanged": users - changing, "changed": changing}
    if {key: counts[key] for key in expected} != expected:
        raise SystemExit(f"scale: expected {expected}, got {counts}")
    calls = standin.counts(pool.id)
    result_bytes = len(json.dumps(result).encode())
    return {
        "users": users,
        "changing": changing,
        "change_share": round(changing / users, 4),
        "workers": workers,
        "rates_told": rate,
        "seed_seconds": round(seed_seconds, 1),
        "module_seconds": module["seconds"],
        "module_cpu_seconds": module["cpu_seconds"],
        "playbook_seconds": round(wall, 1),
        "users_per_second": round(users / module["seconds"], 1),
        "module_peak_rss_mb": round(module["maxrss_kib"] / 1024, 1),
        "module_stdout_bytes": module["stdout_bytes"],
        "task_result_bytes": result_bytes,
        "task_result_rows": len(result["users"]),
        "playbook_peak_rss_mb": round(whole["maxrss_kib"] / 1024, 1),
        "counts": counts,
        "standin_calls": calls,
        "module_calls": result["calls"],
        "goals": {"module_peak_rss_mb": MEMORY_TARGET_MB, "task_result_bytes": RESULT_TARGET_BYTES},
        "ok": {
            "memory": module["maxrss_kib"] / 1024 < MEMORY_TARGET_MB,
            "result_size": result_bytes < RESULT_TARGET_BYTES and module["stdout_bytes"] < RESULT_TARGET_BYTES,
        },
    }


def print_scale(figures: dict[str, Any]) -> None:
    ok = figures["ok"]
    rows = [
        ("users in one task", f"{figures['users']:,} ({figures['changing']:,} = {100 * figures['change_share']:.2g} % change)"),
        (
            "module wall time",
            f"{figures['module_seconds']:.0f} s ({figures['users_per_second']:.0f} users/s; " f"{figures['module_cpu_seconds']:.0f} s CPU)",
        ),
        (
            "module peak RSS",
            f"{figures['module_peak_rss_mb']:.1f} MB  (goal < {MEMORY_TARGET_MB} MB)  " f"{'OK' if ok['memory'] else 'OVER'}",
        ),
        (
            "task result (registered, JSON)",
            f"{figures['task_result_bytes']:,} bytes, {figures['task_result_rows']} rows  "
            f"(goal < {RESULT_TARGET_BYTES:,})  {'OK' if ok['result_size'] else 'OVER'}",
        ),
        ("module output (stdout)", f"{figures['module_stdout_bytes']:,} bytes"),
        ("ansible-playbook run, largest process", f"{figures['playbook_peak_rss_mb']:.1f} MB peak RSS"),
        ("calls at the stand-in", ", ".join(f"{op} {n:,}" for op, n in sorted(figures["standin_calls"].items()))),
    ]
    width = max(len(label) for label, _value in rows)
    for label, value in rows:
        print(f"  {label.ljust(width)}  {value}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--change-share", type=float, default=0.005, help="share of users that need a write (default 0.005)")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--rate", type=float, default=5000.0, help="reads/writes_per_second told to the module")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    with StandIn() as standin, tempfile.TemporaryDirectory(prefix="mfaops-scale-") as tmp:
        print(f"stand-in {standin.endpoint}; {args.users:,} users, {args.change_share:.2%} to change", flush=True)
        figures = run_scale(standin, args.users, args.change_share, args.workers, args.rate, Path(tmp))
    print_scale(figures)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(figures, indent=2) + "\n")
    print(f"written to {args.out}")
    return 0 if all(figures["ok"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
