import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { startTestServer, type TestServer } from "@taskdl/testing";
import { ROUTES } from "@taskdl/contract";

const PATH = `${ROUTES.getDownloadUrl.path}?taskId=none`;
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

async function expect429(res: Response): Promise<void> {
  assert.equal(res.status, 429);
  assert.equal(res.headers.get("retry-after"), "1");
  assert.deepEqual(await res.json(), { code: 429, message: "Too many requests: retry after 1 s", data: null });
}

describe("in process (the default)", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ RATE_LIMIT_PER_USER: "1", RATE_LIMIT_BURST: "3" });
  });
  after(() => server?.close());

  test("a user gets burst requests at once, then the 429 envelope with Retry-After, on REST and tRPC alike", async () => {
    const alice = server.token("alice");
    for (let i = 0; i < 3; i++) assert.equal((await server.get(PATH, alice)).status, 404);
    await expect429(await server.get(PATH, alice));
    const trpc = await server.get(
      `/trpc/analysisTask.getDownloadUrl?input=${encodeURIComponent('{"taskId":"none"}')}`,
      alice,
    );
    assert.equal(trpc.status, 429, "one bucket per user, whichever face they call");
    assert.equal(trpc.headers.get("retry-after"), "1");
    const body = (await trpc.json()) as { error: { code: number; message: string } };
    assert.equal(body.error.code, 429);
    assert.equal((await server.get(PATH, server.token("bob"))).status, 404, "other users are not slowed");
    assert.equal((await server.get(PATH)).status, 401, "no token: refused before any bucket is touched");
  });

  test("tokens come back at the configured rate", async () => {
    const erin = server.token("erin");
    for (let i = 0; i < 3; i++) await server.get(PATH, erin);
    await expect429(await server.get(PATH, erin));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal((await server.get(PATH, erin)).status, 404);
  });

  test("a refusal is not a fault: nothing is logged as failed", () => {
    assert.deepEqual(
      server.logLines.filter((line) => line.msg === "request failed"),
      [],
    );
  });
});

describe("shared through Redis (REDIS_URL)", () => {
  let replicas: TestServer[] = [];
  before(async () => {
    const env = { RATE_LIMIT_PER_USER: "1", RATE_LIMIT_BURST: "4", REDIS_URL };
    replicas = [await startTestServer(env), await startTestServer(env)];
  });
  after(async () => {
    for (const replica of replicas) await replica.close();
  });

  test("two replicas enforce one limit per user", async () => {
    const user = `user-${randomUUID()}`;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const replica = replicas[i % 2] as TestServer;
      const res = await replica.get(PATH, replica.token(user));
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    assert.deepEqual(statuses, [404, 404, 404, 404, 429, 429, 429, 429]);
  });
});
