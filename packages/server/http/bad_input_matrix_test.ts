import assert from "node:assert/strict";
import { createHmac, generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { after, before, describe, test } from "node:test";
import jwt from "jsonwebtoken";
import { LocalUrlSigner } from "@taskdl/storage/local";
import { startTestServer, TEST_JWT_SECRET, type TestServer } from "@taskdl/testing";
import { ROUTES } from "@taskdl/contract";

// Bad input at the HTTP level, one row per case: whatever arrives, the answer
// is the documented envelope with the documented status — never a 500, never
// a hang. Requests go over a raw socket, so nothing on the client side
// cleans them up first (repeated headers, NUL bytes, 20 KB headers).

interface Answer {
  status: number;
  headers: Map<string, string>;
  body: string;
}

interface Row {
  /** What is wrong with the request. */
  name: string;
  method?: string;
  /** Path and query, sent as written. */
  target: string | (() => string);
  /** Header lines, sent as written; `auth` adds `Authorization: Bearer <alice's token>`. */
  headers?: [string, string][] | "auth" | (() => [string, string][]);
  /** Which service: the default, one that pins `iss`/`aud`, or one that takes keys from a JWKS. */
  server?: "default" | "strict" | "jwks";
  status: number;
  message?: string | RegExp;
}

const PATH = ROUTES.getDownloadUrl.path;
const TASK = `${PATH}?taskId=t-ok`;
const now = () => Math.floor(Date.now() / 1000);
const hs256 = (claims: object, options: jwt.SignOptions = {}, secret = TEST_JWT_SECRET) =>
  jwt.sign(claims, secret, { algorithm: "HS256", ...options });
const valid = () => hs256({ sub: "alice", exp: now() + 600 });
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
const bearer = (token: string): [string, string][] => [["Authorization", `Bearer ${token}`]];

const MISSING = "Unauthorized: missing token";
const MALFORMED = /^Unauthorized: malformed Authorization header/;
const INVALID = "Unauthorized: invalid token";
const TASK_ID_RULE = "Request parameter error: taskId must be 1–64 characters of A–Z a–z 0–9 _ -";
const PARAMETER = /^Request parameter error: /;

let server: TestServer;
let strict: TestServer;
let jwksServer: TestServer;
let signer: LocalUrlSigner;

// The identity provider of the JWKS rows: one RSA key, published at a local endpoint.
const idp = generateKeyPairSync("rsa", { modulusLength: 2048 });
const IDP_KID = "idp-2026";
const jwks = createServer((_req, res) => {
  const key = { ...idp.publicKey.export({ format: "jwk" }), kid: IDP_KID, alg: "RS256", use: "sig" };
  res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ keys: [key] }));
});
const rs256 = (claims: object, header: object = {}) =>
  jwt.sign({ sub: "alice", exp: now() + 600, ...claims }, idp.privateKey, {
    algorithm: "RS256",
    header: { alg: "RS256", kid: IDP_KID, ...header },
  });
const idpPem = idp.publicKey.export({ format: "pem", type: "spki" }).toString();
const handMade = (header: object, claims: object, sign: (input: string) => string) => {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${sign(input)}`;
};

function send(base: string, method: string, target: string, headers: [string, string][]): Promise<Answer> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer in 10 s: ${method} ${target.slice(0, 80)}`)));
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const [head = "", ...rest] = text.split("\r\n\r\n");
      const [statusLine = "", ...lines] = head.split("\r\n");
      const parsed = new Map(
        lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]),
      );
      let body = rest.join("\r\n\r\n");
      if (parsed.get("transfer-encoding") === "chunked")
        body = body.replace(/(^|\r\n)[0-9a-f]+\r\n/gi, "").replace(/\r\n$/, "");
      resolve({ status: Number(statusLine.split(" ")[1]), headers: parsed, body });
    });
    const lines = [
      `${method} ${target} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      "Connection: close",
      ...headers.map(([k, v]) => `${k}: ${v}`),
    ];
    socket.write(`${lines.join("\r\n")}\r\n\r\n`);
  });
}

function link(key: string, inSeconds = 600): URL {
  const url = signer.sign(key, { fileName: "data.bin", expiresAt: new Date((now() + inSeconds) * 1000) });
  return new URL(url);
}

function tamper(change: (url: URL) => void): () => string {
  return () => {
    const url = link("m/data.bin");
    change(url);
    return `${url.pathname}${url.search}`;
  };
}

const ROWS: Record<string, Row[]> = {
  "the Authorization header": [
    { name: "missing", target: TASK, status: 401, message: MISSING },
    { name: "empty", target: TASK, headers: [["Authorization", ""]], status: 401, message: MISSING },
    { name: "blank", target: TASK, headers: [["Authorization", "   "]], status: 401, message: MISSING },
    {
      name: "Basic scheme",
      target: TASK,
      headers: [["Authorization", "Basic YWxpY2U6c2VjcmV0"]],
      status: 401,
      message: MALFORMED,
    },
    {
      name: "Digest scheme",
      target: TASK,
      headers: [["Authorization", 'Digest username="alice"']],
      status: 401,
      message: MALFORMED,
    },
    { name: "Bearer alone", target: TASK, headers: [["Authorization", "Bearer"]], status: 401, message: MALFORMED },
    {
      name: "Bearer and a space",
      target: TASK,
      headers: [["Authorization", "Bearer "]],
      status: 401,
      message: MALFORMED,
    },
    {
      name: "Bearer with garbage",
      target: TASK,
      headers: [["Authorization", "Bearer not-a-jwt"]],
      status: 401,
      message: MALFORMED,
    },
    {
      name: "two tokens in one header",
      target: TASK,
      headers: () => [["Authorization", `Bearer ${valid()} Bearer ${valid()}`]],
      status: 401,
      message: MALFORMED,
    },
    {
      name: "two tokens, comma-separated",
      target: TASK,
      headers: () => [["Authorization", `Bearer ${valid()}, Bearer ${valid()}`]],
      status: 401,
      message: MALFORMED,
    },
    {
      name: "two Authorization headers",
      target: TASK,
      headers: () => [...bearer(valid()), ...bearer(valid())],
      status: 401,
      message: MALFORMED,
    },
    {
      name: "9 KB header",
      target: TASK,
      headers: [["Authorization", `Bearer ${"a".repeat(9000)}.b.c`]],
      status: 401,
      message: MALFORMED,
    },
    {
      name: "20 KB header (over Node's limit)",
      target: TASK,
      headers: [["Authorization", `Bearer ${"a".repeat(20_000)}`]],
      status: 431,
      message: "Request header fields too large",
    },
  ],
  "the token": [
    {
      name: "expired",
      target: TASK,
      headers: () => bearer(hs256({ sub: "alice", exp: now() - 60 })),
      status: 401,
      message: "Unauthorized: token expired",
    },
    {
      name: "not yet valid",
      target: TASK,
      headers: () => bearer(hs256({ sub: "alice", exp: now() + 600, nbf: now() + 300 })),
      status: 401,
      message: "Unauthorized: token not yet valid",
    },
    {
      name: "no exp",
      target: TASK,
      headers: () => bearer(hs256({ sub: "alice" })),
      status: 401,
      message: "Unauthorized: token has no exp",
    },
    {
      name: "no sub",
      target: TASK,
      headers: () => bearer(hs256({ exp: now() + 600 })),
      status: 401,
      message: "Unauthorized: token has no sub",
    },
    {
      name: "empty sub",
      target: TASK,
      headers: () => bearer(hs256({ sub: "", exp: now() + 600 })),
      status: 401,
      message: "Unauthorized: token has no sub",
    },
    {
      name: "signed with another key",
      target: TASK,
      headers: () => bearer(hs256({ sub: "alice", exp: now() + 600 }, {}, "another-secret-of-at-least-32-bytes!!")),
      status: 401,
      message: INVALID,
    },
    {
      name: "alg none",
      target: TASK,
      headers: () => bearer(`${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "alice", exp: now() + 600 })}.`),
      status: 401,
      message: INVALID,
    },
    {
      name: "alg HS512 (not pinned)",
      target: TASK,
      headers: () => bearer(jwt.sign({ sub: "alice", exp: now() + 600 }, TEST_JWT_SECRET, { algorithm: "HS512" })),
      status: 401,
      message: INVALID,
    },
    {
      name: "signature stripped",
      target: TASK,
      headers: () => bearer(valid().replace(/\.[^.]+$/, ".")),
      status: 401,
      message: INVALID,
    },
    {
      name: "payload swapped under a valid signature",
      target: TASK,
      headers: () => {
        const [h, , s] = valid().split(".");
        return bearer(`${h}.${b64({ sub: "bob", exp: now() + 600 })}.${s}`);
      },
      status: 401,
      message: INVALID,
    },
    {
      name: "hostile kid (ignored with a shared secret), other key",
      target: TASK,
      headers: () =>
        bearer(hs256({ sub: "alice", exp: now() + 600 }, { keyid: "../../../../dev/null" }, "x".repeat(40))),
      status: 401,
      message: INVALID,
    },
    {
      name: "hostile jku, other key",
      target: TASK,
      headers: () =>
        bearer(
          hs256(
            { sub: "alice", exp: now() + 600 },
            { header: { alg: "HS256", jku: "http://127.0.0.1:1/jwks" } },
            "x".repeat(40),
          ),
        ),
      status: 401,
      message: INVALID,
    },
    {
      name: "exp as a string",
      target: TASK,
      headers: () => bearer(`${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: "alice", exp: "9999999999" })}.x`),
      status: 401,
      message: INVALID,
    },
  ],
  "the token, with JWT_ISSUER and JWT_AUDIENCE set": [
    {
      name: "right iss and aud",
      server: "strict",
      target: `${PATH}?taskId=t-none`,
      headers: () => bearer(hs256({ sub: "alice", exp: now() + 600, iss: "https://idp.test", aud: "taskdl" })),
      status: 404,
      message: "Task not found",
    },
    {
      name: "wrong iss",
      server: "strict",
      target: TASK,
      headers: () => bearer(hs256({ sub: "alice", exp: now() + 600, iss: "https://evil.test", aud: "taskdl" })),
      status: 401,
      message: "Unauthorized: wrong issuer",
    },
    {
      name: "no iss",
      server: "strict",
      target: TASK,
      headers: () => bearer(hs256({ sub: "alice", exp: now() + 600, aud: "taskdl" })),
      status: 401,
      message: "Unauthorized: wrong issuer",
    },
    {
      name: "wrong aud",
      server: "strict",
      target: TASK,
      headers: () => bearer(hs256({ sub: "alice", exp: now() + 600, iss: "https://idp.test", aud: "other" })),
      status: 401,
      message: "Unauthorized: wrong audience",
    },
  ],
  "the token, with keys from JWT_JWKS_URL": [
    {
      name: "RS256 from the JWKS",
      server: "jwks",
      target: `${PATH}?taskId=t-none`,
      headers: () => bearer(rs256({})),
      status: 404,
      message: "Task not found",
    },
    {
      name: "HS256 signed with the JWKS public key (RS/HS confusion)",
      server: "jwks",
      target: TASK,
      headers: () =>
        bearer(
          handMade({ alg: "HS256", typ: "JWT", kid: IDP_KID }, { sub: "alice", exp: now() + 600 }, (input) =>
            createHmac("sha256", idpPem).update(input).digest("base64url"),
          ),
        ),
      status: 401,
      message: INVALID,
    },
    {
      name: "HS256 with the service's old shared secret",
      server: "jwks",
      target: TASK,
      headers: () => bearer(valid()),
      status: 401,
      message: INVALID,
    },
    {
      name: "alg none under the published kid",
      server: "jwks",
      target: TASK,
      headers: () => bearer(handMade({ alg: "none", kid: IDP_KID }, { sub: "alice", exp: now() + 600 }, () => "")),
      status: 401,
      message: INVALID,
    },
    {
      name: "unknown kid",
      server: "jwks",
      target: TASK,
      headers: () => bearer(rs256({}, { kid: "not-published" })),
      status: 401,
      message: INVALID,
    },
    {
      name: "hostile kid",
      server: "jwks",
      target: TASK,
      headers: () => bearer(rs256({}, { kid: "../../../etc/passwd" })),
      status: 401,
      message: INVALID,
    },
    {
      name: "jku pointing elsewhere, another key",
      server: "jwks",
      target: TASK,
      headers: () =>
        bearer(
          jwt.sign({ sub: "alice", exp: now() + 600 }, generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey, {
            algorithm: "RS256",
            header: { alg: "RS256", kid: IDP_KID, jku: "http://127.0.0.1:1/jwks" },
          }),
        ),
      status: 401,
      message: INVALID,
    },
    {
      name: "expired RS256",
      server: "jwks",
      target: TASK,
      headers: () => bearer(rs256({ exp: now() - 60 })),
      status: 401,
      message: "Unauthorized: token expired",
    },
  ],
  taskId: [
    {
      name: "missing",
      target: PATH,
      headers: "auth",
      status: 400,
      message: "Request parameter error: taskId is required",
    },
    { name: "empty", target: `${PATH}?taskId=`, headers: "auth", status: 400, message: TASK_ID_RULE },
    { name: "blank", target: `${PATH}?taskId=%20%20`, headers: "auth", status: 400, message: TASK_ID_RULE },
    {
      name: "repeated",
      target: `${PATH}?taskId=t-ok&taskId=t-ok`,
      headers: "auth",
      status: 400,
      message: "Request parameter error: taskId must be given once",
    },
    { name: "array syntax", target: `${PATH}?taskId[]=t-ok`, headers: "auth", status: 400, message: PARAMETER },
    { name: "object syntax", target: `${PATH}?taskId[a]=t-ok`, headers: "auth", status: 400, message: PARAMETER },
    {
      name: "10 KB",
      target: `${PATH}?taskId=${"a".repeat(10_240)}`,
      headers: "auth",
      status: 400,
      message: TASK_ID_RULE,
    },
    { name: "encoded NUL", target: `${PATH}?taskId=t-ok%00`, headers: "auth", status: 400, message: TASK_ID_RULE },
    {
      name: "raw NUL in the request line",
      target: `${PATH}?taskId=t-ok\u0000`,
      headers: "auth",
      status: 400,
      message: "Request parameter error: malformed HTTP request",
    },
    {
      name: "traversal",
      target: `${PATH}?taskId=..%2F..%2Fetc%2Fpasswd`,
      headers: "auth",
      status: 400,
      message: TASK_ID_RULE,
    },
    { name: "SQL", target: `${PATH}?taskId=1'%20OR%20'1'%3D'1`, headers: "auth", status: 400, message: TASK_ID_RULE },
    { name: "Unicode", target: `${PATH}?taskId=t-%C3%B6k`, headers: "auth", status: 400, message: TASK_ID_RULE },
    {
      name: "invalid percent-encoding",
      target: `${PATH}?taskId=%E0%A4%A`,
      headers: "auth",
      status: 400,
      message: PARAMETER,
    },
    {
      name: "well formed, not there",
      target: `${PATH}?taskId=t-nope`,
      headers: "auth",
      status: 404,
      message: "Task not found",
    },
    {
      name: "another user's task (exactly like a missing one)",
      target: `${PATH}?taskId=t-bobs`,
      headers: "auth",
      status: 404,
      message: "Task not found",
    },
  ],
  expiresIn: [
    {
      name: "below 60",
      target: `${TASK}&expiresIn=59`,
      headers: "auth",
      status: 400,
      message: "Request parameter error: expiresIn must be at least 60 seconds",
    },
    { name: "negative", target: `${TASK}&expiresIn=-60`, headers: "auth", status: 400, message: PARAMETER },
    {
      name: "above the maximum",
      target: `${TASK}&expiresIn=604801`,
      headers: "auth",
      status: 400,
      message: "Request parameter error: expiresIn must be at most 604800 seconds",
    },
    {
      name: "huge",
      target: `${TASK}&expiresIn=99999999999999999999999`,
      headers: "auth",
      status: 400,
      message: PARAMETER,
    },
    {
      name: "a fraction",
      target: `${TASK}&expiresIn=90.5`,
      headers: "auth",
      status: 400,
      message: "Request parameter error: expiresIn must be a whole number of seconds",
    },
    { name: "exponent", target: `${TASK}&expiresIn=1e3`, headers: "auth", status: 400, message: PARAMETER },
    { name: "hex", target: `${TASK}&expiresIn=0x100`, headers: "auth", status: 400, message: PARAMETER },
    {
      name: "text",
      target: `${TASK}&expiresIn=abc`,
      headers: "auth",
      status: 400,
      message: "Request parameter error: expiresIn must be a whole number of seconds",
    },
    {
      name: "repeated",
      target: `${TASK}&expiresIn=60&expiresIn=120`,
      headers: "auth",
      status: 400,
      message: PARAMETER,
    },
  ],
  methods: ["POST", "PUT", "DELETE", "PATCH"].map((method) => ({
    name: method,
    method,
    target: TASK,
    headers: "auth" as const,
    status: 405,
    message: "Method not allowed: use GET, HEAD",
  })),
  "signed links": [
    {
      name: "expiry moved later",
      target: tamper((u) => u.searchParams.set("exp", String(Number(u.searchParams.get("exp")) + 3600))),
      status: 403,
    },
    { name: "another key (object)", target: tamper((u) => (u.pathname = "/files/m/other.bin")), status: 403 },
    { name: "another file name", target: tamper((u) => u.searchParams.set("fn", "evil.html")), status: 403 },
    { name: "another key id", target: tamper((u) => u.searchParams.set("kid", "other")), status: 403 },
    {
      name: "signature removed",
      target: tamper((u) => u.searchParams.delete("sig")),
      status: 403,
      message: "Forbidden: the download link is not signed",
    },
    { name: "signature short", target: tamper((u) => u.searchParams.set("sig", "AAAA")), status: 403 },
    {
      name: "signature duplicated",
      target: tamper((u) => u.searchParams.append("sig", u.searchParams.get("sig") ?? "")),
      status: 403,
    },
    {
      name: "expired",
      target: () => {
        const u = link("m/data.bin", -5);
        return `${u.pathname}${u.search}`;
      },
      status: 410,
      message: "Gone: the download link has expired",
    },
    {
      name: "encoded traversal",
      target: `/files/..%2F..%2F..%2Fetc%2Fpasswd?exp=9999999999&fn=x&kid=default&sig=${"A".repeat(43)}`,
      status: 403,
    },
    {
      name: "symlink out of the root, validly signed",
      target: () => {
        const u = link("m/escape");
        return `${u.pathname}${u.search}`;
      },
      status: 404,
    },
  ],
};

before(async () => {
  await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
  strict = await startTestServer({ JWT_ISSUER: "https://idp.test", JWT_AUDIENCE: "taskdl" });
  jwksServer = await startTestServer({
    JWT_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`,
  });
  server = await startTestServer();
  assert.ok(server.running.signer instanceof LocalUrlSigner);
  signer = server.running.signer;
  const { symlinkSync } = await import("node:fs");
  await server.putTask({
    taskId: "t-ok",
    ownerId: "alice",
    status: "SUCCEEDED",
    outputs: [{ fileName: "a.txt", storageKey: "m/a.txt" }],
  });
  await server.putTask({ taskId: "t-bobs", ownerId: "bob", status: "SUCCEEDED", outputs: [] });
  await server.putObject("m/data.bin", "data");
  await server.putObject("m/other.bin", "other");
  symlinkSync("/etc/passwd", `${signer.root}/m/escape`);
});

after(async () => {
  for (const started of [server, strict, jwksServer]) await started?.close();
  jwks.close();
});

for (const [group, rows] of Object.entries(ROWS)) {
  describe(group, () => {
    for (const row of rows) {
      test(`${row.name} → ${row.status}`, async () => {
        const target = typeof row.target === "function" ? row.target() : row.target;
        const headers =
          row.headers === "auth"
            ? bearer(valid())
            : typeof row.headers === "function"
              ? row.headers()
              : (row.headers ?? []);
        const base = { default: server, strict, jwks: jwksServer }[row.server ?? "default"].url;
        const answer = await send(base, row.method ?? "GET", target, headers);
        assert.equal(answer.status, row.status, answer.body.slice(0, 300));
        assert.match(answer.headers.get("content-type") ?? "", /^application\/json/);
        const body = JSON.parse(answer.body) as { code: number; message: string; data: unknown };
        assert.deepEqual(Object.keys(body).sort(), ["code", "data", "message"]);
        assert.equal(body.code, row.status);
        assert.equal(body.data, null);
        if (typeof row.message === "string") assert.equal(body.message, row.message);
        else if (row.message !== undefined) assert.match(body.message, row.message);
        if (row.status === 401) assert.match(answer.headers.get("www-authenticate") ?? "", /^Bearer realm="taskdl"/);
        assert.doesNotMatch(answer.body, /root:|stack|at .*\.ts:\d+/, "nothing leaks");
        assert.equal(answer.headers.get("x-content-type-options"), "nosniff");
        assert.equal(answer.headers.get("x-powered-by"), undefined);
      });
    }
  });
}

test("no row was answered with a fault, and the services still answer", async () => {
  const faults = [server, strict, jwksServer]
    .flatMap((started) => started.logLines)
    .filter((line) => line.msg === "request failed" || (typeof line.status === "number" && line.status >= 500));
  assert.deepEqual(faults, []);
  assert.equal((await send(server.url, "GET", TASK, bearer(valid()))).status, 200);
});
