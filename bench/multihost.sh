#!/usr/bin/env bash
# Multi-host rehearsal (`make bench S=multihost`, as root): PostgreSQL, Redis, the web tier
# and a Celery worker each get a network namespace and an address of their own on one
# bridge (veth pairs), as four machines on one network would. Then, over that network:
#   - the purchase race (bench scenario `oversell`) and the gate race (`double-admit`),
#     run from the web host against PostgreSQL on its host;
#   - paid purchases whose confirmations (PDF ticket e-mails) a worker on another host
#     renders and sends through Redis on a third (bench/multihost_paid.py), then each
#     ticket admitted at the gate twice.
# Every correctness counter must be 0; it exits 1 otherwise. Nothing may assume one host:
# the web host has no broker, database or files of its own (no filesystem broker, no
# loopback database, nothing shared on disk). Everything it made is removed on exit,
# however it ends. Needs: root, iproute2, PostgreSQL server binaries, redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
QUICK="--quick"
[ "${1:-}" = "--full" ] && QUICK=""
TICKETS=${MULTIHOST_TICKETS:-30}
NET=10.77.0
PREFIX=skp
BR=${PREFIX}br0
declare -A ADDR=([db]=$NET.2 [redis]=$NET.3 [web]=$NET.4 [worker]=$NET.5)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
WORK=$(mktemp -d /tmp/skypark-multihost.XXXXXX)
chmod 755 "$WORK"
PIDS=()
RESULTS="$ROOT/bench/results"
mkdir -p "$RESULTS"

[ "$(id -u)" = 0 ] || { echo "multihost: run as root (network namespaces)" >&2; exit 2; }

cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null; done
  sleep 2
  for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null; done
  for role in "${!ADDR[@]}"; do
    ip netns pids "$PREFIX-$role" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
    ip netns del "$PREFIX-$role" 2>/dev/null
    ip link del "$PREFIX-$role-h" 2>/dev/null
  done
  ip link del "$BR" 2>/dev/null
  rm -rf "$WORK"
  echo "multihost: cleaned up (namespaces, links, processes, $WORK)"
}
trap cleanup EXIT INT TERM

in_ns() { local role=$1; shift; ip netns exec "$PREFIX-$role" "$@"; }
start() {  # start <role> <log> <command...>: a process in its own session, remembered
  local role=$1 log=$2; shift 2
  setsid ip netns exec "$PREFIX-$role" "$@" >"$log" 2>&1 &
  PIDS+=($!)
  disown $!
}

echo "multihost: network $NET.0/24 on bridge $BR"
ip link add "$BR" type bridge
ip addr add "$NET.1/24" dev "$BR"
ip link set "$BR" up
for role in db redis web worker; do
  ns="$PREFIX-$role"
  ip netns add "$ns"
  ip link add "$PREFIX-$role-h" type veth peer name eth0 netns "$ns"
  ip link set "$PREFIX-$role-h" master "$BR" up
  in_ns "$role" ip addr add "${ADDR[$role]}/24" dev eth0
  in_ns "$role" ip link set eth0 up
  in_ns "$role" ip link set lo up
  echo "  $role: ${ADDR[$role]} (namespace $ns)"
done

# PostgreSQL: a cluster of its own, listening only on its host's address.
mkdir -p "$WORK/pg" && chown postgres: "$WORK/pg" && chmod 700 "$WORK/pg"
runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg" -A trust -U postgres >/dev/null
echo "host all all $NET.0/24 trust" >>"$WORK/pg/pg_hba.conf"
start db "$WORK/postgres.log" runuser -u postgres -- "$PGBIN/postgres" -D "$WORK/pg" \
  -c listen_addresses="${ADDR[db]}" -c port=5432 -c unix_socket_directories="$WORK/pg" \
  -c max_connections=300 -c shared_buffers=128MB -c fsync=off -c synchronous_commit=off
# Redis on its own host.
start redis "$WORK/redis.log" redis-server --bind "${ADDR[redis]}" --port 6379 --save "" --appendonly no --protected-mode no
for _ in $(seq 1 60); do
  in_ns web "$PGBIN/pg_isready" -q -h "${ADDR[db]}" -p 5432 && break
  sleep 0.5
done
in_ns web "$PGBIN/pg_isready" -h "${ADDR[db]}" -p 5432
in_ns web "$PY" -c "import redis; redis.Redis(host='${ADDR[redis]}', socket_connect_timeout=2).ping()"

DB_BASE="postgres://postgres@${ADDR[db]}:5432"
BROKER="redis://${ADDR[redis]}:6379/0"
COMMON=(env -u CACHE_URL DJANGO_SETTINGS_MODULE=skypark.settings.bench CELERY_BROKER_URL="$BROKER"
  BENCH_REMOTE_DATABASE=1 PYTHONUNBUFFERED=1 EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend)
STATUS=0

echo "multihost: purchase and gate races from the web host ($QUICK)"
if ! in_ns web "${COMMON[@]}" DATABASE_URL="$DB_BASE/skypark_bench" "$PY" -m bench $QUICK -s oversell -s double-admit \
  | tee "$RESULTS/multihost-races.jsonl"; then
  STATUS=1
fi

echo "multihost: paid purchases, confirmations sent by the worker host, gate admissions"
PAID_DB="$DB_BASE/skypark_multihost"
in_ns web "$PGBIN/psql" -qh "${ADDR[db]}" -U postgres -c "CREATE DATABASE skypark_multihost" postgres
in_ns web "${COMMON[@]}" DATABASE_URL="$PAID_DB" "$PY" manage.py migrate --noinput -v 0
start worker "$RESULTS/multihost.worker.log" "${COMMON[@]}" DATABASE_URL="$PAID_DB" \
  "$ROOT/.venv/bin/celery" -A skypark worker --concurrency=2 --loglevel=WARNING --without-gossip --without-mingle
if ! in_ns web "${COMMON[@]}" DATABASE_URL="$PAID_DB" "$PY" -m bench.multihost_paid "$TICKETS" \
  | tee "$RESULTS/multihost-paid.jsonl"; then
  STATUS=1
fi
echo "multihost: the worker host's log is bench/results/multihost.worker.log"
[ "$STATUS" = 0 ] && echo "multihost: every counter 0" || echo "multihost: a counter is not 0" >&2
exit "$STATUS"
