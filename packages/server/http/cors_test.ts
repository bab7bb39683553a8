import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestServer, type TestServer } from "@taskdl/testing";
import { ROUTES } from "@taskdl/contract";

const PATH = `${ROUTES.getDownloadUrl.path}?taskId=none`;
const APP = "https://app.example.com";

function preflight(server: TestServer, origin: string): Promise<Response> {
  return fetch(`${server.url}${PATH}`, {
    method: "OPTIONS",
    headers: {
      Origin: origin,
      "Access-Control-Request-Method": "GET",
      "Access-Control-Request-Headers": "authorization",
    },
  });
}

describe("CORS_ORIGINS lists the allowed origins", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ CORS_ORIGINS: `${APP}, http://localhost:5173` });
  });
  after(() => server?.close());

  test("a preflight from an allowed origin is 204 with the methods and headers the API takes", async () => {
    const res = await preflight(server, APP);
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), APP);
    assert.equal(res.headers.get("access-control-allow-methods"), "GET, HEAD, PUT");
    assert.match(res.headers.get("access-control-allow-headers") ?? "", /Authorization/);
    assert.match(res.headers.get("vary") ?? "", /Origin/);
    assert.equal(
      res.headers.get("access-control-allow-credentials"),
      null,
      "tokens are not cookies: never credentials",
    );
  });

  test("answers to an allowed origin, errors included, carry its origin and expose Retry-After and X-Request-Id", async () => {
    for (const token of [server.token("alice"), undefined]) {
      const res = await fetch(`${server.url}${PATH}`, {
        headers: {
          Origin: "http://localhost:5173",
          ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
        },
      });
      assert.equal(res.status, token === undefined ? 401 : 404);
      assert.equal(res.headers.get("access-control-allow-origin"), "http://localhost:5173");
      assert.match(res.headers.get("access-control-expose-headers") ?? "", /Retry-After.*X-Request-Id/);
      await res.arrayBuffer();
    }
  });

  test("another origin gets no CORS headers, and its preflight the 403 envelope", async () => {
    const res = await fetch(`${server.url}${PATH}`, { headers: { Origin: "https://evil.example.com" } });
    assert.equal(res.headers.get("access-control-allow-origin"), null);
    await res.arrayBuffer();
    const refused = await preflight(server, "https://evil.example.com");
    assert.equal(refused.status, 403);
    assert.deepEqual(await refused.json(), { code: 403, message: "Forbidden: origin not allowed", data: null });
    assert.equal((await preflight(server, "https://app.example.com.evil.com")).status, 403, "no prefix matching");
  });
});

describe("CORS_ORIGINS=*", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ CORS_ORIGINS: "*" });
  });
  after(() => server?.close());

  test("any origin may call, with the wildcard and never with credentials", async () => {
    const res = await preflight(server, "https://anywhere.example");
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.equal(res.headers.get("access-control-allow-credentials"), null);
  });
});

describe("without CORS_ORIGINS", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server?.close());

  test("no CORS headers at all, and a preflight is just another method (405)", async () => {
    const res = await preflight(server, APP);
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("access-control-allow-origin"), null);
    await res.arrayBuffer();
  });
});
