import { z } from "zod";

/** The characters a task id may hold, as a pattern (1–64 of `A–Z a–z 0–9 _ -`). */
export const TASK_ID_PATTERN: RegExp = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A task id: 1–64 characters of `A–Z a–z 0–9 _ -`.
 *
 * @example
 * ```ts
 * import { TaskId } from "@taskdl/contract";
 * TaskId.parse("12345"); // "12345"
 * TaskId.safeParse("../etc").success; // false
 * ```
 */
export const TaskId = z
  .string()
  .min(1)
  .max(64)
  .regex(TASK_ID_PATTERN)
  .meta({
    description: "Task ID: 1–64 characters of A–Z a–z 0–9 _ -",
    example: "12345",
  });

/** A task id. */
export type TaskId = z.infer<typeof TaskId>;
