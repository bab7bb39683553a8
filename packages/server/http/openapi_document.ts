import { ErrorResponse } from "@taskdl/contract";
import { generateOpenApiDocument, type OpenAPIObject } from "trpc-to-openapi";
import { errorEnvelope } from "../envelope/error_envelope.ts";
import { DETAILS, MESSAGES } from "../envelope/messages.ts";
import { appRouter } from "../trpc/app_router.ts";
import { restRoutes } from "./rest_handler.ts";

/** The document's version: the API's, not the package's. */
export const API_VERSION = "1.0.0";

// What each error status looks like, with the specification's wording.
const ERROR_EXAMPLES: Record<number, { description: string; examples: Record<string, string> }> = {
  400: {
    description: "Request parameter error",
    examples: {
      missingTaskId: MESSAGES.badRequest("taskId is required"),
      unfinished: MESSAGES.badRequest(DETAILS.taskNotFinished("12345", "RUNNING")),
      failed: MESSAGES.badRequest(DETAILS.taskFailed("12345")),
    },
  },
  401: {
    description: "Unauthorized: the token is missing or invalid",
    examples: {
      missing: MESSAGES.unauthorized(DETAILS.missingToken),
      expired: MESSAGES.unauthorized(DETAILS.tokenExpired),
    },
  },
  403: {
    description: "Forbidden: the token lacks the scope the operation needs",
    examples: { scope: MESSAGES.forbidden(DETAILS.lacksScope("tasks:write")) },
  },
  404: {
    description: "Task not found (also for a task owned by someone else)",
    examples: { notFound: MESSAGES.taskNotFound },
  },
  405: {
    description: "Method not allowed; see the Allow header",
    examples: { method: MESSAGES.methodNotAllowed("GET, HEAD") },
  },
  413: { description: "The body is too large", examples: { tooLarge: MESSAGES.payloadTooLargeBare } },
  415: { description: "The body is not JSON", examples: { notJson: MESSAGES.unsupportedMediaType } },
  429: {
    description: "Too many requests from this user (per-user token bucket); see Retry-After",
    examples: { limited: MESSAGES.tooManyRequests(1) },
  },
  500: { description: "Server internal error", examples: { fault: MESSAGES.internal } },
  503: {
    description: "A dependency (database, storage, JWKS) cannot be reached right now; see Retry-After",
    examples: { unavailable: MESSAGES.unavailable },
  },
};

const HEADER_DOCS: Record<number, Record<string, { description: string; schema: { type: "string" } }>> = {
  401: {
    "WWW-Authenticate": {
      description: 'RFC 6750 challenge, e.g. `Bearer realm="taskdl", error="invalid_token"`',
      schema: { type: "string" },
    },
  },
  405: { Allow: { description: "The methods the path supports", schema: { type: "string" } } },
  429: { "Retry-After": { description: "Seconds until the next request is accepted", schema: { type: "string" } } },
  503: { "Retry-After": { description: "Seconds to wait before retrying", schema: { type: "string" } } },
};

const REDIRECT_RESPONSE = {
  description:
    "Found: `Location` is a freshly signed download URL of the file, valid for `expiresIn` seconds; no body " +
    'worth reading. Follow it (`curl -L`, `fetch` with `redirect: "follow"`) to download the file; the link ' +
    "needs no token.",
  headers: {
    Location: { description: "The signed download URL", schema: { type: "string" as const, format: "uri" } },
    "Cache-Control": {
      description: "`no-store`: the redirect is made anew each time",
      schema: { type: "string" as const },
    },
  },
};

/**
 * Generates the OpenAPI 3.1 document from the router and the contract's zod
 * schemas (trpc-to-openapi), then documents every error status as the
 * envelope `ErrorResponse` with the specification's messages, which
 * trpc-to-openapi would otherwise describe in its own error shape.
 *
 * @returns The document.
 *
 * @example
 * ```ts
 * const document = buildOpenApiDocument();
 * document.paths?.["/analysis/task/get/Download/url"]?.get;
 * ```
 */
export function buildOpenApiDocument(): OpenAPIObject {
  const document = generateOpenApiDocument(appRouter, {
    title: "taskdl",
    description:
      "Temporary, signed download URLs for the result files of analysis tasks. " +
      "Every answer is the envelope { code, message, data }; the HTTP status equals code.",
    version: API_VERSION,
    baseUrl: "/",
    securitySchemes: {
      bearerAuth: {
        type: "http",
        scheme: "bearer",
        bearerFormat: "JWT",
        description: "`Authorization: Bearer <JWT>`; a bare JWT is accepted too. The user is the token's `sub`.",
      },
    },
    defs: { ErrorResponse },
  });
  for (const item of Object.values(document.paths ?? {})) {
    for (const operation of [item.get, item.put, item.post, item.patch, item.delete]) {
      if (operation?.responses === undefined) continue;
      for (const status of Object.keys(operation.responses)) {
        const code = Number(status);
        const docs = ERROR_EXAMPLES[code];
        if (docs === undefined) continue;
        operation.responses[status] = {
          description: docs.description,
          ...(HEADER_DOCS[code] === undefined ? {} : { headers: HEADER_DOCS[code] }),
          content: {
            "application/json": {
              schema: { $ref: "#/components/schemas/ErrorResponse" },
              examples: Object.fromEntries(
                Object.entries(docs.examples).map(([name, message]) => [name, { value: errorEnvelope(code, message) }]),
              ),
            },
          },
        };
      }
    }
  }
  // A redirecting route answers 302 with a Location, not its procedure's JSON (that is the tRPC face's answer).
  for (const route of restRoutes(appRouter)) {
    if (route.redirectTo === undefined) continue;
    const operation = document.paths?.[route.path.replace(/:(\w+)/g, "{$1}")]?.get;
    if (operation?.responses === undefined) continue;
    delete operation.responses["200"];
    operation.responses = { "302": REDIRECT_RESPONSE, ...operation.responses };
    operation.responses["404"] = {
      description: "Task not found (also for a task owned by someone else), or File not found (no output of that name)",
      content: {
        "application/json": {
          schema: { $ref: "#/components/schemas/ErrorResponse" },
          examples: {
            notFound: { value: errorEnvelope(404, MESSAGES.taskNotFound) },
            fileNotFound: { value: errorEnvelope(404, MESSAGES.fileNotFound) },
          },
        },
      },
    };
  }
  // A procedure that answers another media type than JSON (the STAC Item: application/geo+json) says so.
  for (const route of restRoutes(appRouter)) {
    if (route.responseType === undefined) continue;
    const path = route.path.replace(/:(\w+)/g, "{$1}");
    const method = route.method.toLowerCase() as "get";
    const ok = document.paths?.[path]?.[method]?.responses?.["200"] as
      { content?: Record<string, unknown> } | undefined;
    const json = ok?.content?.["application/json"];
    if (ok?.content !== undefined && json !== undefined) ok.content = { [route.responseType]: json };
  }
  // trpc-to-openapi registered its own error shapes as components; nothing refers to them now.
  const schemas = document.components?.schemas ?? {};
  for (const name of Object.keys(schemas)) if (name.startsWith("error.")) delete schemas[name];
  return document;
}
