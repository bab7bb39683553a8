/** The error envelope: `{ code, message, data: null }`, with `code` = the HTTP status. */
export interface ErrorEnvelope {
  /** The envelope code and HTTP status. */
  code: number;
  /** The message, from `messages.ts`. */
  message: string;
  /** Always `null` on failure. */
  data: null;
}

/**
 * The error envelope every face answers with — REST answers, tRPC's error
 * shape, the HTTP parser's refusals, the starting-up 503, refused download
 * links, the OpenAPI document's examples: the one place it is built.
 *
 * @param code The envelope code (= HTTP status).
 * @param message Its message (`MESSAGES`).
 * @returns The envelope.
 *
 * @example
 * ```ts
 * errorEnvelope(404, MESSAGES.taskNotFound); // { code: 404, message: "Task not found", data: null }
 * ```
 */
export function errorEnvelope(code: number, message: string): ErrorEnvelope {
  return { code, message, data: null };
}

/**
 * The error envelope as the JSON text of a body.
 *
 * @param code The envelope code (= HTTP status).
 * @param message Its message.
 * @returns `{"code":…,"message":…,"data":null}`.
 *
 * @example
 * ```ts
 * res.writeHead(503, { "Content-Type": "application/json" }).end(errorBody(503, MESSAGES.starting));
 * ```
 */
export function errorBody(code: number, message: string): string {
  return JSON.stringify(errorEnvelope(code, message));
}
