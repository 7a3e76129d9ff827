#!/usr/bin/env bash
# Copy the collection's source tree to DEST (fresh each time), for ansible-test and
# ansible-playbook, which need it at .../ansible_collections/mfaops/cognito/.
#
#   tests/tools/build_collection.sh DEST
#
# In a git work tree: tracked files plus untracked files that .gitignore does not
# exclude. Elsewhere (a tarball, a plain copy): everything except build and tool output.
set -euo pipefail

dest=${1:?usage: build_collection.sh DEST}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

case "$dest" in /*) ;; *) dest="$root/$dest" ;; esac
rm -rf "$dest"
mkdir -p "$dest"

if git rev-parse --is-inside-work-tree >/dev/null 2>&1 && [ "$(git rev-parse --show-toplevel)" = "$root" ]; then
    # Skip files deleted from the work tree but still in the index.
    git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do [ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"; done |
        tar --null --no-recursion --files-from=- -cf - | tar -xf - -C "$dest"
else
    tar -cf - \
        --exclude=./.git --exclude=./.venv --exclude='./.venv*' --exclude=./build \
        --exclude=./tests/output --exclude=./benchmarks/output --exclude=./.ansible \
        --exclude=__pycache__ --exclude=.pytest_cache --exclude=.hypothesis \
        --exclude='*.pyc' --exclude='*.tar.gz' . | tar -xf - -C "$dest"
fi
echo "collection: $(find "$dest" -type f | wc -l) files copied to $dest"
