import { defineEntity, type InferEntity, p } from "@mikro-orm/core";
import { TASK_STATUSES } from "@taskdl/contract";
import { TaskOutput } from "./task_output_entity.ts";

/**
 * An analysis task: who owns it, how far it got, and (through
 * {@linkcode TaskOutput}) the files it produced.
 *
 * @example
 * ```ts
 * const task = await em.findOne(AnalysisTask, { id: "12345" }, { populate: ["outputs"] });
 * ```
 */
export const AnalysisTask = defineEntity({
  name: "AnalysisTask",
  tableName: "analysis_task",
  properties: {
    id: p.string().length(64).primary(),
    ownerId: p.string().length(255),
    status: p.enum([...TASK_STATUSES]),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    // When the task became SUCCEEDED (kept across re-ingests while it stays so); null while it has not.
    finishedAt: p.datetime().nullable(),
    outputs: () => p.oneToMany(TaskOutput).mappedBy("task").orderBy({ position: "asc" }),
  },
});

/** An analysis task as loaded from the database. */
export type IAnalysisTask = InferEntity<typeof AnalysisTask>;
