import assert from "node:assert/strict";
import { test } from "node:test";
import { describeClientCases } from "./_client_cases.ts";
import { createRestClient } from "./create_rest_client.ts";

describeClientCases("REST", createRestClient);

test("putTask refuses a task id no REST path can carry, before sending anything", async () => {
  const sent: string[] = [];
  const rest = createRestClient({
    baseUrl: "http://127.0.0.1:9",
    fetch: (input) => {
      sent.push(String(input));
      return Promise.reject(new Error("not to be called"));
    },
  });
  const task = { ownerId: "alice", status: "SUCCEEDED" as const, outputs: [] };
  await assert.rejects(rest.putTask({ ...task, taskId: "" }), TypeError);
  await assert.rejects(rest.putTask({ ...task, taskId: ".." }), RangeError);
  assert.deepEqual(sent, []);
});
