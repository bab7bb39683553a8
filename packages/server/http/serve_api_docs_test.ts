import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startTestServer, type TestServer } from "@taskdl/testing";
import { API_DOCS_CSP } from "./serve_api_docs.ts";

const SWAGGER_UI_DIST = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends the path exactly as written (no URL normalisation, unlike `fetch`). */
function raw(method: string, path: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

function envelope(answer: RawAnswer): unknown {
  assert.match(String(answer.headers["content-type"]), /^application\/json/);
  return JSON.parse(answer.body.toString("utf8"));
}

async function assertNotFound(paths: string[]): Promise<void> {
  for (const path of paths) {
    const answer = await raw("GET", path);
    assert.equal(answer.status, 404, path);
    assert.deepEqual(envelope(answer), { code: 404, message: "Not found", data: null }, path);
  }
}

/** The asset URLs the page refers to, as written in it. */
function assetLinks(html: string): string[] {
  return [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((match) => match[1] as string);
}

describe("the page", () => {
  test("GET /docs is our HTML with a strict policy, sent no-cache", async () => {
    const answer = await raw("GET", "/docs");
    assert.equal(answer.status, 200);
    assert.equal(answer.headers["content-type"], "text/html; charset=utf-8");
    assert.equal(answer.headers["content-security-policy"], API_DOCS_CSP);
    assert.equal(answer.headers["cache-control"], "no-cache");
    const html = answer.body.toString("utf8");
    assert.match(html, /<title>taskdl API reference<\/title>/);
    assert.match(html, /<div id="swagger-ui"><\/div>/);
    assert.match(API_DOCS_CSP, /(^|; )script-src 'self'(;|$)/);
    assert.match(API_DOCS_CSP, /(^|; )default-src 'self'(;|$)/);
    assert.doesNotMatch(API_DOCS_CSP, /unsafe-inline|unsafe-eval|https?:/);
  });

  test("the page runs no inline script or style and links only files under docs/, relatively", async () => {
    const html = (await raw("GET", "/docs")).body.toString("utf8");
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) assert.match(tag, /\bsrc="/, tag);
    assert.doesNotMatch(html, /<script\b[^>]*>[^<\s]/);
    assert.doesNotMatch(html, /<style\b|\sstyle="/);
    assert.doesNotMatch(html, /https?:\/\//);
    const links = assetLinks(html);
    assert.deepEqual(links.map((link) => link.replace(/\?v=[0-9a-f]{16}$/, "")).sort(), [
      "docs/favicon-16x16.png",
      "docs/favicon-32x32.png",
      "docs/index.css",
      "docs/start_api_docs.js",
      "docs/swagger-ui-bundle.js",
      "docs/swagger-ui.css",
    ]);
  });

  test("HEAD /docs answers the headers without a body", async () => {
    const answer = await raw("HEAD", "/docs");
    assert.equal(answer.status, 200);
    assert.equal(answer.headers["content-type"], "text/html; charset=utf-8");
    assert.equal(answer.headers["content-security-policy"], API_DOCS_CSP);
    assert.equal(answer.body.length, 0);
  });

  test("/docs/ redirects to the page relatively, keeping the query, so a proxy's prefix stays", async () => {
    const answer = await raw("GET", "/docs/");
    assert.equal(answer.status, 301);
    assert.equal(answer.headers.location, "../docs");
    assert.equal(new URL("../docs", "http://proxy.test/p/docs/").pathname, "/p/docs");
    assert.equal((await raw("GET", "/docs/?x=1")).headers.location, "../docs?x=1");
  });
});

describe("the assets", () => {
  const EXPECTED: Record<string, { type: string; path: string }> = {
    "swagger-ui.css": { type: "text/css; charset=utf-8", path: join(SWAGGER_UI_DIST, "swagger-ui.css") },
    "index.css": { type: "text/css; charset=utf-8", path: join(SWAGGER_UI_DIST, "index.css") },
    "swagger-ui-bundle.js": {
      type: "text/javascript; charset=utf-8",
      path: join(SWAGGER_UI_DIST, "swagger-ui-bundle.js"),
    },
    "favicon-32x32.png": { type: "image/png", path: join(SWAGGER_UI_DIST, "favicon-32x32.png") },
    "favicon-16x16.png": { type: "image/png", path: join(SWAGGER_UI_DIST, "favicon-16x16.png") },
    "start_api_docs.js": {
      type: "text/javascript; charset=utf-8",
      path: new URL("./start_api_docs.js", import.meta.url).pathname,
    },
  };

  test("each file the page links is the package's (or our) file, typed, and cacheable for a year", async () => {
    const html = (await raw("GET", "/docs")).body.toString("utf8");
    for (const link of assetLinks(html)) {
      const name = link.replace(/^docs\//, "").replace(/\?.*$/, "");
      const expected = EXPECTED[name];
      assert.ok(expected, name);
      const answer = await raw("GET", `/${link}`);
      assert.equal(answer.status, 200, name);
      assert.equal(answer.headers["content-type"], expected.type, name);
      assert.deepEqual(answer.body, readFileSync(expected.path), name);
      assert.equal(answer.headers["cache-control"], "public, max-age=31536000, immutable", name);
      assert.match(String(answer.headers.etag), /^"[0-9a-f]{16}"$/, name);
      assert.equal(`"${link.split("?v=")[1]}"`, answer.headers.etag, `${name}: the link carries the content's hash`);
    }
  });

  test("without its current hash an asset is revalidated, and a matching ETag gets 304", async () => {
    for (const path of ["/docs/swagger-ui.css", "/docs/swagger-ui.css?v=0000000000000000"]) {
      const answer = await raw("GET", path);
      assert.equal(answer.status, 200, path);
      assert.equal(answer.headers["cache-control"], "public, no-cache", path);
      const again = await raw("GET", path, { "If-None-Match": String(answer.headers.etag) });
      assert.equal(again.status, 304, path);
      assert.equal(again.body.length, 0, path);
    }
    const changed = await raw("GET", "/docs/swagger-ui.css", { "If-None-Match": '"0000000000000000"' });
    assert.equal(changed.status, 200);
  });

  test("files of the package that the page does not load, and any other path, are 404 envelopes", async () => {
    await assertNotFound([
      "/docs/swagger-ui.js",
      "/docs/swagger-ui-bundle.js.map",
      "/docs/swagger-initializer.js",
      "/docs/index.html",
      "/docs/package.json",
      "/docs/nope.css",
      "/docs/swagger-ui.css/",
      "/docs/SWAGGER-UI.CSS",
      "/docsx",
      "/DOCS",
    ]);
  });

  test("no path leaves the allow-list: dot segments, encoded or not, get 404 envelopes", async () => {
    await assertNotFound([
      "/docs/../package.json",
      "/docs/../../package.json",
      "/docs/%2e%2e/package.json",
      "/docs/%2e%2e%2fpackage.json",
      "/docs/..%2f..%2fpackage.json",
      "/docs/%2e%2e%2f%2e%2e%2fswagger-ui-dist%2fpackage.json",
      "/docs/swagger-ui.css/../../../package.json",
      "/docs//etc/passwd",
      "/docs/%2fetc%2fpasswd",
      "/docs/swagger-ui.css%00",
      "/docs/.%2fswagger-ui.css",
      "/docs/./swagger-ui.css",
    ]);
  });
});

describe("methods", () => {
  test("anything but GET and HEAD is the 405 envelope with Allow", async () => {
    for (const [method, path] of [
      ["POST", "/docs"],
      ["PUT", "/docs/swagger-ui.css"],
      ["DELETE", "/docs/"],
      ["PATCH", "/docs/start_api_docs.js"],
    ] as const) {
      const answer = await raw(method, path);
      assert.equal(answer.status, 405, `${method} ${path}`);
      assert.equal(answer.headers.allow, "GET, HEAD", `${method} ${path}`);
      assert.deepEqual(
        envelope(answer),
        { code: 405, message: "Method not allowed: use GET, HEAD", data: null },
        `${method} ${path}`,
      );
    }
  });
});
