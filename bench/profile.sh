#!/usr/bin/env bash
# CPU profile of Candor with every feature on (issue 18): the emulator, Candor with a stored key, redaction, metering with
# durable settlement, a signed receipt stored and appended to the transparency log (the "full" scenario of
# bench/run.sh), a bounded wrk load, and an EventPipe sampled-thread-time trace (dotnet-trace) of the Candor process
# while the load runs. Loopback only; every process started here is stopped on exit. Not part of CI.
#
#   bench/profile.sh                        # 64 connections, 15 s trace after 10 s warm-up
#   CONNS=16 SECS=20 bench/profile.sh
#   OUT=/tmp/prof bench/profile.sh          # where the .nettrace, .speedscope.json and summary go
#   CANDOR_DLL=/tmp/old/candor.dll bench/profile.sh   # another build (Release by default, built first if missing)
#   PG=1 bench/profile.sh                   # on PostgreSQL + Redis (a one-node cluster, as run.sh's full-pg), both started here
#   BARE=1 bench/profile.sh                 # the bare fast path instead: bench/candor-bench.yaml as it is, its configuration
#                                           # key, no data directory (run.sh's chat scenario, candor-fast)
#   BARE=1 MODEL=bench-translated bench/profile.sh   # the bare translated path
#   YARP=1 bench/profile.sh                 # YARP (bench/Candor.Bench.Yarp) forwarding the same request, for comparison
#   PERF=1 bench/profile.sh                 # also a perf profile (native and kernel time too) over one more load, and the
#                                           # target's send/recv/epoll syscalls per request over it (perf's counters)
#
# Needs dotnet-trace (`dotnet tool install dotnet-trace --tool-path DIR`, DIR given as TRACE_TOOL_DIR) and wrk.
# The summary (bench/profile-summary.js) counts only samples of threads running code (not waiting) and gives
# inclusive and exclusive shares of the request path's stages.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
CONNS=${CONNS:-64} SECS=${SECS:-15} WARM=${WARM:-10}
OUT=${OUT:-$B/results/profile}
TRACE=${TRACE:-${TRACE_TOOL_DIR:-/tmp/tools-perf}/dotnet-trace}
EMU_PORT=${EMU_PORT:-23400} CANDOR_PORT=${CANDOR_PORT:-23401}
YARP_DLL=${YARP_DLL:-bench/Candor.Bench.Yarp/bin/Release/net10.0/Candor.Bench.Yarp.dll}
BARE=${BARE:-0} YARP=${YARP:-0} MODEL=${MODEL:-bench-fast} PERF=${PERF:-0}
# perf resolves JIT-compiled frames through /tmp/perf-PID.map (written only without W^X double mapping).
if [[ $PERF == 1 ]]; then export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0; fi
[[ -x $TRACE ]] || { echo "dotnet-trace not found at $TRACE (set TRACE or TRACE_TOOL_DIR)" >&2; exit 1; }
bench_build
[[ $YARP != 1 || -f $YARP_DLL ]] || dotnet build -c Release bench/Candor.Bench.Yarp -nologo -v q

PG_DATA=""
pg_run() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
bench_cleanup() { [[ -z $PG_DATA ]] || pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 20 stop >/dev/null 2>&1 || true; }

rm -rf "$OUT"; mkdir -p "$OUT"
data=$OUT/data
extra=""
if [[ ${PG:-0} == 1 ]]; then
  # PostgreSQL (initdb/pg_ctl in $OUT/pg) and Redis on loopback, not pinned, as run.sh's full-pg scenario.
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1) PG_PORT=${PG_PORT:-23402} REDIS_PORT=${REDIS_PORT:-23403}
  mkdir -p "$OUT/pg" "$OUT/redis"; [[ $(id -u) == 0 ]] && chown postgres "$OUT/pg"
  pg_run "$PG_BIN/initdb" -D "$OUT/pg/data" -A trust -U postgres --no-locale -E UTF8 >/dev/null
  PG_DATA=$OUT/pg/data
  pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$OUT/pg/log" -w -t 60 \
    -o "-p $PG_PORT -k $OUT/pg -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_preload_libraries=pg_stat_statements" start >/dev/null
  psql_candor() { "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d candor -X -q -A -t "$@"; }
  "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -X -q -c "CREATE DATABASE candor"
  psql_candor -c "CREATE EXTENSION pg_stat_statements"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$OUT/redis" --appendonly yes --save "" >"$OUT/redis.log" 2>&1 &
  PIDS+=($!)
  wait_port "$REDIS_PORT"
  export CANDOR_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=candor"
  extra="cluster: { redis: \"127.0.0.1:$REDIS_PORT\", nodes: 1 }"
fi
bench_emulator "$OUT/emulator.log"
export BENCH_CLIENT_KEY=sk-bench-client-0123456789abcdef   # the config key of candor-bench.yaml (BARE=1 uses it)
body='{"model":"'$MODEL'","messages":[{"role":"user","content":"hi"}]}'
url=http://127.0.0.1:$CANDOR_PORT/v1/chat/completions
if [[ $YARP == 1 ]]; then
  # The target is YARP on core 0 with the runtime settings run.sh gives it (those Candor gives itself on one CPU), the
  # emulator's fixed answer in the path as run.sh's yarp target.
  DOTNET_TC_DelaySingleProcMultiplier=1 DOTNET_GCgen0size=0x200000 DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 taskset -c 0 dotnet "$YARP_DLL" \
    --urls "http://127.0.0.1:$CANDOR_PORT" --upstream "http://127.0.0.1:$EMU_PORT" >"$OUT/candor.log" 2>&1 &
  key=sk-x url=http://127.0.0.1:$CANDOR_PORT/x/reply=hello%20world/v1/chat/completions
  body='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}'
elif [[ $BARE == 1 ]]; then
  sed "s/127.0.0.1:19100/127.0.0.1:$EMU_PORT/" "$B/candor-bench.yaml" >"$OUT/candor-bare.yaml"
  taskset -c 0 dotnet "$CANDOR_DLL" serve --config "$OUT/candor-bare.yaml" \
    --urls "http://127.0.0.1:$CANDOR_PORT" --log-level Warning --no-watch >"$OUT/candor.log" 2>&1 &
  key=$BENCH_CLIENT_KEY
else
  bench_seed "$data"
  bench_full_config "$OUT/candor-full.yaml" "$extra"
  taskset -c 0 dotnet "$CANDOR_DLL" serve --config "$OUT/candor-full.yaml" --data "$data" \
    --urls "http://127.0.0.1:$CANDOR_PORT" --log-level Warning --no-watch >"$OUT/candor.log" 2>&1 &
fi
bench_warm_up
# One untraced measurement: Candor's CPU (utime + stime, 10 ms ticks) per request under the same load.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$candor/stat"; }
t0=$(cpu_ticks)
result=$(load "$SECS")
t1=$(cpu_ticks)
echo "untraced ${SECS}s: $result"
node -e 'const r = JSON.parse(process.argv[1]); console.log(`target CPU ms/request (untraced): ${((process.argv[2] - process.argv[3]) * 10 / r.requests).toFixed(3)}`)' \
  "$result" "$t1" "$t0"
"$TRACE" collect -p "$candor" --profile dotnet-sampled-thread-time --duration "00:00:00:$(printf %02d $((SECS + 1)))" \
  -o "$OUT/candor.nettrace" >"$OUT/trace.log" 2>&1 &
tracer=$!
sleep 1
[[ -z $PG_DATA ]] || psql_candor -c "SELECT pg_stat_statements_reset()" >/dev/null
result=$(load "$SECS")
echo "traced ${SECS}s: $result"
if [[ -n $PG_DATA ]]; then
  # The statements PostgreSQL ran over the traced load (every one but BEGIN, sent with the next: one round trip each).
  psql_candor -F $'\t' -c "SELECT calls, regexp_replace(query, '\s+', ' ', 'g') FROM pg_stat_statements
    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'candor') ORDER BY calls DESC" >"$OUT/statements.tsv"
  requests=$(node -e 'console.log(JSON.parse(process.argv[1]).requests)' "$result")
  awk -F'\t' -v r="$requests" '$2 !~ /^BEGIN/ {n += $1} $2 == "COMMIT" {c += $1}
    END {printf "PostgreSQL statements per request: %.2f (COMMIT %.2f) over %d requests\n", n / r, c / r, r}' "$OUT/statements.tsv"
fi
wait "$tracer" || { cat "$OUT/trace.log" >&2; exit 1; }
"$TRACE" convert --format Speedscope -o "$OUT/candor" "$OUT/candor.nettrace" >/dev/null
node "$B/profile-summary.js" "$OUT"/candor*.speedscope.json | tee "$OUT/summary.txt"
if [[ $PERF == 1 ]]; then
  # Syscalls of the target per request (counts, exact under load), then a sampled profile with kernel and native frames.
  events=syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg,syscalls:sys_enter_recvfrom,syscalls:sys_enter_recvmsg,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_write,syscalls:sys_enter_read,syscalls:sys_enter_futex
  perf stat -x, -e "$events" -p "$candor" -o "$OUT/syscalls.csv" -- sleep "$SECS" >/dev/null 2>&1 &
  stat=$!
  result=$(load "$SECS")
  wait "$stat" || true
  requests=$(node -e 'console.log(JSON.parse(process.argv[1]).requests)' "$result")
  echo "syscalls ${SECS}s: $result"
  awk -F, -v r="$requests" '$3 ~ /syscalls/ {sub("syscalls:sys_enter_", "", $3); printf "%-12s %8.2f per request\n", $3, $1 / r}' "$OUT/syscalls.csv" | tee "$OUT/syscalls.txt"
  perf record -F 999 -g -p "$candor" -o "$OUT/perf.data" -- sleep "$SECS" >/dev/null 2>&1 &
  rec=$!
  load "$SECS" >/dev/null
  wait "$rec" || true
  { perf report -i "$OUT/perf.data" --no-children --sort dso -g none --percent-limit 0.5 --stdio 2>/dev/null
    perf report -i "$OUT/perf.data" --no-children --sort dso,symbol -g none --percent-limit 0.3 --stdio 2>/dev/null; } \
    | grep -v '^#' | grep -v '^$' >"$OUT/perf.txt"
  echo "perf report: $OUT/perf.txt"
fi
