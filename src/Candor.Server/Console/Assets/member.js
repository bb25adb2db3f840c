// Member pages: balance and ledger (operators also credit the account here), the effective privacy policy and the
// opt-in encrypted history (owners and admins), and the usage page's filters and CSV export.
import { pager, cursorParam, fill, describe, usd } from "./widgets.js";

const $ = (id) => document.getElementById(id);
let ctx;
let ledger;
let historyCursor = null;

export async function loadLedger() {
  const { call, t, accountPath, account, session } = ctx;
  if (!account()) return;
  $("topup-form").hidden = !session()?.operator;
  $("checkout-form").hidden = !session()?.payments;
  $("checkout-opened").hidden = true;
  const balance = await call("GET", accountPath("/balance"));
  $("balance").textContent = t("ledger.balance", { usd: usd(balance.balance_micros) });
  await ledger.reset();
}

// Owners and admins of the account (and operators) may read and erase its history; the server enforces the same.
function mayReadHistory() {
  const s = ctx.session();
  if (!s) return false;
  if (s.operator) return true;
  const role = (s.accounts || []).find((a) => a.id === ctx.account())?.role;
  return role === "owner" || role === "admin";
}

export async function loadPrivacy() {
  const { call, accountPath, account } = ctx;
  if (!account()) return;
  describe($("privacy-fields"), await call("GET", accountPath("/privacy")));
  const allowed = mayReadHistory();
  $("history-controls").hidden = !allowed;
  $("history-adminonly").hidden = allowed;
  $("history-list").replaceChildren();
  $("history-more").hidden = true;
}

// "Show history" shows the newest page; "Show older entries" appends the next one (server-paged by cursor).
async function showHistory(more) {
  const { call, t, accountPath } = ctx;
  const history = await call("GET", accountPath("/history?limit=20" + cursorParam(more ? historyCursor : null)));
  const list = $("history-list");
  if (!more) list.replaceChildren();
  historyCursor = history.next_cursor || null;
  $("history-more").hidden = !history.has_more;
  for (const entry of history.data) {
    const item = document.createElement("li");
    const pre = document.createElement("pre");
    pre.textContent = JSON.stringify(entry, null, 2);
    item.append(pre);
    list.append(item);
  }
  if (history.data.length === 0 && !more) {
    const item = document.createElement("li");
    item.textContent = t("privacy.empty");
    list.append(item);
  }
}

// A refused redemption or checkout in words of the page's language (the server's message otherwise).
function moneyFail(error) {
  const known = { code_unknown: "money.unknown", code_already_redeemed: "money.used", code_expired: "money.expired",
    code_not_for_account: "money.notforaccount", too_many_attempts: "money.throttled", too_many_checkouts: "money.throttled" };
  if (error.code && known[error.code]) ctx.status(ctx.t(known[error.code]), true); else ctx.fail(error);
}

// The usage filters as query parameters ("&from=…&model=…"), shared by the usage list and the CSV link.
export function usageFilter() {
  const params = new URLSearchParams();
  const day = (id) => $(id).value && new Date($(id).value + "T00:00:00").toISOString();
  if ($("usage-from").value) params.set("from", day("usage-from"));
  if ($("usage-to").value) params.set("to", day("usage-to"));
  if ($("usage-model").value.trim()) params.set("model", $("usage-model").value.trim());
  if ($("usage-outcome").value) params.set("outcome", $("usage-outcome").value);
  const text = params.toString();
  return text ? "&" + text : "";
}

// Points the CSV link at the export of the current account and filters.
export function updateCsvLink() {
  if (!ctx.account()) return;
  $("usage-csv").href = ctx.accountPath("/usage.csv?" + usageFilter().slice(1));
}

export function wire(context) {
  ctx = context;
  const { call, t, fail, status, accountPath } = ctx;
  ledger = pager("ledger", async (cursor) => {
    const page = await call("GET", accountPath("/ledger?limit=20" + cursorParam(cursor)));
    fill($("ledger-table"), page.data, [(e) => e.created_at, (e) => e.kind, (e) => usd(e.amount_micros), (e) => e.request_id ?? "", (e) => e.note ?? ""], t("ledger.none"), (e) => e.id);
    return page;
  }, fail);
  $("topup-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { amount_usd: $("topup-amount").value.trim() };
    if ($("topup-note").value.trim()) body.note = $("topup-note").value.trim();
    try {
      const entry = await call("POST", accountPath("/top-ups"), body);
      $("topup-form").reset();
      await loadLedger();
      status(t("ledger.credited", { usd: usd(entry.amount_micros), balance: usd(entry.balance_micros) }));
    } catch (e) { fail(e); }
  });
  $("redeem-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const redeemed = await call("POST", accountPath("/redeem"), { code: $("redeem-code").value.trim() });
      $("redeem-form").reset();
      await loadLedger();
      status(t("money.redeemed", { usd: usd(redeemed.amount_micros), balance: usd(redeemed.balance_micros) }));
    } catch (e) { moneyFail(e); }
  });
  $("checkout-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const payment = await call("POST", accountPath("/payments/checkout"), { amount_usd: $("checkout-amount").value.trim() });
      $("checkout-link").href = payment.checkout_url;
      $("checkout-opened").hidden = false;
      $("checkout-link").focus();
    } catch (e) { moneyFail(e); }
  });
  $("history-show").addEventListener("click", () => showHistory(false).catch(fail));
  $("history-more").addEventListener("click", () => showHistory(true).catch(fail));
  $("history-erase").addEventListener("click", async () => {
    if (!confirm(t("privacy.confirm"))) return;
    try {
      const erased = await call("DELETE", accountPath("/history"));
      $("history-list").replaceChildren();
      $("history-more").hidden = true;
      status(t("privacy.erased", { n: erased.deleted }));
    } catch (e) { fail(e); }
  });
  $("usage-filter").addEventListener("submit", (event) => { event.preventDefault(); updateCsvLink(); ctx.reloadUsage().catch(fail); });
}

// A key's limits as one line ("budget 5.000000 USD, 60 rpm, expires 2026-12-31"), "-" when it has none.
export function keyLimits(k) {
  const parts = [];
  if (k.budget_micros != null) parts.push(`${ctx.t("keys.budget.short")} ${usd(k.budget_micros)} USD`);
  if (k.rpm_limit != null) parts.push(`${k.rpm_limit} rpm`);
  if (k.tpm_limit != null) parts.push(`${k.tpm_limit} tpm`);
  if (k.allowed_models?.length) parts.push(k.allowed_models.join(" "));
  if (k.expires_at) parts.push(`${ctx.t("keys.expires.short")} ${k.expires_at.slice(0, 10)}`);
  return parts.join(", ") || "-";
}

// The limit fields of the key form as create-request fields (budget_micros, rpm_limit, expires_at); absent when empty.
export function newKeyLimits() {
  const limits = {};
  const budget = $("key-budget").value.trim();
  if (budget) {
    const [whole, fraction = ""] = budget.split(".");
    limits.budget_micros = Number(whole) * 1e6 + Number((fraction + "000000").slice(0, 6));
  }
  if ($("key-rpm").value) limits.rpm_limit = Number($("key-rpm").value);
  if ($("key-expires").value) limits.expires_at = new Date($("key-expires").value + "T00:00:00").toISOString();
  return limits;
}
