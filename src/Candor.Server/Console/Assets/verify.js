// Verifies a signed receipt in the browser with WebCrypto Ed25519 (docs/receipts.md): the signature covers the
// RFC 8785 canonical bytes of the "receipt" member. The stored document is itself canonical
// ({"receipt":…,"signature":{…}}, members sorted, no whitespace), so those bytes are the ones between
// '{"receipt":' and the last ',"signature":' — taken from the bytes as served, never re-serialized.
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
  if (signature.alg !== "Ed25519" || signature.key_id !== keyHash) return { ok: false, reason: "signed by another key", receipt };

  const prefix = encoder.encode('{"receipt":');
  const start = indexOf(bytes, prefix, false);
  const end = indexOf(bytes, encoder.encode(',"signature":'), true);
  if (start !== 0 || end < prefix.length) return { ok: false, reason: "not a canonical signed receipt", receipt };

  const key = await crypto.subtle.importKey("raw", keyBytes.slice(1), { name: "Ed25519" }, false, ["verify"]);
  const ok = await crypto.subtle.verify({ name: "Ed25519" }, key, base64(signature.sig), bytes.slice(prefix.length, end));
  return { ok, reason: ok ? "" : "signature does not verify", receipt };
}
