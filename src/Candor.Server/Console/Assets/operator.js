// Operator pages: dashboard charts, accounts and members, prices, deployments, audits and quarantines, the
// transparency log, read-only settings, and the channel form and test. Everything through the admin API.
import { lineChart } from "./chart.js";
import { pager, cursorParam, fill, describe, usd } from "./widgets.js";

const $ = (id) => document.getElementById(id);
let ctx;
let accounts, members, prices, deployments;

const RANGES = { "24h": [24, 3600], "7d": [168, 6 * 3600], "30d": [720, 86400] };

export async function loadDashboard() {
  const { call, t, language } = ctx;
  const [hours, bucket] = RANGES[$("dash-range").value] || RANGES["24h"];
  const to = new Date(Math.ceil(Date.now() / 60000) * 60000);
  const from = new Date(to.getTime() - hours * 3600e3);
  const series = await call("GET", `/admin/v1/usage/series?from=${from.toISOString()}&to=${to.toISOString()}&bucket_seconds=${bucket}`);
  const byStart = new Map(series.data.map((d) => [Date.parse(d.start), d]));
  const times = [], rows = [];
  for (let s = Math.floor(from.getTime() / (bucket * 1000)) * bucket * 1000; s < to.getTime(); s += bucket * 1000) {
    times.push(new Date(s));
    rows.push(byStart.get(s) || null);
  }
  const lang = language();
  const timeFormat = (d) => d.toLocaleString(lang, bucket >= 86400 ? { month: "short", day: "numeric" } : { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
  const count = (v) => (v >= 1e6 ? (v / 1e6).toFixed(1) + "M" : v >= 1e4 ? (v / 1e3).toFixed(0) + "k" : String(Math.round(v * 100) / 100));
  const total = (f) => series.data.reduce((sum, d) => sum + f(d), 0);
  const requests = total((d) => d.requests);
  $("dash-summary").textContent = requests === 0 ? t("dash.none") : t("dash.summary", {
    requests, tokens: total((d) => d.input_tokens + d.output_tokens), spend: usd(total((d) => d.charge_micros)),
    errors: (total((d) => d.errors) / requests * 100).toFixed(2) + " %", bucket: bucket >= 86400 ? "1 d" : bucket / 3600 + " h",
  });
  const charts = $("dash-charts");
  charts.replaceChildren(
    lineChart({ title: t("dash.requests"), times, timeFormat, format: count, series: [{ name: t("dash.requests"), values: rows.map((r) => (r ? r.requests : 0)) }] }),
    lineChart({ title: t("dash.tokens"), times, timeFormat, format: count, series: [
      { name: t("dash.input"), values: rows.map((r) => (r ? r.input_tokens : 0)) },
      { name: t("dash.output"), values: rows.map((r) => (r ? r.output_tokens : 0)) }] }),
    lineChart({ title: t("dash.spend"), times, timeFormat, format: (v) => "$" + (v >= 100 ? v.toFixed(0) : v.toPrecision(3)), series: [{ name: t("dash.spend"), values: rows.map((r) => (r ? r.charge_micros / 1e6 : 0)) }] }),
    lineChart({ title: t("dash.errors"), times, timeFormat, format: (v) => (v * 100).toFixed(v < 0.1 ? 1 : 0) + "%", series: [{ name: t("dash.errors"), values: rows.map((r) => (r ? r.error_rate : null)) }] }),
    lineChart({ title: t("dash.latency"), times, timeFormat, format: count, series: ["p50", "p90", "p99"].map((p) => ({ name: p, values: rows.map((r) => (r ? r.latency_ms[p] : null)) })) }),
  );
  const note = document.createElement("p");
  note.className = "note";
  note.textContent = t("dash.latencynote");
  charts.append(note);
}

export async function loadAccounts() {
  await accounts.reset();
  await loadMembers();
}

const loadMembers = () => members.reset();

// One page of the selected account's members, by principal.
async function showMembers(cursor) {
  const { call, t, accountPath, account, button, fail } = ctx;
  if (!account()) return { has_more: false };
  const page = await call("GET", accountPath("/members?limit=20" + cursorParam(cursor)));
  fill($("members-table"), page.data, [
    (m) => m.principal, (m) => m.role,
    (m) => button(t("members.remove"), "remove-" + m.principal, async () => {
      if (!confirm(t("members.confirm"))) return;
      try { await call("DELETE", accountPath("/members/" + encodeURIComponent(m.principal))); await loadMembers(); } catch (e) { fail(e); }
    }),
  ], "-", (m) => m.principal);
  return page;
}

export async function loadPrices() { await prices.reset(); }

export async function loadDeployments() { await deployments.reset(); }

export async function loadAudit() {
  const { call, t, button, fail, status } = ctx;
  const audit = await call("GET", "/admin/v1/audit?limit=20");
  $("audit-summary").textContent = t("audit.summary", { state: t(audit.enabled ? "audit.on" : "audit.off"), interval: audit.interval_seconds, alpha: audit.alpha, alerts: audit.alerts });
  fill($("quarantine-table"), audit.quarantined, [
    (q) => q.channel, (q) => q.test, (q) => q.reason, (q) => q.since,
    (q) => button(t("audit.lift"), "lift-" + q.channel, async () => {
      if (!confirm(t("audit.confirm"))) return;
      try { await call("DELETE", "/admin/v1/audit/quarantine/" + encodeURIComponent(q.channel)); await loadAudit(); status(t("audit.lifted")); } catch (e) { fail(e); }
    }),
  ], t("audit.noquarantine"), (q) => q.channel);
  fill($("verdicts-table"), audit.verdicts, [(v) => v.time, (v) => v.channel, (v) => v.claimed_model, (v) => v.test, (v) => v.decision, (v) => v.p_value], "-");
}

// The checkpoint is public (c2sp.org/tlog-checkpoint): origin, size, root hash, a blank line, then signature lines
// "— <name> <base64(key id ‖ signature)>". The log's own signature carries its origin as name; others are cosignatures.
export async function loadLog() {
  const { t } = ctx;
  const response = await fetch("/log/checkpoint", { cache: "no-store" });
  const found = response.ok;
  $("log-none").hidden = found;
  $("log-details").hidden = !found;
  if (!found) return;
  const text = await response.text();
  const [body, signatures = ""] = text.split("\n\n");
  const [origin, size, root] = body.split("\n");
  describe($("log-fields"), { [t("log.origin")]: origin, [t("log.size")]: size, [t("log.root")]: root });
  $("log-checkpoint").textContent = text;
  const lines = signatures.split("\n").filter((l) => l.startsWith("\u2014 "));
  fill($("log-signatures"), lines.map((l) => l.slice(2).split(" ")), [
    ([name]) => name,
    ([, sig]) => { try { return [...atob(sig).slice(0, 4)].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join(""); } catch { return "?"; } },
    ([name]) => (name === origin ? t("log.own") : t("log.cosigner")),
  ], "-");
}

export async function loadSettings() {
  describe($("settings-fields"), await ctx.call("GET", "/admin/v1/settings"));
}

// A channel's health as the router sees it: its state, then per deployment the circuit state (healthy, cooling
// down until…, half-open), the window's failures and the latency median.
export function healthText(h) {
  if (!h) return "-";
  const parts = [h.state];
  for (const d of h.deployments || []) {
    parts.push(`${d.upstream_model}: ${d.state}${d.until ? " → " + d.until.slice(11, 19) : ""}, ${d.window_failures}/${d.window_requests}, p50 ${d.latency_ms?.p50 ?? "-"} ms`);
  }
  return parts.join("; ");
}

// Runs the channel's test request and says how it went.
export async function testChannel(id) {
  const { call, t, status, fail } = ctx;
  try {
    const result = await call("POST", "/admin/v1/channels/" + encodeURIComponent(id) + "/test");
    status(t("channels.tested", { id, result: result.ok ? `${t("channels.ok")} (${result.latency_ms} ms)` : `${t("channels.failed")}: ${result.error?.message ?? result.status}` }), !result.ok);
  } catch (e) { fail(e); }
}

export function wire(context) {
  ctx = context;
  const { call, t, fail, status, accountPath } = ctx;
  $("dash-form").addEventListener("submit", (event) => { event.preventDefault(); loadDashboard().catch(fail); });
  accounts = pager("accounts", async (cursor) => {
    const page = await call("GET", "/admin/v1/accounts?limit=20" + cursorParam(cursor));
    fill($("accounts-table"), page.data, [(a) => a.name, (a) => a.id, (a) => a.group, (a) => usd(a.balance_micros), (a) => (a.disabled ? t("channels.disabled") : t("channels.enabled"))], "-", (a) => a.id);
    return page;
  }, fail);
  members = pager("members", showMembers, fail);
  $("account-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await call("POST", "/admin/v1/accounts", { name: $("account-name").value });
      $("account-name").value = "";
      await ctx.refreshAccounts();
      await loadAccounts();
    } catch (e) { fail(e); }
  });
  $("member-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await call("PUT", accountPath("/members/" + encodeURIComponent($("member-principal").value.trim())), { role: $("member-role").value });
      $("member-principal").value = "";
      await loadMembers();
    } catch (e) { fail(e); }
  });
  const modelQuery = (id) => ($(id).value.trim() ? "&model=" + encodeURIComponent($(id).value.trim()) : "");
  prices = pager("prices", async (cursor) => {
    const page = await call("GET", "/admin/v1/prices?limit=50" + modelQuery("prices-model") + cursorParam(cursor));
    fill($("prices-table"), page.data, [(p) => p.model, (p) => p.channel ?? "", (p) => p.source,
      (p) => usd(p.input_per_million_micros), (p) => usd(p.output_per_million_micros), (p) => usd(p.cached_input_per_million_micros), (p) => usd(p.per_request_micros)], "-");
    return page;
  }, fail);
  $("prices-form").addEventListener("submit", (event) => { event.preventDefault(); prices.reset().catch(fail); });
  deployments = pager("deployments", async (cursor) => {
    const page = await call("GET", "/admin/v1/deployments?limit=50" + modelQuery("deployments-model") + cursorParam(cursor));
    fill($("deployments-table"), page.data, [(d) => d.model, (d) => d.channel, (d) => d.upstream_model, (d) => d.priority, (d) => d.weight, (d) => d.source], "-");
    return page;
  }, fail);
  $("deployments-form").addEventListener("submit", (event) => { event.preventDefault(); deployments.reset().catch(fail); });
  $("channel-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      id: $("channel-id").value.trim(), provider: $("channel-provider").value, base_url: $("channel-url").value.trim(),
      region: $("channel-region").value.trim() || undefined,
      data_policy: { retention: $("channel-retention").value, training: $("channel-training").value },
    };
    if ($("channel-credential").value) body.credential = $("channel-credential").value;
    try {
      await call("POST", "/admin/v1/channels", body);
      $("channel-credential").value = "";
      $("channel-form").reset();
      status(t("channels.created"));
      await ctx.reloadChannels();
    } catch (e) { fail(e); }
  });
}
