import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { LocalUrlSigner } from "@taskdl/storage/local";
import { startTestServer, type TestServer } from "@taskdl/testing";
import { ROUTES } from "@taskdl/contract";

// Rotation as an operator does it: add the new key first in URL_SIGNING_KEYS,
// keep the old one until its links have expired, then remove it.
const OLD = { kid: "k2025", key: "old-url-signing-key-of-at-least-32-bytes" };
const NEW = { kid: "k2026", key: "new-url-signing-key-of-at-least-32-bytes" };

let during: TestServer;
let afterRotation: TestServer;

before(async () => {
  during = await startTestServer({ URL_SIGNING_KEYS: `${NEW.kid}:${NEW.key},${OLD.kid}:${OLD.key}` });
  afterRotation = await startTestServer({ URL_SIGNING_KEYS: `${NEW.kid}:${NEW.key}` });
  for (const server of [during, afterRotation]) await server.putObject("rot/a.txt", "rotating");
});

after(async () => {
  await during?.close();
  await afterRotation?.close();
});

function linkFrom(server: TestServer, keys: { kid: string; key: string }[]): string {
  const signer = new LocalUrlSigner("/unused", { baseUrl: server.url, keys });
  return signer.sign("rot/a.txt", { fileName: "a.txt", expiresAt: new Date(Date.now() + 60_000) });
}

test("the service signs new links with the first key of URL_SIGNING_KEYS", async () => {
  assert.equal(
    (
      await during.putTask(
        {
          taskId: "rot-1",
          ownerId: "alice",
          status: "SUCCEEDED",
          outputs: [{ fileName: "a.txt", storageKey: "rot/a.txt" }],
        },
        { createObjects: false },
      )
    ).status,
    200,
  );
  const res = await during.get(`${ROUTES.getDownloadUrl.path}?taskId=rot-1`, during.token("alice"));
  const url = new URL((await res.json()).data.downloadUrls[0].downloadUrl);
  assert.equal(url.searchParams.get("kid"), NEW.kid);
  const download = await fetch(url);
  assert.equal(download.status, 200);
  assert.equal(await download.text(), "rotating");
});

test("links issued with the old key keep working while it is listed", async () => {
  const res = await fetch(linkFrom(during, [OLD]));
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "rotating");
});

test("once the old key is removed its links are refused with 403, and new-key links still work", async () => {
  const refused = await fetch(linkFrom(afterRotation, [OLD]));
  assert.equal(refused.status, 403);
  await refused.arrayBuffer();
  const ok = await fetch(linkFrom(afterRotation, [NEW]));
  assert.equal(ok.status, 200);
  await ok.arrayBuffer();
});
