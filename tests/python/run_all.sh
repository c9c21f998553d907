#!/usr/bin/env bash
# The hook's suite on every CPython from 3.9 up that pyenv lists (python3 when there is no
# pyenv), plus CPython's own test_threading_local and test_queue (and test_threading on one
# version) bare and under the hook, whose pass/fail counts must match. One summary line per
# version; the exit status is non-zero on any failure.
set -u
export PYTHONDONTWRITEBYTECODE=1   # leave no __pycache__ beside the programs
cd "$(dirname "$0")"
export PYENV_ROOT="${PYENV_ROOT:-/root/.pyenv}"
pythons=()
versions=""
if command -v pyenv >/dev/null 2>&1; then
    versions=$(pyenv versions --bare 2>/dev/null)
elif [ -x "$PYENV_ROOT/bin/pyenv" ]; then
    versions=$("$PYENV_ROOT/bin/pyenv" versions --bare 2>/dev/null)
fi
for v in $versions; do
    py="$PYENV_ROOT/versions/$v/bin/python3"
    [ -x "$py" ] || continue
    if "$py" -c 'import sys; sys.exit(0 if sys.implementation.name == "cpython" and sys.version_info >= (3, 9) else 1)' 2>/dev/null; then
        pythons+=("$py")
    fi
done
if [ ${#pythons[@]} -eq 0 ] && command -v python3 >/dev/null 2>&1; then
    if python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)'; then
        pythons+=("$(command -v python3)")
    fi
fi
if [ ${#pythons[@]} -eq 0 ]; then
    echo "run_all.sh: no CPython 3.9 or later found" >&2
    exit 1
fi
# test_threading (about 20 s each way) on one version: the newest but one, or the only one.
heavy="${pythons[$(( ${#pythons[@]} > 1 ? ${#pythons[@]} - 2 : 0 ))]}"
logs=$(mktemp -d)
status=0
summary=()
for py in "${pythons[@]}"; do
    v=$("$py" -c 'import platform; print(platform.python_version())')
    start=$(date +%s)
    modules="test_threading_local test_queue"
    [ "$py" = "$heavy" ] && modules="$modules test_threading"
    # The suite and CPython's tests side by side: two cores.
    # The suite: test_hook.py (watched runs), then test_controlled.py (controlled runs), one
    # log; test_trace.py (shared variables, line and bytecode steps) after them, its own log.
    ( (THREADVIZ_TEST_PYTHON="$py" "$py" test_hook.py && THREADVIZ_TEST_PYTHON="$py" "$py" test_controlled.py) \
        >"$logs/$v.suite" 2>&1; hook=$?
      THREADVIZ_TEST_PYTHON="$py" "$py" test_trace.py >"$logs/$v.trace" 2>&1 || exit 1
      exit $hook ) &
    suite_pid=$!
    python3_for_driver="$py"
    "$python3_for_driver" cpython_tests.py "$py" $modules >"$logs/$v.cpython" 2>&1
    cpython=$?
    wait $suite_pid
    suite=$?
    ran=$(grep -E '^Ran [0-9]+ tests' "$logs/$v.suite" | awk '{n += $2} END {if (NR) print "Ran " n " tests"}')
    result=$(tail -1 "$logs/$v.suite")
    traced=$(grep -E '^Ran [0-9]+ tests' "$logs/$v.trace" | tail -1)
    traced_result=$(tail -1 "$logs/$v.trace")
    took=$(( $(date +%s) - start ))
    if [ $suite -ne 0 ] || [ $cpython -ne 0 ]; then
        status=1
        echo "---- $v: hook suite" ; grep -v ResourceWarning "$logs/$v.suite" | tail -60
        echo "---- $v: trace suite" ; grep -v ResourceWarning "$logs/$v.trace" | tail -60
        echo "---- $v: CPython tests"; cat "$logs/$v.cpython"
    fi
    line=$(printf "CPython %-8s suite: %s, %s; trace: %s, %s; CPython tests: %s (%d s)" "$v" "${ran:-no run}" "$result" \
        "${traced:-no run}" "$traced_result" \
        "$( [ $cpython -eq 0 ] && echo "same counts bare and hooked ($modules)" || echo "MISMATCH" )" "$took")
    echo "$line"
    summary+=("$line")
done
echo
echo "==== summary"
for line in "${summary[@]}"; do echo "$line"; done
rm -rf "$logs"
[ $status -eq 0 ] && echo "all passed" || echo "FAILURES"
exit $status
