#!/usr/bin/env node
// Candor benchmark load generator for what wrk cannot see: streamed time to first byte and
// chunks/s, a fixed-rate open loop, many concurrent slow streams, one very long stream.
// Loopback only, every mode bounded in time. Prints one line "JSON {...}" on stdout.
//
//   node loadgen.js stream --url U --body B [--headers '{"k":"v"}'] --conns N --duration S
//   node loadgen.js open   --url U --body B [--headers …] --rate R --duration S
//   node loadgen.js slow   --url U --body B [--headers …] --conns N --timeout S
//   node loadgen.js big    --url U --body B [--headers …] --timeout S
'use strict';
const http = require('http');

const mode = process.argv[2];
const opts = {};
for (let i = 3; i < process.argv.length; i += 2) opts[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const url = new URL(opts.url);
if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') {
  console.error('loadgen: loopback targets only');
  process.exit(2);
}
const body = Buffer.from(opts.body);
const headers = Object.assign({ 'content-type': 'application/json', 'content-length': body.length },
  opts.headers ? JSON.parse(opts.headers) : {});
const now = () => Number(process.hrtime.bigint()) / 1e6; // ms

function pct(sorted, q) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return +sorted[i].toFixed(3);
}
function summary(prefix, values) {
  const s = Float64Array.from(values).sort();
  return {
    [prefix + 'p50_ms']: pct(s, 0.5), [prefix + 'p90_ms']: pct(s, 0.9), [prefix + 'p99_ms']: pct(s, 0.99),
    [prefix + 'p999_ms']: pct(s, 0.999), [prefix + 'max_ms']: s.length ? +s[s.length - 1].toFixed(3) : null,
  };
}
function emit(obj) { process.stdout.write('JSON ' + JSON.stringify(obj) + '\n'); }

// One request; resolves with timings and counts. Counts SSE events by their blank-line ends.
function once(agent, timeoutMs) {
  return new Promise((resolve) => {
    const t0 = now();
    let first = null, events = 0, bytes = 0, prev = 0, done = false;
    // A hard deadline per request (req.setTimeout only bounds idle time between socket events).
    const deadline = setTimeout(() => req.destroy(new Error('deadline')), timeoutMs);
    const finish = (ok, status) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      resolve({ ok, status, t0, ttfb: first === null ? null : first - t0, total: now() - t0, events, bytes });
    };
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers, agent }, (res) => {
      res.on('data', (chunk) => {
        if (first === null) first = now();
        bytes += chunk.length;
        for (let i = 0; i < chunk.length; i++) {
          const c = chunk[i];
          if (c === 10 && prev === 10) events++;
          if (c !== 13) prev = c;
        }
      });
      res.on('end', () => finish(res.statusCode === 200, res.statusCode));
      res.on('error', () => finish(false, res.statusCode));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', () => finish(false, 0));
    req.end(body);
  });
}

async function streamMode() {
  const conns = +opts.conns, durationMs = +opts.duration * 1000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: conns });
  const ttfb = [], total = [];
  let ok = 0, errors = 0, events = 0, bytes = 0;
  const start = now(), end = start + durationMs;
  await Promise.all(Array.from({ length: conns }, async () => {
    while (now() < end) {
      const r = await once(agent, 30000);
      if (!r.ok) { errors++; continue; }
      ok++; events += r.events; bytes += r.bytes; ttfb.push(r.ttfb); total.push(r.total);
    }
  }));
  const secs = (now() - start) / 1000;
  agent.destroy();
  emit({ streams: ok, errors, duration_s: +secs.toFixed(3), streams_per_s: +(ok / secs).toFixed(1),
    events, events_per_s: +(events / secs).toFixed(1), events_per_stream: ok ? +(events / ok).toFixed(1) : 0,
    bytes, ...summary('ttfb_', ttfb), ...summary('total_', total) });
}

async function openMode() {
  const rate = +opts.rate, durationMs = +opts.duration * 1000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });
  const service = [], corrected = [], pending = [];
  let sent = 0, ok = 0, errors = 0;
  const start = now();
  await new Promise((resolveAll) => {
    const tick = setInterval(() => {
      const t = now();
      const due = Math.min(Math.floor((t - start) * rate / 1000), Math.floor(durationMs * rate / 1000));
      while (sent < due) {
        const intended = start + sent * 1000 / rate;
        sent++;
        pending.push(once(agent, 10000).then((r) => {
          if (!r.ok) { errors++; return; }
          ok++; service.push(r.total); corrected.push(r.t0 + r.total - intended);
        }));
      }
      if (t - start >= durationMs) { clearInterval(tick); resolveAll(); }
    }, 1);
  });
  // Bounded: whatever has not answered 10 s after the last send counts as an error.
  await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 10000))]);
  errors += sent - ok - errors;
  const secs = (now() - start) / 1000;
  agent.destroy();
  emit({ rate, sent, ok, errors, duration_s: +secs.toFixed(3), achieved_rps: +(ok / (durationMs / 1000)).toFixed(1),
    ...summary('', service), ...summary('corrected_', corrected) });
}

async function slowMode() {
  const conns = +opts.conns, timeoutMs = +opts.timeout * 1000;
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const start = now();
  const results = await Promise.all(Array.from({ length: conns }, () => once(agent, timeoutMs)));
  const good = results.filter((r) => r.ok);
  emit({ conns, ok: good.length, errors: conns - good.length, duration_s: +((now() - start) / 1000).toFixed(3),
    events: good.reduce((a, r) => a + r.events, 0), ...summary('ttfb_', good.map((r) => r.ttfb)), ...summary('total_', good.map((r) => r.total)) });
}

async function bigMode() {
  const agent = new http.Agent({ keepAlive: false });
  const r = await once(agent, +opts.timeout * 1000);
  emit({ ok: r.ok, status: r.status, bytes: r.bytes, events: r.events, ttfb_ms: r.ttfb && +r.ttfb.toFixed(3),
    total_ms: +r.total.toFixed(3), mb_per_s: +(r.bytes / 1048576 / (r.total / 1000)).toFixed(2) });
}

const modes = { stream: streamMode, open: openMode, slow: slowMode, big: bigMode };
if (!modes[mode]) { console.error('usage: loadgen.js stream|open|slow|big --url … --body …'); process.exit(2); }
modes[mode]().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
