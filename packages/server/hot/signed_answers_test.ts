import assert from "node:assert/strict";
import { test } from "node:test";
import type { TaskRecord } from "../tasks/task_record.ts";
import { SignedAnswers } from "./signed_answers.ts";

const record = (id: string, outputs = 1): TaskRecord => ({
  id,
  ownerId: "alice",
  status: "SUCCEEDED",
  outputs: Array.from({ length: outputs }, (_, i) => ({
    fileName: `${i}`,
    storageKey: `${id}/${i}`,
    size: 1,
    contentType: null,
    sha256: null,
  })),
});
const answer = (taskId: string) => ({ taskId, downloadUrls: [], totalSize: 0 });

test("an answer is reused within its second, for the same record object and expiry only", () => {
  let now = 10_000;
  const answers = new SignedAnswers({ capacity: 100, minOutputs: 1, now: () => now });
  const task = record("a");
  const made = answers.set(task, 3610, answer("a"));
  assert.equal(answers.get(task, 3610), made);
  assert.equal(answers.get(task, 3611), undefined, "another expiry");
  assert.equal(answers.get(record("a"), 3610), undefined, "a record read again (replaced since) is another object");
  now = 10_999;
  assert.equal(answers.get(task, 3610), made);
  now = 11_000;
  assert.equal(answers.get(task, 3610), undefined, "forgotten when the second turns");
});

test("one second keeps at most capacity outputs' worth of answers", () => {
  const answers = new SignedAnswers({ capacity: 5, minOutputs: 1, now: () => 0 });
  const small = record("s", 1);
  const big = record("b", 4);
  answers.set(small, 60, answer("s"));
  answers.set(big, 60, answer("b"));
  assert.notEqual(answers.get(small, 60), undefined);
  assert.equal(answers.get(big, 60), undefined, "2 + 5 > 5: not kept");
});

test("answers of tasks with fewer than minOutputs outputs are not kept", () => {
  const answers = new SignedAnswers({ capacity: 100, now: () => 0 });
  const few = record("few", 7);
  answers.set(few, 60, answer("few"));
  const many = record("many", 8);
  answers.set(many, 60, answer("many"));
  assert.equal(answers.get(few, 60), undefined);
  assert.notEqual(answers.get(many, 60), undefined);
});
