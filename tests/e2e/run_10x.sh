#!/usr/bin/env bash
# Runs the real-browser suite (tests/e2e) N times in a row (default 10) and reports how many runs
# passed: the proof that the journeys do not flake. Each run starts its own Streamlit server on a
# fresh demo database. Usage: tests/e2e/run_10x.sh [N]   (logs in $E2E_LOG_DIR, default a tmp dir)
set -uo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-10}"
logs="${E2E_LOG_DIR:-$(mktemp -d)}"
mkdir -p "$logs"
passed=0
for i in $(seq 1 "$runs"); do
  started=$SECONDS
  if .venv/bin/pytest tests/e2e -m e2e -q -p no:cacheprovider >"$logs/run_$i.log" 2>&1; then
    passed=$((passed + 1))
    result="passed"
  else
    result="FAILED"
  fi
  echo "run $i/$runs: $result in $((SECONDS - started)) s — $(tail -n 1 "$logs/run_$i.log")"
done
echo "e2e: $passed of $runs runs passed (logs: $logs)"
[ "$passed" -eq "$runs" ]
