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
    link: {
      key: "a/b.pdf",
      fileName: "b.pdf",
      contentType: "application/pdf",
      expiresAt: expiresAt.getTime() / 1000,
      format: 2,
      taskId: undefined,
      sha256: undefined,
    },
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

const SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

test("format 2 links carry the task id and SHA-256 under the signature", () => {
  const url = signer.sign("a/b.pdf", { fileName: "b.pdf", expiresAt, taskId: "t-1", sha256: SHA });
  const { key, params } = parts(url);
  assert.equal(params.get("v"), "2");
  const now = expiresAt.getTime() - 1000;
  const verdict = signer.verify(key, params, now);
  assert.ok(verdict.ok);
  assert.equal(verdict.link.format, 2);
  assert.equal(verdict.link.taskId, "t-1");
  assert.equal(verdict.link.sha256, SHA);
  for (const [name, value] of [
    ["tid", "t-2"],
    ["sha256", "0".repeat(64)],
    ["sha256", SHA.toUpperCase()],
    ["v", "3"],
  ]) {
    const changed = new URLSearchParams(params);
    changed.set(name as string, value as string);
    assert.deepEqual(signer.verify(key, changed, now), { ok: false, reason: "bad-signature" }, `${name}=${value}`);
  }
  for (const name of ["tid", "sha256", "v"]) {
    const without = new URLSearchParams(params);
    without.delete(name);
    assert.deepEqual(signer.verify(key, without, now), { ok: false, reason: "bad-signature" }, `without ${name}`);
  }
});

test("a format 2 link without task id or digest still verifies, and says so", () => {
  const { key, params } = parts(signer.sign("a/b.pdf", { fileName: "b.pdf", expiresAt }));
  assert.equal(params.has("tid") || params.has("sha256"), false);
  const verdict = signer.verify(key, params, expiresAt.getTime() - 1000);
  assert.ok(verdict.ok);
  assert.deepEqual([verdict.link.format, verdict.link.taskId, verdict.link.sha256], [2, undefined, undefined]);
  assert.throws(() => signer.sign("a/b.pdf", { fileName: "b.pdf", expiresAt, sha256: "xyz" }), /64 lowercase hex/);
});

// Issued by the release before format 2 (its LocalUrlSigner, same key and inputs), byte for byte.
const FORMAT_1_LINKS = [
  {
    url:
      "https://dl.example.com/files/tasks/7/ndvi%20result.tif?exp=1893499200&fn=ndvi%20result.tif&ct=image%2Ftiff" +
      "&kid=k1&sig=8A5KZJROo6q1M-7H-KqFU82OP5L32pD1T_1joSyV-JM",
    key: "tasks/7/ndvi result.tif",
    options: { fileName: "ndvi result.tif", contentType: "image/tiff", expiresAt },
  },
  {
    url: "https://dl.example.com/files/tasks/7/b.pdf?exp=1893499200&fn=b.pdf&kid=k1&sig=Mci_YZuyPkH5ls61zcDowkk4aHkSNuJ3N5KQvf6lVhM",
    key: "tasks/7/b.pdf",
    options: { fileName: "b.pdf", expiresAt },
  },
];

test("links issued before format 2 keep verifying until they expire", () => {
  for (const { url, key, options } of FORMAT_1_LINKS) {
    const link = parts(url);
    assert.equal(link.key, key);
    const verdict = signer.verify(link.key, link.params, expiresAt.getTime() - 1000);
    assert.ok(verdict.ok, url);
    assert.deepEqual(verdict.link, {
      key,
      fileName: options.fileName,
      contentType: options.contentType,
      expiresAt: expiresAt.getTime() / 1000,
      format: 1,
      taskId: undefined,
      sha256: undefined,
    });
    assert.deepEqual(signer.verify(link.key, link.params, expiresAt.getTime() + 1), { ok: false, reason: "expired" });
    const relabelled = new URLSearchParams(link.params);
    relabelled.set("v", "2");
    assert.deepEqual(signer.verify(link.key, relabelled, expiresAt.getTime() - 1000), {
      ok: false,
      reason: "bad-signature",
    });
  }
});

test("during a rolling upgrade, format 1 issues exactly the links older replicas verify", () => {
  const rolling = new LocalUrlSigner("/srv/files", {
    baseUrl: "https://dl.example.com/",
    keys: [{ kid: "k1", key: "k".repeat(32) }],
    linkFormat: 1,
  });
  for (const { url, key, options } of FORMAT_1_LINKS) {
    // The task id and digest have no place in format 1: an older replica would refuse the link.
    assert.equal(rolling.sign(key, { ...options, taskId: "7", sha256: SHA }), url);
  }
  assert.throws(
    () =>
      new LocalUrlSigner("/srv/files", {
        baseUrl: "https://x",
        keys: [{ kid: "k", key: "k".repeat(32) }],
        linkFormat: 3 as 2,
      }),
    /format 3/,
  );
});
