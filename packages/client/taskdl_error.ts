import type { ErrorResponse } from "@taskdl/contract";

/** Options of {@linkcode TaskdlError}. */
export interface TaskdlErrorOptions {
  /** The error envelope the service answered with, when it answered with one. */
  envelope?: ErrorResponse;
  /** What went wrong underneath (a network failure, an unexpected body). */
  cause?: unknown;
}

/**
 * A call to taskdl failed. `code` is the envelope's code (400, 401, 403,
 * 404, 500, 503 …), which equals the HTTP status; when the service gave no
 * envelope it is the HTTP status, or 0 when no answer arrived at all.
 * `message` is the envelope's message (`Task not found`).
 *
 * @example
 * ```ts
 * try {
 *   await client.getDownloadUrls("12345");
 * } catch (error) {
 *   if (error instanceof TaskdlError && error.code === 404) console.log("no such task");
 * }
 * ```
 */
export class TaskdlError extends Error {
  /** The envelope code (= HTTP status), or 0 when no answer arrived. */
  readonly code: number;
  /** The error envelope, when the service sent one. */
  readonly envelope: ErrorResponse | undefined;

  /**
   * Makes the error for a failed call.
   *
   * @param code The envelope code, HTTP status, or 0.
   * @param message The envelope's message, or what went wrong.
   * @param options The envelope and cause.
   */
  constructor(code: number, message: string, options: TaskdlErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "TaskdlError";
    this.code = code;
    this.envelope = options.envelope;
  }
}
