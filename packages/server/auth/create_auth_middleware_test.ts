import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import jwt from "jsonwebtoken";
import Koa from "koa";
import type { JwtConfig } from "../config/load_config.ts";
import type { AuthOutcome } from "./auth_user.ts";
import { createAuthMiddleware } from "./create_auth_middleware.ts";
import { VerifiedTokens } from "./verified_tokens.ts";

const SECRET = "s".repeat(32);
const servers: Server[] = [];
after(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))));

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A Koa app that answers with what authentication concluded. */
async function authApp(
  config: Partial<JwtConfig>,
  remembered?: VerifiedTokens,
): Promise<(token: string) => Promise<string>> {
  const app = new Koa();
  app.use(
    createAuthMiddleware(
      {
        secret: SECRET,
        algorithms: ["HS256"],
        issuer: undefined,
        audience: undefined,
        jwksUrl: undefined,
        clockToleranceSeconds: 10,
        ...config,
      },
      remembered,
    ),
  );
  app.use((ctx) => {
    const auth = ctx.state.auth as AuthOutcome;
    ctx.body =
      auth.user === undefined
        ? `refused: ${auth.error.message}`
        : `user ${auth.user.id} [${[...auth.user.scopes].join(",")}]`;
  });
  const url = await listen(app.callback());
  return async (token) => (await fetch(url, { headers: { Authorization: `Bearer ${token}` } })).text();
}

const now = () => Math.floor(Date.now() / 1000);

describe("shared secret", () => {
  test("reads the user from sub and the scopes from scope", async () => {
    const check = await authApp({});
    assert.equal(
      await check(jwt.sign({ sub: "alice", scope: "a tasks:write" }, SECRET, { expiresIn: 60 })),
      "user alice [a,tasks:write]",
    );
  });

  test("checks iss and aud when configured", async () => {
    const check = await authApp({ issuer: "https://issuer.test", audience: ["taskdl"] });
    const sign = (claims: object) => jwt.sign({ sub: "alice", exp: now() + 60, ...claims }, SECRET);
    assert.equal(await check(sign({ iss: "https://issuer.test", aud: "taskdl" })), "user alice []");
    assert.equal(
      await check(sign({ iss: "https://other.test", aud: "taskdl" })),
      "refused: Unauthorized: wrong issuer",
    );
    assert.equal(
      await check(sign({ iss: "https://issuer.test", aud: "other" })),
      "refused: Unauthorized: wrong audience",
    );
    assert.equal(await check(sign({ aud: "taskdl" })), "refused: Unauthorized: wrong issuer");
  });

  test("allows the configured clock tolerance and no more", async () => {
    const check = await authApp({ clockToleranceSeconds: 10 });
    assert.equal(await check(jwt.sign({ sub: "a", exp: now() - 5 }, SECRET)), "user a []");
    assert.equal(await check(jwt.sign({ sub: "a", exp: now() - 30 }, SECRET)), "refused: Unauthorized: token expired");
    assert.equal(await check(jwt.sign({ sub: "a", exp: now() + 60, nbf: now() + 5 }, SECRET)), "user a []");
    assert.equal(
      await check(jwt.sign({ sub: "a", exp: now() + 60, nbf: now() + 60 }, SECRET)),
      "refused: Unauthorized: token not yet valid",
    );
  });
});

describe("tokens verified a moment ago", () => {
  test("only tokens that passed are remembered, each once", async () => {
    const remembered = new VerifiedTokens({ capacity: 10, maxAgeMs: 60_000, clockToleranceSeconds: 0 });
    const check = await authApp({}, remembered);
    const token = jwt.sign({ sub: "alice", scope: "tasks:write" }, SECRET, { expiresIn: 60 });
    assert.equal(await check(token), "user alice [tasks:write]");
    assert.equal(await check(token), "user alice [tasks:write]");
    assert.equal(remembered.size, 1);
    assert.equal(
      await check(jwt.sign({ sub: "alice", exp: now() + 60 }, "x".repeat(32))),
      "refused: Unauthorized: invalid token",
    );
    assert.equal(await check(jwt.sign({ exp: now() + 60 }, SECRET)), "refused: Unauthorized: token has no sub");
    assert.equal(remembered.size, 1);
  });

  test("a remembered token is refused once it expires", async () => {
    const check = await authApp({ clockToleranceSeconds: 0 });
    const exp = now() + 2;
    const token = jwt.sign({ sub: "alice", exp }, SECRET);
    assert.equal(await check(token), "user alice []");
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
    assert.equal(await check(token), "refused: Unauthorized: token expired");
  });
});

describe("JWKS", () => {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  let check: (token: string) => Promise<string>;

  before(async () => {
    const keys = [
      { ...rsa.publicKey.export({ format: "jwk" }), kid: "rsa-1", use: "sig", alg: "RS256" },
      { ...ec.publicKey.export({ format: "jwk" }), kid: "ec-1", use: "sig", alg: "ES256" },
    ];
    const jwksUrl = await listen((_req, res) =>
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ keys })),
    );
    check = await authApp({ secret: undefined, algorithms: ["RS256", "ES256"], jwksUrl: `${jwksUrl}/jwks.json` });
  });

  test("accepts RS256 and ES256 tokens signed by a key in the set", async () => {
    const claims = { sub: "alice", exp: now() + 60 };
    assert.equal(
      await check(jwt.sign(claims, rsa.privateKey, { algorithm: "RS256", keyid: "rsa-1" })),
      "user alice []",
    );
    assert.equal(await check(jwt.sign(claims, ec.privateKey, { algorithm: "ES256", keyid: "ec-1" })), "user alice []");
  });

  test("refuses an unknown kid, another key, and an HS256 token made with the public key", async () => {
    const claims = { sub: "alice", exp: now() + 60 };
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
    assert.equal(
      await check(jwt.sign(claims, rsa.privateKey, { algorithm: "RS256", keyid: "nope" })),
      "refused: Unauthorized: invalid token",
    );
    assert.equal(
      await check(jwt.sign(claims, other.privateKey, { algorithm: "RS256", keyid: "rsa-1" })),
      "refused: Unauthorized: invalid token",
    );
    const publicPem = rsa.publicKey.export({ format: "pem", type: "spki" }).toString();
    const confused = jwt.sign(claims, publicPem, { algorithm: "HS256", keyid: "rsa-1" });
    assert.equal(await check(confused), "refused: Unauthorized: invalid token");
  });
});
