import { call, setCsrf, ApiError } from "./api.js";
import { t, setLanguage, chooseLanguage, language } from "./i18n.js";
import { verifyReceipt, canVerify } from "./verify.js";
import { pages, wirePages, testChannel, healthText, usageFilter, updateCsvLink, keyLimits, newKeyLimits } from "./pages.js";
import { wireSignUp, signUpRoute, offerSignUp, askSecondFactor, loadSecurity } from "./signup.js";
import { pager, cursorParam, labelCells } from "./widgets.js";

const $ = (id) => document.getElementById(id);
const views = ["signin", "invite", "signup", "verify", "totp", "keys", "usage", "receipts", "channels", "security", ...Object.keys(pages)];
let session = null;
let usageCursors = [];
let keys;
let accountsCursor = null;

function status(text, bad) {
  $("status").textContent = text || "";
  $("status").className = bad ? "bad" : "";
}

function fail(error) {
  if (error instanceof ApiError && error.status === 401 && session) {
    session = null;
    status(t("error.session"), true);
    route();
    return;
  }
  status(t("error.generic") + error.message, true);
}

function show(view) {
  for (const v of views) $("view-" + v).hidden = v !== view;
  $("account-bar").hidden = !session || ["channels", "signin", "invite", "signup", "verify", "totp", "security"].includes(view) || !!pages[view]?.global;
  for (const a of document.querySelectorAll("nav a")) {
    if (a.getAttribute("href") === "#/" + view) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  row.append(td);
  return td;
}

function button(label, id, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.id = id;
  b.addEventListener("click", onClick);
  return b;
}

const account = () => $("account").value;
const accountPath = (suffix) => `/admin/v1/accounts/${encodeURIComponent(account())}${suffix}`;
const usd = (micros) => (micros / 1e6).toFixed(6);

async function loadSession() {
  try {
    session = await call("GET", "/console/api/session");
    setCsrf(session.csrf_token);
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) throw e;
    session = null;
  }
  await renderSession();
}

async function renderSession() {
  $("nav").hidden = !session;
  $("signout").hidden = !session;
  $("who").textContent = session ? session.principal + (session.operator ? " (operator)" : "") : "";
  $("nav-channels").hidden = !session?.operator;
  for (const [id, page] of Object.entries(pages)) if (page.operator) $("nav-" + id).hidden = !session?.operator;
  $("account").replaceChildren();
  $("account-more").hidden = true;
  if (!session) return;
  if (session.operator) { accountsCursor = null; await moreAccounts(); } else addAccounts(session.accounts);
}

function addAccounts(accounts) {
  for (const a of accounts) {
    const option = document.createElement("option");
    option.value = a.id;
    option.textContent = `${a.name ?? a.id} (${a.role})`;
    $("account").append(option);
  }
}

// An operator's account selector holds the accounts page by page (server-paged, newest first); "More accounts"
// appends the next page.
async function moreAccounts() {
  const page = await call("GET", "/admin/v1/accounts?limit=100" + cursorParam(accountsCursor));
  addAccounts(page.data.map((a) => ({ id: a.id, name: a.name, role: "operator" })));
  accountsCursor = page.next_cursor || null;
  $("account-more").hidden = !page.has_more;
}

async function route() {
  status("");
  const hash = location.hash;
  if (await signUpRoute(hash, show, status)) return;
  if (!session) { show("signin"); await offerSignUp(); return; }
  const view = hash.replace("#/", "") || "keys";
  show(views.includes(view) ? view : "keys");
  try {
    if (view === "usage") { usageCursors = [null]; await loadUsage(); }
    else if (view === "channels") await loadChannels();
    else if (view === "receipts") { /* waits for a lookup */ }
    else if (view === "security") await loadSecurity();
    else if (pages[view]) await pages[view].load();
    else await keys.reset();
  } catch (e) { fail(e); }
}

const loadKeys = () => keys.reset();

// One page of the account's keys (a plain member's own only: the server narrows the list).
async function showKeys(cursor) {
  if (!account()) return { has_more: false };
  const page = await call("GET", accountPath("/keys?limit=20" + cursorParam(cursor)));
  const body = $("keys-table").tBodies[0];
  body.replaceChildren();
  for (const k of page.data) {
    const row = body.insertRow();
    row.dataset.key = k.id;
    cell(row, k.name);
    cell(row, k.prefix + "…");
    cell(row, k.created_at);
    cell(row, k.revoked_at ? t("keys.revoked") : t("keys.active"));
    cell(row, keyLimits(k));
    const actions = cell(row, "");
    if (!k.revoked_at) {
      actions.append(button(t("keys.revoke"), "revoke-" + k.id, async () => {
        if (!confirm(t("keys.confirm"))) return;
        try { await call("POST", accountPath(`/keys/${encodeURIComponent(k.id)}/revoke`)); await loadKeys(); } catch (e) { fail(e); }
      }));
    }
  }
  labelCells($("keys-table"));
  return page;
}

async function loadUsage() {
  if (!account()) return;
  const cursor = usageCursors[usageCursors.length - 1];
  updateCsvLink();
  const page = await call("GET", accountPath(`/usage?limit=20${usageFilter()}${cursor ? "&cursor=" + encodeURIComponent(cursor) : ""}`));
  const body = $("usage-table").tBodies[0];
  body.replaceChildren();
  for (const u of page.data) {
    const row = body.insertRow();
    row.dataset.request = u.request_id;
    cell(row, u.created_at);
    cell(row, u.request_id);
    cell(row, u.requested_model);
    cell(row, u.outcome);
    cell(row, u.billed_input_tokens ?? u.reported_input_tokens ?? "");
    cell(row, u.billed_output_tokens ?? u.reported_output_tokens ?? "");
    cell(row, usd(u.charge_micros));
  }
  if (page.data.length === 0) cell(body.insertRow(), t("usage.none")).colSpan = 7;
  labelCells($("usage-table"));
  $("usage-next").disabled = !page.has_more;
  $("usage-next").dataset.cursor = page.next_cursor || "";
}

async function loadChannels(cursor) {
  const channels = await call("GET", "/admin/v1/channels?limit=50" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
  $("channels-next").disabled = !channels.has_more;
  $("channels-next").dataset.cursor = channels.next_cursor || "";
  const body = $("channels-table").tBodies[0];
  body.replaceChildren();
  for (const c of channels.data) {
    const row = body.insertRow();
    row.dataset.channel = c.id;
    cell(row, c.id);
    cell(row, c.provider);
    cell(row, c.region);
    cell(row, c.source);
    cell(row, c.disabled ? t("channels.disabled") : t("channels.enabled"));
    cell(row, healthText(c.health));
    const actions = cell(row, "");
    actions.append(button(t("channels.test"), "test-" + c.id, () => testChannel(c.id)), " ");
    const verb = c.disabled ? "enable" : "disable";
    actions.append(button(t("channels." + verb), `${verb}-${c.id}`, async () => {
      try { await call("POST", `/admin/v1/channels/${encodeURIComponent(c.id)}/${verb}`); await loadChannels(); } catch (e) { fail(e); }
    }));
  }
  labelCells($("channels-table"));
}

async function lookUpReceipt(id) {
  const result = $("receipt-result");
  result.hidden = true;
  let bytes;
  try {
    bytes = await call("GET", accountPath(`/receipts/${encodeURIComponent(id)}`), undefined, true);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) { status(t("receipts.notfound"), true); return; }
    throw e;
  }
  const published = await (await fetch("/.well-known/candor", { cache: "no-store" })).json();
  const verifierKey = published.receipt_keys[0].verifier_key;
  const verdict = $("receipt-verdict");
  let receipt;
  if (await canVerify()) {
    const outcome = await verifyReceipt(bytes, verifierKey);
    receipt = outcome.receipt;
    verdict.textContent = outcome.ok ? `${t("receipts.valid")} (${verifierKey.split("+")[0]}, ${receipt.signature.key_id})` : `${t("receipts.invalid")}: ${outcome.reason}`;
    verdict.className = outcome.ok ? "ok" : "bad";
    verdict.dataset.valid = String(outcome.ok);
  } else {
    receipt = JSON.parse(new TextDecoder().decode(bytes));
    verdict.textContent = t("receipts.nocrypto");
    verdict.className = "bad";
    verdict.dataset.valid = "unknown";
  }
  const r = receipt.receipt;
  const fields = [
    ["id", r.id], ["request_id", r.request_id], ["time", r.time], ["outcome", r.outcome], ["status", r.status],
    ["channel", r.channel ? `${r.channel.id} (${r.channel.provider}, ${r.channel.region})` : "-"],
    ["model.requested", r.model?.requested], ["model.upstream", r.model?.upstream], ["model.reported", r.model?.reported],
    ["metering", r.metering], ["charge.micros", r.charge?.micros], ["request.sha256", r.request?.sha256],
    ["response.delivered_sha256", r.response?.delivered_sha256], ["flags", (r.flags || []).join(", ") || "-"],
  ];
  const list = $("receipt-fields");
  list.replaceChildren();
  for (const [name, value] of fields) {
    const dt = document.createElement("dt"); dt.textContent = name;
    const dd = document.createElement("dd"); dd.textContent = value ?? "-";
    list.append(dt, dd);
  }
  result.hidden = false;
}

function applyTheme(theme) {
  if (theme) document.documentElement.dataset.theme = theme; else delete document.documentElement.dataset.theme;
}

async function signedIn(answer) {
  session = answer;
  setCsrf(session.csrf_token);
  await renderSession();
  if (!location.hash.startsWith("#/")) location.hash = "#/keys"; else await route();
}

function wire() {
  wireSignUp({ status, show, fail, signedIn });
  $("lang").addEventListener("change", () => { setLanguage($("lang").value, true); route(); });
  $("theme").addEventListener("click", () => {
    const dark = document.documentElement.dataset.theme ? document.documentElement.dataset.theme === "dark" : matchMedia("(prefers-color-scheme: dark)").matches;
    const next = dark ? "light" : "dark";
    localStorage.setItem("candor.theme", next);
    applyTheme(next);
  });
  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const answer = await call("POST", "/console/api/session", { principal: $("principal").value, password: $("password").value });
      $("password").value = "";
      if (answer.second_factor) { askSecondFactor(answer, show); return; }
      await signedIn(answer);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) status(t("signin.failed"), true);
      else if (e instanceof ApiError && e.status === 429) status(t("signin.throttled"), true);
      else fail(e);
    }
  });
  $("invite-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = location.hash.slice("#invite=".length);
    try {
      await call("POST", "/console/api/invitations/accept", { token, password: $("invite-password").value });
      $("invite-password").value = "";
      history.replaceState(null, "", "/console");
      show("signin");
      status(t("invite.done"));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) status(t("invite.failed"), true); else fail(e);
    }
  });
  $("signout").addEventListener("click", async () => {
    try { await call("DELETE", "/console/api/session"); } catch (e) { fail(e); return; }
    session = null;
    setCsrf("");
    await renderSession();
    history.replaceState(null, "", "/console");
    show("signin");
  });
  $("account").addEventListener("change", route);
  $("account-more").addEventListener("click", () => moreAccounts().catch(fail));
  keys = pager("keys", showKeys, fail);
  $("key-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const created = await call("POST", accountPath("/keys"), { name: $("key-name").value, ...newKeyLimits() });
      $("key-value").value = created.key;
      $("key-created").hidden = false;
      for (const id of ["key-name", "key-budget", "key-rpm", "key-expires"]) $(id).value = "";
      await loadKeys();
    } catch (e) { fail(e); }
  });
  $("key-copy").addEventListener("click", async () => {
    try { await navigator.clipboard.writeText($("key-value").value); status(t("keys.copied")); }
    catch { $("key-value").select(); document.execCommand("copy"); status(t("keys.copied")); }
  });
  $("channels-first").addEventListener("click", () => loadChannels().catch(fail));
  $("channels-next").addEventListener("click", () => loadChannels($("channels-next").dataset.cursor).catch(fail));
  $("usage-first").addEventListener("click", () => { usageCursors = [null]; loadUsage().catch(fail); });
  $("usage-next").addEventListener("click", () => { usageCursors.push($("usage-next").dataset.cursor); loadUsage().catch(fail); });
  $("receipt-form").addEventListener("submit", (event) => { event.preventDefault(); lookUpReceipt($("receipt-id").value.trim()).catch(fail); });
  window.addEventListener("hashchange", route);
  wirePages({
    call, t, fail, status, button, account, accountPath, language, session: () => session,
    refreshAccounts: renderSession, reloadChannels: loadChannels,
    reloadUsage: () => { usageCursors = [null]; return loadUsage(); },
  });
}

async function start() {
  applyTheme(localStorage.getItem("candor.theme"));
  const lang = chooseLanguage();
  $("lang").value = lang;
  setLanguage(lang, false);
  wire();
  try { await loadSession(); } catch (e) { fail(e); }
  await route();
  document.body.dataset.ready = "true";
}

start();
