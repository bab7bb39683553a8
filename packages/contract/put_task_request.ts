import { z } from "zod";
import { expect } from "./_expect.ts";
import { TaskId } from "./task_id.ts";
import { TaskStatus } from "./task_status.ts";

/** The most outputs one task may record. */
export const MAX_TASK_OUTPUTS = 10_000;

// Control characters would let a name or key smuggle header or log lines.
// deno-lint-ignore no-control-regex -- matching them is the point
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;
const MEDIA_TOKEN = "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*";
const MEDIA_TYPE_PATTERN = new RegExp(
  `^${MEDIA_TOKEN}/${MEDIA_TOKEN}(\\s*;\\s*${MEDIA_TOKEN}=(${MEDIA_TOKEN}|"[^"\\\\\\u0000-\\u001f\\u007f]*"))*$`,
);

/**
 * A file name as a download offers it: 1–255 characters, no path separators,
 * no control characters, not `.` or `..`.
 */
export const FileName: z.ZodString = z
  .string({ error: expect("a string") })
  .min(1, "must not be empty")
  .max(255, "must be at most 255 characters")
  .regex(NO_CONTROL_CHARACTERS, "must not contain control characters")
  .refine((name) => !/[/\\]/.test(name), "must not contain / or \\")
  .refine((name) => name !== "." && name !== "..", "must not be . or ..")
  .meta({ description: "File name offered to the downloader", example: "ndvi_result.tif" });

/**
 * A storage key: the object's path inside the storage (a local folder, a
 * bucket, a container). Segments are separated by `/`; none may be empty,
 * `.` or `..`; no backslashes or control characters.
 */
export const StorageKey: z.ZodString = z
  .string({ error: expect("a string") })
  .min(1, "must not be empty")
  .max(1024, "must be at most 1024 characters")
  .regex(NO_CONTROL_CHARACTERS, "must not contain control characters")
  .refine((key) => !key.includes("\\"), "must not contain \\")
  .refine(
    (key) => key.split("/").every((segment) => segment !== "" && segment !== "." && segment !== ".."),
    "must be a relative path without empty, . or .. segments",
  )
  .meta({ description: "Key of the object in storage", example: "tasks/12345/ndvi_result.tif" });

/** One output as the analysis pipeline records it. */
export const TaskOutputInput: z.ZodObject<
  {
    fileName: typeof FileName;
    storageKey: typeof StorageKey;
    contentType: z.ZodOptional<z.ZodString>;
    // Hex in either case, lowercased.
    sha256: z.ZodOptional<z.ZodPipe<z.ZodString, z.ZodTransform<string, string>>>;
  },
  z.core.$strict
> = z
  .strictObject(
    {
      fileName: FileName,
      storageKey: StorageKey,
      contentType: z
        .string({ error: expect("a string") })
        .max(255, "must be at most 255 characters")
        .regex(MEDIA_TYPE_PATTERN, "must be a media type such as image/tiff")
        .optional()
        .meta({ description: "Media type; guessed from the file name when omitted", example: "image/tiff" }),
      sha256: z
        .string({ error: expect("a string") })
        .regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex digits")
        .transform((hex) => hex.toLowerCase())
        .optional()
        .meta({
          description: "SHA-256 of the object in hex",
          example: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        }),
    },
    { error: expect("an object") },
  )
  .meta({ id: "TaskOutputInput", description: "One output file of a task" });

/** One output as the analysis pipeline records it. */
export type TaskOutputInput = z.input<typeof TaskOutputInput>;

/**
 * The ingest request: `PUT /analysis/task/{taskId}` with the rest as the
 * JSON body. It replaces the task's record as a whole. File names must be
 * unique within a task, since they name the downloads.
 *
 * @example
 * ```ts
 * import { PutTaskRequest } from "@taskdl/contract";
 * PutTaskRequest.parse({
 *   taskId: "12345",
 *   ownerId: "alice",
 *   status: "SUCCEEDED",
 *   outputs: [{ fileName: "ndvi_result.tif", storageKey: "tasks/12345/ndvi_result.tif" }],
 * });
 * ```
 */
export const PutTaskRequest: z.ZodObject<
  {
    taskId: typeof TaskId;
    ownerId: z.ZodString;
    status: typeof TaskStatus;
    outputs: z.ZodArray<typeof TaskOutputInput>;
  },
  z.core.$strict
> = z
  .strictObject(
    {
      taskId: TaskId,
      ownerId: z
        .string({ error: expect("a string") })
        .min(1, "must not be empty")
        .max(255, "must be at most 255 characters")
        .regex(NO_CONTROL_CHARACTERS, "must not contain control characters")
        .meta({ description: "The owner: the `sub` of the owner's tokens", example: "alice" }),
      status: TaskStatus,
      outputs: z
        .array(TaskOutputInput, { error: expect("a list") })
        .max(MAX_TASK_OUTPUTS, `must hold at most ${MAX_TASK_OUTPUTS} outputs`)
        .meta({ description: "Every output of the task, in the order downloads list them" }),
    },
    { error: expect("a JSON object") },
  )
  .superRefine((request, ctx) => {
    const seen = new Set<string>();
    request.outputs.forEach((output, index) => {
      if (seen.has(output.fileName)) {
        ctx.addIssue({
          code: "custom",
          path: ["outputs", index, "fileName"],
          message: `duplicates file name "${output.fileName}"`,
        });
      }
      seen.add(output.fileName);
    });
  })
  .meta({ description: "A task and its outputs, as the analysis pipeline records them" });

/** The ingest request. */
export type PutTaskRequest = z.input<typeof PutTaskRequest>;

/** A task's record as the service keeps it, answered by the ingest path. */
export const TaskResp: z.ZodObject<
  {
    taskId: typeof TaskId;
    ownerId: z.ZodString;
    status: typeof TaskStatus;
    outputs: z.ZodArray<
      z.ZodObject<
        {
          fileName: z.ZodString;
          fileSize: z.ZodInt;
          contentType: z.ZodOptional<z.ZodString>;
          sha256: z.ZodOptional<z.ZodString>;
        },
        z.core.$loose
      >
    >;
    totalSize: z.ZodInt;
  },
  z.core.$loose
> = z
  .looseObject({
    taskId: TaskId,
    ownerId: z.string().meta({ description: "The owner's user id", example: "alice" }),
    status: TaskStatus,
    outputs: z.array(
      z.looseObject({
        fileName: z.string().meta({ description: "File name", example: "ndvi_result.tif" }),
        fileSize: z.int().min(0).meta({ description: "Size in bytes, as found in storage", example: 512000 }),
        contentType: z.string().optional().meta({ description: "Media type", example: "image/tiff" }),
        sha256: z.string().optional().meta({ description: "SHA-256 in lowercase hex" }),
      }),
    ),
    totalSize: z.int().min(0).meta({ description: "Total size in bytes", example: 662000 }),
  })
  .meta({ id: "TaskResp", description: "A task's record" });

/** A task's record as the service keeps it. */
export type TaskResp = z.infer<typeof TaskResp>;
