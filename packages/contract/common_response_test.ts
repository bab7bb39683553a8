import assert from "node:assert/strict";
import { test } from "node:test";
import { commonResponse, ErrorResponse } from "./common_response.ts";
import { DownloadUrlResp } from "./download_url_resp.ts";

const SPEC_SUCCESS_EXAMPLE = {
  code: 200,
  message: "success",
  data: {
    taskId: "12345",
    downloadUrls: [
      {
        fileName: "ndvi_result.tif",
        downloadUrl: "https://example.com/download/ndvi_result.tif?token=...",
        fileSize: 512000,
        expiresAt: "2024-01-01T11:00:00Z",
      },
      {
        fileName: "analysis_report.pdf",
        downloadUrl: "https://example.com/download/analysis_report.pdf?token=...",
        fileSize: 150000,
        expiresAt: "2024-01-01T11:00:00Z",
      },
    ],
    totalSize: 662000,
  },
};

test("the success envelope accepts the specification's success example", () => {
  assert.deepEqual(commonResponse(DownloadUrlResp).parse(SPEC_SUCCESS_EXAMPLE), SPEC_SUCCESS_EXAMPLE);
});

test("the success envelope is code 200 and message success only", () => {
  const envelope = commonResponse(DownloadUrlResp);
  assert.equal(envelope.safeParse({ ...SPEC_SUCCESS_EXAMPLE, code: 201 }).success, false);
  assert.equal(envelope.safeParse({ ...SPEC_SUCCESS_EXAMPLE, message: "ok" }).success, false);
  assert.equal(envelope.safeParse({ ...SPEC_SUCCESS_EXAMPLE, data: null }).success, false);
});

test("the error envelope accepts the specification's failure example and wants data null", () => {
  const failure = { code: 404, message: "Task not found", data: null };
  assert.deepEqual(ErrorResponse.parse(failure), failure);
  assert.equal(ErrorResponse.safeParse({ ...failure, data: {} }).success, false);
  assert.equal(ErrorResponse.safeParse({ ...failure, code: 200 }).success, false);
});
