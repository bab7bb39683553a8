import assert from "node:assert/strict";
import { test } from "node:test";
import { DownloadUrlRequest } from "./download_url_request.ts";

test("DownloadUrlRequest takes expiresIn as a number or a query string", () => {
  assert.deepEqual(DownloadUrlRequest.parse({ taskId: "1" }), { taskId: "1" });
  assert.deepEqual(DownloadUrlRequest.parse({ taskId: "1", expiresIn: 600 }), { taskId: "1", expiresIn: 600 });
  assert.deepEqual(DownloadUrlRequest.parse({ taskId: "1", expiresIn: "60" }), { taskId: "1", expiresIn: 60 });
});

test("DownloadUrlRequest refuses short, fractional and non-numeric lifetimes", () => {
  for (const expiresIn of [59, 0, -60, 60.5, "abc", "", "NaN", "1e3", "0x100", " 60", "60 ", "+60"]) {
    assert.equal(DownloadUrlRequest.safeParse({ taskId: "1", expiresIn }).success, false, String(expiresIn));
  }
});

test("DownloadUrlRequest refuses unknown parameters and a repeated taskId", () => {
  assert.equal(DownloadUrlRequest.safeParse({ taskId: "1", expiresin: "60" }).success, false);
  assert.equal(DownloadUrlRequest.safeParse({ taskId: ["1", "2"] }).success, false);
  assert.equal(DownloadUrlRequest.safeParse({}).success, false);
});

test("DownloadUrlRequest takes wait from 0 to 60 whole seconds, as a number or a query string", () => {
  assert.deepEqual(DownloadUrlRequest.parse({ taskId: "1", wait: "0" }), { taskId: "1", wait: 0 });
  assert.deepEqual(DownloadUrlRequest.parse({ taskId: "1", wait: 60 }), { taskId: "1", wait: 60 });
  for (const wait of [-1, 61, 1.5, "abc", "", "1e1", " 5", "+5", ["1", "2"]]) {
    const result = DownloadUrlRequest.safeParse({ taskId: "1", wait });
    assert.equal(result.success, false, String(wait));
  }
  const tooLong = DownloadUrlRequest.safeParse({ taskId: "1", wait: 61 });
  assert.match(tooLong.error?.issues[0]?.message ?? "", /at most 60 seconds/);
});
