import { z } from "zod";
import { expect } from "./_expect.ts";
import { TaskId } from "./task_id.ts";

/** The shortest link lifetime a client may ask for, in seconds. */
export const MIN_EXPIRES_IN = 60;

/** The longest a request may wait for its task to finish, in seconds (`wait`). */
export const MAX_WAIT = 60;

/** A whole number of seconds as a query string or JSON holds it: "1e3", "0x100" and " 60" are not. */
function wholeSeconds(bounds: {
  min: number;
  max?: number;
}): z.ZodPipe<z.core.$ZodTransform<unknown, number>, z.ZodCoercedNumber<number>> {
  let seconds = z.coerce
    .number<number>({ error: expect("a whole number of seconds", { once: true }) })
    .int("must be a whole number of seconds")
    .min(bounds.min, `must be at least ${bounds.min} seconds`);
  if (bounds.max !== undefined) seconds = seconds.max(bounds.max, `must be at most ${bounds.max} seconds`);
  return z.preprocess(
    // Typed as the number clients send; at run time the REST path hands over the query string.
    (value: number) => {
      const raw: unknown = value;
      // An empty value coerces to 0: below expiresIn's minimum anyway, but a valid wait, so refused as such here.
      if (typeof raw !== "string") return raw;
      if (raw === "") return bounds.min > 0 ? raw : Number.NaN;
      return /^-?[0-9]+(\.[0-9]+)?$/.test(raw) ? raw : Number.NaN;
    },
    seconds,
  );
}

/**
 * `expiresIn`: the links' lifetime in whole seconds, at least
 * {@linkcode MIN_EXPIRES_IN} (the service bounds it from above).
 *
 * @example
 * ```ts
 * import { ExpiresIn } from "@taskdl/contract";
 * ExpiresIn.parse("600"); // 600
 * ```
 */
export const ExpiresIn: z.ZodOptional<z.ZodPipe<z.core.$ZodTransform<unknown, number>, z.ZodCoercedNumber<number>>> =
  wholeSeconds({ min: MIN_EXPIRES_IN })
    .meta({
      description:
        "Lifetime of the download URLs in seconds, from 60 up to the service's maximum " +
        "(604800 by default); the service's default lifetime (3600 s) when omitted",
      example: 3600,
    })
    .optional();

/**
 * `wait`: how long to hold the answer while the task is `PENDING` or
 * `RUNNING`, in whole seconds from 0 to {@linkcode MAX_WAIT}.
 *
 * @example
 * ```ts
 * import { Wait } from "@taskdl/contract";
 * Wait.parse("30"); // 30
 * ```
 */
export const Wait: z.ZodOptional<z.ZodPipe<z.core.$ZodTransform<unknown, number>, z.ZodCoercedNumber<number>>> =
  wholeSeconds({ min: 0, max: MAX_WAIT })
    .meta({
      description:
        "Seconds to hold the answer while the task is PENDING or RUNNING (0–60, default 0): it comes the moment " +
        "the task finishes, or when the wait ends with the usual 400 (not finished) or 404",
      example: 30,
    })
    .optional();

/**
 * The request of `GET /analysis/task/get/Download/url`: the task whose
 * outputs to link, and optionally how long the links should live and how
 * long to wait for an unfinished task. Unknown
 * parameters are refused, so a misspelt `expiresin` cannot pass unnoticed.
 *
 * @example
 * ```ts
 * import { DownloadUrlRequest } from "@taskdl/contract";
 * DownloadUrlRequest.parse({ taskId: "12345", expiresIn: "600", wait: "30" });
 * // { taskId: "12345", expiresIn: 600, wait: 30 }
 * ```
 */
export const DownloadUrlRequest: z.ZodObject<
  {
    taskId: typeof TaskId;
    // z.preprocess's own type (ZodPreprocess) differs across zod 4 minors; the pipe it is stays the same.
    expiresIn: typeof ExpiresIn;
    wait: typeof Wait;
  },
  z.core.$strict
> = z
  .strictObject({
    taskId: TaskId,
    expiresIn: ExpiresIn,
    wait: Wait,
  })
  .meta({ description: "Which task to link, and for how long" });

/** The request of `GET /analysis/task/get/Download/url`. */
export type DownloadUrlRequest = z.infer<typeof DownloadUrlRequest>;
