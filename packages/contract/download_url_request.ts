import { z } from "zod";
import { expect } from "./_expect.ts";
import { TaskId } from "./task_id.ts";

/** The shortest link lifetime a client may ask for, in seconds. */
export const MIN_EXPIRES_IN = 60;

/**
 * The request of `GET /analysis/task/get/Download/url`: the task whose
 * outputs to link, and optionally how long the links should live. Unknown
 * parameters are refused, so a misspelt `expiresin` cannot pass unnoticed.
 *
 * @example
 * ```ts
 * import { DownloadUrlRequest } from "@taskdl/contract";
 * DownloadUrlRequest.parse({ taskId: "12345", expiresIn: "600" });
 * // { taskId: "12345", expiresIn: 600 }
 * ```
 */
export const DownloadUrlRequest: z.ZodObject<
  {
    taskId: typeof TaskId;
    // z.preprocess's own type (ZodPreprocess) differs across zod 4 minors; the pipe it is stays the same.
    expiresIn: z.ZodOptional<z.ZodPipe<z.core.$ZodTransform<unknown, number>, z.ZodCoercedNumber<number>>>;
  },
  z.core.$strict
> = z
  .strictObject({
    taskId: TaskId,
    expiresIn: z
      // Query strings hold digits only: "1e3", "0x100" and " 60" are not whole numbers of seconds.
      .preprocess(
        // Typed as the number clients send; at run time the REST path hands over the query string.
        (value: number) => {
          const raw: unknown = value;
          return typeof raw === "string" && raw !== "" && !/^-?[0-9]+(\.[0-9]+)?$/.test(raw) ? Number.NaN : raw;
        },
        z.coerce
          .number<number>({ error: expect("a whole number of seconds", { once: true }) })
          .int("must be a whole number of seconds")
          .min(MIN_EXPIRES_IN, `must be at least ${MIN_EXPIRES_IN} seconds`),
      )
      .meta({
        description:
          "Lifetime of the download URLs in seconds, from 60 up to the service's maximum " +
          "(604800 by default); the service's default lifetime (3600 s) when omitted",
        example: 3600,
      })
      .optional(),
  })
  .meta({ description: "Which task to link, and for how long" });

/** The request of `GET /analysis/task/get/Download/url`. */
export type DownloadUrlRequest = z.infer<typeof DownloadUrlRequest>;
