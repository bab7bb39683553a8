import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import jwt from "jsonwebtoken";

const TOKEN = fileURLToPath(new URL("./token.ts", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "taskdl-token-"));
after(() => rmSync(dataDir, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}) {
  const { DATABASE_URL: _unused, ...inherited } = process.env;
  return spawnSync(process.execPath, [TOKEN, ...args], {
    env: { ...inherited, DATA_DIR: dataDir, ...env },
    encoding: "utf8",
  });
}

test("prints a token the service accepts: signed with the configured secret, with sub, scope and ttl", () => {
  const secret = "token-test-secret-of-at-least-32-bytes";
  const result = run(["--sub", "alice", "--scope", "tasks:write", "--ttl", "120"], {
    JWT_SECRET: secret,
    JWT_ISSUER: "https://issuer.test",
    JWT_AUDIENCE: "taskdl",
  });
  assert.equal(result.status, 0, result.stderr);
  const claims = jwt.verify(result.stdout.trim(), secret, {
    algorithms: ["HS256"],
    issuer: "https://issuer.test",
    audience: "taskdl",
  }) as jwt.JwtPayload;
  assert.equal(claims.sub, "alice");
  assert.equal(claims.scope, "tasks:write");
  assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 120);
});

test("without JWT_SECRET it signs with the secret the service generated in DATA_DIR", () => {
  const result = run(["--sub", "bob"]);
  assert.equal(result.status, 0, result.stderr);
  const secret = readFileSync(join(dataDir, "secrets", "JWT_SECRET"), "utf8").trim();
  assert.equal((jwt.verify(result.stdout.trim(), secret) as jwt.JwtPayload).sub, "bob");
});

test("explains its usage when --sub is missing or --ttl is not a number", () => {
  for (const args of [[], ["--sub", "a", "--ttl", "soon"], ["--bogus"]]) {
    const result = run(args);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^token: /);
  }
  assert.match(run([]).stderr, /usage: npm run token -- --sub <user>/);
});
