#!/usr/bin/env bash
# THE test command: installs what is missing, builds, and runs every test suite.
#   bash scripts/test.sh
# Runs all steps even after a failure (so one run shows every problem), prints a summary,
# and exits non-zero if any step failed. Tests over ../shared are skipped, saying so,
# when the shared data is not next to the checkout.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib.sh

names=()
results=()
times=()
failed=0

step() {
  local name=$1
  shift
  echo
  echo "==> $name"
  local t0=$SECONDS
  if "$@"; then
    results+=("ok")
  else
    results+=("FAILED")
    failed=1
  fi
  names+=("$name")
  times+=($((SECONDS - t0)))
}

skip() {
  names+=("$1")
  results+=("not run ($2)")
  times+=(0)
  failed=1
}

summary() {
  echo
  echo "==> summary"
  local i
  for i in "${!names[@]}"; do
    printf '  %-28s %-32s %4ss\n' "${names[$i]}" "${results[$i]}" "${times[$i]}"
  done
  if [ "$failed" -eq 0 ]; then
    echo "ALL TESTS PASSED"
  else
    echo "SOME STEPS FAILED (see above)"
  fi
}

python_tests() {
  local py
  py=$(bash scripts/find-python.sh) || return 1
  echo "python: $py"
  "$py" -m pytest -q -rs tests/training
}

step "system packages" bash scripts/install-system.sh --test
npm_ok=0
if step "node version" check_node && step "npm ci" npm_install; then
  npm_ok=1
  step "viewer (OHIF)" bash scripts/setup-viewer.sh
  step "npm run build" npm run build
else
  skip "npm run build" "no node or npm install failed"
fi
step "python tests (pytest)" python_tests
if [ "$npm_ok" -eq 1 ]; then
  step "npm test" npm test
else
  skip "npm test" "no node or npm install failed"
fi
summary
exit "$failed"
