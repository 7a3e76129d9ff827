#!/usr/bin/env bash
# Create or update the project's virtual environment, idempotently.
#
#   tests/tools/venv.sh [VENV_DIR]        (default: .venv)
#   tests/tools/venv.sh --find-python     print the interpreter that would be used
#
# The interpreter: $PYTHON if set, else the newest usable of python3.13 / python3.12 on
# PATH, then pyenv's 3.13.x / 3.12.x under $(pyenv root)/versions, then python3 (3.11).
# A pyenv shim that exists but fails is skipped.
# The pinned tools: tests/requirements-py312.txt on Python >= 3.12 (ansible 14),
# tests/requirements-py311.txt on 3.11 (ansible 12, the newest for 3.11).
# A re-run installs nothing unless the requirements file changed (stamp file in the venv).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Print "X.Y<TAB>sys.executable" if $1 runs, is >= 3.11 and can make a venv.
probe() {
    "$1" -c 'import sys, venv, ensurepip
assert sys.version_info >= (3, 11)
print("%d.%d\t%s" % (sys.version_info[0], sys.version_info[1], sys.executable))' 2>/dev/null
}

pyenv_pythons() {
    local proot=""
    if command -v pyenv >/dev/null 2>&1; then
        proot=$(pyenv root 2>/dev/null || true)
    fi
    [ -n "$proot" ] || proot=${PYENV_ROOT:-$HOME/.pyenv}
    [ -d "$proot/versions" ] || return 0
    local minor
    for minor in 3.13 3.12; do
        # Newest patch release first; skip names such as 3.13.0t (free-threaded) or envs.
        find "$proot/versions" -mindepth 1 -maxdepth 1 -name "$minor.*" -printf '%f\n' 2>/dev/null |
            grep -E "^$minor\.[0-9]+$" | sort -t. -k3,3nr |
            while read -r v; do echo "$proot/versions/$v/bin/python3"; done
    done
}

find_python() {
    local candidates=() c out
    if [ -n "${PYTHON:-}" ]; then
        candidates=("$PYTHON")
    else
        candidates=(python3.13 python3.12)
        while read -r c; do candidates+=("$c"); done < <(pyenv_pythons)
        candidates+=(python3)
    fi
    for c in "${candidates[@]}"; do
        if out=$(probe "$c"); then
            printf '%s\n' "$out"
            return 0
        fi
    done
    echo "No usable Python >= 3.11 found (tried: ${candidates[*]}). Set PYTHON=/path/to/python3.12." >&2
    return 1
}

if [ "${1:-}" = "--find-python" ]; then
    find_python
    exit
fi

venv=${1:-.venv}
case "$venv" in /*) ;; *) venv="$root/$venv" ;; esac

# Reuse a working venv; rebuild it if it is broken or if $PYTHON asks for another version.
current=""
if [ -x "$venv/bin/python" ]; then
    current=$(probe "$venv/bin/python" | cut -f1 || true)
fi
if [ -n "$current" ] && [ -n "${PYTHON:-}" ]; then
    wanted=$(find_python | cut -f1)
    if [ "$wanted" != "$current" ]; then
        echo "venv: $venv is Python $current, PYTHON asks for $wanted: rebuilding"
        current=""
    fi
fi
if [ -z "$current" ]; then
    found=$(find_python)
    version=${found%%$'\t'*}
    interpreter=${found#*$'\t'}
    echo "venv: creating $venv with Python $version ($interpreter)"
    rm -rf "$venv"
    "$interpreter" -m venv "$venv"
    current=$version
fi

case "$current" in
    3.11) requirements="$root/tests/requirements-py311.txt" ;;
    *) requirements="$root/tests/requirements-py312.txt" ;;
esac

stamp="$venv/.requirements.stamp"
want_stamp="$current $(sha256sum "$requirements" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ]; then
    exit 0
fi

echo "venv: installing $(basename "$requirements") into $venv (a few minutes the first time)"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
printf '%s\n' "$want_stamp" > "$stamp"
echo "venv: ready ($("$venv/bin/ansible" --version | head -n1))"
