import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { deepFreeze } from "../tasks/deep_freeze.ts";
import { validatedOnce } from "./validated_once.ts";

function counted() {
  let walks = 0;
  const schema = z
    .object({ items: z.array(z.object({ url: z.url() })) })
    .refine(() => ++walks > 0)
    .meta({ id: "Counted", description: "a test schema" });
  return { schema: validatedOnce(schema), original: schema, walks: () => walks };
}

test("a frozen value is walked once; later parses give the same frozen result", () => {
  const { schema, walks } = counted();
  const value = deepFreeze({ items: [{ url: "https://example.com/a" }], extra: "stripped" });
  const first = schema.parse(value);
  const second = schema.parse(value);
  assert.equal(second, first);
  assert.equal(walks(), 1);
  assert.deepEqual(first, { items: [{ url: "https://example.com/a" }] }, "still parsed: unknown keys stripped");
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.items) && Object.isFrozen(first.items[0]));
});

test("a value that can change is walked every time", async () => {
  const { schema, walks } = counted();
  const value = { items: [{ url: "https://example.com/a" }] };
  schema.parse(value);
  await schema.parseAsync(value);
  assert.equal(walks(), 2);
  value.items[0] = { url: "not a url" };
  assert.throws(() => schema.parse(value), z.ZodError);
  await assert.rejects(schema.parseAsync(value), z.ZodError);
});

test("a frozen value that fails is refused every time, never remembered", () => {
  const { schema } = counted();
  const bad = deepFreeze({ items: [{ url: "nope" }] });
  assert.throws(() => schema.parse(bad), z.ZodError);
  assert.throws(() => schema.parse(bad), z.ZodError);
});

test("the schema keeps its identity, so its OpenAPI metadata stays", () => {
  const { schema, original } = counted();
  assert.equal(schema, original);
  assert.equal(z.globalRegistry.get(schema)?.id, "Counted");
});
