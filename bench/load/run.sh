#!/usr/bin/env bash
# HTTP load run of 匠桥 on loopback (issue 17, point 10; figures in docs/performance.md):
# gunicorn (production settings, $WEB_WORKERS workers) + PostgreSQL + Redis/RQ ($RQ_WORKERS
# workers) + the periodic ticks, then locust headless with $USERS users for $DURATION, CSV out.
#
#   bench/load/run.sh                 # 200 users, 10 minutes, database p6load (built if empty)
#   USERS=50 DURATION=2m bench/load/run.sh
#
# Everything it starts is stopped at the end (by process id). Output in $OUT (var/load/<time>/):
# locust_stats.csv (p50/p95 per page), locust_failures.csv, loadavg.txt, gunicorn and worker logs.
set -euo pipefail
cd "$(dirname "$0")/../.."

USERS="${USERS:-200}"
SPAWN_RATE="${SPAWN_RATE:-2}"
DURATION="${DURATION:-10m}"
WEB_WORKERS="${WEB_WORKERS:-5}"
RQ_WORKERS="${RQ_WORKERS:-2}"
PORT="${PORT:-8061}"
DB="${LOAD_DB:-p6load}"
REDIS_DB="${LOAD_REDIS_DB:-6}"
OUT="${OUT:-var/load/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"

export DJANGO_SETTINGS_MODULE=config.settings.bench
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
export JIANGQIAO_TASK_BACKEND=rq
export JIANGQIAO_REDIS_URL="redis://127.0.0.1:6379/$REDIS_DB"
export JIANGQIAO_CACHE_URL="rediscache://127.0.0.1:6379/$((REDIS_DB + 1))"
export JIANGQIAO_DB_CONN_MAX_AGE=60
export JIANGQIAO_LOG_JSON=1
export JIANGQIAO_STATICFILES_STORAGE=jiangqiao.core.staticfiles.HashedStaticFilesStorage
export JIANGQIAO_WEB_BIND="127.0.0.1:$PORT"
export JIANGQIAO_WEB_WORKERS="$WEB_WORKERS"
PY=.venv/bin/python

PIDS=()
stop_all() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

if ! psql -h 127.0.0.1 -U postgres -Atc "select 1 from pg_database where datname='$DB'" | grep -q 1; then
  psql -h 127.0.0.1 -U postgres -c "create database $DB"
fi
if ! psql -h 127.0.0.1 -U postgres -d "$DB" -Atc "select count(*) from demands_demand" 2>/dev/null | grep -qv '^0$'; then
  JIANGQIAO_TASK_BACKEND=immediate $PY manage.py run_platform --no-serve
fi
$PY manage.py migrate --noinput -v 0
$PY bench/load/prepare.py --out var/load
[ -f var/static/staticfiles.json ] || $PY manage.py collectstatic --noinput -v 0

PROMETHEUS_MULTIPROC_DIR="$PWD/$OUT/metrics" $PY -m gunicorn --config python:config.gunicorn config.wsgi >"$OUT/gunicorn.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 "$RQ_WORKERS"); do
  $PY manage.py rqworker --job-class django_tasks_rq.backend.Job --name "load-$$-$i" default matching \
    >"$OUT/rqworker-$i.log" 2>&1 &
  PIDS+=($!)
done
$PY manage.py run_periodic --loop >"$OUT/ticks.log" 2>&1 &
PIDS+=($!)

for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 1
done
curl -sS "http://127.0.0.1:$PORT/healthz" >"$OUT/healthz-before.json" || true

( while true; do echo "$(date -u +%T) $(cat /proc/loadavg)"; sleep 10; done ) >"$OUT/loadavg.txt" &
PIDS+=($!)

echo "load: $USERS users, spawn $SPAWN_RATE/s, $DURATION, gunicorn $WEB_WORKERS workers, RQ $RQ_WORKERS; out $OUT"
LOAD_DATA=var/load .venv/bin/locust -f bench/load/locustfile.py --headless \
  --host "http://127.0.0.1:$PORT" -u "$USERS" -r "$SPAWN_RATE" -t "$DURATION" \
  --csv "$OUT/locust" --only-summary --stop-timeout 30 >"$OUT/locust.log" 2>&1 || true

curl -sS "http://127.0.0.1:$PORT/healthz" >"$OUT/healthz-after.json" || true
curl -sS "http://127.0.0.1:$PORT/metrics" >"$OUT/metrics.txt" || true
$PY bench/load/report.py "$OUT"
