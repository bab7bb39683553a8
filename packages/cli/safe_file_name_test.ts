import assert from "node:assert/strict";
import { test } from "node:test";
import { unsafeFileNameReason } from "./safe_file_name.ts";

test("accepts ordinary names, Unicode, spaces and quotes", () => {
  for (const name of [
    "ndvi_result.tif",
    "Ergebnis Übersicht.pdf",
    `it's "quoted".txt`,
    "日本語.csv",
    ".hidden",
    "a..b",
  ]) {
    assert.equal(unsafeFileNameReason(name), undefined, name);
  }
});

test("refuses names that would leave the folder or misbehave on Windows", () => {
  const refused: [string, RegExp][] = [
    ["", /empty/],
    [".", /folder/],
    ["..", /folder/],
    ["../evil", /separator/],
    ["a/b", /separator/],
    ["a\\b", /separator/],
    ["/etc/passwd", /separator/],
    ["C:evil", /drive/],
    ["file.txt:stream", /stream/],
    ["nul\u0000byte", /NUL/],
    ["line\nbreak", /control/],
    ["esc\u001b[2J", /control/],
    ["CON", /device/],
    ["nul.txt", /device/],
    ["com1.tif", /device/],
    ["LPT9", /device/],
    ["trailing.", /dot or a space/],
    ["trailing ", /dot or a space/],
    [".x.taskdl-part", /partial/],
    [".x.taskdl-part.json", /partial/],
    ["é".repeat(128), /255 bytes/],
  ];
  for (const [name, reason] of refused) assert.match(unsafeFileNameReason(name) ?? "", reason, JSON.stringify(name));
});
