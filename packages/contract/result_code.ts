/**
 * The `code` values of the response envelope. The HTTP status of a REST answer
 * always equals its `code`.
 *
 * @example
 * ```ts
 * import { RESULT_CODES } from "@taskdl/contract";
 * RESULT_CODES.NOT_FOUND; // 404
 * ```
 */
export const RESULT_CODES = {
  /** The request succeeded. */
  SUCCESS: 200,
  /** A request parameter is missing or invalid, or the task has not succeeded. */
  BAD_REQUEST: 400,
  /** The token is missing or invalid. */
  UNAUTHORIZED: 401,
  /** The token is valid but lacks the scope the operation needs. */
  FORBIDDEN: 403,
  /** The task does not exist or belongs to someone else. */
  NOT_FOUND: 404,
  /** The path does not support the request's method. */
  METHOD_NOT_ALLOWED: 405,
  /** The request body is larger than the service accepts. */
  PAYLOAD_TOO_LARGE: 413,
  /** The request body is not JSON. */
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** The user sent more requests than the rate limit allows; see `Retry-After`. */
  TOO_MANY_REQUESTS: 429,
  /** The service failed; nothing about the cause is disclosed. */
  INTERNAL_ERROR: 500,
  /** A dependency (database, storage) cannot be reached right now. */
  SERVICE_UNAVAILABLE: 503,
} as const;

/** One of the envelope's `code` values. */
export type ResultCode = (typeof RESULT_CODES)[keyof typeof RESULT_CODES];

/**
 * The stable message that starts every envelope `message` for a code. Errors
 * may add detail after a colon (`Request parameter error: taskId is required`).
 *
 * @example
 * ```ts
 * import { RESULT_MESSAGES } from "@taskdl/contract";
 * RESULT_MESSAGES[404]; // "Task not found"
 * ```
 */
export const RESULT_MESSAGES: Readonly<Record<ResultCode, string>> = {
  200: "success",
  400: "Request parameter error",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Task not found",
  405: "Method not allowed",
  413: "Payload too large",
  415: "Unsupported media type",
  429: "Too many requests",
  500: "Server internal error",
  503: "Service unavailable",
};
