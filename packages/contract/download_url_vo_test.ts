import assert from "node:assert/strict";
import { test } from "node:test";
import { DownloadUrlVo } from "./download_url_vo.ts";

const valid = {
  fileName: "ndvi_result.tif",
  downloadUrl: "https://example.com/download/ndvi_result.tif?token=abc",
  fileSize: 512000,
  expiresAt: "2024-01-01T11:00:00Z",
};

test("DownloadUrlVo accepts the specification's example and the additive fields", () => {
  assert.deepEqual(DownloadUrlVo.parse(valid), valid);
  const extended = { ...valid, contentType: "image/tiff", sha256: "a".repeat(64) };
  assert.deepEqual(DownloadUrlVo.parse(extended), extended);
});

test("DownloadUrlVo wants expiresAt in UTC, second precision, with Z", () => {
  for (const expiresAt of [
    "2024-01-01T11:00:00.000Z",
    "2024-01-01T11:00:00+00:00",
    "2024-01-01 11:00:00Z",
    "2024-01-01T11:00Z",
  ]) {
    assert.equal(DownloadUrlVo.safeParse({ ...valid, expiresAt }).success, false, expiresAt);
  }
});

test("DownloadUrlVo wants integer byte sizes, absolute http(s) URLs and lowercase sha256", () => {
  assert.equal(DownloadUrlVo.safeParse({ ...valid, fileSize: 1.5 }).success, false);
  assert.equal(DownloadUrlVo.safeParse({ ...valid, fileSize: "512000" }).success, false);
  assert.equal(DownloadUrlVo.safeParse({ ...valid, downloadUrl: "/download/x" }).success, false);
  assert.equal(DownloadUrlVo.safeParse({ ...valid, downloadUrl: "ftp://example.com/x" }).success, false);
  assert.equal(DownloadUrlVo.safeParse({ ...valid, sha256: "A".repeat(64) }).success, false);
});

test("DownloadUrlVo lets fields it does not know pass, so clients survive additive changes", () => {
  const future = { ...valid, checksumCrc32c: "abc" };
  assert.deepEqual(DownloadUrlVo.parse(future), future);
});
