import assert from "node:assert/strict";
import { test } from "node:test";
import { describeClientCases } from "./_client_cases.ts";
import { createTaskdlClient } from "./create_taskdl_client.ts";

describeClientCases("tRPC", createTaskdlClient);

test("the client's runtime code does not import the server", async () => {
  const { readFile, readdir } = await import("node:fs/promises");
  for (const file of await readdir(new URL(".", import.meta.url))) {
    if (!file.endsWith(".ts") || file.endsWith("_test.ts") || file.startsWith("_client_cases")) continue;
    const source = await readFile(new URL(file, import.meta.url), "utf8");
    // Comment lines may name the server (the modules' docs say why it is a type only).
    const code = source.split("\n").filter((l) => !/^\s*(\*|\/\/|\/\*)/.test(l));
    for (const line of code.filter((l) => l.includes("@taskdl/server"))) {
      assert.match(line, /^import type /, `${file}: ${line}`);
    }
  }
});
