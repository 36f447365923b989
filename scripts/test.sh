#!/usr/bin/env bash
# The test command (npm test): installs missing system test dependencies, compiles src/ into dist/ (what
# bin/obspath.js runs, so every CLI process a test starts runs the code under test, never a stale build),
# type-checks everything (tests, benchmarks, scripts), then runs the tests. Extra args select test files.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
echo "== tsc -p tsconfig.build.json (dist/)"
npx tsc -p tsconfig.build.json
echo "== tsc --noEmit"
npx tsc --noEmit
echo "== node --test"
# node 20's --test does not expand globs: list the files ourselves.
if [ "$#" -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test -name '*.test.ts' | sort); fi
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" "${files[@]}"
