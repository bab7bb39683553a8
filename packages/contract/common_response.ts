import { z } from "zod";

/** Options of {@linkcode commonResponse}. */
export interface CommonResponseOptions {
  /** The component name of the envelope in the OpenAPI document. */
  id?: string;
  /** A complete example envelope for the OpenAPI document. */
  example?: unknown;
}

/**
 * Builds the success envelope `{ code: 200, message: "success", data }` around
 * a data schema. Every answer of the API, success or error, has this shape; an
 * error answer is {@linkcode ErrorResponse}. Response schemas let unknown
 * fields pass, so clients that validate with them survive additive changes.
 *
 * @param data The schema of `data` on success.
 * @param options The OpenAPI component name and example.
 * @returns The envelope schema.
 *
 * @example
 * ```ts
 * import { commonResponse, DownloadUrlResp } from "@taskdl/contract";
 * const DownloadUrlEnvelope = commonResponse(DownloadUrlResp);
 * DownloadUrlEnvelope.parse({
 *   code: 200,
 *   message: "success",
 *   data: { taskId: "1", downloadUrls: [], totalSize: 0 },
 * });
 * ```
 */
export function commonResponse<T extends z.ZodType>(
  data: T,
  options: CommonResponseOptions = {},
): z.ZodObject<{ code: z.ZodLiteral<200>; message: z.ZodLiteral<"success">; data: T }, z.core.$loose> {
  const { id, example } = options;
  return z
    .looseObject({
      code: z.literal(200).meta({ description: "Response status code (equals the HTTP status)" }),
      message: z.literal("success").meta({ description: "Response message" }),
      data,
    })
    .meta({
      ...(id === undefined ? {} : { id }),
      description: "CommonResponse: the envelope of every answer",
      ...(example === undefined ? {} : { example }),
    });
}

/**
 * The error envelope `{ code, message, data: null }`: `code` equals the HTTP
 * status, `message` starts with the stable text for the code
 * (`Task not found`, `Request parameter error: …`).
 *
 * @example
 * ```ts
 * import { ErrorResponse } from "@taskdl/contract";
 * ErrorResponse.parse({ code: 404, message: "Task not found", data: null });
 * ```
 */
export const ErrorResponse: z.ZodObject<{ code: z.ZodInt; message: z.ZodString; data: z.ZodNull }, z.core.$loose> = z
  .looseObject({
    code: z.int().min(400).max(599).meta({
      description: "Response status code (equals the HTTP status)",
      example: 404,
    }),
    message: z.string().min(1).meta({ description: "Response message", example: "Task not found" }),
    data: z.null().meta({ description: "Always null on failure" }),
  })
  .meta({
    id: "ErrorResponse",
    description: "CommonResponse for a failure: data is null",
    example: { code: 404, message: "Task not found", data: null },
  });

/** The error envelope. */
export type ErrorResponse = z.infer<typeof ErrorResponse>;

/** The envelope around `T`, success or error. */
export type CommonResponse<T> = { code: 200; message: "success"; data: T } | ErrorResponse;
