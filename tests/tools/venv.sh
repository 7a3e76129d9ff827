#!/usr/bin/env bash
# Create or update the project's virtual environment, idempotently.
#
#   tests/tools/venv.sh [VENV_DIR]        (default: .venv)
#   tests/tools/venv.sh --find-python     print the interpreter that would be used
#   ANSIBLE_CORE=2.17 tests/tools/venv.sh .venv-2.17     one entry of the version matrix
#
# The pinned tools: tests/requirements/ansible-$ANSIBLE_CORE.txt when ANSIBLE_CORE is set
# (a line '# python: 3.12 3.13' in it names the Python minors it may use, preferred first;
# a line '# no-deps: PKG==V' is installed afterwards with --no-deps). Otherwise the newest
# entry, ansible-2.21.txt, on Python >= 3.12, or ansible-2.19.txt on 3.11.
# The interpreter: $PYTHON if set, else the first usable of python3.X on PATH, pyenv's
# 3.X.y under $(pyenv root)/versions (newest patch first), then python3, for each wanted
# minor X (without ANSIBLE_CORE: 3.13, 3.12, then any python3 >= 3.11). A pyenv shim that
# exists but fails is skipped.
# A re-run installs nothing unless the requirements file changed (stamp file in the venv).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Print "X.Y<TAB>sys.executable" if $1 runs, is >= 3.11 and can make a venv.
probe() {
    "$1" -c 'import sys, venv, ensurepip
assert sys.version_info >= (3, 11)
print("%d.%d\t%s" % (sys.version_info[0], sys.version_info[1], sys.executable))' 2>/dev/null
}

pyenv_pythons() {  # MINOR...
    local proot=""
    if command -v pyenv >/dev/null 2>&1; then
        proot=$(pyenv root 2>/dev/null || true)
    fi
    [ -n "$proot" ] || proot=${PYENV_ROOT:-$HOME/.pyenv}
    [ -d "$proot/versions" ] || return 0
    local minor
    for minor in "$@"; do
        # Newest patch release first; skip names such as 3.13.0t (free-threaded) or envs.
        find "$proot/versions" -mindepth 1 -maxdepth 1 -name "$minor.*" -printf '%f\n' 2>/dev/null |
            grep -E "^$minor\.[0-9]+$" | sort -t. -k3,3nr |
            while read -r v; do echo "$proot/versions/$v/bin/python3"; done
    done
}

# The Python minors the requirements file allows (empty: any >= 3.11).
wanted_minors() {
    [ -n "${ANSIBLE_CORE:-}" ] || return 0
    sed -n 's/^# python: *//p' "$requirements" | head -n1
}

find_python() {
    local candidates=() c out minors
    read -r -a minors <<< "$(wanted_minors)"
    if [ -n "${PYTHON:-}" ]; then
        candidates=("$PYTHON")
    elif [ "${#minors[@]}" -gt 0 ]; then
        for c in "${minors[@]}"; do candidates+=("python$c"); done
        while read -r c; do candidates+=("$c"); done < <(pyenv_pythons "${minors[@]}")
        candidates+=(python3)
    else
        candidates=(python3.13 python3.12)
        while read -r c; do candidates+=("$c"); done < <(pyenv_pythons 3.13 3.12)
        candidates+=(python3)
    fi
    for c in "${candidates[@]}"; do
        if out=$(probe "$c") && { [ "${#minors[@]}" -eq 0 ] || [[ " ${minors[*]} " == *" ${out%%$'\t'*} "* ]]; }; then
            printf '%s\n' "$out"
            return 0
        fi
    done
    echo "No usable Python ${minors[*]:->= 3.11} found${ANSIBLE_CORE:+ for ansible-core $ANSIBLE_CORE} (tried: ${candidates[*]}). Set PYTHON=/path/to/python3.X." >&2
    return 1
}

if [ -n "${ANSIBLE_CORE:-}" ]; then
    requirements="$root/tests/requirements/ansible-$ANSIBLE_CORE.txt"
    if [ ! -f "$requirements" ]; then
        echo "venv: no matrix entry for ansible-core $ANSIBLE_CORE ($requirements)" >&2
        exit 1
    fi
fi

if [ "${1:-}" = "--find-python" ]; then
    find_python
    exit
fi

venv=${1:-.venv}
case "$venv" in /*) ;; *) venv="$root/$venv" ;; esac

# Reuse a working venv; rebuild it if it is broken, if $PYTHON asks for another version,
# or if the matrix entry does not allow its Python.
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
elif [ -n "$current" ] && [ -n "$(wanted_minors)" ] && [[ " $(wanted_minors) " != *" $current "* ]]; then
    echo "venv: $venv is Python $current, ansible-core $ANSIBLE_CORE wants Python $(wanted_minors): rebuilding"
    current=""
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

if [ -z "${ANSIBLE_CORE:-}" ]; then
    case "$current" in
        3.11) requirements="$root/tests/requirements/ansible-2.19.txt" ;;
        *) requirements="$root/tests/requirements/ansible-2.21.txt" ;;
    esac
fi

stamp="$venv/.requirements.stamp"
want_stamp="$current $(sha256sum "$requirements" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ]; then
    exit 0
fi

echo "venv: installing $(basename "$requirements") into $venv (a few minutes the first time)"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
no_deps=$(sed -n 's/^# no-deps: *//p' "$requirements")
if [ -n "$no_deps" ]; then
    # shellcheck disable=SC2086  # one or more requirement specifiers
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps $no_deps
fi
printf '%s\n' "$want_stamp" > "$stamp"
echo "venv: ready ($("$venv/bin/ansible" --version | head -n1))"
