#!/usr/bin/env bash
# Start-up time (issue 18): from process start to the first answered chat request (a 200 through the emulator), the
# median of N starts, for each build of Candor: JIT (the default Release build), ReadyToRun (PublishReadyToRun) and,
# with AOT=1, Native AOT when it builds. Every feature on: a data directory with a stored key (admission, metering,
# settlement, a signed receipt, the transparency log) and the bench's redaction policy. Loopback only; every process
# started here is stopped on exit. The load average is printed beside the figures: on a busy machine they move.
#
#   bench/startup.sh                 # N=7 starts of each variant (jit, r2r)
#   N=11 VARIANTS=jit,r2r bench/startup.sh
#   AOT=1 bench/startup.sh           # also try Native AOT (reported as not built when publishing fails)
#   SKIP_BUILD=1 bench/startup.sh    # use the builds already under $OUT
#   SKIP_BUILD=1 VARIANTS=jit JIT_DLL=src/Candor.Server/bin/Release/net10.0/candor.dll bench/startup.sh   # the Release build
set -euo pipefail
cd "$(dirname "$0")/.."
B=$PWD/bench
N=${N:-7}
OUT=${OUT:-$B/results/startup}
VARIANTS=${VARIANTS:-jit,r2r}
[[ ${AOT:-0} == 1 ]] && VARIANTS+=",aot"
EMU_PORT=${EMU_PORT:-23410} CANDOR_PORT=${CANDOR_PORT:-23411}
RID=${RID:-linux-x64}
export BENCH_UPSTREAM_KEY=sk-bench-upstream DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

PIDS=()
cleanup() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
mkdir -p "$OUT"

# ---- builds: each variant is a command line that runs `candor` ----
declare -A RUN
build() {
  case $1 in
    jit)
      [[ ${SKIP_BUILD:-0} == 1 ]] || dotnet publish -c Release src/Candor.Server -o "$OUT/jit" -nologo -v q >"$OUT/jit.build.log" 2>&1
      RUN[jit]="dotnet ${JIT_DLL:-$OUT/jit/candor.dll}" ;;
    r2r)
      [[ ${SKIP_BUILD:-0} == 1 ]] || dotnet publish -c Release src/Candor.Server -r "$RID" --self-contained false -p:PublishReadyToRun=true \
        -o "$OUT/r2r" -nologo -v q >"$OUT/r2r.build.log" 2>&1
      RUN[r2r]="dotnet $OUT/r2r/candor.dll" ;;
    aot)
      if [[ ${SKIP_BUILD:-0} == 1 ]] || dotnet publish -c Release src/Candor.Server -r "$RID" -p:PublishAot=true \
        -o "$OUT/aot" -nologo -v q >"$OUT/aot.build.log" 2>&1; then
        RUN[aot]="$OUT/aot/candor"
      else
        log "aot: not built (see $OUT/aot.build.log)"
      fi ;;
  esac
}
IFS=',' read -r -a variants <<<"$VARIANTS"
for v in "${variants[@]}"; do log "building $v"; build "$v"; done
[[ -n ${RUN[jit]:-} ]] || RUN[jit]="dotnet ${JIT_DLL:-$OUT/jit/candor.dll}"

# ---- the emulator and one data directory with a stored key (made with the JIT build's CLI) ----
dotnet src/Candor.Emulator/bin/Release/net10.0/Candor.Emulator.dll --urls "http://127.0.0.1:$EMU_PORT" >"$OUT/emulator.log" 2>&1 &
PIDS+=($!)
json_field() { node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s)[process.argv[1]]))' "$1"; }
data=$OUT/data
rm -rf "$data"
cli=(${RUN[jit]})
"${cli[@]}" init --data "$data" >/dev/null
account=$("${cli[@]}" accounts create --name bench --data "$data" | json_field id)
"${cli[@]}" topup --account "$account" --amount 1000000 --data "$data" >/dev/null
key=$("${cli[@]}" keys create --account "$account" --name bench --rpm 100000000 --tpm 2000000000 --data "$data" | json_field key)
export BENCH_CLIENT_KEY=$key
{ sed "s/127.0.0.1:19100/127.0.0.1:$EMU_PORT/" "$B/candor-bench.yaml"
  printf '\nprivacy:\n  redaction: { email: pseudonymize, phone: pseudonymize, secret: mask, cn_id: block }\n'; } >"$OUT/candor.yaml"
for i in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$EMU_PORT") 2>/dev/null && break; sleep 0.1; done

body='{"model":"bench-fast","messages":[{"role":"user","content":"hi"}]}'
# One start: ms from exec to the first 200 answer of a chat request (polled every 5 ms), or "fail".
one_start() {
  local t0 t1 pid code
  t0=$(date +%s%N)
  ${RUN[$1]} serve --config "$OUT/candor.yaml" --data "$data" --urls "http://127.0.0.1:$CANDOR_PORT" --log-level Warning --no-watch \
    >"$OUT/$1.serve.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  code=000
  while kill -0 "$pid" 2>/dev/null; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H "authorization: Bearer $key" -H 'content-type: application/json' \
      -d "$body" "http://127.0.0.1:$CANDOR_PORT/v1/chat/completions" 2>/dev/null || true)
    [[ $code == 200 ]] && break
    (( ($(date +%s%N) - t0) / 1000000 > 120000 )) && break
    sleep 0.005
  done
  t1=$(date +%s%N)
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [[ $code == 200 ]] && echo $(((t1 - t0) / 1000000)) || echo fail
}

load=$(cut -d' ' -f1-3 /proc/loadavg)
printf '| build | starts | median ms | min ms | max ms |\n|---|---|---|---|---|\n' >"$OUT/startup.md"
for v in "${variants[@]}"; do
  [[ -n ${RUN[$v]:-} ]] || continue
  times=()
  for i in $(seq 1 "$N"); do times+=("$(one_start "$v")"); done
  log "$v: ${times[*]}"
  sorted=$(printf '%s\n' "${times[@]}" | grep -v fail | sort -n)
  count=$(grep -c . <<<"$sorted" || true)
  [[ $count -gt 0 ]] || { echo "| $v | 0 of $N answered | | | |" >>"$OUT/startup.md"; continue; }
  median=$(sed -n "$(((count + 1) / 2))p" <<<"$sorted")
  echo "| $v | $count of $N | $median | $(head -1 <<<"$sorted") | $(tail -1 <<<"$sorted") |" >>"$OUT/startup.md"
done
echo "load average at start: $load; at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/startup.md"
cat "$OUT/startup.md"
