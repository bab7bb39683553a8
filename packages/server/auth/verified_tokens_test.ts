import assert from "node:assert/strict";
import { test } from "node:test";
import { VerifiedTokens } from "./verified_tokens.ts";

const alice = { id: "alice", scopes: new Set<string>() };
const bob = { id: "bob", scopes: new Set(["tasks:write"]) };

function tokens(options: { capacity?: number; maxAgeMs?: number; clockToleranceSeconds?: number } = {}) {
  let clock = 1_000_000_000_000;
  const verified = new VerifiedTokens({
    capacity: options.capacity ?? 10,
    maxAgeMs: options.maxAgeMs ?? 60_000,
    clockToleranceSeconds: options.clockToleranceSeconds ?? 0,
    now: () => clock,
  });
  return { verified, at: () => clock, advance: (ms: number) => (clock += ms) };
}

test("answers a remembered token with its user, and nothing else", () => {
  const { verified, at } = tokens();
  const exp = at() / 1000 + 3600;
  verified.remember("token-a", alice, exp);
  assert.equal(verified.get("token-a"), alice);
  assert.equal(verified.get("token-a "), undefined);
  assert.equal(verified.get("token-b"), undefined);
});

test("forgets a token at its exp plus the clock tolerance", () => {
  const { verified, at, advance } = tokens({ clockToleranceSeconds: 5 });
  verified.remember("token-a", alice, at() / 1000 + 10);
  advance(14_999);
  assert.equal(verified.get("token-a"), alice);
  advance(1);
  assert.equal(verified.get("token-a"), undefined);
  assert.equal(verified.size, 0);
});

test("forgets a long-lived token after maxAgeMs, so it is verified again", () => {
  const { verified, at, advance } = tokens({ maxAgeMs: 60_000 });
  verified.remember("token-a", alice, at() / 1000 + 86_400);
  advance(59_999);
  assert.equal(verified.get("token-a"), alice);
  advance(1);
  assert.equal(verified.get("token-a"), undefined);
});

test("holds at most capacity tokens, dropping the oldest first", () => {
  const { verified, at } = tokens({ capacity: 2 });
  const exp = at() / 1000 + 3600;
  verified.remember("one", alice, exp);
  verified.remember("two", bob, exp);
  verified.remember("three", alice, exp);
  assert.equal(verified.size, 2);
  assert.equal(verified.get("one"), undefined);
  assert.equal(verified.get("two"), bob);
  assert.equal(verified.get("three"), alice);
});

test("capacity 0 remembers nothing", () => {
  const { verified, at } = tokens({ capacity: 0 });
  verified.remember("one", alice, at() / 1000 + 3600);
  assert.equal(verified.get("one"), undefined);
});
