#!/usr/bin/env bash
# Runs the hot-path microbenchmarks briefly and fails when any allocates more per operation than
# bench/micro-budget.json allows. Allocation figures are deterministic, so a short run suffices; the
# timings of such a run are indicative only. In-process: no generated project to build, so the check does not
# depend on how long a busy machine takes to compile one.
set -euo pipefail
cd "$(dirname "$0")/.."
artifacts=$(mktemp -d)
trap 'rm -rf "$artifacts"' EXIT
dotnet run -c Release --project bench/Candor.Benchmarks -- --filter '*' \
  --inProcess --warmupCount 1 --iterationCount 3 --launchCount 1 --exporters json --artifacts "$artifacts" > "$artifacts/log.txt" 2>&1 \
  || { tail -50 "$artifacts/log.txt"; exit 1; }
node - "$artifacts" <<'JS'
const fs = require("fs");
const dir = process.argv[2] + "/results";
const budget = JSON.parse(fs.readFileSync("bench/micro-budget.json", "utf8"));
let failed = 0, seen = 0;
for (const file of fs.readdirSync(dir).filter(f => f.endsWith("-full-compressed.json"))) {
  for (const b of JSON.parse(fs.readFileSync(`${dir}/${file}`, "utf8")).Benchmarks) {
    seen++;
    const bytes = b.Memory.BytesAllocatedPerOperation;
    const allowed = budget[b.Method];
    const ns = Math.round(b.Statistics.Mean);
    if (allowed === undefined) { console.log(`FAIL ${b.Method}: no budget in bench/micro-budget.json (${bytes} B/op)`); failed++; continue; }
    const ok = bytes <= allowed;
    if (!ok) failed++;
    console.log(`${ok ? "ok  " : "FAIL"} ${b.Method}: ${bytes} B/op (budget ${allowed}), ~${ns} ns/op`);
  }
}
if (seen === 0) { console.log("FAIL: no benchmark results"); process.exit(1); }
process.exit(failed ? 1 : 0);
JS
