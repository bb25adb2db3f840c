# bench/lib.sh — the start-up bench/fsyncs.sh, bench/profile.sh and bench/switches.sh share (sourced, not run): the repository root, the
# Release builds (built first if missing), free and awaited ports, a data directory with a stored key, the "full"
# configuration of bench/run.sh, the emulator on core 1, the wait for a first answer, a bounded wrk load, and the
# clean-up on exit that stops every process the script started (by its pid, its children first), then runs the
# script's own `bench_cleanup` if it defines one. After sourcing: ROOT, B (bench/), CANDOR_DLL, EMU_DLL and PIDS are set
# and the working directory is the repository root.

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD B=$ROOT/bench
CANDOR_DLL=${CANDOR_DLL:-src/Candor.Server/bin/Release/net10.0/candor.dll}
EMU_DLL=${EMU_DLL:-src/Candor.Emulator/bin/Release/net10.0/Candor.Emulator.dll}
export BENCH_UPSTREAM_KEY=sk-bench-upstream DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Builds Candor and the emulator (Release) unless both DLLs are there.
bench_build() {
  if [[ ! -f $CANDOR_DLL || ! -f $EMU_DLL ]]; then
    dotnet build -c Release src/Candor.Server -nologo -v q
    dotnet build -c Release src/Candor.Emulator -nologo -v q
  fi
}

# A loopback port nothing answers on now.
free_port() { local p; while :; do p=$((20000 + RANDOM % 30000)); (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }; done; }

# Waits up to 30 s for a listener on port $1.
wait_port() {
  local i
  for i in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "port $1 did not open" >&2; return 1
}

PIDS=()
# Every started process by its pid, its children first (Candor under strace is strace's child), then the script's own.
bench_stop() {
  local p c
  for p in "${PIDS[@]}"; do
    for c in $(pgrep -P "$p" 2>/dev/null); do kill "$c" 2>/dev/null || true; done
    kill "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if declare -F bench_cleanup >/dev/null; then bench_cleanup; fi
}
trap bench_stop EXIT

# The value of field $1 of the JSON object on stdin.
json_field() { node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s)[process.argv[1]]))' "$1"; }

# A new data directory $1 with an account in credit and a key without practical limits; sets `key`.
bench_seed() {
  local data=$1 account cli=(dotnet "$CANDOR_DLL")
  "${cli[@]}" init --data "$data" >/dev/null
  account=$("${cli[@]}" accounts create --name bench --data "$data" | json_field id)
  "${cli[@]}" topup --account "$account" --amount 1000000 --data "$data" >/dev/null
  key=$("${cli[@]}" keys create --account "$account" --name bench --rpm 100000000 --tpm 2000000000 --data "$data" | json_field key)
  export BENCH_CLIENT_KEY=sk-bench-client-0123456789abcdef   # the config key of candor-bench.yaml (unused here)
}

# Writes run.sh's "full" configuration (candor-bench.yaml on the emulator's port, with redaction) to $1, and $2 (a YAML
# line) after it when given.
bench_full_config() {
  { sed "s/127.0.0.1:19100/127.0.0.1:$EMU_PORT/" "$B/candor-bench.yaml"
    printf '\nprivacy:\n  redaction: { email: pseudonymize, phone: pseudonymize, secret: mask, cn_id: block }\n'
    [[ -z ${2:-} ]] || printf '\n%s\n' "$2"; } >"$1"
}

# The emulator on core 1, at EMU_PORT, logging to $1.
bench_emulator() {
  taskset -c 1 dotnet "$EMU_DLL" --urls "http://127.0.0.1:$EMU_PORT" >"$1" 2>&1 &
  PIDS+=($!)
}

# Sets `url` and `body` unless set (a short chat completion of bench-fast) and waits for a first 200 from the target at
# CANDOR_PORT: the first answer can take seconds on a busy machine (JIT, the store's start).
bench_first_answer() {
  local i
  url=${url:-http://127.0.0.1:$CANDOR_PORT/v1/chat/completions}
  body=${body:-'{"model":"bench-fast","messages":[{"role":"user","content":"hi"}]}'}
  for i in $(seq 1 120); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H "authorization: Bearer $key" -H 'content-type: application/json' \
      -d "$body" "$url") == 200 ]] && break
    sleep 0.5
  done
}

# Right after the target was started in the background: records it as `candor` (and in PIDS), waits for the emulator's
# and its port, its first answer, and WARM seconds of load to warm it up.
bench_warm_up() {
  candor=$!
  PIDS+=("$candor")
  wait_port "$EMU_PORT"; wait_port "$CANDOR_PORT"
  bench_first_answer
  echo "warm-up ${WARM}s: $(load "$WARM")"
}

# $1 seconds of wrk on core 1 at CONNS connections; prints post.lua's JSON summary.
load() { BODY=$body API_KEY=$key taskset -c 1 wrk -t1 -c"$CONNS" -d"$1s" --timeout 10s -s "$B/post.lua" "$url" | sed -n 's/^JSON //p'; }
