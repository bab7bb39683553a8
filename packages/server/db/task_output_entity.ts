import { defineEntity, type InferEntity, p } from "@mikro-orm/core";
import type { Georeference } from "../geo/read_georeference.ts";
import { AnalysisTask } from "./task_entity.ts";

/**
 * One output file of an {@linkcode AnalysisTask}. `position` keeps the order
 * the task recorded them in; `size` is a `bigint` column read as a JS number
 * (exact up to 8 PiB), so JSON can carry it.
 *
 * @example
 * ```ts
 * em.create(TaskOutput, { task: "12345", position: 0, fileName: "a.tif", storageKey: "k", size: 1 });
 * ```
 */
export const TaskOutput = defineEntity({
  name: "TaskOutput",
  tableName: "task_output",
  properties: {
    task: () => p.manyToOne(AnalysisTask).primary().deleteRule("cascade"),
    position: p.integer().primary(),
    fileName: p.string().length(255),
    storageKey: p.string().length(1024),
    size: p.bigint("number"),
    contentType: p.string().length(255).nullable(),
    sha256: p.string().length(64).nullable(),
    // The object's version when the service took its hash; null for a hash the writer gave, or none.
    hashedVersion: p.string().length(1024).nullable(),
    // Where a GeoTIFF output lies, read from its header at ingest (geo/read_georeference.ts); null otherwise.
    georeference: p.json<Georeference>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  // Ingest looks recorded hashes up by key, and so does the checksum backfill.
  indexes: [{ name: "task_output_storage_key_index", properties: ["storageKey"] }],
});

/** One output file as loaded from the database. */
export type ITaskOutput = InferEntity<typeof TaskOutput>;
