import assert from "node:assert/strict";
import { test } from "node:test";
import { LocalUrlSigner } from "./local_url_signer.ts";

const signer = new LocalUrlSigner("/srv/files", {
  baseUrl: "https://dl.example.com/",
  keys: [{ kid: "k1", key: "k".repeat(32) }],
});
const expiresAt = new Date(Date.UTC(2030, 0, 1, 12, 0, 0));

function parts(url: string) {
  const parsed = new URL(url);
  return { key: decodeURIComponent(parsed.pathname.replace(/^\/files\//, "")), params: parsed.searchParams };
}

test("links point at /files/<key> under the base URL, each segment encoded", () => {
  const url = signer.sign("tasks/1/my file#1.tif", { fileName: "my file#1.tif", expiresAt });
  assert.ok(url.startsWith("https://dl.example.com/files/tasks/1/my%20file%231.tif?"), url);
});

test("a signed link verifies until its expiry second, and not after", () => {
  const { key, params } = parts(
    signer.sign("a/b.pdf", { fileName: "b.pdf", contentType: "application/pdf", expiresAt }),
  );
  const verdict = signer.verify(key, params, expiresAt.getTime());
  assert.deepEqual(verdict, {
    ok: true,
    link: { key: "a/b.pdf", fileName: "b.pdf", contentType: "application/pdf", expiresAt: expiresAt.getTime() / 1000 },
  });
  assert.deepEqual(signer.verify(key, params, expiresAt.getTime() + 1), { ok: false, reason: "expired" });
});

test("the signature covers the key, file name, media type and expiry", () => {
  const { key, params } = parts(
    signer.sign("a/b.pdf", { fileName: "b.pdf", contentType: "application/pdf", expiresAt }),
  );
  const now = expiresAt.getTime() - 1000;
  assert.equal(signer.verify("a/c.pdf", params, now).ok, false);
  for (const [name, value] of [
    ["fn", "c.pdf"],
    ["ct", "text/html"],
    ["exp", String(expiresAt.getTime() / 1000 + 1)],
  ]) {
    const changed = new URLSearchParams(params);
    changed.set(name as string, value as string);
    assert.deepEqual(signer.verify(key, changed, now), { ok: false, reason: "bad-signature" }, name);
  }
  const withoutType = new URLSearchParams(params);
  withoutType.delete("ct");
  assert.deepEqual(signer.verify(key, withoutType, now), { ok: false, reason: "bad-signature" });
});

test("missing, malformed and repeated parameters are refused", () => {
  const { key, params } = parts(signer.sign("a/b.pdf", { fileName: "b.pdf", expiresAt }));
  const now = expiresAt.getTime() - 1000;
  const without = new URLSearchParams(params);
  without.delete("sig");
  assert.deepEqual(signer.verify(key, without, now), { ok: false, reason: "unsigned" });
  const doubled = new URLSearchParams(params);
  doubled.append("sig", params.get("sig") ?? "");
  assert.deepEqual(signer.verify(key, doubled, now), { ok: false, reason: "bad-signature" });
  const extra = new URLSearchParams(params);
  extra.set("x", "1");
  assert.deepEqual(signer.verify(key, extra, now), { ok: false, reason: "bad-signature" });
  const short = new URLSearchParams(params);
  short.set("sig", "abc");
  assert.deepEqual(signer.verify(key, short, now), { ok: false, reason: "bad-signature" });
});

test("links from a signer with another key do not verify", () => {
  const other = new LocalUrlSigner("/srv/files", {
    baseUrl: "https://dl.example.com",
    keys: [{ kid: "k1", key: "o".repeat(32) }],
  });
  const { key, params } = parts(other.sign("a/b.pdf", { fileName: "b.pdf", expiresAt }));
  assert.deepEqual(signer.verify(key, params, expiresAt.getTime() - 1000), { ok: false, reason: "bad-signature" });
});

test("keys rotate: the first key signs, every key verifies, a removed key's links stop verifying", () => {
  const oldKey = { kid: "2025", key: "o".repeat(32) };
  const newKey = { kid: "2026", key: "n".repeat(32) };
  const before = new LocalUrlSigner("/srv/files", { baseUrl: "https://dl.example.com", keys: [oldKey] });
  const during = new LocalUrlSigner("/srv/files", { baseUrl: "https://dl.example.com", keys: [newKey, oldKey] });
  const after = new LocalUrlSigner("/srv/files", { baseUrl: "https://dl.example.com", keys: [newKey] });
  const now = expiresAt.getTime() - 1000;
  const issuedBefore = parts(before.sign("a/b.pdf", { fileName: "b.pdf", expiresAt }));
  const issuedDuring = parts(during.sign("a/b.pdf", { fileName: "b.pdf", expiresAt }));
  assert.equal(issuedBefore.params.get("kid"), "2025");
  assert.equal(issuedDuring.params.get("kid"), "2026");
  assert.equal(during.verify(issuedBefore.key, issuedBefore.params, now).ok, true);
  assert.equal(during.verify(issuedDuring.key, issuedDuring.params, now).ok, true);
  assert.equal(after.verify(issuedDuring.key, issuedDuring.params, now).ok, true);
  assert.deepEqual(after.verify(issuedBefore.key, issuedBefore.params, now), { ok: false, reason: "bad-signature" });
});

test("the key id is signed: relabelling a link with another configured kid is refused", () => {
  const both = new LocalUrlSigner("/srv/files", {
    baseUrl: "https://dl.example.com",
    keys: [
      { kid: "a", key: "a".repeat(32) },
      { kid: "b", key: "a".repeat(32) },
    ],
  });
  const { key, params } = parts(both.sign("a/b.pdf", { fileName: "b.pdf", expiresAt }));
  params.set("kid", "b");
  assert.deepEqual(both.verify(key, params, expiresAt.getTime() - 1000), { ok: false, reason: "bad-signature" });
});

test("a signer needs at least one key", () => {
  assert.throws(
    () => new LocalUrlSigner("/srv/files", { baseUrl: "https://dl.example.com", keys: [] }),
    /without a signing key/,
  );
});
