import assert from "node:assert/strict";
import { test } from "node:test";
import { guessContentType } from "./content_type.ts";

test("guesses the media types analysis outputs come in", () => {
  assert.equal(guessContentType("ndvi_result.tif"), "image/tiff");
  assert.equal(guessContentType("ANALYSIS_REPORT.PDF"), "application/pdf");
  assert.equal(guessContentType("points.geojson"), "application/geo+json");
});

test("falls back to application/octet-stream", () => {
  assert.equal(guessContentType("README"), "application/octet-stream");
  assert.equal(guessContentType("archive.xyz"), "application/octet-stream");
});
