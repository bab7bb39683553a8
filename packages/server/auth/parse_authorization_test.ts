import assert from "node:assert/strict";
import { test } from "node:test";
import { parseAuthorization } from "./parse_authorization.ts";

const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln";

test("takes the token from Bearer, in any case, and from a bare JWT", () => {
  for (const header of [`Bearer ${JWT}`, `bearer ${JWT}`, `BEARER  ${JWT}`, JWT, `  ${JWT}  `]) {
    assert.deepEqual(parseAuthorization(header), { token: JWT }, header);
  }
});

test("a missing or blank header is 401 missing token without error=invalid_token", () => {
  for (const header of [undefined, "", "   "]) {
    const parsed = parseAuthorization(header);
    assert.ok("error" in parsed);
    assert.equal(parsed.error.message, "Unauthorized: missing token");
    assert.equal(parsed.error.headers["WWW-Authenticate"], 'Bearer realm="taskdl"');
  }
});

test("other schemes, a lone Bearer, two tokens, non-JWTs and huge headers are malformed", () => {
  for (const header of [
    "Basic YTpi",
    "Bearer",
    `Bearer ${JWT} ${JWT}`,
    "Bearer not-a-jwt",
    "abc",
    `Bearer ${"a".repeat(9000)}.b.c`,
  ]) {
    const parsed = parseAuthorization(header);
    assert.ok("error" in parsed, header);
    assert.match(parsed.error.message, /^Unauthorized: malformed Authorization header/);
  }
});
