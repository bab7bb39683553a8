import { RESULT_CODES } from "@taskdl/contract";
import { MESSAGES } from "./messages.ts";

/** Options of {@linkcode ApiError}. */
export interface ApiErrorOptions {
  /** Response headers the answer needs (`WWW-Authenticate`, `Allow`). */
  headers?: Record<string, string>;
  /** The underlying error, for the log only. */
  cause?: unknown;
}

/** Options of {@linkcode ApiError.unauthorized}. */
export interface UnauthorizedOptions {
  /** Whether the request carried a token (RFC 6750 then adds `error="invalid_token"`). */
  tokenPresented?: boolean;
}

const REALM = "taskdl";

/**
 * The one error type of the service: an answer with an envelope `code`
 * (equal to the HTTP status), a client-facing `message`, and any headers it
 * needs. Business code throws it; `to_error_answer.ts` turns every error,
 * this one included, into the envelope.
 *
 * @example
 * ```ts
 * throw ApiError.badRequest("task 12345 failed");
 * // → 400 { code: 400, message: "Request parameter error: task 12345 failed", data: null }
 * ```
 */
export class ApiError extends Error {
  /** The envelope code and HTTP status. */
  readonly code: number;
  /** Response headers the answer needs. */
  readonly headers: Readonly<Record<string, string>>;

  /**
   * @param code The envelope code and HTTP status.
   * @param message The client-facing message.
   * @param options Headers and cause.
   */
  constructor(code: number, message: string, options: ApiErrorOptions = {}) {
    // An answer, not a fault: no stack is captured (tRPC reads it to copy it, which formats it; every 404 paid).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message, { cause: options.cause });
    Error.stackTraceLimit = limit;
    this.name = "ApiError";
    this.code = code;
    this.headers = options.headers ?? {};
  }

  /**
   * 400 `Request parameter error: <detail>`.
   *
   * @param detail What is wrong with the request.
   */
  static badRequest(detail: string): ApiError {
    return new ApiError(RESULT_CODES.BAD_REQUEST, MESSAGES.badRequest(detail));
  }

  /**
   * 401 `Unauthorized[: <reason>]` with an RFC 6750 `WWW-Authenticate` header.
   *
   * @param reason Why the token was refused; omitted from the header when none was presented.
   * @param options Whether a token was presented.
   */
  static unauthorized(reason: string, options: UnauthorizedOptions = {}): ApiError {
    const challenge = options.tokenPresented
      ? `Bearer realm="${REALM}", error="invalid_token", error_description="${reason.replace(/["\\]/g, "")}"`
      : `Bearer realm="${REALM}"`;
    return new ApiError(RESULT_CODES.UNAUTHORIZED, MESSAGES.unauthorized(reason), {
      headers: { "WWW-Authenticate": challenge },
    });
  }

  /**
   * 403 `Forbidden: <detail>`.
   *
   * @param detail What the token lacks.
   */
  static forbidden(detail: string): ApiError {
    return new ApiError(RESULT_CODES.FORBIDDEN, MESSAGES.forbidden(detail), {
      headers: { "WWW-Authenticate": `Bearer realm="${REALM}", error="insufficient_scope"` },
    });
  }

  /**
   * 429 `Too many requests` with `Retry-After`.
   *
   * @param retryAfterSeconds When the user's next request will be accepted.
   */
  static tooManyRequests(retryAfterSeconds: number): ApiError {
    return new ApiError(RESULT_CODES.TOO_MANY_REQUESTS, MESSAGES.tooManyRequests(retryAfterSeconds), {
      headers: { "Retry-After": String(retryAfterSeconds) },
    });
  }

  /** 404 `Task not found`: the same answer for a missing task and another user's task. */
  static taskNotFound(): ApiError {
    return new ApiError(RESULT_CODES.NOT_FOUND, MESSAGES.taskNotFound);
  }

  /** 404 `File not found`: a task the user can see has no output of that name. */
  static fileNotFound(): ApiError {
    return new ApiError(RESULT_CODES.NOT_FOUND, MESSAGES.fileNotFound);
  }

  /** 503 while the service shuts down, with `Retry-After`: the client tries again (on another replica). */
  static shuttingDown(): ApiError {
    return new ApiError(RESULT_CODES.SERVICE_UNAVAILABLE, MESSAGES.shuttingDown, { headers: { "Retry-After": "1" } });
  }

  /**
   * 405 `Method not allowed` with an `Allow` header.
   *
   * @param allow The methods the path supports (`GET, HEAD`).
   */
  static methodNotAllowed(allow: string): ApiError {
    return new ApiError(RESULT_CODES.METHOD_NOT_ALLOWED, MESSAGES.methodNotAllowed(allow), {
      headers: { Allow: allow },
    });
  }
}
