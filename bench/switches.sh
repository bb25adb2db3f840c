#!/usr/bin/env bash
# Hand-offs per request with every feature on (issue 18): context switches, futex calls, sched_yield calls and nanosleep
# calls of the Candor process (and of each of its threads) per request, counted by `perf stat` over a bounded wrk load of
# run.sh's `full` scenario (the emulator on core 1; Candor on core 0 with a stored key, redaction, metering with durable
# settlement, a signed receipt stored in SQLite and appended to the transparency log). Counts, not times: they hold on a
# loaded machine (the batches, and so the counts per request, still depend on the rate: compare builds in one sitting).
# Loopback only; every process started here is stopped on exit. Not part of CI.
#
#   bench/switches.sh                           # 64 connections, 10 s warm-up, 10 s counted
#   CONNS=16 SECS=20 bench/switches.sh
#   CANDOR_DLL=/tmp/old/candor.dll OUT=/tmp/old-switches bench/switches.sh   # another build
set -euo pipefail
source "$(dirname "$0")/lib.sh"
CONNS=${CONNS:-64} SECS=${SECS:-10} WARM=${WARM:-10}
OUT=${OUT:-$B/results/switches}
EMU_PORT=${EMU_PORT:-23410} CANDOR_PORT=${CANDOR_PORT:-23411}
bench_build
rm -rf "$OUT"; mkdir -p "$OUT"
data=$OUT/data
bench_emulator "$OUT/emulator.log"
bench_seed "$data"
bench_full_config "$OUT/candor-full.yaml"
taskset -c 0 dotnet "$CANDOR_DLL" serve --config "$OUT/candor-full.yaml" --data "$data" \
  --urls "http://127.0.0.1:$CANDOR_PORT" --log-level Warning --no-watch >"$OUT/candor.log" 2>&1 &
bench_warm_up
events=context-switches,syscalls:sys_enter_futex,syscalls:sys_enter_sched_yield,syscalls:sys_enter_nanosleep,syscalls:sys_enter_clock_nanosleep,syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync
perf stat --per-thread -x, -e "$events" -p "$candor" -o "$OUT/perf.csv" -- sleep "$SECS" >/dev/null 2>&1 &
stat=$!
cpu_ticks() { awk '{print $14 + $15}' "/proc/$candor/stat"; }
t0=$(cpu_ticks)
result=$(load "$SECS")
t1=$(cpu_ticks)
wait "$stat" || true
requests=$(node -e 'console.log(JSON.parse(process.argv[1]).requests)' "$result")
echo "counted ${SECS}s: $result"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
# CPU (utime + stime, 10 ms ticks) per request: noise on a loaded machine; the counts below are the figures.
node -e 'const r = JSON.parse(process.argv[1]); console.log(`target CPU ms/request: ${((process.argv[2] - process.argv[3]) * 10 / r.requests).toFixed(3)}`)' \
  "$result" "$t1" "$t0"
# perf --per-thread -x, lines: thread (comm-tid), count, unit, event, ...; threads named by their comm without the tid.
awk -F, -v r="$requests" '
  $4 != "" && $2 ~ /^[0-9]+$/ {
    ev = $4; sub("syscalls:sys_enter_", "", ev); thread = $1; sub(/-[0-9]+$/, "", thread)
    total[ev] += $2; per[thread "\t" ev] += $2; threads[thread] = 1; events[ev] = 1
  }
  END {
    printf "per request over %d requests:\n", r
    for (e in events) printf "  %-16s %8.3f\n", e, total[e] / r
    printf "per request by thread (>= 0.005):\n"
    for (k in per) if (per[k] / r >= 0.005) { split(k, p, "\t"); printf "  %-22s %-16s %8.3f\n", p[1], p[2], per[k] / r }
  }' "$OUT/perf.csv" | tee "$OUT/summary.txt"
