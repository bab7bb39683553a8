import { z } from "zod";
import { expect } from "./_expect.ts";

/** The characters a task id may hold, as a pattern (1–64 of `A–Z a–z 0–9 _ -`). */
export const TASK_ID_PATTERN: RegExp = /^[A-Za-z0-9_-]{1,64}$/;

const TASK_ID_RULE = "must be 1–64 characters of A–Z a–z 0–9 _ -";

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
export const TaskId: z.ZodString = z
  .string({ error: expect("a string", { once: true }) })
  .min(1, TASK_ID_RULE)
  .max(64, TASK_ID_RULE)
  .regex(TASK_ID_PATTERN, TASK_ID_RULE)
  .meta({
    description: "Task ID: 1–64 characters of A–Z a–z 0–9 _ -",
    example: "12345",
  });

/** A task id. */
export type TaskId = z.infer<typeof TaskId>;
