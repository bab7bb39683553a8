import assert from "node:assert/strict";
import { test } from "node:test";
import { redact } from "./redact.ts";

test("removes the given secrets, URL queries and JWT-shaped strings", () => {
  const token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
  assert.equal(redact(`token ${token} here`, [token]), "token [redacted] here");
  assert.equal(redact(`a stray ${token}`, []), "a stray [redacted]");
  assert.equal(
    redact("Cannot GET http://127.0.0.1:1/files/t/a.tif?exp=1&sig=abc failed: reset", []),
    "Cannot GET http://127.0.0.1:1/files/t/a.tif?… failed: reset",
  );
  assert.equal(redact('"https://s3.example.com/b/k?X-Amz-Signature=ff"', []), '"https://s3.example.com/b/k?…"');
  assert.equal(redact("nothing secret", ["", "x"]), "nothing secret");
});
