import assert from "node:assert/strict";
import { test } from "node:test";
import { TRPCError } from "@trpc/server";
import { DownloadUrlRequest } from "@taskdl/contract";
import { StorageUnavailableError } from "@taskdl/storage";
import { ApiError } from "./api_error.ts";
import { toErrorAnswer } from "./to_error_answer.ts";

test("an ApiError is answered as it says, also inside a TRPCError", () => {
  const error = ApiError.taskNotFound();
  assert.deepEqual(toErrorAnswer(error), { code: 404, message: "Task not found", headers: {} });
  assert.deepEqual(toErrorAnswer(new TRPCError({ code: "INTERNAL_SERVER_ERROR", cause: error })), {
    code: 404,
    message: "Task not found",
    headers: {},
  });
});

test("an input validation error is 400 with the contract's words", () => {
  const zodError = DownloadUrlRequest.safeParse({}).error;
  const answer = toErrorAnswer(new TRPCError({ code: "BAD_REQUEST", cause: zodError }));
  assert.deepEqual(answer, { code: 400, message: "Request parameter error: taskId is required", headers: {} });
});

test("unknown faults are 500 and unreachable dependencies 503, saying nothing more", () => {
  const sqlError = Object.assign(new Error('relation "task_output" does not exist'), { code: "42P01" });
  const fault = toErrorAnswer(new TRPCError({ code: "INTERNAL_SERVER_ERROR", cause: sqlError }));
  assert.equal(fault.code, 500);
  assert.equal(fault.message, "Server internal error");
  assert.equal(fault.fault, sqlError);
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
  assert.equal(toErrorAnswer(new Error("query failed", { cause: refused })).code, 503);
  assert.equal(toErrorAnswer(new StorageUnavailableError("local")).code, 503);
  assert.equal(toErrorAnswer(new StorageUnavailableError("local")).message, "Service unavailable");
});

test("an unauthorized answer carries an RFC 6750 challenge", () => {
  assert.deepEqual(toErrorAnswer(ApiError.unauthorized("missing token")).headers, {
    "WWW-Authenticate": 'Bearer realm="taskdl"',
  });
  assert.deepEqual(toErrorAnswer(ApiError.unauthorized("token expired", { tokenPresented: true })).headers, {
    "WWW-Authenticate": 'Bearer realm="taskdl", error="invalid_token", error_description="token expired"',
  });
});
