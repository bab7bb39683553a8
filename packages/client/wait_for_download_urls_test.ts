import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startTestServer, type TestServer } from "@taskdl/testing";
import { createTaskdlClient } from "./create_taskdl_client.ts";
import { TaskdlError } from "./taskdl_error.ts";

// waitForDownloadUrls: the tRPC subscription over server-sent events, under Node,
// with the token in the Authorization header (never in the URL).

let server: TestServer;
/** Every request the service saw: method, URL and whether it carried a token. */
const seen: { url: string; authorized: boolean }[] = [];

before(async () => {
  server = await startTestServer({ WAIT_RECHECK_MS: "200" });
  for (const [taskId, status, ownerId] of [
    ["s-run", "RUNNING", "alice"],
    ["s-fail", "RUNNING", "alice"],
    ["s-slow", "RUNNING", "alice"],
    ["s-bob", "RUNNING", "bob"],
  ] as const) {
    assert.equal((await server.putTask({ taskId, ownerId, status, outputs: [] })).status, 200);
  }
});

after(() => server?.close());

const client = () =>
  createTaskdlClient({
    baseUrl: server.url,
    token: server.token("alice"),
    fetch: (input, init) => {
      const headers = new Headers(init?.headers);
      seen.push({
        url: String(input instanceof Request ? input.url : input),
        authorized: headers.has("authorization"),
      });
      return fetch(input, init);
    },
  });

async function rejectsWith(call: Promise<unknown>, code: number, message: RegExp): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof TaskdlError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}

describe("waitForDownloadUrls", () => {
  test("resolves with the URLs the moment the task succeeds", async () => {
    const waiting = client().waitForDownloadUrls("s-run", { timeoutMs: 30_000, expiresIn: 120 });
    await sleep(500);
    const outputs = [{ fileName: "ndvi_result.tif", storageKey: "s/run/ndvi_result.tif" }];
    assert.equal(
      (await server.putTask({ taskId: "s-run", ownerId: "alice", status: "SUCCEEDED", outputs })).status,
      200,
    );
    const start = performance.now();
    const resp = await waiting;
    assert.ok(performance.now() - start < 1500);
    assert.equal(resp.taskId, "s-run");
    assert.deepEqual(
      resp.downloadUrls.map((url) => url.fileName),
      ["ndvi_result.tif"],
    );
    assert.equal(await (await fetch(resp.downloadUrls[0]?.downloadUrl ?? "")).text(), "content of ndvi_result.tif");
    const subscriptions = seen.filter((request) => request.url.includes("onDownloadUrls"));
    assert.ok(subscriptions.length > 0, "went through the subscription");
    for (const request of subscriptions) {
      assert.ok(request.authorized, "the token travels in the Authorization header");
      assert.doesNotMatch(request.url, /eyJ|token|authorization/i, "and never in the URL");
    }
  });

  test("rejects with the envelope's 400 when the task fails", async () => {
    // The assertion is attached at once: the rejection may come before the PUT's own answer does.
    const rejected = rejectsWith(
      client().waitForDownloadUrls("s-fail", { timeoutMs: 30_000 }),
      400,
      /^Request parameter error: task s-fail failed$/,
    );
    await sleep(300);
    assert.equal(
      (await server.putTask({ taskId: "s-fail", ownerId: "alice", status: "FAILED", outputs: [] })).status,
      200,
    );
    await rejected;
  });

  test("rejects with 400 not finished when the timeout passes, and 404 for a task the user cannot see", async () => {
    const start = performance.now();
    await rejectsWith(client().waitForDownloadUrls("s-slow", { timeoutMs: 1000 }), 400, /has not finished/);
    const ms = performance.now() - start;
    assert.ok(ms >= 900 && ms < 4000, `${Math.round(ms)} ms`);
    await rejectsWith(client().waitForDownloadUrls("s-bob", { timeoutMs: 1000 }), 404, /^Task not found$/);
  });

  test("rejects with 401 without a token", async () => {
    const anonymous = createTaskdlClient({ baseUrl: server.url });
    await rejectsWith(
      anonymous.waitForDownloadUrls("s-slow", { timeoutMs: 1000 }),
      401,
      /^Unauthorized: missing token$/,
    );
  });
});
