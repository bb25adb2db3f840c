#!/usr/bin/env bash
# Request-body memory (docs/admission-control.md, issue 13 item 8): 24 concurrent 31 MB bodies from one stored key
# limited to --concurrency 1 --rpm 5, then the same from a configuration key (no key limits: only the server-wide
# body budget applies). Candor's resident memory before, at its peak and 10 s after each burst, and LATE s later. Loopback only,
# Candor pinned to core 0, curl and the emulator on core 1, every process started here stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
EMU_PORT=${EMU_PORT:-19530} CANDOR_PORT=${CANDOR_PORT:-19540} N=${N:-24} MB=${MB:-31}
CANDOR_DLL=${CANDOR_DLL:-src/Candor.Server/bin/Release/net10.0/candor.dll}
TMP=$(mktemp -d /tmp/candor-bodymem.XXXXXX)
export BENCH_UPSTREAM_KEY=sk-bench-upstream BENCH_CLIENT_KEY=sk-bench-client-0123456789abcdef DOTNET_CLI_TELEMETRY_OPTOUT=1
PIDS=()
cleanup() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; cp "$TMP/candor.log" "${KEEP_LOG:-/dev/null}" 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
wait_port() { local i; for i in $(seq 1 150); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
mb() { awk -v k="$2:" '$1 == k { printf "%d", $2 / 1024 }' "/proc/$1/status"; }

cat >"$TMP/candor.yaml" <<YAML
server:
  data_dir: $TMP/data
channels:
  - { id: up, provider: openai, base_url: "http://127.0.0.1:$EMU_PORT/v1", api_key_env: BENCH_UPSTREAM_KEY }
models:
  - { name: m, deployments: [{ channel: up, model: gpt-4o-mini }] }
keys:
  - { name: bench, key_env: BENCH_CLIENT_KEY }
YAML
CLI=(dotnet "$CANDOR_DLL")
"${CLI[@]}" init --data "$TMP/data" >/dev/null
ACCOUNT=$("${CLI[@]}" accounts create --name bench --data "$TMP/data" | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' | head -1)
"${CLI[@]}" topup --account "$ACCOUNT" --amount 100 --data "$TMP/data" >/dev/null
KEY=$("${CLI[@]}" keys create --account "$ACCOUNT" --name limited --concurrency 1 --rpm 5 --data "$TMP/data" | sed -n 's/.*"key": *"\([^"]*\)".*/\1/p')
taskset -c 1 dotnet src/Candor.Emulator/bin/Release/net10.0/Candor.Emulator.dll --urls "http://127.0.0.1:$EMU_PORT" >"$TMP/emulator.log" 2>&1 &
PIDS+=($!)
taskset -c 0 dotnet "$CANDOR_DLL" serve --config "$TMP/candor.yaml" --urls "http://127.0.0.1:$CANDOR_PORT" --log-level Information --no-watch >"$TMP/candor.log" 2>&1 &
CANDOR=$!
PIDS+=($CANDOR)
wait_port $EMU_PORT && wait_port $CANDOR_PORT
# A valid chat body of MB megabytes (one long user message).
python3 -c "import sys; n=$MB*1000*1000; sys.stdout.write('{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"' + 'a '*((n-100)//2) + '\"}]}')" >"$TMP/body.json"
curl -s -o /dev/null -H "Authorization: Bearer $BENCH_CLIENT_KEY" -H 'content-type: application/json' \
  -d '{"model":"m","messages":[{"role":"user","content":"hi"}]}' "http://127.0.0.1:$CANDOR_PORT/v1/chat/completions"
sleep 2
burst() {
  local key=$1 label=$2 before codes curls=()
  before=$(mb $CANDOR VmRSS)
  for _ in $(seq 1 "$N"); do
    taskset -c 1 curl -s -o /dev/null -w '%{http_code}\n' --max-time 120 -H "Authorization: Bearer $key" -H 'content-type: application/json' \
      --data-binary @"$TMP/body.json" "http://127.0.0.1:$CANDOR_PORT/v1/chat/completions" >>"$TMP/codes-$label" &
    curls+=($!)
  done
  wait "${curls[@]}" || true
  local peak=$(mb $CANDOR VmHWM) after_end=$(mb $CANDOR VmRSS)
  sleep 10
  codes=$(sort "$TMP/codes-$label" | uniq -c | awk '{printf "%s\"%s\":%s", (NR>1?",":""), $2, $1}')
  echo "{\"burst\":\"$label\",\"bodies\":$N,\"mb_each\":$MB,\"codes\":{$codes},\"rss_before_mb\":$before,\"rss_peak_mb_so_far\":$peak,\"rss_at_end_mb\":$after_end,\"rss_10s_later_mb\":$(mb $CANDOR VmRSS)}"
}
burst "$KEY" limited-key
burst "$BENCH_CLIENT_KEY" config-key
# The shared ArrayPool lets go of an array only after a minute unused, at a full collection (see NodeAdmission).
sleep "${LATE:-190}"
echo "{\"rss_$((${LATE:-190} + 10))s_after_the_last_burst_mb\":$(mb $CANDOR VmRSS)}"
grep -E "Admission|peaked" "$TMP/candor.log" | sed 's/^/log: /' >&2 || true
