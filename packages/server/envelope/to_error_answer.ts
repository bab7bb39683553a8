import { TRPCError } from "@trpc/server";
import { RESULT_CODES, RESULT_MESSAGES } from "@taskdl/contract";
import { z } from "zod";
import { ApiError } from "./api_error.ts";
import { formatIssues } from "./format_issues.ts";
import { isUnavailable } from "./is_unavailable.ts";
import { DETAILS, MESSAGES } from "./messages.ts";

/** How an error is answered: the envelope's code and message, and headers. */
export interface ErrorAnswer {
  /** Envelope code and HTTP status. */
  code: number;
  /** Client-facing message; never internals. */
  message: string;
  /** Headers the answer needs. */
  headers: Readonly<Record<string, string>>;
  /** For 5xx answers: the error to log (never sent). */
  fault?: unknown;
}

/**
 * Maps any error to its answer: the one place where domain, validation,
 * transport and infrastructure errors become envelope codes and messages.
 * Unknown errors become `500 Server internal error`; an unreachable
 * database or store becomes `503 Service unavailable`. Neither says more.
 * An error object is mapped once: every later call for it (tRPC's error
 * formatter, its response headers, the fault log) gets the same answer.
 *
 * @param error What was thrown.
 * @returns The answer to send.
 *
 * @example
 * ```ts
 * toErrorAnswer(ApiError.taskNotFound()); // { code: 404, message: "Task not found", headers: {} }
 * ```
 */
export function toErrorAnswer(error: unknown): ErrorAnswer {
  if (typeof error !== "object" || error === null) return mapError(error);
  let answer = answers.get(error);
  if (answer === undefined) {
    answer = mapError(error);
    answers.set(error, answer);
  }
  return answer;
}

const answers = new WeakMap<object, ErrorAnswer>();

function mapError(error: unknown): ErrorAnswer {
  if (error instanceof ApiError) return { code: error.code, message: error.message, headers: error.headers };
  if (error instanceof TRPCError) return fromTrpcError(error);
  const status = httpErrorStatus(error);
  if (status !== undefined) return fromStatus(status);
  return fault(error);
}

function fromTrpcError(error: TRPCError): ErrorAnswer {
  const { cause } = error;
  if (cause instanceof ApiError) return toErrorAnswer(cause);
  switch (error.code) {
    case "BAD_REQUEST":
      // An output that fails its schema is INTERNAL_SERVER_ERROR, so a ZodError here is always the input's.
      if (cause instanceof z.core.$ZodError) return answer(400, MESSAGES.badRequest(formatIssues(cause.issues)));
      return answer(400, MESSAGES.badRequestBare);
    case "PARSE_ERROR":
      return answer(400, MESSAGES.badRequest(DETAILS.notJson));
    case "UNSUPPORTED_MEDIA_TYPE":
      return answer(415, MESSAGES.unsupportedMediaType);
    case "PAYLOAD_TOO_LARGE":
      return answer(413, MESSAGES.payloadTooLargeBare);
    case "NOT_FOUND":
      return answer(404, MESSAGES.routeNotFound);
    case "METHOD_NOT_SUPPORTED":
      return answer(405, MESSAGES.methodNotAllowedBare);
    default:
      return fault(cause ?? error);
  }
}

function fromStatus(status: number): ErrorAnswer {
  if (status === 404) return answer(404, MESSAGES.routeNotFound);
  if (status >= 500) return fault(new Error(`HTTP ${status}`));
  return answer(status, RESULT_MESSAGES[status as keyof typeof RESULT_MESSAGES] ?? MESSAGES.badRequestBare);
}

function fault(error: unknown): ErrorAnswer {
  if (isUnavailable(error)) {
    return {
      code: RESULT_CODES.SERVICE_UNAVAILABLE,
      message: MESSAGES.unavailable,
      headers: { "Retry-After": "1" },
      fault: error,
    };
  }
  return { code: RESULT_CODES.INTERNAL_ERROR, message: MESSAGES.internal, headers: {}, fault: error };
}

function answer(code: number, message: string): ErrorAnswer {
  return { code, message, headers: {} };
}

// Koa's own errors (`ctx.throw`, http-errors) carry a client status.
function httpErrorStatus(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  return typeof status === "number" && status >= 400 && status < 600 && expose !== undefined ? status : undefined;
}
