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
run_tests() { # <concurrency> <file>...
  node --import tsx --test --test-concurrency="$1" \
    --test-reporter="$reporter" --test-reporter-destination=stdout \
    --test-reporter=./tools/testing/file-times.mjs --test-reporter-destination=stderr \
    "${@:2}"
}
# Files that mostly wait rather than compute: a banner watched for a minute, a browser polling while alerts wait
# out their `for:`, deadlines and retry backoffs (measured with /usr/bin/time: 6-42 s of CPU for 60-170 s of wall
# each). They run one at a time in a lane of their own beside the TEST_CONCURRENCY lanes, which keep the cores
# busy meanwhile; their results are printed after the others'. TEST_WAITING_LANE=0: every file in the same lanes.
WAITING_FILES=(test/stack/terminal.test.ts test/stack/console-browser.test.ts test/http/deadlines.test.ts test/refresher/resilience.test.ts)
waiting=()
rest=()
for f in "${files[@]}"; do
  if [ "${TEST_WAITING_LANE:-1}" != 0 ] && printf '%s\n' "${WAITING_FILES[@]}" | grep -qxF -- "${f#./}"; then waiting+=("$f"); else rest+=("$f"); fi
done
if [ "${#waiting[@]}" -eq 0 ] || [ "${#rest[@]}" -eq 0 ]; then
  rc=0
  run_tests "${TEST_CONCURRENCY:-2}" "${files[@]}" || rc=$?
  exit "$rc"
fi
lane_out="$(mktemp)"
lane_err="$(mktemp)"
run_tests 1 "${waiting[@]}" >"$lane_out" 2>"$lane_err" &
lane_pid=$!
trap 'kill "$lane_pid" 2>/dev/null || true; rm -f "$lane_out" "$lane_err"' EXIT
rc=0
run_tests "${TEST_CONCURRENCY:-2}" "${rest[@]}" || rc=$?
lane_rc=0
wait "$lane_pid" || lane_rc=$?
trap 'rm -f "$lane_out" "$lane_err"' EXIT
echo "== node --test, the waiting lane (run beside the above): ${waiting[*]}"
cat "$lane_out"
cat "$lane_err" >&2
if [ "$rc" -ne 0 ] || [ "$lane_rc" -ne 0 ]; then
  echo "tests failed (exit $rc; the waiting lane's exit $lane_rc)" >&2
  exit 1
fi
