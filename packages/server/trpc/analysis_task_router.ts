import {
  commonResponse,
  DownloadUrlRequest,
  DownloadUrlResp,
  DownloadUrlVo,
  FileLinkRequest,
  type HttpMethod,
  MAX_WAIT,
  PutTaskRequest,
  ROUTES,
  STAC_ITEM_MEDIA_TYPE,
  StacItem,
  TaskResp,
} from "@taskdl/contract";
import { z } from "zod";
import type { AuthUser } from "../auth/auth_user.ts";
import { getDownloadUrls, type GetDownloadUrlsContext } from "../tasks/get_download_urls.ts";
import type { Context } from "./context.ts";
import { getFileLink } from "../tasks/get_file_link.ts";
import { putTask } from "../tasks/put_task.ts";
import { getStacItem } from "../tasks/get_stac_item.ts";
import { UnavailableError } from "../envelope/unavailable_error.ts";
import { success } from "../hot/success.ts";
import { authed, authedProcedure, router, WRITE_SCOPE } from "./trpc.ts";
import { validatedOnce } from "../hot/validated_once.ts";

const AuthorizationHeader = z.object({
  authorization: z.string().meta({
    description: "The user's authentication token: `Bearer <JWT>` (a bare JWT is accepted too)",
    example: "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.c2lnbmF0dXJl",
  }),
});

const SPEC_SUCCESS_EXAMPLE = {
  code: 200,
  message: "success",
  data: {
    taskId: "12345",
    downloadUrls: [
      {
        fileName: "ndvi_result.tif",
        downloadUrl: "https://example.com/download/ndvi_result.tif?token=...",
        fileSize: 512000,
        expiresAt: "2024-01-01T11:00:00Z",
      },
      {
        fileName: "analysis_report.pdf",
        downloadUrl: "https://example.com/download/analysis_report.pdf?token=...",
        fileSize: 150000,
        expiresAt: "2024-01-01T11:00:00Z",
      },
    ],
    totalSize: 662000,
  },
};

/** The method, path and operationId of a procedure's REST route: the contract's descriptor. */
function restRoute(operationId: keyof typeof ROUTES): {
  method: HttpMethod;
  path: `/${string}`;
  operationId: string;
} {
  const { method, path } = ROUTES[operationId];
  return { method, path, operationId };
}

/** What the task rules (`tasks/`) work with, from a request's context. */
function rulesContext(ctx: Context, user: AuthUser, signal?: AbortSignal): GetDownloadUrlsContext {
  return {
    userId: user.id,
    tasks: ctx.tasks,
    signer: ctx.signer,
    defaultTtl: ctx.ttl.defaultTtl,
    maxTtl: ctx.ttl.maxTtl,
    answers: ctx.answers,
    waiters: ctx.waiters,
    signal,
  };
}

/** The success envelope of `getDownloadUrl`. */
// Validated once per answer: a hot task's answer is shared by the requests of its second.
export const DownloadUrlEnvelope = validatedOnce(
  commonResponse(DownloadUrlResp, { id: "DownloadUrlEnvelope", example: SPEC_SUCCESS_EXAMPLE }),
);

/** The success envelope of `getFile` on the tRPC face (the REST face answers 302 to its `downloadUrl`). */
export const FileLinkEnvelope = commonResponse(DownloadUrlVo);

/** The success envelope of `put`. */
export const TaskEnvelope = commonResponse(TaskResp, { id: "TaskEnvelope" });

/**
 * The analysis task procedures: `getDownloadUrl` (tRPC query, and REST
 * `GET /analysis/task/get/Download/url`) and `put` (tRPC mutation, and REST
 * `PUT /analysis/task/{taskId}`).
 *
 * @example
 * ```ts
 * const caller = analysisTaskRouter.createCaller(context);
 * const { data } = await caller.getDownloadUrl({ taskId: "12345" });
 * ```
 */
export const analysisTaskRouter = router({
  getDownloadUrl: authed({
    input: DownloadUrlRequest,
    output: DownloadUrlEnvelope,
    meta: {
      openapi: {
        ...restRoute("getDownloadUrl"),
        summary: "Get Download URL",
        description:
          "Returns temporary, signed download URLs for all output files of a finished analysis task " +
          "owned by the token's user. The URLs expire; all URLs of one answer share one expiry.",
        tags: ["analysis task"],
        requestHeaders: AuthorizationHeader,
        errorResponses: [400, 401, 404, 405, 429, 500, 503],
      },
    },
  }).query(async ({ input, ctx, user, signal }) =>
    success(await getDownloadUrls(input, rulesContext(ctx, user, signal))),
  ),

  getFile: authed({
    input: FileLinkRequest,
    output: FileLinkEnvelope,
    meta: {
      openapi: {
        ...restRoute("getFile"),
        summary: "Download one file (stable path)",
        description:
          "The stable path of one output file: answers `302 Found` with `Location:` a freshly signed download URL " +
          "of that file (`Cache-Control: no-store`), so a client keeps this path and never holds a stale link. " +
          "`curl -L -H 'Authorization: Bearer …'` downloads the file. `HEAD` answers the same. Same token, " +
          "ownership and task-state rules as Get Download URL; a task without that file → 404 `File not found`. " +
          "`fileName` is the output's name, percent-encoded.",
        tags: ["analysis task"],
        requestHeaders: AuthorizationHeader,
        errorResponses: [400, 401, 404, 405, 429, 500, 503],
      },
      redirectTo: (output) => (output as { data: DownloadUrlVo }).data.downloadUrl,
    },
  }).query(async ({ input, ctx, user }) => success(await getFileLink(input, rulesContext(ctx, user)))),

  // tRPC only (SSE, the typed client's httpSubscriptionLink): yields the answer once, when the task succeeds.
  onDownloadUrls: authedProcedure.input(DownloadUrlRequest).subscription(async function* ({ input, ctx, signal }) {
    // The same wait as the query's, 60 s unless the input says otherwise; a failure, a 404 or the wait's end
    // is thrown, and the client receives the error envelope's code and message.
    yield DownloadUrlEnvelope.parse(
      success(await getDownloadUrls({ ...input, wait: input.wait ?? MAX_WAIT }, rulesContext(ctx, ctx.user, signal))),
    );
  }),

  put: authed({
    input: PutTaskRequest,
    output: TaskEnvelope,
    scope: WRITE_SCOPE,
    meta: {
      openapi: {
        ...restRoute("putTask"),
        summary: "Record a task and its outputs",
        description:
          "Records (or replaces as a whole) a task with its outputs, as the analysis pipeline reports them. " +
          "Each output's object must exist in storage; its size is read from there. Needs the tasks:write scope.",
        tags: ["ingest"],
        requestHeaders: AuthorizationHeader,
        errorResponses: [400, 401, 403, 405, 413, 415, 429, 500, 503],
      },
    },
  }).mutation(async ({ input, ctx }) =>
    success(
      await putTask(input, {
        tasks: ctx.tasks,
        signer: ctx.signer,
        hashSlots: ctx.hashSlots,
        onUnreadableRaster: ctx.onUnreadableRaster,
      }),
    ),
  ),

  // The Item itself, not the envelope: STAC tools read it as GeoJSON. Errors are the envelope as everywhere.
  getStacItem: authed({
    input: DownloadUrlRequest,
    output: StacItem,
    meta: {
      openapi: {
        ...restRoute("getStacItem"),
        summary: "Get the task's STAC Item",
        description:
          "Returns the outputs of a finished analysis task owned by the token's user as a STAC 1.1.0 Item " +
          "(`application/geo+json`): one asset per output with its signed download URL (same signer and expiry " +
          "as Get Download URL), size and SHA-256 multihash, the rasters' projection and WGS 84 footprint. Its " +
          "`self` and `canonical` links open the same Item without a token until `properties.expires`.",
        tags: ["analysis task"],
        requestHeaders: AuthorizationHeader,
        errorResponses: [400, 401, 404, 405, 429, 500, 503],
      },
      responseType: STAC_ITEM_MEDIA_TYPE,
    },
  }).query(({ input, ctx, user }) => {
    if (ctx.itemLinks === undefined) throw new UnavailableError("STAC Item links are not configured");
    return getStacItem(input, {
      userId: user.id,
      tasks: ctx.tasks,
      signer: ctx.signer,
      itemLinks: ctx.itemLinks,
      defaultTtl: ctx.ttl.defaultTtl,
      maxTtl: ctx.ttl.maxTtl,
    });
  }),
});
