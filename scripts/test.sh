#!/usr/bin/env bash
# Every test: static checks, unit and system tests (real peers), ansible-test sanity, ansible-lint.
# Prints each runner's summary; exits non-zero if any part failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
status=0
step() { echo; echo "=== $1"; shift; "$@" || { echo "*** FAILED: $*"; status=1; }; }

step "ruff" ruff check plugins extensions tests benchmarks scripts
step "mypy (module_utils, plugin_utils)" mypy
step "pytest (unit + system)" python -m pytest -q -p no:cacheprovider
step "ansible-test sanity (staged build)" scripts/sanity.sh
step "ansible-lint" scripts/lint.sh
echo
if ((status)); then echo "make test: FAILED"; else echo "make test: all parts passed"; fi
exit $status
