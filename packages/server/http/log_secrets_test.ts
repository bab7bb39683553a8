import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import jwt from "jsonwebtoken";
import { startTestServer, TEST_JWT_SECRET, TEST_URL_SIGNING_KEY, type TestServer } from "@taskdl/testing";
import { ROUTES } from "@taskdl/contract";

// The log of a whole session — ingest, both faces, downloads, refusals, a
// fault — holds one access line per request and not one secret: no token,
// no link signature, no key.

let server: TestServer;
const secrets: string[] = [TEST_JWT_SECRET, TEST_URL_SIGNING_KEY];

before(async () => {
  server = await startTestServer({ LOG_LEVEL: "trace", TASK_CACHE_CAPACITY: "0" }); // the fault must reach the database
});
after(() => server?.close());

test("a full session logs every request with an id, and no token, signature or key", async () => {
  const alice = server.token("alice");
  const forged = jwt.sign(
    { sub: "alice", exp: Math.floor(Date.now() / 1000) + 60 },
    "another-secret-that-is-32-bytes-long!",
  );
  secrets.push(alice, forged);
  const sent: { method: string; path: string }[] = [];
  const track = (method: string, url: string) => sent.push({ method, path: new URL(url, server.url).pathname });

  track("PUT", "/analysis/task/log-1");
  assert.equal(
    (
      await server.putTask({
        taskId: "log-1",
        ownerId: "alice",
        status: "SUCCEEDED",
        outputs: [{ fileName: "a b.tif", storageKey: "log/a b.tif" }],
      })
    ).status,
    200,
  );
  const rest = `${ROUTES.getDownloadUrl.path}?taskId=log-1&expiresIn=120`;
  track("GET", rest);
  const body = (await (await server.get(rest, alice)).json()) as { data: { downloadUrls: { downloadUrl: string }[] } };
  const link = body.data.downloadUrls[0]?.downloadUrl ?? "";
  const signature = new URL(link).searchParams.get("sig") ?? "";
  assert.ok(signature.length > 20);
  secrets.push(signature, encodeURIComponent(signature));

  const trpc = `/trpc/analysisTask.getDownloadUrl?input=${encodeURIComponent('{"taskId":"log-1"}')}`;
  track("GET", trpc);
  const viaTrpc = (await (await server.get(trpc, alice)).json()) as {
    result: { data: { data: { downloadUrls: { downloadUrl: string }[] } } };
  };
  const trpcSignature =
    new URL(viaTrpc.result.data.data.downloadUrls[0]?.downloadUrl ?? "").searchParams.get("sig") ?? "";
  secrets.push(trpcSignature);

  track("GET", link);
  assert.equal((await fetch(link)).status, 200);
  const tampered = link.replace(/sig=[^&]+/, `sig=${"A".repeat(43)}`);
  track("GET", tampered);
  assert.equal((await fetch(tampered)).status, 403);
  track("GET", rest);
  assert.equal((await server.get(rest, forged)).status, 401);
  track("GET", rest);
  assert.equal(
    (
      await fetch(`${server.url}${rest}`, {
        headers: { Authorization: `Basic ${Buffer.from(`alice:${alice}`).toString("base64")}` },
      })
    ).status,
    401,
  );
  secrets.push(Buffer.from(`alice:${alice}`).toString("base64"));

  // A fault: the log gets the cause, still without the request's secrets.
  await server.running.orm.em.getConnection().execute('ALTER TABLE "task_output" RENAME TO "task_output_gone"');
  track("GET", rest);
  assert.equal((await server.get(rest, alice)).status, 500);
  await server.running.orm.em.getConnection().execute('ALTER TABLE "task_output_gone" RENAME TO "task_output"');

  await new Promise((resolve) => setTimeout(resolve, 100));
  const log = JSON.stringify(server.logLines);
  for (const secret of secrets) assert.ok(!log.includes(secret), `the log holds a secret (${secret.slice(0, 6)}…)`);
  assert.doesNotMatch(log, /sig=|Bearer /, "no signed query string, no Authorization value");

  const access = server.logLines.filter((line) => line.msg === "request");
  assert.deepEqual(
    access.map((line) => ({ method: line.method, path: line.path })),
    sent,
    "one access line per request, with the path and never the query",
  );
  for (const line of access) {
    assert.match(String(line.reqId), /^[0-9a-f-]{36}$/);
    assert.equal(typeof line.status, "number");
    assert.equal(typeof line.ms, "number");
  }
  assert.equal(new Set(access.map((line) => line.reqId)).size, access.length, "a request id per request");
  const fault = server.logLines.find((line) => line.msg === "request failed");
  assert.ok(
    fault !== undefined && access.some((line) => line.reqId === fault.reqId && line.status === 500),
    "the fault shares its request's id",
  );
});
