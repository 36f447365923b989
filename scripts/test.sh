#!/usr/bin/env bash
# The test command (npm test): installs missing system test dependencies, compiles src/ into dist/ (what
# bin/obspath.js runs, so every CLI process a test starts runs the code under test, never a stale build),
# type-checks everything (tests, benchmarks, scripts), then runs the tests. Extra args select test files.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
# The two compilers are single-threaded and independent: side by side on CI's 2 cores.
echo "== tsc -p tsconfig.build.json (dist/) and tsc --noEmit, side by side"
noemit_log="$(mktemp)"
npx tsc --noEmit >"$noemit_log" 2>&1 &
noemit_pid=$!
build_rc=0
npx tsc -p tsconfig.build.json || build_rc=$?
noemit_rc=0
wait "$noemit_pid" || noemit_rc=$?
cat "$noemit_log"
rm -f "$noemit_log"
if [ "$build_rc" -ne 0 ] || [ "$noemit_rc" -ne 0 ]; then
  echo "type-check failed (tsc build exit $build_rc, tsc --noEmit exit $noemit_rc)" >&2
  exit 1
fi
echo "== node --test"
# node 20's --test does not expand globs: list the files ourselves.
if [ "$#" -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test -name '*.test.ts' | sort); fi
# Node's default reporter (spec on a terminal, tap otherwise) to stdout; per-file times at the end, to stderr.
if [ -t 1 ]; then reporter=spec; else reporter=tap; fi
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" \
  --test-reporter="$reporter" --test-reporter-destination=stdout \
  --test-reporter=./tools/testing/file-times.mjs --test-reporter-destination=stderr \
  "${files[@]}"
