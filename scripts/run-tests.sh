#!/usr/bin/env bash
# The whole test suite as two pytest processes side by side, so both cores work: the tests of
# the one Neo4j server (marked `neo4j`) run one after another, since they share its database
# and some restart it; the tests that need no server run beside them and print when done.
# Arguments go to both (e.g. --durations=20, a test file, -k). Exits non-zero if either
# process failed.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTEST=.venv/bin/pytest
beside=$(mktemp)
trap 'rm -f "$beside"' EXIT

# No cache from this one: both processes would write .pytest_cache at once.
"$PYTEST" -q -m "not neo4j" -p no:cacheprovider "$@" >"$beside" 2>&1 &
pid=$!
"$PYTEST" -q -m neo4j "$@"
server=$?
wait "$pid"
rest=$?
# Exit 5 is "no test selected": a path or -k given to both may select tests of one side only,
# but not of neither.
if [ "$server" -eq 5 ] && [ "$rest" -eq 5 ]; then
  echo "no test selected" >&2
  exit 5
fi
[ "$server" -eq 5 ] && server=0
[ "$rest" -eq 5 ] && rest=0
echo
echo "==== tests that need no server (run beside the ones above) ===="
cat "$beside"
if [ "$server" -ne 0 ] || [ "$rest" -ne 0 ]; then
  echo "tests failed: server tests exit $server, other tests exit $rest" >&2
  exit 1
fi
