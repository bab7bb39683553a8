import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { test } from "node:test";
import { hmacKey, KeyedSha256 } from "./keyed_sha256.ts";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

// What the AWS SDK's own Hash (@smithy/hash-node) computes: HMAC when the key is truthy, else a plain SHA-256.
function sdkDigest(secret: string | Uint8Array | undefined, input: string | Uint8Array): string {
  const hash = secret ? createHmac("sha256", secret) : createHash("sha256");
  return hash.update(input).digest("hex");
}

test("KeyedSha256 gives the SDK's own Hash's digests, keyed and not, for text and bytes", async () => {
  const secrets = [undefined, "", "AWS4secret", new Uint8Array(0), new Uint8Array([1, 2, 3]), Buffer.from("key")];
  const inputs = ["", "canonical request\nline", new Uint8Array([0, 255, 7]), Buffer.from("ünïcode")];
  for (const secret of secrets) {
    for (const input of inputs) {
      const ours = new KeyedSha256(secret);
      ours.update(input);
      assert.equal(hex(await ours.digest()), sdkDigest(secret, input), `${String(secret)} / ${String(input)}`);
    }
  }
});

test("reset starts over with the same key, and text in another encoding is decoded first", async () => {
  const hash = new KeyedSha256("k");
  hash.update("one");
  hash.reset();
  hash.update("6869", "hex");
  assert.equal(hex(await hash.digest()), createHmac("sha256", "k").update("hi").digest("hex"));
  const plain = new KeyedSha256();
  plain.update("abc");
  assert.equal(hex(await plain.digest()), createHash("sha256").update("abc").digest("hex"));
});

test("a key is imported once per key object (or text), not per HMAC", () => {
  const key = new Uint8Array([9, 9, 9]);
  assert.equal(hmacKey(key), hmacKey(key));
  assert.equal(hmacKey("secret"), hmacKey("secret"));
  assert.notEqual(hmacKey(new Uint8Array([9, 9, 9])), hmacKey(key), "another object is another import");
});
