#!/usr/bin/env bash
# Install everything the test suite needs and run all of it: lint, types, unit and app tests, browser tests.
# Usage: bash scripts/test.sh        (from anywhere; needs python3 >= 3.11 and, for the browser tests,
#                                     Debian's chromium, which this script installs with apt-get when missing)
set -uo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Debian chromium for the browser tests"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null \
    || { echo "could not install chromium"; exit 1; }
fi

echo "== installing pinned packages into .venv"
python3 -m venv .venv || exit 1
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt || exit 1

status=0
echo "== ruff"
.venv/bin/ruff check . || status=1
echo "== mypy (calculator, pricing)"
.venv/bin/mypy || status=1

echo "== unit, catalog, calibration and AppTest tests"
.venv/bin/python -m pytest -q -p no:cacheprovider
rc=$?; [ $rc -ne 0 ] && status=1

echo "== real-browser tests (Playwright + /usr/bin/chromium)"
# CI=true makes a skipped browser test (e.g. no chromium) a failure: this script installed chromium above,
# so every browser test must run (tests/e2e/conftest.py).
CI=true .venv/bin/python -m pytest -q -p no:cacheprovider -rs -m e2e tests/e2e
rc=$?
if [ $rc -eq 5 ]; then echo "no browser tests were collected"; status=1; elif [ $rc -ne 0 ]; then status=1; fi

echo "== validation figure"
.venv/bin/python -m calculator validate | tail -3

exit $status
