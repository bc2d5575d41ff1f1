#!/usr/bin/env bash
# Every test: static checks, unit and system tests (real peers), ansible-test sanity, ansible-lint.
# Prints each runner's summary; exits non-zero if any part failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
status=0
step() { echo; echo "=== $1"; shift; "$@" || { echo "*** FAILED: $*"; status=1; }; }

lintable=(); for d in plugins extensions tests benchmarks scripts; do [[ -d $d ]] && lintable+=("$d"); done
step "ruff" ruff check "${lintable[@]}"
step "mypy (plugins, extensions/eda event_source)" mypy
mkdir -p tests/output
step "pytest (unit + system)" python -m pytest -q -p no:cacheprovider --junitxml=tests/output/junit.xml
step "ansible-test sanity (staged build)" scripts/sanity.sh
step "ansible-lint" scripts/lint.sh
echo
if ((status)); then echo "make test: FAILED (see '*** FAILED' above)"; else echo "make test: all parts passed"; fi
# The closing line, for whoever reads the end of the log: the pytest counts.
python - <<'PY' || status=1
import xml.etree.ElementTree as ET
try:
    suite = ET.parse("tests/output/junit.xml").getroot()
except (OSError, ET.ParseError):
    raise SystemExit("pytest: no junit report")
suite = suite.find("testsuite") if suite.tag == "testsuites" else suite
tests, failures, errors, skipped = (int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
print("pytest: %d passed, %d failed, %d skipped" % (tests - failures - errors - skipped, failures + errors, skipped))
PY
exit $status
