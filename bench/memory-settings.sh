#!/usr/bin/env bash
# Runtime settings against resident memory (issue 18, per-stream memory): for each setting and each target, a fresh
# process pinned to core 0 (the emulator, wrk and the load generator on core 1), as bench/run.sh runs them:
#   1. warm-up: wrk, 16 connections, WARM s of non-streamed chat;
#   2. CPU per request: wrk, 64 connections, DUR s (CPU time of the process / requests answered);
#   3. idle resident memory 2 s later;
#   4. CONNS slow streams at once (the 'slow' scenario: first token after 500 ms, 50 tokens 200 ms apart, about 10 s
#      open), resident memory sampled every 0.2 s, the peak kept; per stream = (peak - idle) / CONNS;
#   5. with GCDUMP=1, a dotnet-gcdump of the live managed heap idle (after the idle RSS) and once every stream is open
#      (dotnet tool install dotnet-gcdump --tool-path /tmp/tools-mem); managed KB per stream = (open - idle) / CONNS.
#      A dump forces a full collection: take RSS figures from runs without it. The open dump waits DUMP_AFTER s
#      (default 3) after the last stream connected, so that the streams are past their first event (relaying, the
#      upstream silent between events) rather than still waiting for admission or the upstream's head; the idle
#      process's /proc/PID/smaps is kept beside the dumps (which mapping holds what);
#   6. the idle resident memory by kind (/proc/PID/smaps at step 3): anonymous (GC heap, native heaps, thread stacks),
#      mapped .so and .dll images, the runtime's double-mapped code and loader heaps, and other mappings.
# Targets: candor-full (every feature on: stored key, metering with durable settlement, redaction, a signed receipt
# stored and appended to the transparency log — bench/run.sh's start_full) and yarp (bench/Candor.Bench.Yarp).
# Loopback only, own ports (not bench/run.sh's), every process started here stopped on exit. One JSON line per run
# on stdout and in $OUT/memory-settings.jsonl.
#
#   bench/memory-settings.sh                                   # the settings below, both targets
#   SETTINGS='base|;noconc|DOTNET_gcConcurrent=0' TARGETS=candor-full bench/memory-settings.sh
#   CANDOR_DLL=/tmp/x/candor.dll SKIP_BUILD=1 bench/memory-settings.sh
#   CANDOR_EXE=/tmp/aot/candor TARGETS=candor-full SKIP_BUILD=1 bench/memory-settings.sh   # a Native AOT build
#   PROMPT_BYTES=16384 GCDUMP=1 SETTINGS='base|' TARGETS=candor-full bench/memory-settings.sh  # a 16 KB prompt per stream
#
# A setting is "label|NAME=value NAME=value" (environment variables of the process under test; empty for the
# defaults). Candor adds DOTNET_TC_DelaySingleProcMultiplier=1, DOTNET_GCgen0size=0x200000 and
# DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 to itself on one CPU
# (Hosting/OneCpuRuntime.cs) unless set; YARP is given the same three here, as bench/run.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD B=$ROOT/bench
EMU_PORT=${EMU_PORT:-23600} CANDOR_PORT=${CANDOR_PORT:-23601} YARP_PORT=${YARP_PORT:-23602}
CONNS=${CONNS:-1000} WARM=${WARM:-8} DUR=${DUR:-5}
TARGETS=${TARGETS:-candor-full,yarp}
SETTINGS=${SETTINGS:-"base|;noconc|DOTNET_gcConcurrent=0;conserve|DOTNET_GCConserveMemory=5;retainvm|DOTNET_GCRetainVM=1;gen0-1m|DOTNET_GCgen0size=0x100000;gen0-4m|DOTNET_GCgen0size=0x400000;notiered|DOTNET_TieredCompilation=0;nopgo|DOTNET_TieredPGO=0;server|DOTNET_gcServer=1"}
CANDOR_DLL=${CANDOR_DLL:-src/Candor.Server/bin/Release/net10.0/candor.dll}
# CANDOR_EXE: a native build to measure instead (a Native AOT publish: CANDOR_EXE=/tmp/aot/candor).
if [[ -n ${CANDOR_EXE:-} ]]; then CANDOR=("$CANDOR_EXE"); else CANDOR=(dotnet "$CANDOR_DLL"); fi
YARP_DLL=${YARP_DLL:-$B/Candor.Bench.Yarp/bin/Release/net10.0/Candor.Bench.Yarp.dll}
EMU_DLL=${EMU_DLL:-src/Candor.Emulator/bin/Release/net10.0/Candor.Emulator.dll}
OUT=${OUT:-$B/results/memory}
TMP=$(mktemp -d /tmp/candor-memset.XXXXXX)
export BENCH_UPSTREAM_KEY=sk-bench-upstream BENCH_CLIENT_KEY=sk-bench-client-0123456789abcdef DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
PIDS=()
cleanup() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
wait_port() { local i; for i in $(seq 1 1200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; log "port $1 did not open"; return 1; }
threads() { awk '$1 == "Threads:" {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
rss_kb() { awk '$1 == "VmRSS:" {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# Idle RSS by kind, KB: anonymous; mapped .dll/.so images; the runtime's double-mapped memory (with W^X on, the
# default: JIT'd code, stubs and loader heaps live in a memfd mapped twice, "doublemapper"); the rest.
rss_kinds() { awk '/^[0-9a-f]+-[0-9a-f]+ / {name = $6} /^Rss:/ {if (name == "" || name ~ /^\[/) a += $2; else if (name ~ /\.(dll|so)(\.[0-9.]+)?$/) f += $2; else if (name ~ /doublemapper/) d += $2; else o += $2}
  END {printf "%d %d %d %d", a, f, d, o}' "/proc/$1/smaps" 2>/dev/null || echo "0 0 0 0"; }
cpu_ms() { sed 's/.*) //' "/proc/$1/stat" | awk -v hz="$(getconf CLK_TCK)" '{print int(($12 + $13) * 1000 / hz)}'; }
mkdir -p "$OUT"
ulimit -n 65536 2>/dev/null || true

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  log "building (Release)"
  dotnet build -c Release src/Candor.Server -nologo -v q | grep -E " error |warn" || true
  dotnet build -c Release "$B/Candor.Bench.Yarp" -nologo -v q | grep -E " error |warn" || true
fi

taskset -c 1 dotnet "$EMU_DLL" --urls "http://127.0.0.1:$EMU_PORT" >"$TMP/emulator.log" 2>&1 &
PIDS+=($!)
wait_port "$EMU_PORT"

# Every feature on, as bench/run.sh's start_full: the bench configuration on this script's emulator port, a
# redaction policy, a data directory with a funded account and a stored key.
json_field() { node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s)[process.argv[1]]))' "$1"; }
{ sed "s/127.0.0.1:19100/127.0.0.1:$EMU_PORT/g" "$B/candor-bench.yaml"
  printf '\nprivacy:\n  redaction: { email: pseudonymize, phone: pseudonymize, secret: mask, cn_id: block }\n'; } >"$TMP/full.yaml"

# PROMPT_BYTES: the slow streams' prompt padded to about that many bytes of words (default "hi"), to see what a stream
# holds of its request for as long as it is open.
PROMPT=hi
if [[ -n ${PROMPT_BYTES:-} ]]; then PROMPT=$(node -e 'console.log("lorem ipsum dolor sit amet ".repeat(Math.ceil(+process.argv[1] / 27)).slice(0, +process.argv[1]))' "$PROMPT_BYTES"); fi
chat() { printf '{"model":"%s","messages":[{"role":"user","content":"%s"}]%s}' "$1" "${3:-hi}" "${2:-}"; }
STREAM=',"stream":true,"stream_options":{"include_usage":true}'

run_one() {
  local label=$1 envs=$2 target=$3 url slow_url fast_model slow_model key pid c0 c1 wrk_out idle peak after gc=""
  local -a env_args all_args
  read -r -a all_args <<<"$envs"
  # CPUS=0,1 in a setting is the cores the process under test gets (default 0), not an environment variable.
  local cpus=0 a
  env_args=()
  for a in "${all_args[@]}"; do if [[ $a == CPUS=* ]]; then cpus=${a#CPUS=}; else env_args+=("$a"); fi; done
  if [[ $target == candor-full ]]; then
    local data=$TMP/data-$label
    "${CANDOR[@]}" init --data "$data" >/dev/null
    local account
    account=$("${CANDOR[@]}" accounts create --name bench --data "$data" | json_field id)
    "${CANDOR[@]}" topup --account "$account" --amount 1000000 --data "$data" >/dev/null
    key=$("${CANDOR[@]}" keys create --account "$account" --name bench --rpm 100000000 --tpm 2000000000 --data "$data" | json_field key)
    env "${env_args[@]}" taskset -c "$cpus" "${CANDOR[@]}" serve --config "$TMP/full.yaml" --data "$data" \
      --urls "http://127.0.0.1:$CANDOR_PORT" --log-level Warning --no-watch >"$TMP/candor-$label.log" 2>&1 &
    pid=$!; wait_port "$CANDOR_PORT"
    url="http://127.0.0.1:$CANDOR_PORT/v1/chat/completions"; slow_url=$url; fast_model=bench-fast; slow_model=bench-slow
  else
    key=sk-x
    env DOTNET_TC_DelaySingleProcMultiplier=1 DOTNET_GCgen0size=0x200000 DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 "${env_args[@]}" taskset -c "$cpus" dotnet "$YARP_DLL" \
      --urls "http://127.0.0.1:$YARP_PORT" --upstream "http://127.0.0.1:$EMU_PORT" >"$TMP/yarp-$label.log" 2>&1 &
    pid=$!; wait_port "$YARP_PORT"
    url="http://127.0.0.1:$YARP_PORT/x/reply=hello%20world/v1/chat/completions"
    slow_url="http://127.0.0.1:$YARP_PORT/x/ttft_ms=500;chunk_ms=200;tokens=50/v1/chat/completions"
    fast_model=gpt-4o-mini; slow_model=gpt-4o-mini
  fi
  PIDS+=("$pid")
  BODY=$(chat "$fast_model") API_KEY=$key taskset -c 1 wrk -t1 -c16 -d"${WARM}s" --timeout 10s -s "$B/post.lua" "$url" >/dev/null
  c0=$(cpu_ms "$pid")
  wrk_out=$(BODY=$(chat "$fast_model") API_KEY=$key taskset -c 1 wrk -t1 -c64 -d"${DUR}s" --timeout 10s --latency -s "$B/post.lua" "$url" | sed -n 's/^JSON //p')
  c1=$(cpu_ms "$pid")
  sleep 2
  idle=$(rss_kb "$pid"); local idle_threads
  idle_threads=$(threads "$pid")
  local kinds
  kinds=$(rss_kinds "$pid")
  [[ ${GCDUMP:-0} != 1 ]] || cp "/proc/$pid/smaps" "$OUT/$target-$label-idle.smaps" 2>/dev/null || true
  rm -f "$TMP/done"
  (p=0 t=0; while [[ ! -f $TMP/done ]] && kill -0 "$pid" 2>/dev/null; do
     r=$(rss_kb "$pid"); ((r > p)) && p=$r; n=$(threads "$pid"); ((n > t)) && t=$n; echo "$p $t" >"$TMP/peak"; sleep 0.2; done) &
  local sampler=$!
  if [[ ${GCDUMP:-0} == 1 ]]; then
    /tmp/tools-mem/dotnet-gcdump collect -p "$pid" -o "$OUT/$target-$label-idle.gcdump" >/dev/null 2>&1 || true
    # The second dump once every stream is open (established connections to the port under test; at most 60 s).
    local port=${url#http://127.0.0.1:}
    port=${port%%/*}
    (for _ in $(seq 1 300); do
       n=$(ss -Htn state established "( sport = :$port )" | wc -l); ((n >= CONNS)) && break; sleep 0.2; done
     sleep "${DUMP_AFTER:-3}"
     n=$(ss -Htn state established "( sport = :$port )" | wc -l)
     echo "$n" >"$TMP/open-at-dump"
     /tmp/tools-mem/dotnet-gcdump collect -p "$pid" -o "$OUT/$target-$label-open.gcdump" >/dev/null 2>&1 || true) &
    gc=$!
  fi
  local slow_out
  slow_out=$(taskset -c 1 node "$B/loadgen.js" slow --url "$slow_url" --body "$(chat "$slow_model" "$STREAM" "$PROMPT")" \
    --headers "{\"authorization\":\"Bearer $key\"}" --conns "$CONNS" --timeout 60 | sed -n 's/^JSON //p')
  touch "$TMP/done"; wait "$sampler" || true
  [[ -z $gc ]] || wait "$gc" || true
  local peak_threads
  read -r peak peak_threads <"$TMP/peak"; after=$(rss_kb "$pid")
  local reqs
  reqs=$(node -e 'const r = JSON.parse(process.argv[1] || "{}"); console.log(r.requests || 0)' "$wrk_out")
  local heap_idle=0 heap_open=0
  if [[ -n $gc ]]; then
    heap_idle=$(/tmp/tools-mem/dotnet-gcdump report "$OUT/$target-$label-idle.gcdump" 2>/dev/null | awk '/GC Heap bytes/ {gsub(",", "", $1); print $1}')
    heap_open=$(/tmp/tools-mem/dotnet-gcdump report "$OUT/$target-$label-open.gcdump" 2>/dev/null | awk '/GC Heap bytes/ {gsub(",", "", $1); print $1}')
  fi
  local line
  line=$(node -e '
    const [label, target, envs, idle, peak, after, conns, cpu, reqs, wrk, slow, load, it, pt, hi, ho, od, kinds] = process.argv.slice(1);
    const [anon, files, doubled, other] = (kinds || "0 0 0 0").split(" ").map(Number);
    const w = JSON.parse(wrk || "{}"), s = JSON.parse(slow || "{}");
    console.log(JSON.stringify({ setting: label, target, env: envs, rss_idle_mb: +(idle / 1024).toFixed(1),
      rss_peak_mb: +(peak / 1024).toFixed(1), rss_after_mb: +(after / 1024).toFixed(1), conns: +conns,
      kb_per_stream: +((peak - idle) / conns).toFixed(1), rss_idle_anon_mb: +(anon / 1024).toFixed(1),
      rss_idle_images_mb: +(files / 1024).toFixed(1), rss_idle_code_mb: +(doubled / 1024).toFixed(1),
      rss_idle_other_mb: +(other / 1024).toFixed(1), streams_ok: s.ok, rps: w.rps,
      cpu_ms_per_req: reqs > 0 ? +(cpu / reqs).toFixed(4) : null, p99_ms: w.p99_ms, threads_idle: +it, threads_peak: +pt,
      ...(+ho > 0 ? { heap_idle_mb: +(hi / 1048576).toFixed(1), heap_open_mb: +(ho / 1048576).toFixed(1), heap_kb_per_stream: +((ho - hi) / 1024 / conns).toFixed(1), open_at_dump: +od } : {}), load }));
  ' "$label" "$target" "$envs" "$idle" "$peak" "$after" "$CONNS" "$((c1 - c0))" "$reqs" "$wrk_out" "$slow_out" "$(cut -d' ' -f1-3 /proc/loadavg)" "$idle_threads" "$peak_threads" "${heap_idle:-0}" "${heap_open:-0}" "$(cat "$TMP/open-at-dump" 2>/dev/null || echo 0)" "$kinds")
  echo "$line" | tee -a "$OUT/memory-settings.jsonl"
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
}

IFS=';' read -r -a settings <<<"$SETTINGS"
IFS=',' read -r -a targets <<<"$TARGETS"
for s in "${settings[@]}"; do
  for t in "${targets[@]}"; do
    log "$t: ${s%%|*} (${s#*|})"
    run_one "${s%%|*}" "${s#*|}" "$t"
  done
done
