import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { callTRPCProcedure, TRPCError } from "@trpc/server";
import { z } from "zod";
import type { AuthOutcome } from "../auth/auth_user.ts";
import { toErrorAnswer } from "../envelope/to_error_answer.ts";
import { ApiError } from "../envelope/api_error.ts";
import type { RateLimiter } from "../limits/rate_limiter.ts";
import { type Context, createContext } from "./context.ts";
import { authed, router } from "./trpc.ts";

const Input = z.object({ taskId: z.string().min(1) });
const Output = z.object({ code: z.literal(200), taskId: z.string() });

// `echo` answers what its output schema makes of the resolver's answer; `bad` answers what its schema refuses.
const testRouter = router({
  echo: authed({ input: Input, output: Output }).query(({ input, user }) =>
    Promise.resolve({ code: 200 as const, taskId: `${input.taskId} for ${user.id}`, extra: "dropped by the schema" }),
  ),
  bad: authed({ input: Input, output: Output }).query(() => Promise.resolve({ code: 500 } as never)),
  checked: authed({
    input: Input.refine((value) => Promise.resolve(value.taskId !== "taken"), { message: "taken" }),
    output: Output,
  }).query(({ input }) => Promise.resolve({ code: 200 as const, taskId: input.taskId })),
  write: authed({ input: Input, output: Output, scope: "tasks:write" }).mutation(({ input }) =>
    Promise.resolve({ code: 200 as const, taskId: input.taskId }),
  ),
});

const alice: AuthOutcome = { user: { id: "alice", scopes: new Set() } };

// A request's context as the service builds it; these procedures touch neither the task store nor the signer.
function context(options: { auth?: AuthOutcome; databaseReady?: boolean; rateLimiter?: RateLimiter } = {}): Context {
  const { auth = alice, databaseReady = true, rateLimiter } = options;
  return createContext(
    {
      tasks: {} as Context["tasks"],
      signer: {} as Context["signer"],
      ttl: { defaultTtl: 3600, maxTtl: 3600 },
      rateLimiter,
      status: { databaseReady, stopping: false },
    },
    auth,
  );
}

function call(path: "echo" | "bad" | "checked" | "write", rawInput: () => Promise<unknown>, ctx = context()) {
  return callTRPCProcedure({
    router: testRouter,
    path,
    type: path === "write" ? "mutation" : "query",
    ctx,
    getRawInput: rawInput,
    signal: undefined,
    batchIndex: 0,
  });
}

async function answerOf(promise: Promise<unknown>): Promise<{ trpc: string; code: number; message: string }> {
  const error = await promise.then(
    () => assert.fail("expected an error"),
    (error: unknown) => error,
  );
  assert.ok(error instanceof TRPCError);
  const { code, message } = toErrorAnswer(error);
  return { trpc: error.code, code, message };
}

describe("authed procedures", () => {
  test("declare their schemas as .input() and .output() do, and run as one level of tRPC's chain", () => {
    const { _def } = testRouter._def.procedures.echo as unknown as {
      _def: { inputs: unknown[]; output: unknown; middlewares: unknown[] };
    };
    assert.deepEqual(_def.inputs, [Input]);
    assert.equal(_def.output, Output);
    assert.equal(_def.middlewares.length, 1);
  });

  test("the answer is what the output schema gives, for the admitted user and the parsed input", async () => {
    assert.deepEqual(await call("echo", () => Promise.resolve({ taskId: "7", ignored: 1 })), {
      code: 200,
      taskId: "7 for alice",
    });
  });

  test("an input the schema refuses is BAD_REQUEST with zod's issues: a 400 naming the field", async () => {
    const answer = await answerOf(call("echo", () => Promise.resolve({ taskId: "" })));
    assert.equal(answer.trpc, "BAD_REQUEST");
    assert.equal(answer.code, 400);
    assert.match(answer.message, /taskId/);
  });

  test("a schema with an asynchronous check is parsed asynchronously, as tRPC's parser does", async () => {
    assert.deepEqual(await call("checked", () => Promise.resolve({ taskId: "free" })), { code: 200, taskId: "free" });
    const answer = await answerOf(call("checked", () => Promise.resolve({ taskId: "taken" })));
    assert.deepEqual([answer.trpc, answer.code], ["BAD_REQUEST", 400]);
  });

  test("a raw input that cannot be read (a body that is not JSON) is a 400, not a fault", async () => {
    const answer = await answerOf(call("echo", () => Promise.reject(new TRPCError({ code: "PARSE_ERROR" }))));
    assert.equal(answer.code, 400);
  });

  test("an answer the output schema refuses is a 500, never sent as it is", async () => {
    const answer = await answerOf(call("bad", () => Promise.resolve({ taskId: "7" })));
    assert.equal(answer.trpc, "INTERNAL_SERVER_ERROR");
    assert.equal(answer.code, 500);
    assert.equal(answer.message, "Server internal error");
  });

  test("admission comes first, in order: 503, 401, 429, 403; no input is read before it", async () => {
    let reads = 0;
    const input = () => {
      reads += 1;
      return Promise.resolve({ taskId: "7" });
    };
    const refused = ApiError.unauthorized("token expired");
    const empty: RateLimiter = {
      take: () => Promise.resolve({ allowed: false, retryAfterSeconds: 3 }),
      close: () => Promise.resolve(),
    };
    const codes = [
      await answerOf(call("write", input, context({ databaseReady: false, auth: { error: refused } }))),
      await answerOf(call("write", input, context({ auth: { error: refused }, rateLimiter: empty }))),
      await answerOf(call("write", input, context({ rateLimiter: empty }))),
      await answerOf(call("write", input)),
    ].map((answer) => answer.code);
    assert.deepEqual(codes, [503, 401, 429, 403]);
    assert.equal(reads, 0);
    const writer: AuthOutcome = { user: { id: "pipeline", scopes: new Set(["tasks:write"]) } };
    assert.deepEqual(await call("write", input, context({ auth: writer })), { code: 200, taskId: "7" });
    assert.equal(reads, 1);
  });
});
