import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { commonResponse, DownloadUrlResp, ErrorResponse, ROUTES } from "@taskdl/contract";
import jwt from "jsonwebtoken";
import { startTestServer, TEST_JWT_SECRET, type TestServer } from "@taskdl/testing";

const PATH = ROUTES.getDownloadUrl.path;
const Envelope = commonResponse(DownloadUrlResp);
const RFC3339_UTC_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

let server: TestServer;
let alice: string;
let bob: string;

before(async () => {
  server = await startTestServer({ TASK_CACHE_CAPACITY: "0" }); // the faults test below needs every read to query
  alice = server.token("alice");
  bob = server.token("bob");
  const outputs = [
    { fileName: "ndvi_result.tif", storageKey: "t/report-order/ndvi_result.tif", sha256: "AB".repeat(32) },
    { fileName: "analysis_report.pdf", storageKey: "t/report-order/analysis_report.pdf" },
    { fileName: "a_first_alphabetically.csv", storageKey: "t/report-order/a.csv" },
  ];
  await ok(server.putTask({ taskId: "t-ok", ownerId: "alice", status: "SUCCEEDED", outputs }));
  await ok(server.putTask({ taskId: "t-empty", ownerId: "alice", status: "SUCCEEDED", outputs: [] }));
  await ok(server.putTask({ taskId: "t-running", ownerId: "alice", status: "RUNNING", outputs: [] }));
  await ok(server.putTask({ taskId: "t-pending", ownerId: "alice", status: "PENDING", outputs: [] }));
  await ok(server.putTask({ taskId: "t-failed", ownerId: "alice", status: "FAILED", outputs: [] }));
  await ok(
    server.putTask({
      taskId: "t-bobs",
      ownerId: "bob",
      status: "SUCCEEDED",
      outputs: [{ fileName: "secret.tif", storageKey: "t/bob/secret.tif" }],
    }),
  );
});

after(() => server.close());

async function ok(response: Promise<Response>): Promise<void> {
  const res = await response;
  assert.equal(res.status, 200, await res.text());
}

function get(query: string, token?: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== undefined) headers.set("Authorization", `Bearer ${token}`);
  return fetch(`${server.url}${PATH}${query}`, { ...init, headers });
}

async function errorOf(res: Response): Promise<{ status: number; body: ErrorResponse }> {
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  const body = ErrorResponse.parse(await res.json());
  assert.equal(body.code, res.status, "HTTP status equals code");
  return { status: res.status, body };
}

async function expectError(res: Response, code: number, message: string | RegExp): Promise<void> {
  const { body } = await errorOf(res);
  assert.equal(body.code, code);
  if (typeof message === "string") assert.equal(body.message, message);
  else assert.match(body.message, message);
  assert.equal(body.data, null);
}

describe("success", () => {
  test("answers the envelope with every output in recorded order, exact sizes and total", async () => {
    const res = await get("?taskId=t-ok", alice);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
    assert.equal(res.headers.get("cache-control"), "no-store");
    const envelope = Envelope.parse(await res.json());
    assert.equal(envelope.code, 200);
    assert.equal(envelope.message, "success");
    const { data } = envelope;
    assert.equal(data.taskId, "t-ok");
    assert.deepEqual(
      data.downloadUrls.map((vo) => vo.fileName),
      ["ndvi_result.tif", "analysis_report.pdf", "a_first_alphabetically.csv"],
    );
    assert.deepEqual(
      data.downloadUrls.map((vo) => vo.fileSize),
      ["ndvi_result.tif", "analysis_report.pdf", "a_first_alphabetically.csv"].map((name) =>
        Buffer.byteLength(`content of ${name}`),
      ),
    );
    assert.equal(
      data.totalSize,
      data.downloadUrls.reduce((sum, vo) => sum + vo.fileSize, 0),
    );
    assert.ok(data.downloadUrls.every((vo) => Number.isInteger(vo.fileSize)));
  });

  test("keeps the order stable across calls", async () => {
    const first = Envelope.parse(await (await get("?taskId=t-ok", alice)).json());
    const second = Envelope.parse(await (await get("?taskId=t-ok", alice)).json());
    assert.deepEqual(
      first.data.downloadUrls.map((vo) => vo.fileName),
      second.data.downloadUrls.map((vo) => vo.fileName),
    );
  });

  test("gives every URL one expiry: RFC 3339 UTC, whole seconds, the default lifetime away", async () => {
    const before = Date.now();
    const { data } = Envelope.parse(await (await get("?taskId=t-ok", alice)).json());
    const expiries = new Set(data.downloadUrls.map((vo) => vo.expiresAt));
    assert.equal(expiries.size, 1);
    const [expiresAt] = [...expiries] as [string];
    assert.match(expiresAt, RFC3339_UTC_SECONDS);
    const lifetime = (Date.parse(expiresAt) - before) / 1000;
    assert.ok(lifetime >= 3600 && lifetime <= 3602, `lifetime ${lifetime}`);
  });

  test("adds contentType, and sha256 on every URL: as given, or hashed at ingest", async () => {
    const { data } = Envelope.parse(await (await get("?taskId=t-ok", alice)).json());
    const [tif, pdf, csv] = data.downloadUrls;
    assert.equal(tif?.contentType, "image/tiff");
    assert.equal(tif?.sha256, "ab".repeat(32));
    assert.equal(pdf?.contentType, "application/pdf");
    assert.equal(pdf?.sha256, createHash("sha256").update(`content of ${pdf?.fileName}`).digest("hex"));
    assert.equal(csv?.contentType, "text/csv");
    assert.ok(data.downloadUrls.every((vo) => vo.sha256 !== undefined));
  });

  test("issues absolute URLs that download the exact bytes", async () => {
    const { data } = Envelope.parse(await (await get("?taskId=t-ok", alice)).json());
    for (const vo of data.downloadUrls) {
      assert.ok(vo.downloadUrl.startsWith(`${server.url}/files/`), vo.downloadUrl);
      const file = await fetch(vo.downloadUrl);
      assert.equal(file.status, 200);
      assert.equal(await file.text(), `content of ${vo.fileName}`);
    }
  });

  test("answers a succeeded task without outputs with an empty list and totalSize 0", async () => {
    const envelope = Envelope.parse(await (await get("?taskId=t-empty", alice)).json());
    assert.deepEqual(envelope.data, { taskId: "t-empty", downloadUrls: [], totalSize: 0 });
  });

  test("answers HEAD like GET without a body", async () => {
    const res = await get("?taskId=t-ok", alice, { method: "HEAD" });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "");
  });
});

describe("expiresIn", () => {
  test("sets the lifetime from 60 seconds up to the configured maximum", async () => {
    for (const seconds of [60, 604800]) {
      const before = Date.now();
      const res = await get(`?taskId=t-ok&expiresIn=${seconds}`, alice);
      assert.equal(res.status, 200);
      const { data } = Envelope.parse(await res.json());
      const lifetime = (Date.parse(data.downloadUrls[0]?.expiresAt ?? "") - before) / 1000;
      assert.ok(lifetime >= seconds && lifetime <= seconds + 2, `asked ${seconds}, got ${lifetime}`);
    }
  });

  test("refuses lifetimes outside 60..max and non-numbers with 400", async () => {
    const cases: [string, string][] = [
      ["59", "Request parameter error: expiresIn must be at least 60 seconds"],
      ["0", "Request parameter error: expiresIn must be at least 60 seconds"],
      ["604801", "Request parameter error: expiresIn must be at most 604800 seconds"],
      ["abc", "Request parameter error: expiresIn must be a whole number of seconds"],
      ["90.5", "Request parameter error: expiresIn must be a whole number of seconds"],
      ["", "Request parameter error: expiresIn must be at least 60 seconds"],
    ];
    for (const [value, message] of cases) {
      await expectError(await get(`?taskId=t-ok&expiresIn=${value}`, alice), 400, message);
    }
  });
});

describe("taskId", () => {
  test("is required", async () => {
    await expectError(await get("", alice), 400, "Request parameter error: taskId is required");
  });

  test("must not be empty, repeated, too long or outside A–Z a–z 0–9 _ -", async () => {
    const rule = "Request parameter error: taskId must be 1–64 characters of A–Z a–z 0–9 _ -";
    await expectError(await get("?taskId=", alice), 400, rule);
    await expectError(
      await get("?taskId=a&taskId=b", alice),
      400,
      "Request parameter error: taskId must be given once",
    );
    for (const bad of ["a.b", "a%2Fb", "..%2F..%2Fetc", "%C3%BC", "a%20b", "x".repeat(65), "1'%20OR%20'1'='1", "%00"]) {
      await expectError(await get(`?taskId=${bad}`, alice), 400, rule);
    }
  });

  test("unknown parameters are refused by name", async () => {
    await expectError(
      await get("?taskId=t-ok&expiresin=60", alice),
      400,
      'Request parameter error: unknown parameter "expiresin"',
    );
  });
});

describe("ownership and status", () => {
  test("a task that does not exist is 404 Task not found", async () => {
    await expectError(await get("?taskId=nope", alice), 404, "Task not found");
  });

  test("another user's task answers exactly like a missing one", async () => {
    const foreign = await get("?taskId=t-bobs", alice);
    const missing = await get("?taskId=t-missing", alice);
    assert.equal(foreign.status, missing.status);
    assert.deepEqual(await foreign.json(), await missing.json());
    const own = await get("?taskId=t-bobs", bob);
    assert.equal(own.status, 200);
  });

  test("an unfinished task is 400 naming its status; a failed task is 400", async () => {
    await expectError(
      await get("?taskId=t-running", alice),
      400,
      "Request parameter error: task t-running has not finished (status RUNNING)",
    );
    await expectError(
      await get("?taskId=t-pending", alice),
      400,
      "Request parameter error: task t-pending has not finished (status PENDING)",
    );
    await expectError(await get("?taskId=t-failed", alice), 400, "Request parameter error: task t-failed failed");
  });

  test("ownership is checked before status: another user's unfinished task is 404", async () => {
    await expectError(await get("?taskId=t-running", bob), 404, "Task not found");
  });
});

describe("authorization", () => {
  test("a missing token is 401 with a Bearer challenge", async () => {
    const res = await get("?taskId=t-ok");
    assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="taskdl"');
    await expectError(res, 401, "Unauthorized: missing token");
  });

  test("accepts a bare JWT and any case of the Bearer scheme", async () => {
    const bare = await fetch(`${server.url}${PATH}?taskId=t-ok`, { headers: { Authorization: alice } });
    assert.equal(bare.status, 200);
    const lower = await fetch(`${server.url}${PATH}?taskId=t-ok`, { headers: { Authorization: `bearer ${alice}` } });
    assert.equal(lower.status, 200);
  });

  test("refused tokens are 401 with error=invalid_token and the reason", async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string][] = [
      [jwt.sign({ sub: "alice", exp: now - 3600 }, TEST_JWT_SECRET), "Unauthorized: token expired"],
      [
        jwt.sign({ sub: "alice", exp: now + 3600, nbf: now + 3600 }, TEST_JWT_SECRET),
        "Unauthorized: token not yet valid",
      ],
      [jwt.sign({ sub: "alice" }, TEST_JWT_SECRET), "Unauthorized: token has no exp"],
      [jwt.sign({ exp: now + 3600 }, TEST_JWT_SECRET), "Unauthorized: token has no sub"],
      [
        jwt.sign({ sub: "alice", exp: now + 3600 }, "another-secret-of-at-least-32-bytes!!"),
        "Unauthorized: invalid token",
      ],
      [
        jwt.sign({ sub: "alice", exp: now + 3600 }, TEST_JWT_SECRET, { algorithm: "HS512" }),
        "Unauthorized: invalid token",
      ],
      [unsignedToken({ sub: "alice", exp: now + 3600 }), "Unauthorized: invalid token"],
    ];
    for (const [token, message] of cases) {
      const res = await get("?taskId=t-ok", token);
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer realm="taskdl", error="invalid_token"/);
      await expectError(res, 401, message);
    }
  });

  test("a malformed Authorization header is 401", async () => {
    for (const header of ["Basic YWxpY2U6c2VjcmV0", "Bearer", "Bearer a b", "Token abc.def.ghi"]) {
      const res = await fetch(`${server.url}${PATH}?taskId=t-ok`, { headers: { Authorization: header } });
      await expectError(res, 401, /^Unauthorized: malformed Authorization header/);
    }
  });

  test("authentication comes before input validation", async () => {
    await expectError(await get("?taskId=a%2Fb"), 401, "Unauthorized: missing token");
  });
});

describe("methods", () => {
  test("POST, PUT, DELETE and PATCH are 405 with Allow: GET, HEAD", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const res = await get("?taskId=t-ok", alice, { method });
      assert.equal(res.headers.get("allow"), "GET, HEAD");
      await expectError(res, 405, "Method not allowed: use GET, HEAD");
    }
  });

  test("the path is case-sensitive, like the specification's capital D", async () => {
    const res = await fetch(`${server.url}/analysis/task/get/download/url?taskId=t-ok`, {
      headers: { Authorization: `Bearer ${alice}` },
    });
    await expectError(res, 404, "Not found");
  });
});

describe("tRPC and REST give the same envelope", () => {
  async function trpc(input: unknown, token?: string): Promise<{ status: number; envelope: unknown }> {
    const query = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    const res = await fetch(`${server.url}/trpc/analysisTask.getDownloadUrl${query}`, {
      headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
    });
    const body = (await res.json()) as { result?: { data: unknown }; error?: unknown };
    return { status: res.status, envelope: body.error ?? body.result?.data };
  }

  async function rest(query: string, token?: string): Promise<{ status: number; envelope: unknown }> {
    const res = await get(query, token);
    return { status: res.status, envelope: await res.json() };
  }

  const cases: [string, string, Record<string, unknown> | undefined, boolean][] = [
    ["success", "?taskId=t-ok", { taskId: "t-ok" }, true],
    ["empty task", "?taskId=t-empty", { taskId: "t-empty" }, true],
    ["missing task", "?taskId=nope", { taskId: "nope" }, true],
    ["foreign task", "?taskId=t-bobs", { taskId: "t-bobs" }, true],
    ["unfinished task", "?taskId=t-running", { taskId: "t-running" }, true],
    ["failed task", "?taskId=t-failed", { taskId: "t-failed" }, true],
    ["missing taskId", "", {}, true],
    ["bad taskId", "?taskId=a.b", { taskId: "a.b" }, true],
    ["short lifetime", "?taskId=t-ok&expiresIn=5", { taskId: "t-ok", expiresIn: 5 }, true],
    ["no token", "?taskId=t-ok", { taskId: "t-ok" }, false],
  ];
  for (const [name, query, input, withToken] of cases) {
    test(name, async () => {
      const token = withToken ? alice : undefined;
      const viaRest = await rest(query, token);
      const viaTrpc = await trpc(input, token);
      assert.equal(viaTrpc.status, viaRest.status);
      // Links signed in different seconds differ; everything else must not.
      const strip = (value: unknown) =>
        JSON.parse(
          JSON.stringify(value)
            .replace(/"downloadUrl":"[^"]*"/g, '"downloadUrl":""')
            .replace(/"expiresAt":"[^"]*"/g, '"expiresAt":""'),
        );
      assert.deepEqual(strip(viaTrpc.envelope), strip(viaRest.envelope));
    });
  }
});

describe("faults", () => {
  test("a database fault is a 500 envelope without internals, logged without the token, and recovers", async () => {
    const orm = server.running.orm;
    await orm.em.getConnection().execute('alter table "task_output" rename to "task_output_away"');
    try {
      const res = await get("?taskId=t-ok", alice);
      const text = await res.text();
      assert.equal(res.status, 500);
      assert.deepEqual(JSON.parse(text), { code: 500, message: "Server internal error", data: null });
      assert.doesNotMatch(text, /task_output|select|relation/i);
    } finally {
      await orm.em.getConnection().execute('alter table "task_output_away" rename to "task_output"');
    }
    const logged = JSON.stringify(server.logLines);
    assert.match(logged, /request failed/);
    assert.ok(!logged.includes(alice), "the token is not in the log");
    assert.equal((await get("?taskId=t-ok", alice)).status, 200, "recovers without a restart");
  });
});

function unsignedToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.`;
}
