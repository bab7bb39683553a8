import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { fullObjectSha256 } from "./full_object_sha256.ts";

const digest = createHash("sha256").update("test").digest();

test("a full-object SHA-256 checksum is the file's hash, in lowercase hex", () => {
  const ChecksumSHA256 = digest.toString("base64");
  assert.equal(fullObjectSha256({ ChecksumSHA256, ChecksumType: "FULL_OBJECT" }), digest.toString("hex"));
  // Stores that predate ChecksumType send none for a single-part upload.
  assert.equal(fullObjectSha256({ ChecksumSHA256 }), digest.toString("hex"));
});

test("a composite multipart checksum, or none, is no file hash", () => {
  const ChecksumSHA256 = digest.toString("base64");
  assert.equal(fullObjectSha256({ ChecksumSHA256, ChecksumType: "COMPOSITE" }), undefined);
  assert.equal(fullObjectSha256({ ChecksumSHA256: `${ChecksumSHA256}-3` }), undefined);
  assert.equal(fullObjectSha256({ ChecksumSHA256: `${ChecksumSHA256}-3`, ChecksumType: "FULL_OBJECT" }), undefined);
  assert.equal(fullObjectSha256({}), undefined);
});
