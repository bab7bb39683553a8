import assert from "node:assert/strict";
import { test } from "node:test";
import { TRPCError } from "@trpc/server";
import { ApiError } from "../envelope/api_error.ts";
import { toErrorAnswer } from "../envelope/to_error_answer.ts";
import type { AuthOutcome } from "../auth/auth_user.ts";
import { appRouter } from "../trpc/app_router.ts";
import { type Context, createContext } from "../trpc/context.ts";
import { procedureCaller } from "./procedure_caller.ts";

// A request's context as the service builds it; these calls are refused before the task store or the signer.
const context = (auth: AuthOutcome): Context =>
  createContext(
    { tasks: {} as Context["tasks"], signer: {} as Context["signer"], ttl: { defaultTtl: 3600, maxTtl: 3600 } },
    auth,
  );

test("finds a procedure of the kind asked for, and nothing else", () => {
  assert.equal(typeof procedureCaller(appRouter, "analysisTask.getDownloadUrl", "query"), "function");
  assert.equal(typeof procedureCaller(appRouter, "analysisTask.put", "mutation"), "function");
  for (const [path, type] of [
    ["analysisTask.getDownloadUrl", "mutation"],
    ["analysisTask.put", "query"],
    ["analysisTask.onDownloadUrls", "query"],
    ["analysisTask", "query"],
    ["analysisTask.nope", "query"],
    ["constructor", "query"],
    ["__proto__", "query"],
    ["", "query"],
  ] as const) {
    assert.equal(procedureCaller(appRouter, path, type), undefined, `${path} as a ${type}`);
  }
});

test("a call runs the procedure's whole chain: admission, then the input's check", async () => {
  const call = procedureCaller(appRouter, "analysisTask.getDownloadUrl", "query");
  assert.ok(call !== undefined);
  const codeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => assert.fail("expected an error"),
      (error: unknown) => {
        assert.ok(error instanceof TRPCError);
        return toErrorAnswer(error).code;
      },
    );
  assert.equal(await codeOf(call(context({ error: ApiError.unauthorized("token expired") }), { taskId: "1" })), 401);
  const alice = context({ user: { id: "alice", scopes: new Set() } });
  assert.equal(await codeOf(call(alice, { taskId: "" })), 400);
  assert.equal(await codeOf(call(alice, { taskId: "1", wait: "soon" }, new AbortController().signal)), 400);
});
