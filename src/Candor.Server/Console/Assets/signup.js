// Sign-up (email, mailed link, password), invitation previews, and the optional second factor (TOTP): the two-step
// sign-in and the "Security" page that turns it on and off. Talks only to /console/api (docs/console.md).
import { call, ApiError } from "./api.js";
import { t, addStrings } from "./i18n.js";

addStrings("en", {
  "nav.security": "Security",
  "signup.link": "No login yet? Sign up", "signup.title": "Sign up", "signup.email": "Email address", "signup.submit": "Send me a link",
  "signup.sent": "If this address can be used, a message with a link to finish signing up is on its way to it. The link works once.",
  "signup.closed": "Sign-up is closed on this server: ask its operator for an invitation.", "signup.back": "Back to sign-in",
  "verify.title": "Finish signing up", "verify.password": "Choose a password (at least 12 characters)", "verify.submit": "Open my account",
  "verify.done": "Your account is open. Sign in now.", "verify.failed": "The link is unknown, used or expired: sign up again for a new one.",
  "verify.exists": "This address has a login already: sign in with it.",
  "invite.join": "Invitation for {principal}: you join the account “{account}” as {role}.", "invite.opens": "Invitation for {principal}: a new account is opened for you.",
  "invite.plain": "Invitation for {principal}.",
  "totp.title": "Second step", "totp.code": "6-digit code from your authenticator app", "totp.recovery": "or a recovery code",
  "totp.submit": "Sign in", "totp.failed": "Wrong or already used code.", "totp.expired": "The sign-in has expired; sign in again.",
  "security.title": "Two-step sign-in (TOTP)", "security.on": "Two-step sign-in is on.", "security.off": "Two-step sign-in is off.",
  "security.enrol": "Turn on", "security.secret": "Secret (add it to your authenticator app)", "security.uri": "Or open this otpauth:// link on your phone",
  "security.confirm": "Code shown by the app", "security.confirm.submit": "Confirm",
  "security.codes": "Recovery codes: each signs in once without the app. Keep them safe; they are shown once.",
  "security.disable": "Code or recovery code to turn it off", "security.disable.submit": "Turn off", "security.disabled": "Two-step sign-in is off.",
});
addStrings("zh-CN", {
  "nav.security": "安全",
  "signup.link": "还没有账号？注册", "signup.title": "注册", "signup.email": "邮箱地址", "signup.submit": "发送链接",
  "signup.sent": "如果该地址可用，一封带有完成注册链接的邮件正在发往该地址。链接只能使用一次。",
  "signup.closed": "本服务器未开放注册：请向运营者索取邀请。", "signup.back": "返回登录",
  "verify.title": "完成注册", "verify.password": "设置密码（至少 12 个字符）", "verify.submit": "开通账户",
  "verify.done": "账户已开通，请登录。", "verify.failed": "链接无效、已使用或已过期：请重新注册以获取新链接。",
  "verify.exists": "该地址已有登录账号：请直接登录。",
  "invite.join": "{principal} 的邀请：你将以 {role} 身份加入账户“{account}”。", "invite.opens": "{principal} 的邀请：将为你开通一个新账户。",
  "invite.plain": "{principal} 的邀请。",
  "totp.title": "第二步验证", "totp.code": "身份验证器应用中的 6 位验证码", "totp.recovery": "或恢复码",
  "totp.submit": "登录", "totp.failed": "验证码错误或已被使用。", "totp.expired": "登录已过期，请重新登录。",
  "security.title": "两步登录（TOTP）", "security.on": "两步登录已开启。", "security.off": "两步登录未开启。",
  "security.enrol": "开启", "security.secret": "密钥（添加到身份验证器应用）", "security.uri": "或在手机上打开此 otpauth:// 链接",
  "security.confirm": "应用显示的验证码", "security.confirm.submit": "确认",
  "security.codes": "恢复码：每个可在没有应用时登录一次。请妥善保存；它们只显示一次。",
  "security.disable": "用于关闭的验证码或恢复码", "security.disable.submit": "关闭", "security.disabled": "两步登录已关闭。",
});

const $ = (id) => document.getElementById(id);
let challenge = "";

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
}

/** Shows the registration views the hash asks for; true when it handled the route. */
export async function signUpRoute(hash, show, status) {
  if (hash.startsWith("#verify=")) { show("verify"); return true; }
  if (hash === "#signup") { show("signup"); return true; }
  if (hash.startsWith("#invite=")) {
    show("invite");
    try {
      const preview = await call("POST", "/console/api/invitations/peek", { token: hash.slice("#invite=".length) });
      const key = preview.account_id ? "invite.join" : preview.opens_account ? "invite.opens" : "invite.plain";
      $("invite-about").textContent = fill(t(key), { principal: preview.principal, account: preview.account_name ?? preview.account_id, role: preview.role });
    } catch (e) {
      status(e instanceof ApiError && e.status === 404 ? t("invite.failed") : t("error.generic") + e.message, true);
    }
    return true;
  }
  return false;
}

/** Offers the sign-up link on the sign-in page when the server is open to it. */
export async function offerSignUp() {
  try {
    const registration = await call("GET", "/console/api/registration");
    $("signup-offer").hidden = registration.mode !== "open";
  } catch { $("signup-offer").hidden = true; }
}

/** The password was right and the login has a second factor: asks for the code. */
export function askSecondFactor(answer, show) {
  challenge = answer.challenge;
  $("totp-code").value = "";
  $("totp-recovery").value = "";
  show("totp");
  $("totp-code").focus();
}

export async function loadSecurity() {
  const state = await call("GET", "/console/api/totp");
  $("security-state").textContent = t(state.enabled ? "security.on" : "security.off");
  $("security-enrol").hidden = state.enabled;
  $("security-disable-form").hidden = !state.enabled;
  $("security-new").hidden = true;
  $("security-codes").hidden = true;
}

export function wireSignUp({ status, show, fail, signedIn }) {
  $("signup-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await call("POST", "/console/api/signup", { email: $("signup-email").value });
      $("signup-email").value = "";
      status(t("signup.sent"));
    } catch (e) {
      if (e instanceof ApiError && e.status === 403) status(t("signup.closed"), true);
      else if (e instanceof ApiError && (e.status === 429 || e.status === 400)) status(e.message, true);
      else fail(e);
    }
  });
  $("verify-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = location.hash.slice("#verify=".length);
    try {
      await call("POST", "/console/api/signup/verify", { token, password: $("verify-password").value });
      $("verify-password").value = "";
      history.replaceState(null, "", "/console");
      show("signin");
      status(t("verify.done"));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) status(t("verify.failed"), true);
      else if (e instanceof ApiError && e.status === 409) status(t("verify.exists"), true);
      else fail(e);
    }
  });
  $("totp-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = $("totp-code").value.trim();
    const recovery = $("totp-recovery").value.trim();
    try {
      const session = await call("POST", "/console/api/session/totp", recovery ? { challenge, recovery_code: recovery } : { challenge, code });
      challenge = "";
      await signedIn(session);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401 && /expired/.test(e.message)) { show("signin"); status(t("totp.expired"), true); }
      else if (e instanceof ApiError && e.status === 401) status(t("totp.failed"), true);
      else if (e instanceof ApiError && e.status === 429) status(t("signin.throttled"), true);
      else fail(e);
    }
  });
  $("security-enrol").addEventListener("click", async () => {
    try {
      const enrolment = await call("POST", "/console/api/totp/enrol");
      $("security-secret").value = enrolment.secret;
      $("security-uri").href = enrolment.otpauth_uri;
      $("security-uri").textContent = enrolment.otpauth_uri;
      $("security-qr").src = enrolment.qr_png;
      $("security-new").hidden = false;
    } catch (e) { fail(e); }
  });
  $("security-confirm-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const confirmed = await call("POST", "/console/api/totp/confirm", { code: $("security-code").value.trim() });
      $("security-code").value = "";
      await loadSecurity();
      const list = $("security-codes-list");
      list.replaceChildren(...confirmed.recovery_codes.map((c) => { const li = document.createElement("li"); li.textContent = c; return li; }));
      $("security-codes").hidden = false;
    } catch (e) {
      if (e instanceof ApiError && (e.status === 400 || e.status === 429)) status(e.message, true); else fail(e);
    }
  });
  $("security-disable-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = $("security-disable-code").value.trim();
    try {
      await call("POST", "/console/api/totp/disable", /^\d{6}$/.test(value) ? { code: value } : { recovery_code: value });
      $("security-disable-code").value = "";
      await loadSecurity();
      status(t("security.disabled"));
    } catch (e) {
      if (e instanceof ApiError && (e.status === 400 || e.status === 429)) status(e.message, true); else fail(e);
    }
  });
}
