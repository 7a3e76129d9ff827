"""`make standin` / `make standin-stop`: the local Cognito stand-in, in the background,
with the pools of examples/inventory.yml, for trying an inventory of your own.

    python tests/tools/standin.py start [--state-file build/standin/standin.json] [--port 0]
    python tests/tools/standin.py stop  [--state-file ...]

`start` starts the stand-in (moto on 127.0.0.1, fake keys; nothing reaches AWS), creates the
example pools with their users and groups (tests/support/demo_pools.py) and prints the
endpoint and how to point an inventory at it. A second `start` while it runs only prints
that again. `stop` ends it. The pools live in the stand-in's memory: a restart starts over.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# pylint: disable=wrong-import-position
from tests.support import demo_pools, standin  # noqa: E402

STATE_FILE = ROOT / "build" / "standin" / "standin.json"


def endpoint_of(state_file: Path) -> str | None:
    try:
        state = json.loads(state_file.read_text())
    except (OSError, ValueError):
        return None
    return state.get("endpoint") if standin._answers(state.get("endpoint", "")) else None  # pylint: disable=protected-access


def explain(endpoint: str, pools: dict[str, str]) -> None:
    print(f"""
Local Cognito stand-in: {endpoint}
  (moto on this machine; any fake keys work, nothing reaches AWS)
Example pools (examples/inventory.yml):""")
    for host, line in pools.items():
        print(f"  {host:<14} {line}")
    print(f"""
Point an inventory at it with cognito_endpoint_url, on the command line:
  export PATH="$PWD/.venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$PWD/build/collections"
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
  ansible-playbook -i examples/inventory.yml playbooks/enforce_mfa.yml --check --diff \\
      -e cognito_endpoint_url={endpoint}
or in the inventory, for every pool of the group:
  cognito_pools:
    vars:
      cognito_endpoint_url: {endpoint}
Your own pools: create them with boto3 (endpoint_url={endpoint}) or point the pool ids of
your inventory at the example pools above.
Stop it: make standin-stop""")


def start(state_file: Path, port: int) -> int:
    running = endpoint_of(state_file)
    if running is None:
        if standin.cli_start(str(state_file), "127.0.0.1", port) != 0:
            return 1
        running = endpoint_of(state_file)
        assert running is not None
        try:
            created = demo_pools.create(standin.StandInClient(running))
        except Exception:
            standin.cli_stop(str(state_file))
            raise
        pools = {host: f"{pool.id}  ({pool.id.split('_')[0]}, {len(demo_pools.listed_users(demo_pools.INVENTORY, host))} users listed)"
                 for host, pool in created.items()}
    else:
        print(f"stand-in already running: {running}")
        pools = {host: hostvars["cognito_user_pool_id"] for host, hostvars in demo_pools.inventory_hosts().items()}
    explain(running, pools)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="standin", description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("command", choices=("start", "stop"))
    parser.add_argument("--state-file", type=Path, default=STATE_FILE)
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    args = parser.parse_args(argv)
    if args.command == "start":
        return start(args.state_file, args.port)
    return standin.cli_stop(str(args.state_file))


if __name__ == "__main__":
    sys.exit(main())
