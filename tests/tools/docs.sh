#!/usr/bin/env bash
# The documentation site, offline: antsibull-docs writes the plugin and role reference from
# the docs in the code (DOCUMENTATION, argument_specs), Sphinx builds it with the guides
# (docs/*.md) and the changelog into HTML, with every warning an error.
#
#   tests/tools/docs.sh build COLLECTIONS DEST   (HTML in DEST/html; DEST/rst is the source)
#   tests/tools/docs.sh lint  COLLECTIONS        (antsibull-docs lint-collection-docs)
#
# COLLECTIONS holds ansible_collections/mfaops/cognito (`make collection`); amazon.aws
# comes from the venv's site-packages. Needs the venv's tools first on PATH.
set -euo pipefail

action=${1:?usage: docs.sh build|lint COLLECTIONS [DEST]}
collections=$(cd "${2:?usage: docs.sh build|lint COLLECTIONS [DEST]}" && pwd)
collection="$collections/ansible_collections/mfaops/cognito"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export ANSIBLE_COLLECTIONS_PATH="$collections"

if [ "$action" = lint ]; then
    echo "docs-lint: antsibull-docs lint-collection-docs --plugin-docs $collection"
    exec antsibull-docs lint-collection-docs --plugin-docs "$collection"
fi

dest=${3:?usage: docs.sh build COLLECTIONS DEST}
rst="$dest/rst"
rm -rf "$rst" "$dest/html"
mkdir -p "$rst/collection" "$rst/guides"
chmod go-w "$dest" "$rst" "$rst/collection"  # antsibull-docs wants them writable by their owner only

echo "docs: antsibull-docs collection (reference from the docs in the code)"
antsibull-docs --config-file "$root/docs/sphinx/antsibull-docs.cfg" collection \
    --use-current --squash-hierarchy --fail-on-error --dest-dir "$rst/collection" mfaops.cognito

cp "$root/docs/sphinx/index.rst" "$root/docs/sphinx/ansible-docs.rst" "$rst/"
# The guides: every docs/*.md, in the order of their names; the changelog as generated.
shopt -s nullglob
for guide in "$root"/docs/*.md; do cp "$guide" "$rst/guides/"; done
# Their pictures (docs/images/, e.g. the benchmark chart), where the guides' relative links find them.
if [ -d "$root/docs/images" ]; then cp -R "$root/docs/images" "$rst/guides/"; fi
cp "$root/CHANGELOG.md" "$rst/changelog.md"

echo "docs: sphinx-build (warnings are errors) into $dest/html"
sphinx-build -b html -c "$root/docs/sphinx" -W --keep-going -q "$rst" "$dest/html"
echo "docs: open $dest/html/index.html"
