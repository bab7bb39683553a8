import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { TaskResp } from "@taskdl/contract";
import type { UrlSigner } from "@taskdl/storage";
import { putTask } from "../tasks/put_task.ts";
import type { TaskRepository } from "../tasks/task_record.ts";

/** The demo task's id, as in the specification's example. */
export const DEMO_TASK_ID = "12345";
/** The demo task's owner: tokens with `sub: "demo"` can download it. */
export const DEMO_USER = "demo";

const FIXTURES = new URL("./fixtures/", import.meta.url);
const DEMO_OUTPUTS = [
  { fileName: "ndvi_result.tif", contentType: "image/tiff" },
  { fileName: "analysis_report.pdf", contentType: "application/pdf" },
];

/**
 * Records the demo task `12345` (owner `demo`, `SUCCEEDED`) with a real
 * GeoTIFF and a real PDF, writing both into storage first through the
 * storage port, whatever the driver. Runs through the ingest code, so sizes
 * come from storage like any task's. Idempotent: running it again leaves the
 * same task.
 *
 * @param tasks Where tasks are kept.
 * @param signer The storage adapter.
 * @returns The demo task's record.
 *
 * @example
 * ```ts
 * await seedDemo(tasks, signer);
 * ```
 */
export async function seedDemo(tasks: TaskRepository, signer: UrlSigner): Promise<TaskResp> {
  const outputs = [];
  for (const { fileName, contentType } of DEMO_OUTPUTS) {
    const storageKey = `demo/${DEMO_TASK_ID}/${fileName}`;
    await signer.write(storageKey, await readFile(fileURLToPath(new URL(fileName, FIXTURES))), { contentType });
    outputs.push({ fileName, storageKey, contentType });
  }
  return putTask({ taskId: DEMO_TASK_ID, ownerId: DEMO_USER, status: "SUCCEEDED", outputs }, { tasks, signer });
}
