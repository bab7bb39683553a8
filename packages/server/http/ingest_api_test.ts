import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { commonResponse, ErrorResponse, TaskResp, ROUTES, routePath } from "@taskdl/contract";
import { LocalUrlSigner } from "@taskdl/storage/local";
import { startTestServer, type TestServer } from "@taskdl/testing";

const Envelope = commonResponse(TaskResp);
const sha256Of = (text: string) => createHash("sha256").update(text).digest("hex");

let server: TestServer;
let writer: string;

before(async () => {
  server = await startTestServer();
  writer = server.token("pipeline", { scope: "openid tasks:write" });
});

after(() => server.close());

function put(taskId: string, body: unknown, init: { token?: string; contentType?: string; raw?: string } = {}) {
  const { token = writer, contentType = "application/json", raw } = init;
  return fetch(`${server.url}${routePath(ROUTES.putTask, { taskId })}`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": contentType },
    body: raw ?? JSON.stringify(body),
  });
}

async function downloadNames(taskId: string, owner: string): Promise<string[] | number> {
  const res = await server.get(`${ROUTES.getDownloadUrl.path}?taskId=${taskId}`, server.token(owner));
  if (res.status !== 200) return res.status;
  const body = (await res.json()) as { data: { downloadUrls: { fileName: string }[] } };
  return body.data.downloadUrls.map((vo) => vo.fileName);
}

async function expectError(res: Response, code: number, message: string | RegExp): Promise<void> {
  const body = ErrorResponse.parse(await res.json());
  assert.equal(res.status, code);
  assert.equal(body.code, code);
  if (typeof message === "string") assert.equal(body.message, message);
  else assert.match(body.message, message);
}

describe("PUT /analysis/task/{taskId}", () => {
  test("records a task with the real sizes from storage and answers the envelope", async () => {
    await server.putObject("in/a/one.tif", "12345");
    await server.putObject("in/a/two.pdf", "1234567890");
    const res = await put("ing-1", {
      ownerId: "carol",
      status: "SUCCEEDED",
      outputs: [
        { fileName: "one.tif", storageKey: "in/a/one.tif" },
        {
          fileName: "two.pdf",
          storageKey: "in/a/two.pdf",
          contentType: "application/x-custom",
          sha256: "F".repeat(64),
        },
      ],
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    const { data } = Envelope.parse(await res.json());
    assert.deepEqual(data, {
      taskId: "ing-1",
      ownerId: "carol",
      status: "SUCCEEDED",
      outputs: [
        // Hashed by the service from the stored bytes; the given one recorded as given.
        { fileName: "one.tif", fileSize: 5, contentType: "image/tiff", sha256: sha256Of("12345") },
        { fileName: "two.pdf", fileSize: 10, contentType: "application/x-custom", sha256: "f".repeat(64) },
      ],
      totalSize: 15,
    });
    assert.deepEqual(await downloadNames("ing-1", "carol"), ["one.tif", "two.pdf"]);
  });

  test("replaces the record as a whole and is idempotent", async () => {
    await server.putObject("in/b/x.csv", "x");
    await server.putObject("in/b/y.csv", "yy");
    const first = { ownerId: "dave", status: "RUNNING", outputs: [{ fileName: "x.csv", storageKey: "in/b/x.csv" }] };
    assert.equal((await put("ing-2", first)).status, 200);
    assert.equal(await downloadNames("ing-2", "dave"), 400);
    const second = {
      ownerId: "erin",
      status: "SUCCEEDED",
      outputs: [
        { fileName: "y.csv", storageKey: "in/b/y.csv" },
        { fileName: "x.csv", storageKey: "in/b/x.csv" },
      ],
    };
    const a = await put("ing-2", second);
    const b = await put("ing-2", second);
    assert.deepEqual(await a.json(), await b.json());
    assert.deepEqual(await downloadNames("ing-2", "erin"), ["y.csv", "x.csv"]);
    assert.equal(await downloadNames("ing-2", "dave"), 404, "the old owner lost it");
  });

  test("a missing object is 400 naming its key, and nothing is written", async () => {
    await server.putObject("in/c/kept.txt", "kept");
    const original = {
      ownerId: "frank",
      status: "SUCCEEDED",
      outputs: [{ fileName: "kept.txt", storageKey: "in/c/kept.txt" }],
    };
    assert.equal((await put("ing-3", original)).status, 200);
    const res = await put("ing-3", {
      ownerId: "frank",
      status: "SUCCEEDED",
      outputs: [
        { fileName: "kept.txt", storageKey: "in/c/kept.txt" },
        { fileName: "gone.txt", storageKey: "in/c/not there.txt" },
      ],
    });
    await expectError(res, 400, 'Request parameter error: no object with storage key "in/c/not there.txt" in storage');
    assert.deepEqual(await downloadNames("ing-3", "frank"), ["kept.txt"], "the earlier record stands");
    const fresh = await put("ing-3b", {
      ownerId: "frank",
      status: "SUCCEEDED",
      outputs: [{ fileName: "g", storageKey: "in/c/nope" }],
    });
    assert.equal(fresh.status, 400);
    assert.equal(await downloadNames("ing-3b", "frank"), 404, "a refused new task is not created");
  });

  test("file names are unique within a task: a duplicate is 400 naming it, and nothing is written", async () => {
    await server.putObject("in/u/one.txt", "1");
    await server.putObject("in/u/two.txt", "2");
    const res = await put("ing-u", {
      ownerId: "uma",
      status: "SUCCEEDED",
      outputs: [
        { fileName: "same.txt", storageKey: "in/u/one.txt" },
        { fileName: "same.txt", storageKey: "in/u/two.txt" },
      ],
    });
    await expectError(res, 400, 'Request parameter error: outputs[1].fileName duplicates file name "same.txt"');
    assert.equal(await downloadNames("ing-u", "uma"), 404);
  });

  test("a directory, or a symlink out of the storage root, is no object", async () => {
    await server.putObject("in/d/dir/file.txt", "f");
    const dir = await put("ing-4", {
      ownerId: "g",
      status: "SUCCEEDED",
      outputs: [{ fileName: "d", storageKey: "in/d/dir" }],
    });
    await expectError(dir, 400, /no object with storage key "in\/d\/dir"/);
    const { symlinkSync } = await import("node:fs");
    assert.ok(server.running.signer instanceof LocalUrlSigner);
    symlinkSync("/etc/hostname", `${server.running.signer.root}/in/d/escape`);
    const link = await put("ing-4", {
      ownerId: "g",
      status: "SUCCEEDED",
      outputs: [{ fileName: "e", storageKey: "in/d/escape" }],
    });
    await expectError(link, 400, /no object with storage key "in\/d\/escape"/);
  });

  test("a token without the tasks:write scope is 403; no token is 401", async () => {
    const body = { ownerId: "h", status: "PENDING", outputs: [] };
    const res = await put("ing-5", body, { token: server.token("alice", { scope: "tasks:read" }) });
    await expectError(res, 403, "Forbidden: token lacks scope tasks:write");
    const anonymous = await fetch(`${server.url}/analysis/task/ing-5`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    await expectError(anonymous, 401, "Unauthorized: missing token");
    assert.equal(await downloadNames("ing-5", "h"), 404);
  });

  test("bad bodies are 400 naming the field; keys that leave the root are refused", async () => {
    const cases: [unknown, string][] = [
      [{ status: "PENDING", outputs: [] }, "Request parameter error: ownerId is required"],
      [
        { ownerId: "x", status: "DONE", outputs: [] },
        "Request parameter error: status must be one of PENDING, RUNNING, SUCCEEDED, FAILED",
      ],
      [
        { ownerId: "x", status: "PENDING", outputs: [{ fileName: "a", storageKey: "../etc/passwd" }] },
        "Request parameter error: outputs[0].storageKey must be a relative path without empty, . or .. segments",
      ],
      [
        { ownerId: "x", status: "PENDING", outputs: [{ fileName: "a/b", storageKey: "k" }] },
        "Request parameter error: outputs[0].fileName must not contain / or \\",
      ],
      [
        { ownerId: "x", status: "PENDING", outputs: [], extra: 1 },
        'Request parameter error: unknown parameter "extra"',
      ],
      [[1, 2], "Request parameter error: body must be a JSON object"],
    ];
    for (const [body, message] of cases) await expectError(await put("ing-6", body), 400, message);
    await expectError(
      await put("bad.id", { ownerId: "x", status: "PENDING", outputs: [] }),
      400,
      /taskId must be 1–64/,
    );
  });

  test("a body that is not JSON is 400; one that is not declared JSON is 415; a huge one is 413", async () => {
    await expectError(
      await put("ing-7", undefined, { raw: "{not json" }),
      400,
      "Request parameter error: body is not valid JSON",
    );
    await expectError(
      await put("ing-7", undefined, { raw: "ownerId=x", contentType: "text/plain" }),
      415,
      /^Unsupported media type/,
    );
    const huge = JSON.stringify({ ownerId: "x", status: "PENDING", outputs: [], pad: "x".repeat(5 * 1024 * 1024) });
    await expectError(await put("ing-7", undefined, { raw: huge }), 413, /^Payload too large/);
  });

  test("other methods on the ingest path are 405 with Allow: PUT", async () => {
    const res = await fetch(`${server.url}/analysis/task/ing-1`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${writer}` },
    });
    assert.equal(res.headers.get("allow"), "PUT");
    await expectError(res, 405, "Method not allowed: use PUT");
  });

  test("the tRPC mutation records the same way", async () => {
    await server.putObject("in/t/z.txt", "zzz");
    const res = await fetch(`${server.url}/trpc/analysisTask.put`, {
      method: "POST",
      headers: { Authorization: `Bearer ${writer}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        taskId: "ing-8",
        ownerId: "ivan",
        status: "SUCCEEDED",
        outputs: [{ fileName: "z.txt", storageKey: "in/t/z.txt" }],
      }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { result: { data: unknown } };
    assert.equal(Envelope.parse(body.result.data).data.totalSize, 3);
    assert.deepEqual(await downloadNames("ing-8", "ivan"), ["z.txt"]);
  });
});
