// English and Simplified Chinese strings. Elements carry data-i18n="key"; code calls t("key").
import { pageStrings } from "./i18n-pages.js";

const strings = {
  en: {
    "title": "Candor console", "nav.keys": "Keys", "nav.usage": "Usage", "nav.receipts": "Receipts", "nav.channels": "Channels",
    "lang": "Language", "theme": "Dark / light", "signout": "Sign out", "account": "Account",
    "signin.title": "Sign in", "signin.principal": "Principal (user name or email)", "signin.password": "Password", "signin.submit": "Sign in",
    "signin.failed": "Wrong principal or password.", "signin.throttled": "Too many failed sign-ins; try again later.",
    "invite.title": "Set your password", "invite.password": "New password (at least 12 characters)", "invite.submit": "Set password",
    "invite.done": "Password set. Sign in now.", "invite.failed": "The invitation is unknown, used or expired.",
    "keys.title": "API keys", "keys.name": "Name of the new key", "keys.create": "Create key",
    "keys.once": "Copy this key now: it is shown once and stored only as a keyed hash.", "keys.value": "New key", "keys.copy": "Copy",
    "keys.copied": "Copied.", "keys.caption": "Keys of this account", "keys.revoke": "Revoke", "keys.revoked": "Revoked", "keys.active": "Active",
    "keys.confirm": "Revoke this key? Requests with it will be refused at once.",
    "col.name": "Name", "col.prefix": "Prefix", "col.created": "Created", "col.state": "State", "col.actions": "Actions",
    "col.time": "Time", "col.request": "Request", "col.model": "Model", "col.outcome": "Outcome", "col.input": "Input tokens",
    "col.output": "Output tokens", "col.charge": "Charge (USD)", "col.id": "Id", "col.provider": "Provider", "col.region": "Region", "col.source": "Source",
    "usage.title": "Usage", "usage.caption": "Requests, newest first", "page.first": "First page", "page.next": "Next page", "usage.none": "No requests yet.",
    "receipts.title": "Receipts", "receipts.id": "Receipt id (rcpt_…, from the x-candor-receipt header)", "receipts.verify": "Look up and verify",
    "receipts.valid": "Signature valid: signed by the relay's published receipt key", "receipts.invalid": "Signature NOT valid",
    "receipts.nocrypto": "This browser cannot verify Ed25519 signatures (WebCrypto Ed25519 is missing, or the page is not served over HTTPS or from localhost). Verify offline with: candor verify receipt FILE --key KEY",
    "receipts.notfound": "No such receipt in this account.",
    "receipts.proves": "A valid signature under the relay's published key proves what Candor saw and did for this request: the hashes of the bytes sent and received, the channel, region and data policy used, the model asked for and reported, and what was counted and charged. It does not prove what the upstream did with the data.",
    "channels.title": "Channels", "channels.caption": "Upstream channels", "channels.enable": "Enable", "channels.disable": "Disable",
    "channels.enabled": "Enabled", "channels.disabled": "Disabled",
    "error.generic": "Something went wrong: ", "error.session": "Your session has ended; sign in again.",
  },
  "zh-CN": {
    "title": "Candor 控制台", "nav.keys": "密钥", "nav.usage": "用量", "nav.receipts": "回执", "nav.channels": "渠道",
    "lang": "语言", "theme": "深色 / 浅色", "signout": "退出登录", "account": "账户",
    "signin.title": "登录", "signin.principal": "用户名或邮箱", "signin.password": "密码", "signin.submit": "登录",
    "signin.failed": "用户名或密码错误。", "signin.throttled": "登录失败次数过多，请稍后再试。",
    "invite.title": "设置密码", "invite.password": "新密码（至少 12 个字符）", "invite.submit": "设置密码",
    "invite.done": "密码已设置，请登录。", "invite.failed": "邀请无效、已使用或已过期。",
    "keys.title": "API 密钥", "keys.name": "新密钥名称", "keys.create": "创建密钥",
    "keys.once": "请立即复制此密钥：它只显示一次，仅以带密钥的哈希形式保存。", "keys.value": "新密钥", "keys.copy": "复制",
    "keys.copied": "已复制。", "keys.caption": "此账户的密钥", "keys.revoke": "吊销", "keys.revoked": "已吊销", "keys.active": "有效",
    "keys.confirm": "确定吊销此密钥？使用它的请求将立即被拒绝。",
    "col.name": "名称", "col.prefix": "前缀", "col.created": "创建时间", "col.state": "状态", "col.actions": "操作",
    "col.time": "时间", "col.request": "请求", "col.model": "模型", "col.outcome": "结果", "col.input": "输入令牌",
    "col.output": "输出令牌", "col.charge": "费用（美元）", "col.id": "标识", "col.provider": "提供商", "col.region": "地区", "col.source": "来源",
    "usage.title": "用量", "usage.caption": "请求（最新在前）", "page.first": "第一页", "page.next": "下一页", "usage.none": "暂无请求。",
    "receipts.title": "回执", "receipts.id": "回执编号（rcpt_…，见响应头 x-candor-receipt）", "receipts.verify": "查询并验证",
    "receipts.valid": "签名有效：由中转站公布的回执密钥签署", "receipts.invalid": "签名无效",
    "receipts.nocrypto": "此浏览器无法验证 Ed25519 签名（缺少 WebCrypto Ed25519，或页面未通过 HTTPS 或 localhost 提供）。请离线验证：candor verify receipt FILE --key KEY",
    "receipts.notfound": "此账户中没有该回执。",
    "receipts.proves": "在中转站公布的密钥下签名有效，证明了 Candor 对此请求所见与所为：收发字节的哈希、所用渠道、地区与数据政策、请求与上游报告的模型，以及计量与收费。它不能证明上游如何处理数据。",
    "channels.title": "渠道", "channels.caption": "上游渠道", "channels.enable": "启用", "channels.disable": "停用",
    "channels.enabled": "已启用", "channels.disabled": "已停用",
    "error.generic": "出错了：", "error.session": "会话已结束，请重新登录。",
  },
};

for (const lang of Object.keys(pageStrings)) Object.assign(strings[lang], pageStrings[lang]);

let current = "en";

export function chooseLanguage() {
  const saved = localStorage.getItem("candor.lang");
  if (saved && strings[saved]) return saved;
  const preferred = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
  return preferred.some((l) => l.toLowerCase().startsWith("zh")) ? "zh-CN" : "en";
}

export function setLanguage(lang, remember) {
  current = strings[lang] ? lang : "en";
  if (remember) localStorage.setItem("candor.lang", current);
  document.documentElement.lang = current;
  for (const el of document.querySelectorAll("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n);
  }
  document.title = t("title");
}

export function language() { return current; }

// Lets a feature module carry its own strings (signup.js); called when the module loads, before the first setLanguage.
export function addStrings(lang, table) { Object.assign(strings[lang], table); }

export function t(key, values) {
  const text = strings[current][key] ?? strings.en[key] ?? key;
  return values ? text.replace(/\{(\w+)\}/g, (m, name) => String(values[name] ?? m)) : text;
}
