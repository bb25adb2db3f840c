#!/usr/bin/env bash
# Durable writes per request with every feature on (issue 18): the "full" scenario of bench/run.sh (the emulator, Candor
# with a stored key, redaction, metering with durable settlement, a signed receipt stored and appended to the
# transparency log) under a bounded wrk load, with strace counting the Candor process's fsyncs, fdatasyncs, file writes
# (pwrite64/write) and renames during SECS seconds of load, classified by the file they touch. Loopback only; every process started
# here is stopped on exit. Not part of CI.
#
#   bench/fsyncs.sh                        # 64 connections, 5 s counted after 10 s warm-up
#   CONNS=16 SECS=10 bench/fsyncs.sh
#   CANDOR_DLL=/tmp/old/candor.dll EMU_DLL=/tmp/old/Candor.Emulator.dll bench/fsyncs.sh   # another build
#
# strace slows every traced system call (ptrace), so the request rate under it is lower than without: the figures are
# per request, and the rate is printed beside them (batching, hence the counts, depend on it). The SQLite WAL's fsyncs are not split by writer here (one
# connection writes them all): compare two builds, or count the group commits with the metrics.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
CONNS=${CONNS:-64} SECS=${SECS:-5} WARM=${WARM:-10}
OUT=${OUT:-$B/results/fsyncs}
# Ports: free ones by default (other benchmarks may hold fixed ones; wait_port would then find theirs).
EMU_PORT=${EMU_PORT:-$(free_port)} CANDOR_PORT=${CANDOR_PORT:-$(free_port)}
command -v strace >/dev/null || { echo "strace not found" >&2; exit 1; }
bench_build

rm -rf "$OUT"; mkdir -p "$OUT"
data=$OUT/data
bench_seed "$data"
bench_full_config "$OUT/candor-full.yaml"
bench_emulator "$OUT/emulator.log"
# Started under strace (seccomp-bpf stops only the traced calls, which an attach with -p cannot do); -ttt stamps each
# call so that only the counted window is kept.
taskset -c 0 strace -f --seccomp-bpf -ttt -y -qq -e trace=fsync,fdatasync,pwrite64,write,rename,renameat,renameat2 -e signal=none \
  -o "$OUT/strace.txt" dotnet "$CANDOR_DLL" serve --config "$OUT/candor-full.yaml" --data "$data" \
  --urls "http://127.0.0.1:$CANDOR_PORT" --log-level Warning --no-watch >"$OUT/candor.log" 2>&1 &
bench_warm_up
from=$(date +%s.%N)
result=$(load "$SECS")
to=$(date +%s.%N)
echo "counted ${SECS}s at $CONNS connections: $result" | tee "$OUT/summary.txt"
requests=$(node -e 'console.log(JSON.parse(process.argv[1]).requests)' "$result")
# One line per system call: "<pid> <epoch seconds> <call>(<fd></path>>, ...". Sockets and pipes are not files; the log directory is
# "log" under the data directory, its temporary files end in .tmp, directories are fsynced by path.
node - "$OUT/strace.txt" "$requests" "$data" "$from" "$to" <<'JS' | tee -a "$OUT/summary.txt"
const fs = require("fs");
const [file, requests, data, from, to] = [process.argv[2], Number(process.argv[3]), process.argv[4], Number(process.argv[5]), Number(process.argv[6])];
const counts = new Map();
const add = (k) => counts.set(k, (counts.get(k) || 0) + 1);
const isDirectory = (path) => { try { return fs.statSync(path).isDirectory(); } catch { return false; } };
const source = (path) => {
  if (isDirectory(path)) return "directory";
  if (/candor\.db-wal$/.test(path)) return "SQLite WAL";
  if (/candor\.db$/.test(path)) return "SQLite database file (checkpoints)";
  if (/candor\.db-shm$/.test(path)) return "SQLite shared memory";
  if (/entries\.journal$/.test(path)) return "log journal";
  if (/\/tile\/entries\//.test(path)) return "log entry bundles";
  if (/\/tile\//.test(path)) return "log tiles";
  if (/\/log\.checkpoint[^/]*$/.test(path)) return "checkpoint anchor (data directory)";
  if (/\/checkpoint[^/]*$/.test(path)) return "log checkpoint";
  return "other: " + path.replace(data, "$DATA");
};
for (const line of fs.readFileSync(file, "utf8").split("\n")) {
  const m = /^\d+\s+([\d.]+)\s+(\w+)\((?:\d+<([^>]*)>)?/.exec(line);
  if (!m || Number(m[1]) < from || Number(m[1]) > to) continue;
  const [, , call, path] = m;
  if (call.startsWith("rename")) { add(`rename\t${source((/"([^"]+)"/.exec(line)?.[1] ?? "?").replace(/\.\d+\.tmp$/, ""))}`); continue; }
  if (!path || path.startsWith("socket:") || path.startsWith("pipe:") || path.startsWith("anon_inode:") || path.startsWith("/dev/")) continue;
  add(`${call === "write" || call === "pwrite64" ? "write" : call}\t${source(path.replace(/\.\d+\.tmp$/, ""))}`);
}
console.log(`requests\t${requests}`);
console.log("call\tsource\tcount\tper request");
for (const [k, v] of [...counts].sort((a, b) => a[0].localeCompare(b[0]))) console.log(`${k}\t${v}\t${(v / requests).toFixed(3)}`);
JS
