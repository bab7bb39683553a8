import assert from "node:assert/strict";
import { createHmac, generateKeyPairSync, type KeyObject } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import jwt from "jsonwebtoken";
import { startTestServer, type TestServer } from "@taskdl/testing";
import { ROUTES } from "@taskdl/contract";

// Tokens from an identity provider's JWKS (RS256/ES256), against a local
// JWKS endpoint the test controls: key rotation, caching, unknown keys,
// algorithm confusion and hostile headers.

interface KeyPair {
  kid: string;
  alg: "RS256" | "ES256";
  privateKey: KeyObject;
  publicKey: KeyObject;
}

function keyPair(kid: string, alg: "RS256" | "ES256"): KeyPair {
  const { privateKey, publicKey } =
    alg === "RS256"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { kid, alg, privateKey, publicKey };
}

class JwksEndpoint {
  keys: KeyPair[] = [];
  fetches = 0;
  down = false;
  readonly server: Server = createServer((_req, res) => {
    this.fetches++;
    if (this.down) {
      res.writeHead(503).end();
      return;
    }
    const keys = this.keys.map(({ kid, alg, publicKey }) => ({
      ...publicKey.export({ format: "jwk" }),
      kid,
      alg,
      use: "sig",
    }));
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ keys }));
  });
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);

function token(key: KeyPair, claims: object = {}, header: object = {}): string {
  return jwt.sign({ sub: "alice", exp: now() + 600, ...claims }, key.privateKey, {
    algorithm: key.alg,
    keyid: key.kid,
    header: { alg: key.alg, kid: key.kid, ...header },
  });
}

// Built by hand: jsonwebtoken rightly refuses to make these.
function handMade(header: object, claims: object, sign: (input: string) => string): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${sign(input)}`;
}

const rsa1 = keyPair("rsa-2026-01", "RS256");
const ec1 = keyPair("ec-2026-01", "ES256");
const rsa2 = keyPair("rsa-2026-07", "RS256");
const attacker = keyPair("evil", "RS256");

const jwks = new JwksEndpoint();
const attackerJwks = new JwksEndpoint();
let server: TestServer;

before(async () => {
  jwks.keys = [rsa1, ec1];
  attackerJwks.keys = [attacker];
  for (const endpoint of [jwks, attackerJwks])
    await new Promise<void>((resolve) => endpoint.server.listen(0, "127.0.0.1", resolve));
  server = await startTestServer({ JWT_JWKS_URL: jwks.url });
  const put = await server.putTask(
    { taskId: "jw-1", ownerId: "alice", status: "SUCCEEDED", outputs: [{ fileName: "a.txt", storageKey: "jw/a.txt" }] },
    { token: token(rsa1, { sub: "pipeline", scope: "tasks:write" }) },
  );
  assert.equal(put.status, 200);
});

after(async () => {
  await server?.close();
  for (const endpoint of [jwks, attackerJwks]) endpoint.server.close();
});

const ask = (bearer: string) => server.get(`${ROUTES.getDownloadUrl.path}?taskId=jw-1`, bearer);

async function expect401(res: Response, message = "Unauthorized: invalid token"): Promise<void> {
  assert.equal(res.status, 401);
  assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer realm="taskdl", error="invalid_token"/);
  assert.deepEqual(await res.json(), { code: 401, message, data: null });
}

describe("JWKS", () => {
  test("RS256 and ES256 tokens whose kid is in the JWKS are accepted; keys are cached, not fetched per request", async () => {
    for (const key of [rsa1, ec1]) assert.equal((await ask(token(key))).status, 200, key.alg);
    const fetches = jwks.fetches;
    for (let i = 0; i < 5; i++) assert.equal((await ask(token(rsa1))).status, 200);
    assert.equal(jwks.fetches, fetches, "no fetch for known keys");
  });

  test("rotation: a token with the provider's new kid refreshes the JWKS once and is accepted", async () => {
    jwks.keys = [rsa2, rsa1, ec1];
    const fetches = jwks.fetches;
    assert.equal((await ask(token(rsa2))).status, 200);
    assert.equal(jwks.fetches, fetches + 1);
    assert.equal((await ask(token(rsa2))).status, 200);
    assert.equal(jwks.fetches, fetches + 1, "then cached");
  });

  test("an unknown kid refreshes once, then 401; a stream of made-up kids never becomes a stream of fetches or a 500", async () => {
    const stranger = keyPair("not-published", "RS256");
    const fetches = jwks.fetches;
    await expect401(await ask(token(stranger)));
    assert.equal(jwks.fetches, fetches + 1);
    for (let i = 0; i < 20; i++) await expect401(await ask(token({ ...stranger, kid: `made-up-${i}` })));
    assert.ok(jwks.fetches <= fetches + 10, `fetches ${jwks.fetches - fetches} (limited to 10 a minute)`);
  });

  test("algorithm confusion: HS256 signed with the provider's public key is refused", async () => {
    const pem = rsa1.publicKey.export({ format: "pem", type: "spki" }).toString();
    const forged = handMade({ alg: "HS256", typ: "JWT", kid: rsa1.kid }, { sub: "alice", exp: now() + 600 }, (input) =>
      createHmac("sha256", pem).update(input).digest("base64url"),
    );
    await expect401(await ask(forged));
  });

  test("alg none, a signature from another key under a published kid, and ES256 under an RSA kid are refused", async () => {
    await expect401(await ask(handMade({ alg: "none", kid: rsa1.kid }, { sub: "alice", exp: now() + 600 }, () => "")));
    await expect401(await ask(token({ ...attacker, kid: rsa1.kid })));
    await expect401(await ask(token({ ...ec1, kid: rsa1.kid })));
  });

  test("hostile headers: jku, x5u and jwk pointing at the attacker's keys are ignored; odd kids are just unknown", async () => {
    const before = attackerJwks.fetches;
    await expect401(await ask(token(attacker, {}, { jku: attackerJwks.url, x5u: attackerJwks.url })));
    await expect401(
      await ask(token(attacker, {}, { jwk: { ...attacker.publicKey.export({ format: "jwk" }), kid: "evil" } })),
    );
    assert.equal(attackerJwks.fetches, before, "the attacker's endpoint is never fetched");
    for (const kid of ["../../etc/passwd", "' OR '1'='1", "x".repeat(4000), ""]) {
      await expect401(await ask(token({ ...attacker, kid })));
    }
  });

  test("wrong issuer and audience are refused when configured", async () => {
    const strict = await startTestServer({
      JWT_JWKS_URL: jwks.url,
      JWT_ISSUER: "https://idp.test",
      JWT_AUDIENCE: "taskdl",
    });
    try {
      const ask = (bearer: string) => strict.get(`${ROUTES.getDownloadUrl.path}?taskId=none`, bearer);
      assert.equal((await ask(token(rsa1, { iss: "https://idp.test", aud: "taskdl" }))).status, 404);
      await expect401(
        await ask(token(rsa1, { iss: "https://evil.test", aud: "taskdl" })),
        "Unauthorized: wrong issuer",
      );
      await expect401(
        await ask(token(rsa1, { iss: "https://idp.test", aud: "other" })),
        "Unauthorized: wrong audience",
      );
    } finally {
      await strict.close();
    }
  });

  test("an unreachable JWKS endpoint is a 503 envelope for tokens that need it, not a 401 blaming the token", async () => {
    const fresh = await startTestServer({ JWT_JWKS_URL: jwks.url });
    try {
      jwks.down = true;
      const res = await fresh.get(`${ROUTES.getDownloadUrl.path}?taskId=jw-1`, token(rsa1));
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { code: 503, message: "Service unavailable", data: null });
      assert.match(JSON.stringify(fresh.logLines), /Cannot reach the JWKS endpoint/);
      jwks.down = false;
      const recovered = await fresh.get(`${ROUTES.getDownloadUrl.path}?taskId=jw-1`, token(rsa1));
      assert.equal(recovered.status, 404, "recovers without a restart (another database: the task is unknown there)");
    } finally {
      jwks.down = false;
      await fresh.close();
    }
  });
});
