import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { initTRPC } from "@trpc/server";
import { share } from "./hot_answers.ts";
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
  const value = share({ items: [{ url: "https://example.com/a" }], extra: "stripped" });
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
  const bad = share({ items: [{ url: "nope" }] });
  assert.throws(() => schema.parse(bad), z.ZodError);
  assert.throws(() => schema.parse(bad), z.ZodError);
});

test("the schema keeps its identity, so its OpenAPI metadata stays", () => {
  const { schema, original } = counted();
  assert.equal(schema, original);
  assert.equal(z.globalRegistry.get(schema)?.id, "Counted");
});

test("tRPC's output check goes through the patched parse (fails should a tRPC upgrade stop calling it)", async () => {
  const { schema, walks } = counted();
  const t = initTRPC.create();
  const answer = share({ items: [{ url: "https://example.com/a" }] });
  const caller = t.router({ hot: t.procedure.output(schema).query(() => answer) }).createCaller({});
  const first = await caller.hot();
  const second = await caller.hot();
  assert.equal(second, first, "the same checked result for the same shared answer");
  assert.equal(walks(), 1, "tRPC's output check used the remembering parse");
});
