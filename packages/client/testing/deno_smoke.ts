/**
 * Runs under Deno (`deno run --allow-net=127.0.0.1 deno_smoke.ts <baseUrl> <token> <taskId>`):
 * both clients against a live service, printing what they got.
 *
 * @module
 */
import { createRestClient, createTaskdlClient, TaskdlError } from "../mod.ts";

// Deno's global, typed here so the workspace type check (Node types) accepts this file.
declare const Deno: { args: string[]; version: { deno: string } };

const [baseUrl = "", token = "", taskId = ""] = Deno.args;
const results: Record<string, unknown> = { runtime: `deno ${Deno.version.deno}` };
for (const [name, client] of [
  ["rest", createRestClient({ baseUrl, token })],
  ["trpc", createTaskdlClient({ baseUrl, token })],
] as const) {
  const resp = await client.getDownloadUrls(taskId, { expiresIn: 120 });
  const bytes = await Promise.all(
    resp.downloadUrls.map(async (vo) => (await (await fetch(vo.downloadUrl)).arrayBuffer()).byteLength),
  );
  let missing: unknown;
  try {
    await client.getDownloadUrls("no-such-task");
  } catch (error) {
    missing = error instanceof TaskdlError ? [error.code, error.message] : String(error);
  }
  results[name] = { totalSize: resp.totalSize, files: resp.downloadUrls.map((vo) => vo.fileName), bytes, missing };
}
console.log(JSON.stringify(results));
