#!/usr/bin/env node
// Latency of admitted requests under load (bench/overload.sh): N connections, closed loop, for S seconds; the
// latency of each 200 is recorded apart from the refusals, which wrk cannot tell from answers. Loopback only.
// Prints one line "JSON {...}".
//   node probe.js --url U --body B --key K --conns N --duration S
'use strict';
const http = require('http');
const opts = {};
for (let i = 2; i < process.argv.length; i += 2) opts[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const url = new URL(opts.url);
if (url.hostname !== '127.0.0.1') { console.error('probe: loopback only'); process.exit(2); }
const body = Buffer.from(opts.body);
const headers = { 'content-type': 'application/json', 'content-length': body.length, authorization: 'Bearer ' + opts.key };
const conns = +opts.conns, until = Date.now() + 1000 * +opts.duration;
const agent = new http.Agent({ keepAlive: true, maxSockets: conns });
const ok = [], statuses = {};
let retryAfter = null;
const now = () => Number(process.hrtime.bigint()) / 1e6;
function once() {
  return new Promise((resolve) => {
    const t0 = now();
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers, agent }, (res) => {
      res.resume();
      res.on('end', () => {
        statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1;
        if (res.statusCode === 200) ok.push(now() - t0);
        else if (res.headers['retry-after']) retryAfter = res.headers['retry-after'];
        resolve(res.statusCode);
      });
    });
    req.setTimeout(30000, () => req.destroy(new Error('timeout')));
    req.on('error', () => { statuses.error = (statuses.error || 0) + 1; resolve(0); });
    req.end(body);
  });
}
async function loop() {
  while (Date.now() < until) {
    // A refused request waits its Retry-After, as a client that honours it would (capped at 1 s).
    if ((await once()) !== 200 && retryAfter) await new Promise((r) => setTimeout(r, Math.min(1000, 1000 * +retryAfter)));
  }
}
Promise.all(Array.from({ length: conns }, loop)).then(() => {
  const s = Float64Array.from(ok).sort();
  const pct = (q) => (s.length ? +s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)].toFixed(2) : null);
  process.stdout.write('JSON ' + JSON.stringify({ admitted: s.length, statuses, retry_after: retryAfter,
    p50_ms: pct(0.5), p90_ms: pct(0.9), p99_ms: pct(0.99), max_ms: s.length ? +s[s.length - 1].toFixed(2) : null }) + '\n');
  agent.destroy();
});
