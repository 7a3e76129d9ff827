#!/usr/bin/env bash
# Run pytest on one test directory with the venv's pytest (first on PATH).
#
#   tests/tools/pytest.sh DIR [pytest options...]
#
# A directory that holds no test files yet is reported and skipped (exit 0). Once it
# holds tests, pytest's exit status is passed on as it is, "no tests ran" (5) included.
set -euo pipefail

dir=${1:?usage: pytest.sh DIR [pytest options...]}
shift

if [ ! -d "$dir" ] || [ -z "$(find "$dir" \( -name 'test_*.py' -o -name '*_test.py' \) -print -quit)" ]; then
    echo "pytest: no tests in $dir yet: skipped"
    exit 0
fi
echo "pytest: $dir"
exec python -m pytest "$dir" "$@"
