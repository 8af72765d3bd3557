#!/usr/bin/env bash
# npm test: the type-check (tsc --noEmit), the linter (ESLint, type-aware, zero warnings) and jest
# run side by side; fails if any of them fails. Extra arguments go to jest (npm test -- __tests__/asl).
set -uo pipefail
cd "$(dirname "$0")/.."
npx tsc --noEmit -p . &
tsc_pid=$!
npm run --silent lint &
lint_pid=$!
npx jest "$@"
jest_rc=$?
wait "$tsc_pid"
tsc_rc=$?
wait "$lint_pid"
lint_rc=$?
if [[ $tsc_rc -ne 0 ]]; then echo "npm test: tsc --noEmit failed" >&2; fi
if [[ $lint_rc -ne 0 ]]; then echo "npm test: eslint failed (npm run lint -- --fix fixes some)" >&2; fi
if [[ $jest_rc -ne 0 || $tsc_rc -ne 0 || $lint_rc -ne 0 ]]; then exit 1; fi
