#!/usr/bin/env bash
# Candor benchmark harness (issue 7): the upstream emulator, then each process under test alone
# (nothing in front of the emulator, nginx, YARP, Candor, the Portkey gateway), pinned to core 0, with the
# load generators and the emulator on core 1. Loopback only; every run has a duration; every process
# started here is stopped on exit. Writes bench/results/latest.{json,md,svg}.
#
#   bench/run.sh                 # full run
#   QUICK=1 bench/run.sh         # smoke run: 1 round of 3 s per measurement, 200 slow streams
#   ROUNDS=3 DURATION=5 bench/run.sh   # the defaults: 3 interleaved rounds of 5 s; the report takes medians
#   NICE=-5 bench/run.sh         # run the benchmark processes at a higher priority (shared machines)
#   SCENARIOS=chat,stream bench/run.sh    # a subset (chat, stream, open, slow, big, billed, full, metrics, full-pg, ab, ladder)
#   SCENARIOS=metrics TARGETS=candor QUICK=1 bench/run.sh   # every feature on, metrics on beside off (short run)
#   SCENARIOS=full-pg TARGETS=candor bench/run.sh   # every feature on: SQLite beside PostgreSQL + Redis (starts both)
#   SCENARIOS=ab TARGETS=direct,candor CANDOR_DLL_B=/tmp/new/candor.dll bench/run.sh   # every feature on: two builds, alternating
#                                # (either may be a Native AOT executable: CANDOR_DLL_B=/tmp/aot/candor; CANDOR_ENV_B="VAR=value …"
#                                # gives build B's process environment settings of its own, e.g. one build with and without them)
#   TARGETS=direct,candor bench/run.sh    # a subset (direct, nginx, yarp, candor, portkey)
#   SKIP_BUILD=1 bench/run.sh    # use the existing Release build
#   CANDOR_DLL=/tmp/old/candor.dll SKIP_BUILD=1 OUT=/tmp/old-results bench/run.sh   # another build; report elsewhere
#   PROFILE=1 bench/run.sh       # also record a perf CPU profile of Candor (extra, unmeasured 64-connection run)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=$ROOT/bench
QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then DUR=${DURATION:-3}; WARM=1; ROUNDS=${ROUNDS:-1}; SLOW_CONNS=${SLOW_CONNS:-200}
else DUR=${DURATION:-5}; WARM=3; ROUNDS=${ROUNDS:-3}; SLOW_CONNS=${SLOW_CONNS:-1000}; fi
# NICE=-5 (as root) gives every benchmark process priority over other work on a shared machine.
NICE=${NICE:-0}
CANDOR_WARM=${CANDOR_WARM:-$([[ $QUICK == 1 ]] && echo 2 || echo 10)}
RUN0=(taskset -c 0) RUN1=(taskset -c 1)
if [[ $NICE != 0 ]]; then RUN0=(nice -n "$NICE" taskset -c 0) RUN1=(nice -n "$NICE" taskset -c 1); fi
SCENARIOS=${SCENARIOS:-chat,stream,open,slow,big,billed,full,metrics}
TARGETS=${TARGETS:-direct,nginx,yarp,candor,portkey}
CONCURRENCY=${CONCURRENCY:-16 64 256}
OPEN_RATE=${OPEN_RATE:-1000}
EMU_PORT=19100 CANDOR_PORT=19200 NGINX_PORT=19300 PORTKEY_PORT=19400 YARP_PORT=19500   # the emulator port is also in candor-bench.yaml
METRICS_OFF_PORT=19201   # the 'metrics' scenario's second Candor (metrics off), beside the first on CANDOR_PORT
TMP=$B/results/tmp
OUT=${OUT:-$B/results}
CANDOR_DLL=${CANDOR_DLL:-src/Candor.Server/bin/Release/net10.0/candor.dll}
PROFILE=${PROFILE:-0}
# perf resolves JIT-compiled frames through /tmp/perf-PID.map (written only without W^X double mapping).
if [[ $PROFILE == 1 ]]; then export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0; fi
RESULTS=$TMP/results.jsonl
export BENCH_UPSTREAM_KEY=sk-bench-upstream
export BENCH_CLIENT_KEY=sk-bench-client-0123456789abcdef
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
HZ=$(getconf CLK_TCK)

has() { [[ ",$1," == *",$2,"* ]]; }
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---- processes: every one started here is recorded and stopped at exit ----
PIDS=()
# SIGTERM, then SIGKILL after 5 s for a process that does not exit by then.
alive() { [[ -r /proc/$1/stat ]] && [[ $(sed "s/.*) //" "/proc/$1/stat" | cut -d" " -f1) != Z ]]; }
terminate() {
  local i
  kill "$1" 2>/dev/null || return 0
  for i in $(seq 1 50); do alive "$1" || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cleanup() {
  local p
  for p in "${PIDS[@]}"; do terminate "$p"; done
  pg_stop
}
trap cleanup EXIT

# ---- PostgreSQL and Redis for the full-pg scenario (started only there): initdb/pg_ctl in a temporary directory and
# redis-server on free loopback ports, as .ci/run and deploy/reference-cluster.sh do; not pinned (pinned to core 1 they
# starved behind the load generator and timed writes out), stopped at exit. They stand for other machines: their CPU is
# recorded beside Candor's, not in it. PostgreSQL loads pg_stat_statements to count the round trips.
PG_DATA="" PG_PID="" REDIS_PID="" PG_PORT="" REDIS_PORT=""
pg_run() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_stop() {
  [[ -n $PG_DATA && -f $PG_DATA/postmaster.pid ]] || return 0
  pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 20 stop >/dev/null 2>&1 || true
}
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}
start_pg_redis() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  local dir=$TMP/pg
  mkdir -p "$dir"
  [[ $(id -u) == 0 ]] && chown postgres "$dir"
  PG_PORT=$(free_port)
  pg_run "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres --no-locale -E UTF8 >/dev/null
  PG_DATA=$dir/data
  local as=(); [[ $(id -u) == 0 ]] && as=(runuser -u postgres --)
  "${as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$dir/log" -w -t 60 \
    -o "-p $PG_PORT -k $dir -c listen_addresses=127.0.0.1 -c shared_preload_libraries=pg_stat_statements -c max_connections=200" start >/dev/null
  PG_PID=$(head -1 "$PG_DATA/postmaster.pid")
  bench_psql postgres -c "CREATE DATABASE candor"
  bench_psql candor -c "CREATE EXTENSION pg_stat_statements"
  REDIS_PORT=$(free_port)
  mkdir -p "$TMP/redis"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$TMP/redis" --appendonly yes --save "" \
    --daemonize no >"$TMP/redis.log" 2>&1 &
  REDIS_PID=$!
  PIDS+=("$REDIS_PID")
  wait_port "$REDIS_PORT"
  log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on :$PG_PORT, Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on :$REDIS_PORT"
}
bench_psql() { local db=$1; shift; "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$db" -X -q -A -t "$@"; }
# CPU time (ms) of PostgreSQL (postmaster and backends) and Redis, when they run (full-pg only); else 0.
db_cpu_ms() {
  [[ -n $PG_PID ]] || { echo 0; return; }
  echo $(($(cpu_ms "$PG_PID") + $(cpu_ms "$REDIS_PID")))
}
trap 'exit 130' INT TERM

stop() {
  local pid=$1 p keep=()
  terminate "$pid"
  for p in "${PIDS[@]}"; do [[ $p == "$pid" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}

wait_port() {
  local i
  for i in $(seq 1 150); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  log "port $1 did not open"; return 1
}

port_free() {
  if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then log "port $1 is already in use"; exit 1; fi
}

# CPU time (ms) of a process and its children (nginx workers), from utime+stime in /proc/PID/stat.
cpu_ms() {
  local total=0 p
  for p in "$1" $(pgrep -P "$1" || true); do
    [[ -r /proc/$p/stat ]] || continue
    total=$((total + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
  done
  echo $((total * 1000 / HZ))
}

# Resident memory (kB) of a process and its children: field VmRSS or VmHWM.
mem_kb() {
  local total=0 p v
  for p in "$1" $(pgrep -P "$1" || true); do
    v=$(awk -v k="$2:" '$1 == k {print $2}' "/proc/$p/status" 2>/dev/null || true)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# ---- setup ----
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need+=(nginx)
if ((${#need[@]})); then
  log "installing ${need[*]}"
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if has "$TARGETS" portkey && [[ ! -f $B/node_modules/@portkey-ai/gateway/build/start-server.js ]]; then
  log "installing @portkey-ai/gateway (bench/package.json)"
  (cd "$B" && npm install --no-audit --no-fund --loglevel=error)
fi
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  log "building Candor and the emulator (Release)"
  dotnet build -c Release src/Candor.Server -nologo -v q | grep -E "error|Warn|warn" || true
  if has "$TARGETS" yarp; then
    log "building the YARP floor (bench/Candor.Bench.Yarp, Yarp.ReverseProxy 2.3.0)"
    dotnet build -c Release "$B/Candor.Bench.Yarp" -nologo -v q | grep -E "error|Warn|warn" || true
  fi
fi
YARP_DLL=$B/Candor.Bench.Yarp/bin/Release/net10.0/Candor.Bench.Yarp.dll
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

rm -rf "$TMP"
LOAD_START=$(cut -d" " -f1-3 /proc/loadavg)
mkdir -p "$TMP/nginx"
: >"$RESULTS"
for p in $EMU_PORT $CANDOR_PORT $METRICS_OFF_PORT $NGINX_PORT $PORTKEY_PORT $YARP_PORT; do port_free "$p"; done

ROUND=1
record() { echo "${1%\}},\"round\":$ROUND}" >>"$RESULTS"; }

# The command that runs build $CANDOR_DLL: a framework-dependent candor.dll through dotnet, or a native executable
# (a Native AOT publish's `candor`) as it is — so CANDOR_DLL and CANDOR_DLL_B may each name either.
candor_cmd() { if [[ $CANDOR_DLL == *.dll ]]; then echo "dotnet $CANDOR_DLL"; else echo "$CANDOR_DLL"; fi; }

# A data directory at $1 with one funded account and a stored key (limits far above any load here); prints the key.
stored_key() {
  local cli=($(candor_cmd)) account
  json_field() { node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s)[process.argv[1]]))' "$1"; }
  "${cli[@]}" init --data "$1" >/dev/null
  account=$("${cli[@]}" accounts create --name bench --data "$1" | json_field id)
  "${cli[@]}" topup --account "$account" --amount 1000000 --data "$1" >/dev/null
  "${cli[@]}" keys create --account "$account" --name bench --rpm 100000000 --tpm 2000000000 --data "$1" | json_field key
}

# ---- the upstream emulator (core 1, with the load generators) ----
log "starting the emulator on :$EMU_PORT"
"${RUN1[@]}" dotnet src/Candor.Emulator/bin/Release/net10.0/Candor.Emulator.dll --urls "http://127.0.0.1:$EMU_PORT" >"$TMP/emulator.log" 2>&1 &
EMU_PID=$!
PIDS+=("$EMU_PID")
wait_port $EMU_PORT

# ---- targets: name → base URL, model names and extra headers ----
FIXED=/x/reply=hello%20world
T20=/x/tokens=20
# Streamed requests ask for usage: Candor relays OpenAI streams byte for byte (fast path) only then,
# since it needs the usage for settlement; without it the stream goes through the canonical model.
STREAM_OPTS=',"stream":true,"stream_options":{"include_usage":true}'
chat_body() { printf '{"model":"%s","messages":[{"role":"user","content":"hi"}]%s}' "$1" "${2:-}"; }

# Each "variant" is: label|url|model|streamModel|streamUrl|extraHeaders|apiKey
variants_for() {
  local e="http://127.0.0.1:$EMU_PORT" n="http://127.0.0.1:$NGINX_PORT" c="http://127.0.0.1:$CANDOR_PORT" k="http://127.0.0.1:$PORTKEY_PORT"
  local y="http://127.0.0.1:$YARP_PORT"
  case $1 in
    direct) echo "direct|$e$FIXED/v1/chat/completions|gpt-4o-mini|gpt-4o-mini|$e$T20/v1/chat/completions||sk-x" ;;
    nginx) echo "nginx|$n$FIXED/v1/chat/completions|gpt-4o-mini|gpt-4o-mini|$n$T20/v1/chat/completions||sk-x" ;;
    yarp) echo "yarp|$y$FIXED/v1/chat/completions|gpt-4o-mini|gpt-4o-mini|$y$T20/v1/chat/completions||sk-x" ;;
    candor)
      # The order alternates between rounds, so that neither path is always measured on a younger process.
      local fast="candor-fast|$c/v1/chat/completions|bench-fast|bench-fast-t20|$c/v1/chat/completions||$BENCH_CLIENT_KEY"
      local translated="candor-translated|$c/v1/chat/completions|bench-translated|bench-translated-t20|$c/v1/chat/completions||$BENCH_CLIENT_KEY"
      if ((ROUND % 2)); then printf '%s\n%s\n' "$fast" "$translated"; else printf '%s\n%s\n' "$translated" "$fast"; fi ;;
    portkey)
      # Portkey takes the upstream from a header, so the fixed and streamed answers differ by header.
      echo "portkey|$k/v1/chat/completions|gpt-4o-mini|gpt-4o-mini|$k/v1/chat/completions|x-portkey-provider: openai|x-portkey-custom-host: $e$FIXED/v1|sk-x" ;;
  esac
}

# Candor on core 0 with config $2 (and data directory $3, if given), its output in $TMP/$1.log; sets TARGET_PID.
start_candor() {
  local data=()
  [[ -n ${3:-} ]] && data=(--data "$3")
  port_free $CANDOR_PORT
  "${RUN0[@]}" env ${CANDOR_ENV:-} $(candor_cmd) serve --config "$2" "${data[@]}" \
    --urls "http://127.0.0.1:$CANDOR_PORT" --log-level Warning --no-watch >"$TMP/$1.log" 2>&1 &
  TARGET_PID=$!
  PIDS+=("$TARGET_PID")
  wait_port $CANDOR_PORT
}

start_target() {
  local name=$1
  case $name in
    direct) TARGET_PID=$EMU_PID; return 0 ;;
    nginx)
      port_free $NGINX_PORT
      cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  scgi_temp_path $TMP/nginx/scgi;
  upstream emulator { server 127.0.0.1:$EMU_PORT; keepalive 512; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://emulator;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
EOF
      "${RUN0[@]}" "$NGINX" -e "$TMP/nginx/error.log" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" >"$TMP/nginx.log" 2>&1 &
      TARGET_PID=$!
      PIDS+=("$TARGET_PID")
      wait_port $NGINX_PORT ;;
    candor) start_candor candor "$B/candor-bench.yaml" ;;
    yarp)
      # The runtime settings Candor gives itself on one CPU (Hosting/OneCpuRuntime.cs), so that both .NET
      # processes tier up, size gen0 and idle their thread-pool workers alike; the GC defaults are the web SDK's for both.
      port_free $YARP_PORT
      DOTNET_TC_DelaySingleProcMultiplier=1 DOTNET_GCgen0size=0x200000 DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 "${RUN0[@]}" dotnet "$YARP_DLL" --urls "http://127.0.0.1:$YARP_PORT" --upstream "http://127.0.0.1:$EMU_PORT" >"$TMP/yarp.log" 2>&1 &
      TARGET_PID=$!
      PIDS+=("$TARGET_PID")
      wait_port $YARP_PORT ;;
    portkey)
      port_free $PORTKEY_PORT
      (cd "$B" && exec "${RUN0[@]}" node -r ./force-loopback.cjs node_modules/@portkey-ai/gateway/build/start-server.js \
        --port=$PORTKEY_PORT --headless >"$TMP/portkey.log" 2>&1) &
      TARGET_PID=$!
      PIDS+=("$TARGET_PID")
      wait_port $PORTKEY_PORT ;;
  esac
}

# wrk, non-streamed: one JSON line per run with the gateway's and the emulator's CPU time.
run_wrk() {
  local scenario=$1 label=$2 conns=$3 url=$4 body=$5 key=$6 headers=$7 secs=$8 measure=${9:-1}
  local c0 u0 d0 c1 u1 d1 out
  c0=$(cpu_ms "$TARGET_PID"); u0=$(cpu_ms "$EMU_PID"); d0=$(db_cpu_ms)
  out=$(BODY=$body API_KEY=$key EXTRA_HEADERS=$headers "${RUN1[@]}" wrk -t1 -c"$conns" -d"${secs}s" --timeout 10s --latency \
    -s "$B/post.lua" "$url" | sed -n 's/^JSON //p')
  c1=$(cpu_ms "$TARGET_PID"); u1=$(cpu_ms "$EMU_PID"); d1=$(db_cpu_ms)
  [[ $measure == 1 ]] || return 0
  [[ -n $out ]] || { log "wrk printed no result for $label c=$conns"; return 0; }
  record "{\"scenario\":\"$scenario\",\"target\":\"$label\",\"conns\":$conns,\"target_cpu_ms\":$((c1 - c0)),\"upstream_cpu_ms\":$((u1 - u0)),\"db_cpu_ms\":$((d1 - d0)),\"result\":$out}"
  log "$scenario $label c=$conns: $out"
}

run_loadgen() {
  local scenario=$1 label=$2 extra=$3; shift 3
  local c0 u0 c1 u1 out
  c0=$(cpu_ms "$TARGET_PID"); u0=$(cpu_ms "$EMU_PID")
  out=$("${RUN1[@]}" node "$B/loadgen.js" "$@" | sed -n 's/^JSON //p')
  c1=$(cpu_ms "$TARGET_PID"); u1=$(cpu_ms "$EMU_PID")
  [[ -n $out ]] || { log "loadgen printed no result for $scenario $label"; return 0; }
  record "{\"scenario\":\"$scenario\",\"target\":\"$label\"$extra,\"target_cpu_ms\":$((c1 - c0)),\"upstream_cpu_ms\":$((u1 - u0)),\"result\":$out}"
  log "$scenario $label: $out"
}

# PROFILE=1: an extra, unmeasured 64-connection run with perf sampling Candor's process; the report is
# written beside the raw results ($TMP/perf-LABEL-rROUND.txt, symbols from the runtime's perf map).
profile() {
  [[ $PROFILE == 1 ]] || return 0
  local label=$1 url=$2 body=$3 key=$4 data=$TMP/perf-$1-r$ROUND.data
  perf record -F 499 -g -p "$TARGET_PID" -o "$data" -- sleep "$DUR" >/dev/null 2>&1 &
  local perf_pid=$!
  run_wrk profile "$label" 64 "$url" "$body" "$key" "" "$DUR" 0
  wait "$perf_pid" || true
  { perf report -i "$data" --no-children --sort dso -g none --percent-limit 0.5 --stdio 2>/dev/null
    perf report -i "$data" --no-children --sort dso,symbol -g none --percent-limit 0.3 --stdio 2>/dev/null; } \
    | grep -v -e '^$' -e '^#' | head -200 >"${data%.data}.txt" || true
  log "profile of $label: ${data%.data}.txt"
}

headers_json() { # "k: v|k2: v2" → {"k":"v","k2":"v2"}
  local IFS='|' pair out="" k v
  for pair in $1; do
    [[ -n $pair ]] || continue
    k=${pair%%:*}; v=${pair#*: }
    out+="${out:+,}\"$k\":\"$v\""
  done
  echo "{${out}}"
}

# Candor says which path served (x-candor-path): make sure the labels are true.
check_path() {
  local label=$1 url=$2 model=$3 smodel=$4 key=$5 want=${6:-${1#candor-}} got sgot
  got=$(curl -s -o /dev/null -D - "$url" -H "authorization: Bearer $key" -H 'content-type: application/json' \
    -d "$(chat_body "$model")" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-candor-path" {print $2}')
  sgot=$(curl -sN -o /dev/null -D - "$url" -H "authorization: Bearer $key" -H 'content-type: application/json' \
    -d "$(chat_body "$smodel" "$STREAM_OPTS")" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-candor-path" {print $2}')
  record "{\"scenario\":\"path\",\"target\":\"$label\",\"path\":\"$got\",\"stream_path\":\"$sgot\"}"
  [[ $got == "$want" && $sgot == "$want" ]] || log "WARNING: $label served by path '$got' (streamed: '$sgot')"
}

measure_target() {
  local name=$1 line label url model smodel surl hdr1 hdr2 key headers sheaders
  log "== $name"
  start_target "$name"
  record "{\"scenario\":\"idle\",\"target\":\"$name\",\"rss_kb\":$(mem_kb "$TARGET_PID" VmRSS)}"
  # Warm every variant (both Candor paths, plain and streamed) before measuring any, so that JIT
  # tiering does not land in the first variant's measurement.
  local pass
  for pass in warm measure; do
  while IFS= read -r line; do
    IFS='|' read -r label url model smodel surl hdr1 hdr2 key <<<"$line"
    if [[ $name == portkey ]]; then
      headers="$hdr1|$hdr2"
      sheaders="$hdr1|x-portkey-custom-host: http://127.0.0.1:$EMU_PORT$T20/v1"
    else
      key=$hdr1; [[ -n $hdr2 ]] && key=$hdr2; headers=""; sheaders=""
    fi
    if [[ $pass == warm ]]; then
      # .NET's tiered JIT keeps improving a loaded process for tens of seconds on a busy core: Candor
      # gets a longer warm-up (CANDOR_WARM, default 10 s per variant and kind) so that steady state is measured.
      local w=$WARM
      [[ $label == candor-* || $label == yarp ]] && w=$CANDOR_WARM
      run_wrk warmup "$label" 16 "$url" "$(chat_body "$model")" "$key" "$headers" "$w" 0
      "${RUN1[@]}" node "$B/loadgen.js" stream --url "$surl" --body "$(chat_body "$smodel" "$STREAM_OPTS")" \
        --headers "$(headers_json "authorization: Bearer $key${sheaders:+|$sheaders}")" --conns 4 --duration "$w" >/dev/null
      if [[ $label == candor-* ]]; then check_path "$label" "$url" "$model" "$smodel" "$key"; fi
      continue
    fi
    if has "$SCENARIOS" chat; then
      for c in $CONCURRENCY; do run_wrk chat "$label" "$c" "$url" "$(chat_body "$model")" "$key" "$headers" "$DUR"; done
      if [[ $label == candor-* ]]; then profile "$label" "$url" "$(chat_body "$model")" "$key"; fi
    fi
    if has "$SCENARIOS" stream; then
      local sbody auth
      sbody=$(chat_body "$smodel" "$STREAM_OPTS")
      auth=$(headers_json "authorization: Bearer $key${sheaders:+|$sheaders}")
      for c in 1 16; do
        run_loadgen stream "$label" ",\"conns\":$c" stream --url "$surl" --body "$sbody" --headers "$auth" --conns "$c" --duration "$DUR"
      done
    fi
    if has "$SCENARIOS" open; then
      run_loadgen open "$label" ",\"rate\":$OPEN_RATE" open --url "$url" --body "$(chat_body "$model")" \
        --headers "$(headers_json "authorization: Bearer $key${headers:+|$headers}")" --rate "$OPEN_RATE" --duration "$DUR"
    fi
  done < <(variants_for "$name")
  done
  record "{\"scenario\":\"after\",\"target\":\"$name\",\"rss_kb\":$(mem_kb "$TARGET_PID" VmRSS),\"hwm_kb\":$(mem_kb "$TARGET_PID" VmHWM)}"
  [[ $name == direct ]] || stop "$TARGET_PID"
}

IFS=',' read -r -a target_list <<<"$TARGETS"
if has "$SCENARIOS" chat || has "$SCENARIOS" stream || has "$SCENARIOS" open; then
  for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
    log "round $ROUND of $ROUNDS"
    for t in "${target_list[@]}"; do measure_target "$t"; done
  done
fi

# ---- Candor with every feature on (issue 7's targets): a stored key (admission, metering, durable settlement),
# redaction on (bench/candor-bench.yaml plus a server-wide redaction policy; the bench prompts have nothing to
# redact, so the scan runs and the fast path still serves), a signed receipt stored in SQLite and appended to the
# transparency log; metrics recorded (telemetry.metrics defaults to on). A fresh data directory at $1, the label $2
# (log and configuration file names), extra configuration $3; sets TARGET_PID and FULL_KEY.
start_full() {
  local data=$1 label=${2:-candor-full} extra=${3:-}
  FULL_KEY=$(stored_key "$data")
  { cat "$B/candor-bench.yaml"
    printf '\nprivacy:\n  redaction: { email: pseudonymize, phone: pseudonymize, secret: mask, cn_id: block }\n'
    [[ -z $extra ]] || printf '\n%s\n' "$extra"; } >"$TMP/$label.yaml"
  start_candor "$label" "$TMP/$label.yaml" "$data"
}

# ---- Candor alone: many slow streams, then one very long stream (a fresh process each for the bare fast path
# and for every feature on; the direct baselines once) ----
memory_scenarios() {
  local label=$1 key url auth idle before sampler saved
  log "== $label: memory scenarios"
  if [[ $label == candor-full ]]; then start_full "$TMP/data-mem"; key=$FULL_KEY
  else start_target candor; key=$BENCH_CLIENT_KEY; fi
  auth=$(headers_json "authorization: Bearer $key")
  url="http://127.0.0.1:$CANDOR_PORT/v1/chat/completions"
  run_wrk warmup "$label" 16 "$url" "$(chat_body bench-fast)" "$key" "" "$WARM" 0
  sleep 1
  idle=$(mem_kb "$TARGET_PID" VmRSS)
  if has "$SCENARIOS" slow; then
    # Baseline: the same streams straight to the emulator (its TTFB is what Candor adds to).
    if [[ -z $(find_row slow direct) ]]; then
      saved=$TARGET_PID; TARGET_PID=$EMU_PID
      run_loadgen slow direct ",\"conns\":$SLOW_CONNS" slow --url "http://127.0.0.1:$EMU_PORT/x/ttft_ms=500;chunk_ms=200;tokens=50/v1/chat/completions" \
        --body "$(chat_body gpt-4o-mini "$STREAM_OPTS")" --headers "$auth" --conns "$SLOW_CONNS" --timeout 60
      TARGET_PID=$saved
    fi
    # Sample the resident set while the streams are open; VmHWM is reset first (clear_refs 5).
    echo 5 >"/proc/$TARGET_PID/clear_refs" 2>/dev/null || true
    rm -f "$TMP/slow.done" "$TMP/slow.peak"
    (peak=0; while kill -0 "$TARGET_PID" 2>/dev/null && [[ ! -f $TMP/slow.done ]]; do
       r=$(mem_kb "$TARGET_PID" VmRSS); ((r > peak)) && peak=$r; echo "$peak" >"$TMP/slow.peak"; sleep 0.2; done) &
    sampler=$!
    run_loadgen slow "$label" ",\"conns\":$SLOW_CONNS,\"rss_idle_kb\":$idle" slow --url "$url" \
      --body "$(chat_body bench-slow "$STREAM_OPTS")" --headers "$auth" --conns "$SLOW_CONNS" --timeout 60
    touch "$TMP/slow.done"; wait "$sampler" || true
    record "{\"scenario\":\"slow-mem\",\"target\":\"$label\",\"conns\":$SLOW_CONNS,\"rss_idle_kb\":$idle,\"rss_peak_sampled_kb\":$(cat "$TMP/slow.peak" 2>/dev/null || echo 0),\"hwm_kb\":$(mem_kb "$TARGET_PID" VmHWM)}"
  fi
  if has "$SCENARIOS" big; then
    sleep 1
    if [[ -z $(find_row big direct) ]]; then
      saved=$TARGET_PID; TARGET_PID=$EMU_PID
      run_loadgen big direct "" big --url "http://127.0.0.1:$EMU_PORT/x/tokens=170000/v1/chat/completions" \
        --body "$(chat_body gpt-4o-mini "$STREAM_OPTS")" --headers "$auth" --timeout 120
      TARGET_PID=$saved
    fi
    before=$(mem_kb "$TARGET_PID" VmRSS)
    echo 5 >"/proc/$TARGET_PID/clear_refs" 2>/dev/null || true
    run_loadgen big "$label" ",\"rss_before_kb\":$before" big --url "$url" \
      --body "$(chat_body bench-big "$STREAM_OPTS")" --headers "$auth" --timeout 120
    record "{\"scenario\":\"big-mem\",\"target\":\"$label\",\"rss_before_kb\":$before,\"hwm_kb\":$(mem_kb "$TARGET_PID" VmHWM),\"rss_after_kb\":$(mem_kb "$TARGET_PID" VmRSS)}"
  fi
  stop "$TARGET_PID"
}
find_row() { grep -m1 "\"scenario\":\"$1\",\"target\":\"$2\"" "$RESULTS" || true; }

if has "$TARGETS" candor && { has "$SCENARIOS" slow || has "$SCENARIOS" big; }; then
  memory_scenarios candor-fast
  has "$SCENARIOS" full && memory_scenarios candor-full
fi

# ---- Candor with a data directory: billed stored keys against unbilled configuration keys ----
# The same Candor process (with --data) serves both keys, in alternating order per round: the configuration
# key is not metered; the stored key is admitted (cache, price, rate limits, reservation) and settled durably
# (usage record and charge committed, fsync, before the answer completes). The difference is the cost of
# admission and metering at load; settlements of concurrent requests share commits (group commit).
if has "$TARGETS" candor && has "$SCENARIOS" billed; then
  log "== candor: billed stored key vs configuration key"
  DATA=$TMP/data
  STORED_KEY=$(stored_key "$DATA")
  start_candor candor-billed "$B/candor-bench.yaml" "$DATA"
  url="http://127.0.0.1:$CANDOR_PORT/v1/chat/completions"
  for label in candor-config-key candor-stored-key; do
    key=$BENCH_CLIENT_KEY; [[ $label == candor-stored-key ]] && key=$STORED_KEY
    run_wrk warmup "$label" 16 "$url" "$(chat_body bench-fast)" "$key" "" "$CANDOR_WARM" 0
  done
  for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
    order="candor-config-key candor-stored-key"; ((ROUND % 2)) || order="candor-stored-key candor-config-key"
    for label in $order; do
      key=$BENCH_CLIENT_KEY; [[ $label == candor-stored-key ]] && key=$STORED_KEY
      for c in $CONCURRENCY; do run_wrk billed "$label" "$c" "$url" "$(chat_body bench-fast)" "$key" "" "$DUR"; done
      run_loadgen billed-stream "$label" ",\"conns\":16" stream --url "$url" --body "$(chat_body bench-fast-t20 "$STREAM_OPTS")" \
        --headers "$(headers_json "authorization: Bearer $key")" --conns 16 --duration "$DUR"
    done
  done
  stop "$TARGET_PID"
fi

# ---- Candor with every feature on (start_full above); compare with the bare fast path of the 'chat' scenario
# (configuration key, no data directory) of the same run.
if has "$TARGETS" candor && has "$SCENARIOS" full; then
  log "== candor: every feature on"
  start_full "$TMP/data-full"
  url="http://127.0.0.1:$CANDOR_PORT/v1/chat/completions"
  # Twice the warm-up of the bare paths: this process has more code to tier up (admission, metering, SQLite writers).
  run_wrk warmup candor-full 64 "$url" "$(chat_body bench-fast)" "$FULL_KEY" "" "$((2 * CANDOR_WARM))" 0
  "${RUN1[@]}" node "$B/loadgen.js" stream --url "$url" --body "$(chat_body bench-fast-t20 "$STREAM_OPTS")" \
    --headers "$(headers_json "authorization: Bearer $FULL_KEY")" --conns 4 --duration "$CANDOR_WARM" >/dev/null
  check_path candor-full "$url" bench-fast bench-fast-t20 "$FULL_KEY" fast
  for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
    for c in $CONCURRENCY; do run_wrk full candor-full "$c" "$url" "$(chat_body bench-fast)" "$FULL_KEY" "" "$DUR"; done
    for c in 1 16; do
      run_loadgen full-stream candor-full ",\"conns\":$c" stream --url "$url" --body "$(chat_body bench-fast-t20 "$STREAM_OPTS")" \
        --headers "$(headers_json "authorization: Bearer $FULL_KEY")" --conns "$c" --duration "$DUR"
    done
    if has "$SCENARIOS" open; then
      run_loadgen full-open candor-full ",\"rate\":$OPEN_RATE" open --url "$url" --body "$(chat_body bench-fast)" \
        --headers "$(headers_json "authorization: Bearer $FULL_KEY")" --rate "$OPEN_RATE" --duration "$DUR"
    fi
  done
  if [[ $PROFILE == 1 ]]; then ROUND=1 profile candor-full "$url" "$(chat_body bench-fast)" "$FULL_KEY"; fi
  # The log's size after the load: every request's receipt is appended (warm-up included).
  sleep 2
  size=$(curl -s "http://127.0.0.1:$CANDOR_PORT/log/checkpoint" | sed -n 2p)
  [[ $size =~ ^[0-9]+$ ]] || size=null
  record "{\"scenario\":\"full-log\",\"target\":\"candor-full\",\"log_size\":$size}"
  stop "$TARGET_PID"
fi

# ---- every feature on (start_full), metrics on beside metrics off (issue 17: recording must not measurably change
# the hot path). Two processes, both started before any measurement and measured in alternating order per round
# (one idles on core 0 while the other is loaded); the same load as the 'full' scenario. Metrics on: the instruments
# record into the OpenTelemetry SDK's Prometheus aggregation and /metrics is scraped once per round (as Prometheus
# would, at 15 s or more); off: telemetry.metrics false, no listener, every instrument a disabled check.
if has "$TARGETS" candor && has "$SCENARIOS" metrics; then
  log "== candor: every feature on, metrics on vs off"
  declare -A M_PID M_KEY M_URL
  for label in candor-metrics-on candor-metrics-off; do
    saved_port=$CANDOR_PORT enabled=true
    if [[ $label == candor-metrics-off ]]; then CANDOR_PORT=$METRICS_OFF_PORT enabled=false; fi
    start_full "$TMP/data-$label" "$label" "telemetry: { metrics: $enabled }"
    M_PID[$label]=$TARGET_PID M_KEY[$label]=$FULL_KEY M_URL[$label]="http://127.0.0.1:$CANDOR_PORT"
    CANDOR_PORT=$saved_port
  done
  for label in candor-metrics-on candor-metrics-off; do
    TARGET_PID=${M_PID[$label]}
    run_wrk warmup "$label" 64 "${M_URL[$label]}/v1/chat/completions" "$(chat_body bench-fast)" "${M_KEY[$label]}" "" "$((2 * CANDOR_WARM))" 0
    check_path "$label" "${M_URL[$label]}/v1/chat/completions" bench-fast bench-fast-t20 "${M_KEY[$label]}" fast
  done
  # The switch is real: one serves the series, the other answers 404.
  series=$(curl -s "${M_URL[candor-metrics-on]}/metrics" | grep -c '^candor_requests_total' || true)
  off_status=$(curl -s -o /dev/null -w '%{http_code}' "${M_URL[candor-metrics-off]}/metrics")
  record "{\"scenario\":\"metrics-check\",\"target\":\"candor-metrics\",\"on_request_series\":$series,\"off_status\":$off_status}"
  for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
    order="candor-metrics-on candor-metrics-off"; ((ROUND % 2)) || order="candor-metrics-off candor-metrics-on"
    for label in $order; do
      TARGET_PID=${M_PID[$label]}
      url="${M_URL[$label]}/v1/chat/completions"
      for c in $CONCURRENCY; do run_wrk metrics "$label" "$c" "$url" "$(chat_body bench-fast)" "${M_KEY[$label]}" "" "$DUR"; done
      run_loadgen metrics-stream "$label" ",\"conns\":16" stream --url "$url" --body "$(chat_body bench-fast-t20 "$STREAM_OPTS")" \
        --headers "$(headers_json "authorization: Bearer ${M_KEY[$label]}")" --conns 16 --duration "$DUR"
      if [[ $label == candor-metrics-on ]]; then curl -s -o /dev/null "${M_URL[$label]}/metrics"; fi
    done
  done
  stop "${M_PID[candor-metrics-on]}"; stop "${M_PID[candor-metrics-off]}"
fi

# ---- every feature on: two builds side by side (issue 18's before/after). CANDOR_DLL is build A, CANDOR_DLL_B build B;
# two processes, each with a data directory made by its own build's CLI, both started before any measurement and
# measured in alternating order per round (as 'metrics'): runs of one build on this VM differ by up to ±20 % from one
# process to the next, so only an A/B inside one run compares two builds. wrk at $CONCURRENCY, 16 streams, the open loop.
if has "$TARGETS" candor && has "$SCENARIOS" ab; then
  [[ -f ${CANDOR_DLL_B:-} ]] || { log "ab: set CANDOR_DLL_B to the second build's candor.dll"; exit 1; }
  log "== candor: every feature on, build A ($CANDOR_DLL) vs build B ($CANDOR_DLL_B)"
  declare -A AB_PID AB_KEY AB_URL
  saved_dll=$CANDOR_DLL saved_port=$CANDOR_PORT
  for label in candor-a candor-b; do
    if [[ $label == candor-b ]]; then CANDOR_DLL=$CANDOR_DLL_B CANDOR_PORT=$METRICS_OFF_PORT CANDOR_ENV=${CANDOR_ENV_B:-}; fi
    start_full "$TMP/data-$label" "$label"
    CANDOR_ENV=
    AB_PID[$label]=$TARGET_PID AB_KEY[$label]=$FULL_KEY AB_URL[$label]="http://127.0.0.1:$CANDOR_PORT"
    CANDOR_DLL=$saved_dll CANDOR_PORT=$saved_port
  done
  for label in candor-a candor-b; do
    TARGET_PID=${AB_PID[$label]}
    run_wrk warmup "$label" 64 "${AB_URL[$label]}/v1/chat/completions" "$(chat_body bench-fast)" "${AB_KEY[$label]}" "" "$((2 * CANDOR_WARM))" 0
    check_path "$label" "${AB_URL[$label]}/v1/chat/completions" bench-fast bench-fast-t20 "${AB_KEY[$label]}" fast
  done
  for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
    order="candor-a candor-b"; ((ROUND % 2)) || order="candor-b candor-a"
    for label in $order; do
      TARGET_PID=${AB_PID[$label]}
      url="${AB_URL[$label]}/v1/chat/completions"
      for c in $CONCURRENCY; do run_wrk ab "$label" "$c" "$url" "$(chat_body bench-fast)" "${AB_KEY[$label]}" "" "$DUR"; done
      run_loadgen ab-stream "$label" ",\"conns\":16" stream --url "$url" --body "$(chat_body bench-fast-t20 "$STREAM_OPTS")" \
        --headers "$(headers_json "authorization: Bearer ${AB_KEY[$label]}")" --conns 16 --duration "$DUR"
      run_loadgen ab-open "$label" ",\"rate\":$OPEN_RATE" open --url "$url" --body "$(chat_body bench-fast)" \
        --headers "$(headers_json "authorization: Bearer ${AB_KEY[$label]}")" --rate "$OPEN_RATE" --duration "$DUR"
    done
  done
  stop "${AB_PID[candor-a]}"; stop "${AB_PID[candor-b]}"
fi

# ---- what each promise costs (issue 18): YARP and four Candor processes, each adding one thing to the one before,
# all started before any measurement and measured in rotating order per round (as 'ab'; each idles on core 0 while
# another is loaded): YARP (the .NET proxy floor); Candor's bare fast path (configuration key, no data directory:
# receipts signed and kept in memory); + a data directory (receipts stored in SQLite and appended to the
# transparency log; the configuration key is not metered); + a stored key (admission, metering, durable settlement
# of usage, charge and receipt in one commit); + redaction (start_full: every feature on). wrk at $CONCURRENCY.
if has "$SCENARIOS" ladder; then
  log "== ladder: YARP, then Candor one promise at a time"
  declare -A L_PID L_KEY L_URL
  saved_port=$CANDOR_PORT
  start_target yarp; L_PID[yarp]=$TARGET_PID L_KEY[yarp]=sk-x L_URL[yarp]="http://127.0.0.1:$YARP_PORT"
  CANDOR_PORT=19211; start_candor ladder-bare "$B/candor-bench.yaml"
  L_PID[ladder-bare]=$TARGET_PID L_KEY[ladder-bare]=$BENCH_CLIENT_KEY L_URL[ladder-bare]="http://127.0.0.1:$CANDOR_PORT"
  CANDOR_PORT=19212; $(candor_cmd) init --data "$TMP/data-ladder-data" >/dev/null; start_candor ladder-data "$B/candor-bench.yaml" "$TMP/data-ladder-data"
  L_PID[ladder-data]=$TARGET_PID L_KEY[ladder-data]=$BENCH_CLIENT_KEY L_URL[ladder-data]="http://127.0.0.1:$CANDOR_PORT"
  CANDOR_PORT=19213; key=$(stored_key "$TMP/data-ladder-stored"); start_candor ladder-stored "$B/candor-bench.yaml" "$TMP/data-ladder-stored"
  L_PID[ladder-stored]=$TARGET_PID L_KEY[ladder-stored]=$key L_URL[ladder-stored]="http://127.0.0.1:$CANDOR_PORT"
  CANDOR_PORT=19214; start_full "$TMP/data-ladder-full" ladder-full
  L_PID[ladder-full]=$TARGET_PID L_KEY[ladder-full]=$FULL_KEY L_URL[ladder-full]="http://127.0.0.1:$CANDOR_PORT"
  CANDOR_PORT=$saved_port
  rungs="yarp ladder-bare ladder-data ladder-stored ladder-full"
  for label in $rungs; do
    TARGET_PID=${L_PID[$label]}
    run_wrk warmup "$label" 64 "${L_URL[$label]}/v1/chat/completions" "$(chat_body bench-fast)" "${L_KEY[$label]}" "" "$((2 * CANDOR_WARM))" 0
  done
  for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
    order=$(echo $rungs | tr ' ' '\n' | awk -v r=$ROUND '{a[NR]=$0} END {for (i = 0; i < NR; i++) print a[(i + r - 1) % NR + 1]}')
    for label in $order; do
      TARGET_PID=${L_PID[$label]}
      for c in $CONCURRENCY; do run_wrk ladder "$label" "$c" "${L_URL[$label]}/v1/chat/completions" "$(chat_body bench-fast)" "${L_KEY[$label]}" "" "$DUR"; done
    done
  done
  for label in $rungs; do stop "${L_PID[$label]}"; done
fi

# ---- every feature on (start_full), on SQLite beside on PostgreSQL + Redis (issue 16): two processes, both started
# before any measurement and measured in alternating order per round, as in 'metrics'. The second stores in a
# PostgreSQL and counts its rate limits in a Redis started here (not pinned: they stand for other machines, so
# Candor's CPU is its own; theirs is recorded beside it): a one-node cluster (cluster.redis, nodes 1) with
# money reserved in PostgreSQL, the shared transparency log sequenced in it, changes pushed by LISTEN/NOTIFY.
# Closed loop at 1 connection (the added latency, without queueing) and at $CONCURRENCY; 16 streams. Then, at 1 and
# 64 connections, the statements PostgreSQL ran and the commands Redis ran per request (pg_stat_statements, INFO
# commandstats): the round trips a request costs.
if has "$TARGETS" candor && has "$SCENARIOS" full-pg; then
  log "== candor: every feature on, SQLite vs PostgreSQL + Redis"
  start_pg_redis
  declare -A S_PID S_KEY S_URL
  for label in candor-full-sqlite candor-full-pg; do
    saved_port=$CANDOR_PORT extra=""
    if [[ $label == candor-full-pg ]]; then
      CANDOR_PORT=$METRICS_OFF_PORT extra="cluster: { redis: \"127.0.0.1:$REDIS_PORT\", nodes: 1 }"
      export CANDOR_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=candor"
    fi
    start_full "$TMP/data-$label" "$label" "$extra"
    unset CANDOR_POSTGRES
    S_PID[$label]=$TARGET_PID S_KEY[$label]=$FULL_KEY S_URL[$label]="http://127.0.0.1:$CANDOR_PORT/v1/chat/completions"
    CANDOR_PORT=$saved_port
  done
  store_conns="1 $CONCURRENCY"
  for label in candor-full-sqlite candor-full-pg; do
    TARGET_PID=${S_PID[$label]}
    run_wrk warmup "$label" 64 "${S_URL[$label]}" "$(chat_body bench-fast)" "${S_KEY[$label]}" "" "$((2 * CANDOR_WARM))" 0
    check_path "$label" "${S_URL[$label]}" bench-fast bench-fast-t20 "${S_KEY[$label]}" fast
  done
  # The second process is on PostgreSQL for real: its usage records are there.
  record "{\"scenario\":\"full-pg-check\",\"target\":\"candor-full-pg\",\"usage_rows\":$(bench_psql candor -c "SELECT COUNT(*) FROM usage_records"),\"log_size\":$(bench_psql candor -c "SELECT COALESCE(MAX(size), 0) FROM log_head")}"
  # What each process (and the database) spends with no request at all. The node on PostgreSQL + Redis runs more
  # background loops (log sequencer, change feed, leases, limiter), whose code the JIT keeps tiering up for a minute or
  # two after the load's warm-up (measured: 750 ms of CPU per 10 s idle 30 s after start, 80 ms at 145 s; the profile
  # 44 % JIT compiler): wait, up to 150 s, until both processes idle below 5 % of a core, so that the figures below are
  # not the JIT's. The last idle figures and the wait are recorded.
  settle=0
  while :; do
    i0=$(cpu_ms "${S_PID[candor-full-sqlite]}"); j0=$(cpu_ms "${S_PID[candor-full-pg]}"); k0=$(db_cpu_ms)
    sleep "$DUR"
    i1=$(cpu_ms "${S_PID[candor-full-sqlite]}"); j1=$(cpu_ms "${S_PID[candor-full-pg]}"); k1=$(db_cpu_ms)
    settle=$((settle + DUR))
    (((i1 - i0) < DUR * 50 && (j1 - j0) < DUR * 50)) && break
    ((settle < 150)) || { log "WARNING: the Candor processes still spend $((i1 - i0)) and $((j1 - j0)) ms per ${DUR} s idle"; break; }
  done
  record "{\"scenario\":\"full-pg-idle\",\"target\":\"candor-full-pg\",\"seconds\":$DUR,\"waited_s\":$settle,\"sqlite_cpu_ms\":$((i1 - i0)),\"pg_cpu_ms\":$((j1 - j0)),\"db_cpu_ms\":$((k1 - k0))}"
  for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
    order="candor-full-sqlite candor-full-pg"; ((ROUND % 2)) || order="candor-full-pg candor-full-sqlite"
    for label in $order; do
      TARGET_PID=${S_PID[$label]}
      for c in $store_conns; do run_wrk full-pg "$label" "$c" "${S_URL[$label]}" "$(chat_body bench-fast)" "${S_KEY[$label]}" "" "$DUR"; done
      run_loadgen full-pg-stream "$label" ",\"conns\":16" stream --url "${S_URL[$label]}" --body "$(chat_body bench-fast-t20 "$STREAM_OPTS")" \
        --headers "$(headers_json "authorization: Bearer ${S_KEY[$label]}")" --conns 16 --duration "$DUR"
    done
  done
  # Round trips: reset the counters, load the PostgreSQL process alone, read what ran. Npgsql sends BEGIN with the
  # transaction's first statement, so every other statement (COMMIT included) is one round trip.
  TARGET_PID=${S_PID[candor-full-pg]}
  for c in 1 64; do
    bench_psql candor -c "SELECT pg_stat_statements_reset()" >/dev/null
    redis-cli -p "$REDIS_PORT" CONFIG RESETSTAT >/dev/null
    run_wrk full-pg-count candor-full-pg "$c" "${S_URL[candor-full-pg]}" "$(chat_body bench-fast)" "${S_KEY[candor-full-pg]}" "" "$DUR"
    bench_psql candor -F $'\t' -c "SELECT calls, regexp_replace(query, '\\s+', ' ', 'g') FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'candor') AND query NOT LIKE '%pg_stat_statements%' ORDER BY calls DESC" \
      >"$TMP/full-pg-statements-c$c.tsv"
    redis-cli -p "$REDIS_PORT" INFO commandstats | tr -d '\r' | grep '^cmdstat_' >"$TMP/full-pg-redis-c$c.txt" || true
    statements=$(awk -F'\t' '$2 != "BEGIN" {n += $1} END {print n + 0}' "$TMP/full-pg-statements-c$c.tsv")
    commits=$(awk -F'\t' '$2 == "COMMIT" {n += $1} END {print n + 0}' "$TMP/full-pg-statements-c$c.tsv")
    # Commands the limiter's scripts run inside Redis are counted too: only the others are round trips.
    redis_calls=$(sed -n 's/^cmdstat_\([a-z|]*\):calls=\([0-9]*\).*/\1 \2/p' "$TMP/full-pg-redis-c$c.txt" \
      | awk '$1 !~ /^(config|info|time|hmget|hset|pexpire|zadd|zcard|zrem|zremrangebyscore)/ {n += $2} END {print n + 0}')
    record "{\"scenario\":\"full-pg-trips\",\"target\":\"candor-full-pg\",\"conns\":$c,\"requests\":$(tail -1 "$RESULTS" | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).result.requests))'),\"pg_round_trips\":$statements,\"pg_commits\":$commits,\"redis_commands\":$redis_calls}"
    log "full-pg round trips at c=$c: $(tail -1 "$RESULTS")"
  done
  stop "${S_PID[candor-full-sqlite]}"; stop "${S_PID[candor-full-pg]}"
  stop "$REDIS_PID"; pg_stop
fi

# ---- machine and report ----
cat >"$TMP/machine.json" <<EOF
{"date":"$(date -u +%Y-%m-%dT%H:%M:%SZ)","nproc":$(nproc),"cpu":"$(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)",
 "kernel":"$(uname -r)","dotnet":"$(dotnet --version)","node":"$(node -v)","nginx":"$("$NGINX" -v 2>&1 | sed 's/.*\///')",
 "wrk":"$(wrk -v 2>&1 | head -1 | awk '{print $2}')","portkey":"1.15.2","commit":"$(git rev-parse --short HEAD)",
 "quick":$QUICK,"duration_s":$DUR,"rounds":$ROUNDS,"nice":$NICE,"loadavg_start":"$LOAD_START","loadavg_end":"$(cut -d" " -f1-3 /proc/loadavg)"}
EOF
mkdir -p "$OUT"
node "$B/report.js" "$RESULTS" "$TMP/machine.json" "$OUT"
log "wrote $OUT/latest.{json,md,svg}"
