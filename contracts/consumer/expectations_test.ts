import assert from "node:assert/strict";
import { test } from "node:test";
import { MatchersV3 } from "@pact-foundation/pact";
import { commonResponse, DownloadUrlResp, ErrorResponse, PutTaskRequest, StacItem, TaskResp } from "@taskdl/contract";
import { failure, RECORDED_TASK, STAC_ITEM_12345, TASK_777, TWO_FILES } from "./_expectations.ts";

test("the pact examples are answers the contract's schemas accept", () => {
  assert.ok(commonResponse(DownloadUrlResp).safeParse(MatchersV3.reify(TWO_FILES)).success);
  assert.ok(commonResponse(TaskResp).safeParse(MatchersV3.reify(RECORDED_TASK)).success);
  assert.ok(ErrorResponse.safeParse(failure(404, "Task not found")).success);
  assert.ok(PutTaskRequest.safeParse(TASK_777).success);
  assert.ok(StacItem.safeParse(MatchersV3.reify(STAC_ITEM_12345)).success);
});
