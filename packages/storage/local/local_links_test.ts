import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { LocalUrlSigner } from "./local_url_signer.ts";

const KEYS = [{ kid: "l1", key: "local-links-test-key-of-32-bytes-or-more" }];
const BYTES = Buffer.from("the bytes of one analysis output\n".repeat(100));
const SHA256 = createHash("sha256").update(BYTES).digest();

let root: string;
let signer: LocalUrlSigner;
let close: () => Promise<void>;

before(async () => {
  root = mkdtempSync(join(tmpdir(), "taskdl-links-"));
  mkdirSync(join(root, "t"), { recursive: true });
  writeFileSync(join(root, "t/out.bin"), BYTES);
  const server = createServer((req, res) => {
    signer.links.serve(req, res).then(
      (refused) => {
        if (refused !== undefined) res.writeHead(403).end(refused.reason);
      },
      () => res.writeHead(503).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  signer = new LocalUrlSigner(root, { baseUrl, keys: KEYS });
  close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
});

after(async () => {
  await close();
  rmSync(root, { recursive: true, force: true });
});

const expiresAt = () => new Date((Math.ceil(Date.now() / 1000) + 60) * 1000);

test("a full 200 of a link with a digest sends Repr-Digest (RFC 9530) and a strong ETag", async () => {
  const url = signer.sign("t/out.bin", { fileName: "out.bin", expiresAt: expiresAt(), sha256: SHA256.toString("hex") });
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("repr-digest"), `sha-256=:${SHA256.toString("base64")}:`);
  assert.match(res.headers.get("etag") ?? "", /^"[0-9a-f]+-[0-9a-f]+"$/, "strong: no W/");
  const body = Buffer.from(await res.arrayBuffer());
  assert.deepEqual(createHash("sha256").update(body).digest(), SHA256, "the digest is of the bytes sent");
  const head = await fetch(url, { method: "HEAD" });
  assert.equal(head.headers.get("repr-digest"), `sha-256=:${SHA256.toString("base64")}:`);
});

test("a range answer, a 304, and a link without a digest send no Repr-Digest", async () => {
  const url = signer.sign("t/out.bin", { fileName: "out.bin", expiresAt: expiresAt(), sha256: SHA256.toString("hex") });
  const part = await fetch(url, { headers: { Range: "bytes=0-9" } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get("repr-digest"), null);
  await part.arrayBuffer();
  const etag = part.headers.get("etag") ?? "";
  const unchanged = await fetch(url, { headers: { "If-None-Match": etag } });
  assert.equal(unchanged.status, 304);
  assert.equal(unchanged.headers.get("repr-digest"), null);
  const plain = await fetch(signer.sign("t/out.bin", { fileName: "out.bin", expiresAt: expiresAt() }));
  assert.equal(plain.status, 200);
  assert.equal(plain.headers.get("repr-digest"), null);
  await plain.arrayBuffer();
});

test("a format 1 link (an older replica's) is served, without a digest", async () => {
  const older = new LocalUrlSigner(root, {
    baseUrl: new URL(signer.sign("x", { fileName: "x", expiresAt: expiresAt() })).origin,
    keys: KEYS,
    linkFormat: 1,
  });
  const url = older.sign("t/out.bin", { fileName: "out.bin", expiresAt: expiresAt(), sha256: SHA256.toString("hex") });
  assert.equal(new URL(url).searchParams.has("v"), false);
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("repr-digest"), null);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), BYTES);
});
