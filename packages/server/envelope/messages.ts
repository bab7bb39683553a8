import { RESULT_MESSAGES } from "@taskdl/contract";

/**
 * Every text an answer of the service can carry, in one table: the
 * contract's stable prefixes for the API (`RESULT_MESSAGES`, e.g.
 * `Request parameter error`), the details after them, and the texts of the
 * answers outside the API — the download links' refusals, the HTTP parser's,
 * the starting-up 503, a path no route takes. Code names an entry; nothing
 * else spells a message out, so a text is changed here or nowhere (the
 * contract's, in `@taskdl/contract`, under the drift check).
 *
 * @example
 * ```ts
 * MESSAGES.badRequest(DETAILS.taskFailed("12345")); // "Request parameter error: task 12345 failed"
 * ```
 */
export const MESSAGES = {
  // The API's, starting with the contract's wording.
  success: RESULT_MESSAGES[200],
  badRequest: (detail: string): string => `${RESULT_MESSAGES[400]}: ${detail}`,
  badRequestBare: RESULT_MESSAGES[400],
  unauthorized: (reason: string): string => `${RESULT_MESSAGES[401]}: ${reason}`,
  forbidden: (detail: string): string => `${RESULT_MESSAGES[403]}: ${detail}`,
  taskNotFound: RESULT_MESSAGES[404],
  fileNotFound: "File not found",
  methodNotAllowed: (allow: string): string => `${RESULT_MESSAGES[405]}: use ${allow}`,
  methodNotAllowedBare: RESULT_MESSAGES[405],
  payloadTooLarge: (limit: number): string => `${RESULT_MESSAGES[413]}: the body may hold at most ${limit} bytes`,
  payloadTooLargeBare: RESULT_MESSAGES[413],
  unsupportedMediaType: `${RESULT_MESSAGES[415]}: send application/json`,
  tooManyRequests: (retryAfterSeconds: number): string => `${RESULT_MESSAGES[429]}: retry after ${retryAfterSeconds} s`,
  internal: RESULT_MESSAGES[500],
  unavailable: RESULT_MESSAGES[503],
  shuttingDown: `${RESULT_MESSAGES[503]}: shutting down, retry on another replica`,

  // Outside the API's paths.
  routeNotFound: "Not found",
  starting: `${RESULT_MESSAGES[503]}: starting`,
  headerTooLarge: "Request header fields too large",
  requestTimeout: "Request timeout",
  malformedRequest: `${RESULT_MESSAGES[400]}: malformed HTTP request`,

  // The download links the service serves itself.
  linkUnsigned: "Forbidden: the download link is not signed",
  linkBadSignature: "Forbidden: the download link's signature is not valid",
  linkExpired: "Gone: the download link has expired",
  linkExpiredRenew: (stablePath: string): string =>
    `Gone: the download link has expired; a fresh one comes from ${stablePath} (with your token)`,
  linkMissing: "Not found: the file is no longer in storage",
} as const;

/** The details the API's messages carry after their prefix. */
export const DETAILS = {
  // 400
  notJson: "body is not valid JSON",
  notAnObject: "body must be a JSON object",
  expiresInTooLong: (maxTtl: number): string => `expiresIn must be at most ${maxTtl} seconds`,
  waitNotAllowed: "wait is off on this service (WAIT_MAX_PER_REPLICA=0)",
  taskFailed: (taskId: string): string => `task ${taskId} failed`,
  taskNotFinished: (taskId: string, status: string): string => `task ${taskId} has not finished (status ${status})`,
  noSuchObject: (storageKey: string): string => `no object with storage key "${storageKey}" in storage`,
  // 401
  missingToken: "missing token",
  malformedAuthorization: 'malformed Authorization header: expected "Bearer <token>"',
  tokenExpired: "token expired",
  tokenNotYetValid: "token not yet valid",
  tokenWithoutExp: "token has no exp",
  tokenWithoutSub: "token has no sub",
  wrongAudience: "wrong audience",
  wrongIssuer: "wrong issuer",
  invalidToken: "invalid token",
  // 403
  lacksScope: (scope: string): string => `token lacks scope ${scope}`,
  originNotAllowed: "origin not allowed",
} as const;
