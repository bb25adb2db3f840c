#!/usr/bin/env bash
# The reference deployment of issue 16 on one machine, without containers (docs/scale-out.md, "Reference deployment"):
# one PostgreSQL (initdb/pg_ctl in a temporary directory), one Redis, N Candor nodes (default 3) behind nginx, and the
# upstream emulator as the upstream. It sends traffic through nginx, shows that the receipts of every node are in the
# one transparency log (and that every node serves the same checkpoint), then stops everything.
#
#   deploy/reference-cluster.sh [N]
#
# Needs: the .NET SDK, PostgreSQL 15 binaries (apt-get install postgresql), redis-server, nginx, curl. Uses the built
# server and emulator (dotnet build Candor.slnx) when present, else builds them. The configuration it renders is
# deploy/reference/candor.yaml and deploy/reference/nginx.conf. Run as root or as a user that may run PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-3}
work=$(mktemp -d /tmp/candor-reference.XXXXXX)
pids=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pg_run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

stop_all() {
  set +e
  echo "== stopping"
  [ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  pg_run "$pg_bin/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null 2>&1
  rm -rf "$work"
  echo "stopped: nginx, $N nodes, emulator, Redis, PostgreSQL; $work removed"
}
trap stop_all EXIT

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

wait_http() { # url, seconds, extra curl arguments
  local url=$1 seconds=${2:-60}; shift 2 || shift $#
  for _ in $(seq 1 $((seconds * 10))); do curl -fsS -o /dev/null "$@" "$url" 2>/dev/null && return 0; sleep 0.1; done
  echo "no answer from $1" >&2; return 1
}

# The built server and emulator (Debug, as dotnet build Candor.slnx leaves them), else a build of the two.
candor=src/Candor.Server/bin/Debug/net10.0/candor.dll
emulator=src/Candor.Emulator/bin/Debug/net10.0/Candor.Emulator.dll
if [ ! -f "$candor" ] || [ ! -f "$emulator" ]; then
  echo "== building the server and the emulator"
  dotnet build src/Candor.Server -v q -nologo >/dev/null
  dotnet build src/Candor.Emulator -v q -nologo >/dev/null
fi

echo "== PostgreSQL, Redis, emulator (work directory $work)"
[ "$(id -u)" = 0 ] && chown postgres "$work"
pg_port=$(free_port)
pg_run "$pg_bin/initdb" -D "$work/pg" -A trust -U postgres --no-locale -E UTF8 >/dev/null
pg_run "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1" start >/dev/null
psql() { "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -X -q -A -t "$@"; }
psql -d postgres -c "CREATE DATABASE candor"
export CANDOR_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=candor"
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port"

redis_port=$(free_port)
mkdir -p "$work/redis"
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work/redis" --appendonly yes --save "" --daemonize no >"$work/redis.log" 2>&1 &
pids+=($!)
echo "Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$redis_port"

emu_port=$(free_port)
dotnet "$emulator" --urls "http://127.0.0.1:$emu_port" --api-key upstream-secret >"$work/emulator.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$emu_port/v1/models" 30 -H "authorization: Bearer upstream-secret"

export UPSTREAM_KEY=upstream-secret
export CLIENT_KEY="sk-reference-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
ports=()
start_node() { # index
  local i=$1 dir="$work/node$1"
  mkdir -p "$dir"
  sed -e "s|@EMULATOR@|http://127.0.0.1:$emu_port|" -e "s|@REDIS@|127.0.0.1:$redis_port|" -e "s|@NODES@|$N|" deploy/reference/candor.yaml >"$dir/candor.yaml"
  dotnet "$candor" serve --config "$dir/candor.yaml" --urls "http://127.0.0.1:${ports[$i]}" --no-watch >"$dir/out.log" 2>&1 &
  pids+=($!)
}
for i in $(seq 1 "$N"); do ports[$i]=$(free_port); done

echo "== $N Candor nodes"
# The first node alone creates the keys every node shares; they are copied to the others, as an operator would.
start_node 1
wait_http "http://127.0.0.1:${ports[1]}/readyz" 90
for i in $(seq 2 "$N"); do
  mkdir -p "$work/node$i/data/log"
  find "$work/node1/data" -maxdepth 1 -type f -exec cp -p {} "$work/node$i/data/" \;
  cp -p "$work/node1/data/log/signing.key" "$work/node$i/data/log/"
  start_node "$i"
done
for i in $(seq 1 "$N"); do
  wait_http "http://127.0.0.1:${ports[$i]}/readyz" 90
  echo "node $i on 127.0.0.1:${ports[$i]}: $(curl -fsS "http://127.0.0.1:${ports[$i]}/readyz" | head -c 120)"
done

echo "== nginx"
nginx_port=$(free_port)
mkdir -p "$work/nginx"
servers=$(for i in $(seq 1 "$N"); do echo "    server 127.0.0.1:${ports[$i]};"; done)
awk -v servers="$servers" '{ if ($0 == "@SERVERS@") print servers; else print }' deploy/reference/nginx.conf \
  | sed -e "s|@WORK@|$work|g" -e "s|@PORT@|$nginx_port|" >"$work/nginx.conf"
nginx -c "$work/nginx.conf" -p "$work/nginx" -g "daemon on;" 2>&1 | grep -v "could not open error log" || true
wait_http "http://127.0.0.1:$nginx_port/healthz" 30
echo "nginx $(nginx -v 2>&1 | cut -d/ -f2) on 127.0.0.1:$nginx_port → $N nodes"

echo "== traffic through nginx: 90 chat requests, 6 at a time (a third streamed)"
mkdir -p "$work/responses"
seq 1 90 | xargs -P 6 -I{} sh -c '
  if [ $(({} % 3)) -eq 0 ]; then body="{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hello {}\"}]}";
  else body="{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hello {}\"}]}"; fi
  curl -sS -o /dev/null -D "$0/{}.h" -H "authorization: Bearer $CLIENT_KEY" -H "content-type: application/json" -d "$body" "$1/v1/chat/completions"
' "$work/responses" "http://127.0.0.1:$nginx_port"
statuses=$(cat "$work/responses"/*.h | awk 'toupper($1) ~ /^HTTP\// {print $2}' | sort | uniq -c | tr -s ' ' | sed 's/^ //')
echo "statuses: $statuses"
: >"$work/served"
declare -A node_of
for i in $(seq 1 "$N"); do node_of["127.0.0.1:${ports[$i]}"]="node$i"; done
for f in "$work/responses"/*.h; do
  rid=$(awk 'tolower($1) == "x-candor-receipt:" {print $2}' "$f" | tr -d '\r')
  addr=$(awk 'tolower($1) == "x-served-by:" {print $2}' "$f" | tr -d '\r')
  [ -n "$rid" ] && echo "$rid ${node_of[$addr]:-$addr}" >>"$work/served"
done

echo "== one transparency log"
for _ in $(seq 1 100); do
  [ "$(psql -d candor -c "SELECT COUNT(*) FROM receipts WHERE leaf_index IS NULL")" = 0 ] && break
  sleep 0.1
done
head_size=$(psql -d candor -c "SELECT size FROM log_head")
for _ in $(seq 1 50); do
  same=1
  for i in $(seq 1 "$N"); do
    [ "$(curl -fsS "http://127.0.0.1:${ports[$i]}/log/checkpoint" | sed -n 2p)" = "$head_size" ] || same=0
  done
  [ "$same" = 1 ] && break
  sleep 0.1
done
psql -d candor -c "CREATE TEMP TABLE served (id TEXT, node TEXT)" -c "\\copy served FROM '$work/served' WITH (FORMAT text, DELIMITER ' ')" \
  -c "SELECT 'served by ' || s.node || ': ' || COUNT(*) || ' receipts, ' || COUNT(r.leaf_index) || ' in the log at indexes ' || MIN(r.leaf_index) || '..' || MAX(r.leaf_index)
      FROM served s LEFT JOIN receipts r ON r.id = s.id GROUP BY s.node ORDER BY s.node"
echo "sequencer: $(psql -d candor -c "SELECT leader || ', log size ' || size FROM log_head")"
for i in $(seq 1 "$N"); do
  echo "node $i serves checkpoint: $(curl -fsS "http://127.0.0.1:${ports[$i]}/log/checkpoint" | head -3 | tr '\n' ' ' | cut -c1-90)"
done
sample=$(head -1 "$work/served" | cut -d' ' -f1)
echo "receipt $sample: log index $(curl -fsS -D - -o /dev/null -H "authorization: Bearer $CLIENT_KEY" "http://127.0.0.1:$nginx_port/v1/receipts/$sample" | awk 'tolower($1) == "x-candor-log-index:" {print $2}' | tr -d '\r') (looked up through nginx)"
keys=$(for i in $(seq 1 "$N"); do curl -fsS "http://127.0.0.1:${ports[$i]}/.well-known/candor" | grep -o '"verifier_key":"[^"]*"' | sort | tr '\n' ' '; echo; done | sort -u | wc -l)
echo "/.well-known/candor: the same receipt and log keys on all $N nodes: $([ "$keys" = 1 ] && echo yes || echo NO)"
