#!/usr/bin/env bash
# The test command (npm test): installs missing system test dependencies, type-checks, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
echo "== tsc --noEmit"
npx tsc --noEmit
echo "== node --test"
# node 20's --test does not expand globs: list the files ourselves. Extra args select files.
if [ "$#" -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test -name '*.test.ts' | sort); fi
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" "${files[@]}"
