import { copyFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { MikroORM } from "@mikro-orm/postgresql";
import type { TaskResp } from "@taskdl/contract";
import { TaskRepository } from "../db/task_repository.ts";
import { LocalUrlSigner } from "../storage/local/local_url_signer.ts";
import type { UrlSigner } from "../storage/url_signer.ts";
import { putTask } from "../tasks/put_task.ts";

/** The demo task's id, as in the specification's example. */
export const DEMO_TASK_ID = "12345";
/** The demo task's owner: tokens with `sub: "demo"` can download it. */
export const DEMO_USER = "demo";

const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));
const DEMO_OUTPUTS = [
  { fileName: "ndvi_result.tif", contentType: "image/tiff" },
  { fileName: "analysis_report.pdf", contentType: "application/pdf" },
];

/**
 * Records the demo task `12345` (owner `demo`, `SUCCEEDED`) with a real
 * GeoTIFF and a real PDF, copying both into local storage first. Runs
 * through the ingest code, so sizes come from storage like any task's.
 * Idempotent: running it again leaves the same task.
 *
 * @param orm The connected ORM.
 * @param signer The storage adapter; only the local one can be seeded.
 * @returns The demo task's record, or `undefined` when storage is not local.
 *
 * @example
 * ```ts
 * await seedDemo(orm, signer);
 * ```
 */
export async function seedDemo(orm: MikroORM, signer: UrlSigner): Promise<TaskResp | undefined> {
  if (!(signer instanceof LocalUrlSigner)) return undefined;
  const outputs = [];
  for (const { fileName, contentType } of DEMO_OUTPUTS) {
    const storageKey = `demo/${DEMO_TASK_ID}/${fileName}`;
    const target = join(signer.root, storageKey);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(join(FIXTURES, fileName), target);
    outputs.push({ fileName, storageKey, contentType });
  }
  return putTask(
    { taskId: DEMO_TASK_ID, ownerId: DEMO_USER, status: "SUCCEEDED", outputs },
    { tasks: new TaskRepository(orm.em.fork()), signer },
  );
}
