import { z } from "zod";
import { expect } from "./_expect.ts";

/** Every status a task can have, in the order a task moves through them. */
export const TASK_STATUSES = ["PENDING", "RUNNING", "SUCCEEDED", "FAILED"] as const;

/**
 * The status of an analysis task. Only a `SUCCEEDED` task has downloadable outputs.
 *
 * @example
 * ```ts
 * import { TaskStatus } from "@taskdl/contract";
 * TaskStatus.parse("SUCCEEDED"); // "SUCCEEDED"
 * ```
 */
export const TaskStatus: z.ZodEnum<{ [Status in (typeof TASK_STATUSES)[number]]: Status }> = z
  .enum(TASK_STATUSES, { error: expect(`one of ${TASK_STATUSES.join(", ")}`) })
  .meta({
    id: "TaskStatus",
    description: "Status of an analysis task; only SUCCEEDED tasks have downloadable outputs",
    example: "SUCCEEDED",
  });

/** The status of an analysis task. */
export type TaskStatus = z.infer<typeof TaskStatus>;
