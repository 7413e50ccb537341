#!/usr/bin/env bash
# Every benchmark, one after the other, each printing its figures and its anchor; the last line of each
# is its JSON. Needs PostgreSQL for the PostgreSQL rows (DATABASE_URL names the server; each benchmark
# works in its own throwaway database and never touches the one named). Quick mode: QUICK=1.
# Usage: bench/run_all.sh [> bench-$(date +%F).log]     (full run: about 20–40 min on 2 cores, see README)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
run() { echo; echo "== $*"; "$PY" "$@"; }

if [ "${QUICK:-0}" = 1 ]; then
  run bench/locate.py --polygons 5000
  run bench/index.py --scales 1
  run bench/intake.py --seconds 5
  run bench/mixed.py --scales 1 --volume 0.05 --seconds 15
else
  run bench/locate.py
  run bench/index.py
  run bench/import_members.py
  run bench/intake.py --workers 2 --seconds 10
  # 20 Xiaodian-sized districts at full volume (3 million cases) take long to build; see README "mixed.py".
  run bench/mixed.py --scales "${MIXED_SCALES:-1,20}" --volume "${MIXED_VOLUME:-1}" --seconds 60
fi
[ -f bench/pages.py ] && run bench/pages.py
echo; echo "== all benchmarks done"
