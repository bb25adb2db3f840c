// The operator and member pages added to the console's router (app.js): each names its loader, whether only
// operators see it, and whether it is server-wide (no account selector).
import * as operator from "./operator.js";
import * as member from "./member.js";

export const pages = {
  dashboard: { operator: true, global: true, load: operator.loadDashboard },
  accounts: { operator: true, load: operator.loadAccounts },
  ledger: { load: member.loadLedger },
  privacy: { load: member.loadPrivacy },
  prices: { operator: true, global: true, load: operator.loadPrices },
  deployments: { operator: true, global: true, load: operator.loadDeployments },
  audit: { operator: true, global: true, load: operator.loadAudit },
  log: { operator: true, global: true, load: operator.loadLog },
  settings: { operator: true, global: true, load: operator.loadSettings },
};

export function wirePages(context) {
  operator.wire(context);
  member.wire(context);
}

export { testChannel, healthText } from "./operator.js";
export { usageFilter, updateCsvLink, keyLimits, newKeyLimits } from "./member.js";
