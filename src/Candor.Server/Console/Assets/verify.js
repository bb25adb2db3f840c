// Verifies a signed receipt in the browser with WebCrypto Ed25519 (docs/receipts.md): the signature covers the
// RFC 8785 canonical bytes of the "receipt" member. The stored document is itself canonical
// ({"receipt":…,"signature":{…}}, members sorted, no whitespace), so those bytes are the ones between
// '{"receipt":' and the last ',"signature":' — taken from the bytes as served, never re-serialized. A batch-signed
// receipt ("alg":"Ed25519-batch") is checked through its inclusion path: the signature covers the batch's root.
const encoder = new TextEncoder();

function indexOf(bytes, pattern, fromEnd) {
  const last = bytes.length - pattern.length;
  for (let i = fromEnd ? last : 0; fromEnd ? i >= 0 : i <= last; i += fromEnd ? -1 : 1) {
    let j = 0;
    while (j < pattern.length && bytes[i + j] === pattern[j]) j++;
    if (j === pattern.length) return i;
  }
  return -1;
}

function base64(text) {
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function hex(bytes) { return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""); }

/** True when this browser can verify Ed25519 here (WebCrypto needs a secure context: HTTPS or localhost). */
export async function canVerify() {
  if (!globalThis.crypto?.subtle) return false;
  try {
    await crypto.subtle.importKey("raw", new Uint8Array(32), { name: "Ed25519" }, false, ["verify"]);
    return true;
  } catch {
    return false;
  }
}

/** Verifies the receipt's bytes against a signed-note verifier key "name+hash+base64(0x01 || key)".
 *  Returns { ok, reason, receipt }. */
export async function verifyReceipt(bytes, verifierKey) {
  const receipt = JSON.parse(new TextDecoder().decode(bytes));
  // A key name has no "+"; the base64 after the hash may.
  const plus1 = verifierKey.indexOf("+");
  const plus2 = verifierKey.indexOf("+", plus1 + 1);
  const name = verifierKey.slice(0, plus1);
  const keyHash = verifierKey.slice(plus1 + 1, plus2);
  const keyBytes = base64(verifierKey.slice(plus2 + 1));
  if (plus1 <= 0 || plus2 < 0 || keyBytes.length !== 33 || keyBytes[0] !== 1) return { ok: false, reason: "bad verifier key", receipt };

  // The key hash: the first four bytes of SHA-256(name || "\n" || 0x01 || key) (c2sp.org/signed-note).
  const nameBytes = encoder.encode(name + "\n");
  const hashInput = new Uint8Array(nameBytes.length + keyBytes.length);
  hashInput.set(nameBytes);
  hashInput.set(keyBytes, nameBytes.length);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", hashInput));
  if (hex(digest.slice(0, 4)) !== keyHash) return { ok: false, reason: "verifier key hash does not match", receipt };

  const signature = receipt.signature || {};
  const batched = signature.alg === "Ed25519-batch";
  if ((signature.alg !== "Ed25519" && !batched) || signature.key_id !== keyHash) return { ok: false, reason: "signed by another key", receipt };

  const prefix = encoder.encode('{"receipt":');
  const start = indexOf(bytes, prefix, false);
  const end = indexOf(bytes, encoder.encode(',"signature":'), true);
  if (start !== 0 || end < prefix.length) return { ok: false, reason: "not a canonical signed receipt", receipt };

  let signed = bytes.slice(prefix.length, end);
  if (batched) {
    signed = await batchStatement(signed, signature.batch || {});
    if (!signed) return { ok: false, reason: "batch path does not fit", receipt };
  }

  const key = await crypto.subtle.importKey("raw", keyBytes.slice(1), { name: "Ed25519" }, false, ["verify"]);
  const ok = await crypto.subtle.verify({ name: "Ed25519" }, key, base64(signature.sig), signed);
  return { ok, reason: ok ? "" : "signature does not verify", receipt };
}

async function sha256(...parts) {
  const input = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { input.set(p, at); at += p.length; }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", input));
}

/** The statement a batch signature covers: "candor/receipt-batch/v1" 0x00 || uint64be(size) || root, the root rebuilt
 *  from the receipt's leaf and inclusion path (RFC 9162, 2.1.3.2); null when the path does not fit index and size. */
async function batchStatement(canonicalReceipt, batch) {
  const { index, size, path } = batch;
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size || !Array.isArray(path)) return null;
  let r = await sha256(Uint8Array.of(0), canonicalReceipt);
  let fn = index, sn = size - 1;
  for (const text of path) {
    const p = base64(text);
    if (sn === 0 || p.length !== 32) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(Uint8Array.of(1), p, r);
      while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      r = await sha256(Uint8Array.of(1), r, p);
    }
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return null;
  const statement = new Uint8Array(24 + 8 + 32);
  statement.set(encoder.encode("candor/receipt-batch/v1"));
  new DataView(statement.buffer).setBigUint64(24, BigInt(size));
  statement.set(r, 32);
  return statement;
}
