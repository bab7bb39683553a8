import { StorageUnavailableError } from "@taskdl/storage";
import { UnavailableError } from "./unavailable_error.ts";

// Network errors, and PostgreSQL classes 08 (connection) and 57P (shutdown), 53300 (too many connections).
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "57P01",
  "57P02",
  "57P03",
  "53300",
  // statement_timeout, lock_timeout: the database is too slow right now.
  "57014",
  "55P03",
]);

/**
 * Whether an error (or one of its causes) means a dependency cannot be
 * reached or is too slow right now — a 503, not a 500.
 *
 * @param error The error.
 * @returns `true` for an outage.
 *
 * @example
 * ```ts
 * isUnavailable(Object.assign(new Error("refused"), { code: "ECONNREFUSED" })); // true
 * ```
 */
export function isUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current instanceof UnavailableError || current instanceof StorageUnavailableError) return true;
    if (current.name === "ConnectionException") return true;
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && (UNAVAILABLE_CODES.has(code) || code.startsWith("08"))) return true;
    if (
      /Connection terminated|timeout exceeded when trying to connect|not currently accepting connections|Query read timeout|is not queryable/i.test(
        current.message,
      )
    ) {
      return true;
    }
  }
  return false;
}
