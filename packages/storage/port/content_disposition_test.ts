import assert from "node:assert/strict";
import { test } from "node:test";
import { contentDisposition } from "./content_disposition.ts";

test("plain ASCII names appear in both parameters", () => {
  assert.equal(
    contentDisposition("ndvi_result.tif"),
    `attachment; filename="ndvi_result.tif"; filename*=UTF-8''ndvi_result.tif`,
  );
});

test("quotes and backslashes are escaped in the fallback and percent-encoded in filename*", () => {
  assert.equal(
    contentDisposition('a "b" \\c.pdf'),
    `attachment; filename="a \\"b\\" \\\\c.pdf"; filename*=UTF-8''a%20%22b%22%20%5Cc.pdf`,
  );
});

test("non-ASCII becomes _ in the fallback and UTF-8 in filename*", () => {
  assert.equal(
    contentDisposition("Karte é.tif"),
    `attachment; filename="Karte _.tif"; filename*=UTF-8''Karte%20%C3%A9.tif`,
  );
});

test("characters outside RFC 5987 attr-char are percent-encoded", () => {
  assert.equal(
    contentDisposition("it's (1)*.txt"),
    `attachment; filename="it's (1)*.txt"; filename*=UTF-8''it%27s%20%281%29%2A.txt`,
  );
});
