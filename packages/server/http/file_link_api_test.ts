import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ErrorResponse, ROUTES, routePath } from "@taskdl/contract";
import { startTestServer, type TestServer } from "@taskdl/testing";

// The stable path of one file: GET (and HEAD) /analysis/task/{taskId}/files/{fileName}
// answers 302 to a freshly signed link, with the main path's rules.

const NAMES = ["ndvi_result.tif", "Bericht über «Felder» 2026.pdf", `it's "quoted" & 100%.csv`] as const;
const [TIF, REPORT] = NAMES;

let server: TestServer;
let alice: string;

before(async () => {
  server = await startTestServer({ DOWNLOAD_URL_TTL: "120" });
  alice = server.token("alice");
  const outputs = NAMES.map((fileName, index) => ({ fileName, storageKey: `t/files/${index}.bin` }));
  for (const task of [
    { taskId: "f-ok", ownerId: "alice", status: "SUCCEEDED" as const, outputs },
    { taskId: "f-running", ownerId: "alice", status: "RUNNING" as const, outputs: [] },
    { taskId: "f-failed", ownerId: "alice", status: "FAILED" as const, outputs: [] },
    { taskId: "f-bobs", ownerId: "bob", status: "SUCCEEDED" as const, outputs },
  ]) {
    const res = await server.putTask(task);
    assert.equal(res.status, 200, await res.text());
  }
});

after(() => server.close());

function fileUrl(taskId: string, fileName: string, query = ""): string {
  return `${server.url}${routePath(ROUTES.getFile, { taskId, fileName })}${query}`;
}

function request(url: string, token: string | undefined, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== undefined) headers.set("Authorization", `Bearer ${token}`);
  return fetch(url, { redirect: "manual", ...init, headers });
}

async function expectError(res: Response, code: number, message: string | RegExp): Promise<void> {
  assert.equal(res.status, code);
  const body = ErrorResponse.parse(await res.json());
  assert.equal(body.code, code);
  if (typeof message === "string") assert.equal(body.message, message);
  else assert.match(body.message, message);
}

describe("a file of a finished task", () => {
  test("answers 302 Found to a fresh signed link of that file, not to be stored", async () => {
    for (const name of NAMES) {
      const res = await request(fileUrl("f-ok", name), alice);
      assert.equal(res.status, 302, name);
      assert.equal(res.headers.get("cache-control"), "no-store");
      const location = res.headers.get("location") ?? "";
      assert.match(location, /^http:\/\/127\.0\.0\.1:\d+\/files\//);
      await res.arrayBuffer();
      const file = await fetch(location);
      assert.equal(file.status, 200, name);
      assert.equal(await file.text(), `content of ${name}`);
      const disposition = file.headers.get("content-disposition") ?? "";
      assert.equal(decodeURIComponent(/filename\*=UTF-8''([^;]+)/.exec(disposition)?.[1] ?? ""), name);
    }
  });

  test("each redirect is a link signed anew, living expiresIn seconds (the default when omitted)", async () => {
    const expiry = (location: string) => Number(new URL(location).searchParams.get("exp"));
    const first = (await request(fileUrl("f-ok", TIF), alice)).headers.get("location") ?? "";
    const asked = (await request(fileUrl("f-ok", TIF, "?expiresIn=600"), alice)).headers.get("location") ?? "";
    const now = Date.now() / 1000;
    assert.ok(Math.abs(expiry(first) - (now + 120)) <= 2, `default lifetime: ${expiry(first) - now}`);
    assert.ok(Math.abs(expiry(asked) - (now + 600)) <= 2, `expiresIn=600: ${expiry(asked) - now}`);
  });

  test("HEAD answers the same redirect, and fetch follows it to the bytes", async () => {
    const head = await request(fileUrl("f-ok", REPORT), alice, { method: "HEAD" });
    assert.equal(head.status, 302);
    assert.match(head.headers.get("location") ?? "", /\/files\//);
    const followed = await request(fileUrl("f-ok", REPORT), alice, { redirect: "follow" });
    assert.equal(followed.status, 200);
    assert.equal(await followed.text(), `content of ${REPORT}`);
  });
});

describe("the main path's rules", () => {
  test("another user's task and an unknown task are both 404 Task not found", async () => {
    await expectError(await request(fileUrl("f-bobs", TIF), alice), 404, "Task not found");
    await expectError(await request(fileUrl("f-none", TIF), alice), 404, "Task not found");
  });

  test("an unknown file of a task the user can see is 404 File not found", async () => {
    await expectError(await request(fileUrl("f-ok", "other.tif"), alice), 404, "File not found");
  });

  test("an unfinished or failed task is the main path's 400", async () => {
    await expectError(
      await request(fileUrl("f-running", "x.tif"), alice),
      400,
      "Request parameter error: task f-running has not finished (status RUNNING)",
    );
    await expectError(
      await request(fileUrl("f-failed", "x.tif"), alice),
      400,
      "Request parameter error: task f-failed failed",
    );
  });

  test("no token or a bad one is 401 with WWW-Authenticate", async () => {
    const none = await request(fileUrl("f-ok", TIF), undefined);
    assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer realm="taskdl"/);
    await expectError(none, 401, "Unauthorized: missing token");
    const bad = await request(fileUrl("f-ok", TIF), "not-a-jwt");
    assert.match(bad.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
    await expectError(bad, 401, /^Unauthorized: /);
  });

  test("lifetimes out of bounds and unknown parameters are 400s like the main path's", async () => {
    await expectError(
      await request(fileUrl("f-ok", TIF, "?expiresIn=59"), alice),
      400,
      "Request parameter error: expiresIn must be at least 60 seconds",
    );
    await expectError(
      await request(fileUrl("f-ok", TIF, "?expiresIn=99999999"), alice),
      400,
      /^Request parameter error: expiresIn must be at most \d+ seconds$/,
    );
    await expectError(await request(fileUrl("f-ok", TIF, "?wait=5"), alice), 400, /wait/);
  });

  test("a name no output can have is a 400, and other methods are 405 with Allow", async () => {
    await expectError(await request(`${server.url}/analysis/task/f-ok/files/a%2Fb`, alice), 400, /fileName/);
    const post = await request(fileUrl("f-ok", TIF), alice, { method: "POST" });
    assert.equal(post.headers.get("allow"), "GET, HEAD");
    await expectError(post, 405, "Method not allowed: use GET, HEAD");
  });
});
