import assert from "node:assert/strict";
import { test } from "node:test";
import { formatIssues } from "./format_issues.ts";

test("prefixes each message with the field's path", () => {
  assert.equal(formatIssues([{ path: ["taskId"], message: "is required" }]), "taskId is required");
  assert.equal(
    formatIssues([{ path: ["outputs", 2, "storageKey"], message: "must not be empty" }]),
    "outputs[2].storageKey must not be empty",
  );
});

test("names unknown parameters", () => {
  assert.equal(
    formatIssues([{ path: [], code: "unrecognized_keys", keys: ["foo"], message: "x" }]),
    'unknown parameter "foo"',
  );
  assert.equal(
    formatIssues([{ path: ["outputs", 0], code: "unrecognized_keys", keys: ["a", "b"], message: "x" }]),
    'outputs[0] has unknown parameters "a", "b"',
  );
});

test("drops repeated messages and joins the rest", () => {
  const rule = "must be 1–64 characters of A–Z a–z 0–9 _ -";
  assert.equal(
    formatIssues([
      { path: ["taskId"], message: rule },
      { path: ["taskId"], message: rule },
      { path: ["expiresIn"], message: "must be at least 60 seconds" },
    ]),
    `taskId ${rule}; expiresIn must be at least 60 seconds`,
  );
});
