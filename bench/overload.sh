#!/usr/bin/env bash
# Admission control under overload (docs/admission-control.md): Candor pinned to core 0, the emulator, wrk and the
# latency probe on core 1, loopback only, every run bounded in time, every process started here stopped on exit.
# The upstream answers after LATENCY_MS (a stand-in for a model), so the node's capacity is its in-flight bound
# divided by that latency. Phases: unloaded (the probe alone), then LOAD_X times the bound in wrk connections with
# the probe beside it. Prints one JSON line per phase, with Candor's peak and final resident memory and, for the
# overload phase, the CPU time Candor used during it per wrk request (nearly all of them refusals): the cost of a
# refusal, steadier than latencies on a shared machine. About 50 s a run with the defaults.
#   bench/overload.sh                      # defaults: 100 ms upstream, bound 256, 10x, 15 s per phase
#   LATENCY_MS=500 INFLIGHT=256 LOAD_X=10 DURATION=15 bench/overload.sh
set -euo pipefail
cd "$(dirname "$0")/.."
LATENCY_MS=${LATENCY_MS:-100} INFLIGHT=${INFLIGHT:-256} LOAD_X=${LOAD_X:-10} DURATION=${DURATION:-15}
MAX_CONNECTIONS=${MAX_CONNECTIONS:-4096} PROBE_CONNS=${PROBE_CONNS:-8} EMU_PORT=${EMU_PORT:-19510} CANDOR_PORT=${CANDOR_PORT:-19520}
CANDOR_DLL=${CANDOR_DLL:-src/Candor.Server/bin/Release/net10.0/candor.dll}
TMP=$(mktemp -d /tmp/candor-overload.XXXXXX)
export BENCH_UPSTREAM_KEY=sk-bench-upstream BENCH_CLIENT_KEY=sk-bench-client-0123456789abcdef DOTNET_CLI_TELEMETRY_OPTOUT=1
PIDS=()
cleanup() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
wait_port() { local i; for i in $(seq 1 150); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 did not open" >&2; return 1; }
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
# CPU time a process has used, in ms (user + system; /proc/PID/stat fields 14 and 15, in clock ticks).
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) * 1000 / hz }' "/proc/$1/stat"; }

cat >"$TMP/candor.yaml" <<YAML
server:
  max_attempts: 1
  max_in_flight_requests: $INFLIGHT
  max_connections: $MAX_CONNECTIONS
channels:
  - { id: up, provider: openai, base_url: "http://127.0.0.1:$EMU_PORT/x/latency_ms=$LATENCY_MS;reply=hello%20world/v1", api_key_env: BENCH_UPSTREAM_KEY }
models:
  - { name: m, deployments: [{ channel: up, model: gpt-4o-mini }] }
keys:
  - { name: bench, key_env: BENCH_CLIENT_KEY }
YAML
taskset -c 1 dotnet src/Candor.Emulator/bin/Release/net10.0/Candor.Emulator.dll --urls "http://127.0.0.1:$EMU_PORT" >"$TMP/emulator.log" 2>&1 &
PIDS+=($!)
taskset -c 0 dotnet "$CANDOR_DLL" serve --config "$TMP/candor.yaml" --urls "http://127.0.0.1:$CANDOR_PORT" --log-level Warning --no-watch >"$TMP/candor.log" 2>&1 &
CANDOR=$!
PIDS+=($CANDOR)
wait_port $EMU_PORT
wait_port $CANDOR_PORT
URL=http://127.0.0.1:$CANDOR_PORT/v1/chat/completions
BODY='{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":20}'
probe() { taskset -c 1 node bench/probe.js --url "$URL" --body "$BODY" --key "$BENCH_CLIENT_KEY" --conns "$PROBE_CONNS" --duration "$1" | sed -n 's/^JSON //p'; }

probe 5 >/dev/null   # warm-up (JIT tiers)
echo "{\"phase\":\"unloaded\",\"latency_ms\":$LATENCY_MS,\"probe_conns\":$PROBE_CONNS,\"probe\":$(probe "$DURATION"),\"rss_kb\":$(kb $CANDOR VmRSS)}"
CONNS=$((INFLIGHT * LOAD_X))
ulimit -n 65536 2>/dev/null || true
CPU0=$(cpu_ms $CANDOR)
BODY=$BODY API_KEY=$BENCH_CLIENT_KEY taskset -c 1 wrk -t1 -c"$CONNS" -d"$((DURATION + 2))s" --timeout 10s --latency -s bench/post.lua "$URL" >"$TMP/wrk.out" 2>&1 &
WRK=$!
PIDS+=($WRK)
sleep 2
P=$(probe "$DURATION")
wait $WRK || true
CPU=$(( $(cpu_ms $CANDOR) - CPU0 ))
W=$(sed -n 's/^JSON //p' "$TMP/wrk.out")
REQS=$(printf '%s' "$W" | sed -n 's/.*"requests":\([0-9]*\).*/\1/p')
echo "{\"phase\":\"overload\",\"latency_ms\":$LATENCY_MS,\"inflight_bound\":$INFLIGHT,\"wrk_conns\":$CONNS,\"probe\":$P,\"wrk\":${W:-null},\"candor_cpu_ms\":$CPU,\"candor_cpu_us_per_wrk_request\":$(( REQS > 0 ? CPU * 1000 / REQS : 0 )),\"rss_peak_kb\":$(kb $CANDOR VmHWM),\"rss_kb\":$(kb $CANDOR VmRSS),\"alive\":$(kill -0 $CANDOR 2>/dev/null && echo true || echo false)}"
grep -c "Admission: shedding" "$TMP/candor.log" | sed 's/^/shedding reports: /' >&2 || true
