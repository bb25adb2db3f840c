#!/usr/bin/env node
// Summarises a speedscope profile converted from an EventPipe sampled-thread-time trace (bench/profile.sh).
// EventPipe samples managed stacks only: a sample ends in CPU_TIME (managed code running) or UNMANAGED_CODE_TIME
// (native code, where a wait, an fsync and SQLite's own work look alike). The stage shares count CPU_TIME samples
// of threads doing work (not the thread pool spinning while idle), as shares of that managed on-CPU time:
//  - per stage of the request path: inclusive (the stage's frames anywhere on the stack) and owned (the innermost
//    stage on the stack: the stage's own code plus the library code it calls, e.g. SQLite under the settlement);
//  - the top methods by exclusive (self) time and by inclusive time; then native time by its managed entry point.
// Async continuations start new stacks, so "inclusive" counts a stage's synchronous part of each continuation.
//
//   node bench/profile-summary.js candor.speedscope.json [topN]
'use strict';
const fs = require('fs');
const [file, topArg] = process.argv.slice(2);
const top = Number(topArg || 30);
const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
const frames = doc.shared.frames.map((f) => f.name);

// Innermost frames of a thread that is not running code.
const waiting = /(WaitHandle\.Wait|WaitOneNoCheck|WaitForSignal|LowLevelLifoSemaphore|LowLevelMonitor\.Wait|Monitor\.Wait|Thread\.Sleep|SleepInternal|WaitForSocketEvents|epoll|SocketAsyncEngine\.EventLoop|WaitSubsystem|Interop\+Kernel32\.WaitFor|ManualResetEventSlim\.Wait|SemaphoreSlim\.Wait\b|SpinWait|Thread\.Join|Process\.WaitFor|Console.*Read|WaitForPendingFinalizers|EventPipe|DiagnosticServer|TimerQueue\.TimerThread|WaitCore|Timer.*Wait)/;

// Stages of the request path, innermost first when one frame matches several (the order of this list decides).
const stages = [
  ['signature (Ed25519)', /(Ed25519|NSec|ReceiptSigner|Sodium|Org\.BouncyCastle)/],
  ['canonical JSON (JCS)', /(Candor\.Core\.Receipts\.Jcs|CanonicalJsonWriter)/],
  ['transparency log append', /(ReceiptLogAppender|Candor\.Transparency|TransparencyLog|Merkle)/],
  ['settlement / group commit (SQLite)', /(GroupCommit|Settlement|Settle|SqliteStore|RelationalStore|StoreDatabase|Microsoft\.Data\.Sqlite|SQLitePCL)/],
  ['receipt building', /(Candor\.Core\.Receipts|RelayReceipts)/],
  ['redaction', /(Candor\.Core\.Privacy|Redact)/],
  ['metering / token count', /(RequestMeter|Metering|TokenCounter|TokenEstimator|Tiktoken|Candor\.Core\.Billing)/],
  ['key lookup', /(KeyHasher|KeyStore|KeyLookup|ApiKey|StoredKey|KeyCache)/],
  ['admission pipeline', /(Candor\.Core\.Relay\.Pipeline|Candor\.Core\.Admission|NodeAdmission|AdmissionGate)/],
  ['routing (Candor)', /(Candor\.Core\.Routing)/],
  ['metrics / telemetry', /(System\.Diagnostics\.Metrics|OpenTelemetry|RelayTelemetry|CandorTracing|System\.Diagnostics\.Activity|DiagnosticListener|HostingMetrics)/],
  ['logging', /(Microsoft\.Extensions\.Logging|LogMessages)/],
  ['protocol decode/encode (Candor.Protocols)', /(Candor\.Protocols)/],
  ['JSON (System.Text.Json)', /(System\.Text\.Json)/],
  ['relay (Candor.Core.Relay, Server surfaces)', /(Candor\.Core\.Relay|Candor\.Core\.Upstream|Candor\.Server)/],
  ['YARP forwarder (Yarp.ReverseProxy)', /(Yarp\.ReverseProxy)/],
  ['HttpClient (System.Net.Http)', /(System\.Net\.Http)/],
  ['sockets', /(System\.Net\.Sockets)/],
  ['ASP.NET Core hosting/routing/HTTP', /(Microsoft\.AspNetCore\.(Hosting|Routing|Http)|Microsoft\.AspNetCore\.Builder)/],
  ['Kestrel', /(Microsoft\.AspNetCore\.Server\.Kestrel|System\.IO\.Pipelines)/],
  ['thread pool / async machinery', /(System\.Threading|System\.Runtime\.CompilerServices)/],
];

const selfTime = new Map(), inclTime = new Map();
const stageIncl = new Map(), stageOwned = new Map();
let onCpu = 0, offCpu = 0, spinning = 0, finalizer = 0;
const add = (m, k, v) => m.set(k, (m.get(k) || 0) + v);

// TraceEvent ends each sample's stack with a pseudo-frame: CPU_TIME (managed code running) or UNMANAGED_CODE_TIME
// (native code: a wait, or work such as SQLite's, a socket call or an fsync — EventPipe cannot tell which). Only
// CPU_TIME samples count as on-CPU; native time is listed apart, by the managed frame that called into it.
const nativeTime = new Map();
function account(full, weight) {
  if (full.length === 0) return;
  const pseudo = frames[full[full.length - 1]];
  const stack = full.slice(0, -1);
  if (pseudo !== 'CPU_TIME') {
    if (pseudo === 'UNMANAGED_CODE_TIME' && stack.length) add(nativeTime, frames[stack[stack.length - 1]], weight);
    offCpu += weight;
    return;
  }
  if (stack.length === 0) return;
  const leaf = frames[stack[stack.length - 1]];
  // Managed code of an idle thread: the thread pool's spin before it blocks, a wait's own bookkeeping.
  if (waiting.test(leaf) || /PollGC|WorkerThreadStart\(\)$/.test(leaf)) { spinning += weight; return; }
  // The finalizer thread (the shared ArrayPool's trim after a gen2 GC, sampled while the GC holds it): not the request path.
  if (stack.some((f) => /GC\.RunFinalizers/.test(frames[f]))) { finalizer += weight; return; }
  onCpu += weight;
  add(selfTime, leaf, weight);
  const seen = new Set();
  for (const f of stack) if (!seen.has(f)) { seen.add(f); add(inclTime, frames[f], weight); }
  const hit = new Set();
  let owner = null;
  for (let i = stack.length - 1; i >= 0; i--) {
    const name = frames[stack[i]];
    for (const [stage, re] of stages) {
      if (re.test(name)) {
        if (owner === null) owner = stage;
        hit.add(stage);
        break;
      }
    }
  }
  for (const s of hit) add(stageIncl, s, weight);
  add(stageOwned, owner || '(other: runtime, BCL, unattributed)', weight);
}

for (const p of doc.profiles) {
  if (p.type === 'sampled') {
    p.samples.forEach((s, i) => account(s, p.weights[i]));
  } else {
    const stack = [];
    let last = p.startValue;
    for (const e of p.events) {
      if (e.at > last) account(stack, e.at - last);
      last = e.at;
      if (e.type === 'O') stack.push(e.frame);
      else { const i = stack.lastIndexOf(e.frame); if (i >= 0) stack.splice(i, 1); }
    }
  }
}

const pct = (v) => (100 * v / onCpu).toFixed(1).padStart(5) + ' %';
console.log(`managed on-CPU (CPU_TIME) weight: ${onCpu.toFixed(0)}; idle threads spinning or polling in managed code (left out): ${spinning.toFixed(0)} (${(100 * spinning / (onCpu + spinning)).toFixed(1)} % of managed CPU); finalizer thread (left out): ${finalizer.toFixed(0)}; native or waiting (left out): ${offCpu.toFixed(0)}`);
console.log('\nstage                                        inclusive   owned');
for (const [stage] of [...stages, ['(other: runtime, BCL, unattributed)']]) {
  console.log(`${stage.padEnd(44)} ${pct(stageIncl.get(stage) || 0)}  ${pct(stageOwned.get(stage) || 0)}`);
}
const show = (title, m) => {
  console.log(`\n${title}`);
  [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).forEach(([k, v]) => console.log(`${pct(v)}  ${k.slice(0, 160)}`));
};
show(`top ${top} by exclusive (self) time`, selfTime);
show(`top ${top} by inclusive time`, inclTime);
const nativeTotal = [...nativeTime.values()].reduce((a, b) => a + b, 0);
console.log(`\ntop ${top} native (UNMANAGED_CODE_TIME) entry points, share of native time (waits included)`);
[...nativeTime.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).forEach(([k, v]) => console.log(`${(100 * v / nativeTotal).toFixed(1).padStart(5)} %  ${k.slice(0, 160)}`));
