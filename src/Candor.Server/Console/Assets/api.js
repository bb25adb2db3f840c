// The console's only door to the server: the admin API (the same one the CLI uses) and the session API, with the
// session cookie (sent by the browser, never readable here) and, on every state change, the CSRF token.
let csrf = "";

export function setCsrf(token) { csrf = token || ""; }

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `HTTP ${status}`);
    this.status = status;
    this.type = body?.error?.type;
    this.code = body?.error?.code;
  }
}

export async function call(method, path, body, raw) {
  const headers = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") headers["x-candor-csrf"] = csrf;
  const response = await fetch(path, {
    method, headers, credentials: "same-origin", cache: "no-store",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (raw && response.ok) return new Uint8Array(await response.arrayBuffer());
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}
