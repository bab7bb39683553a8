import {
  commonResponse,
  DownloadUrlResp,
  type PutTaskRequest,
  ROUTES,
  routePath,
  StacItem,
  TaskResp,
} from "@taskdl/contract";
import { authorization, noAnswer, readEnvelope, readItem, type TokenSource } from "./_answer.ts";

/** Options of {@linkcode createRestClient}. */
export interface RestClientOptions {
  /** Where taskdl runs, e.g. `https://taskdl.example.com`. */
  baseUrl: string;
  /** The user's JWT, or a function returning a fresh one per call. Omit to call without one. */
  token?: TokenSource;
  /** The `fetch` to use. Defaults to the global one. */
  fetch?: typeof fetch;
}

/** Options of a download URL request. */
export interface GetDownloadUrlsOptions {
  /** Link lifetime in seconds (60 up to the service's maximum). */
  expiresIn?: number;
  /** Seconds (0–60) the service holds the answer while the task is `PENDING` or `RUNNING`. */
  wait?: number;
}

/** The calls of a taskdl client. */
export interface DownloadUrlClient {
  /**
   * Temporary download URLs for every output of a finished task the user owns.
   *
   * @throws {TaskdlError} With the envelope's code and message (400, 401, 404, …).
   */
  getDownloadUrls(taskId: string, options?: GetDownloadUrlsOptions): Promise<DownloadUrlResp>;
  /**
   * Records a task and its outputs (needs a token with the `tasks:write` scope).
   *
   * @throws {TaskdlError} With the envelope's code and message (400, 401, 403, …).
   */
  putTask(task: PutTaskRequest): Promise<TaskResp>;
  /**
   * A finished task the user owns as a STAC 1.1.0 Item: its assets are the signed download URLs (the same
   * expiry as {@linkcode DownloadUrlClient.getDownloadUrls}), its `self` link opens it without a token.
   *
   * @throws {TaskdlError} With the envelope's code and message (400, 401, 404, …).
   */
  getStacItem(taskId: string, options?: GetDownloadUrlsOptions): Promise<StacItem>;
}

const DownloadUrlEnvelope = commonResponse(DownloadUrlResp);
const TaskEnvelope = commonResponse(TaskResp);

/**
 * A client for taskdl's documented REST paths, with plain `fetch` and the
 * contract's schemas: the reference for what a client in any language does.
 * Web-standard APIs only, so it runs unchanged in Node, browsers and Deno.
 * Its URLs come from the contract's {@linkcode ROUTES}.
 *
 * @param options Where taskdl runs, the token, and `fetch`.
 * @returns The client. Its `putTask` throws a `TypeError` for an empty
 * `taskId` and a `RangeError` for `.` or `..`, which no REST path can carry,
 * without sending a request.
 *
 * @example
 * ```ts
 * import { createRestClient } from "@taskdl/client";
 * const taskdl = createRestClient({ baseUrl: "http://127.0.0.1:3000", token });
 * const { downloadUrls, totalSize } = await taskdl.getDownloadUrls("12345", { expiresIn: 600 });
 * ```
 */
export function createRestClient(options: RestClientOptions): DownloadUrlClient {
  const { token, fetch: doFetch = globalThis.fetch } = options;
  const baseUrl = options.baseUrl.replace(/\/+$/, "");

  async function call(path: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
    const headers = {
      Accept: "application/json",
      ...(await authorization(token)),
      ...(init.headers as Record<string, string>),
    };
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${path}`, { ...init, headers });
    } catch (error) {
      throw noAnswer(baseUrl, error);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, body };
  }

  return {
    async getDownloadUrls(taskId, { expiresIn, wait } = {}) {
      const route = ROUTES.getDownloadUrl;
      const path = routePath(route, {}, { query: { taskId, expiresIn, wait } });
      const { status, body } = await call(path, { method: route.method });
      return readEnvelope(status, body, DownloadUrlEnvelope);
    },
    async putTask(task) {
      const { taskId, ...record } = task;
      const route = ROUTES.putTask;
      const { status, body } = await call(routePath(route, { taskId }), {
        method: route.method,
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(record),
      });
      return readEnvelope(status, body, TaskEnvelope);
    },
    async getStacItem(taskId, { expiresIn } = {}) {
      const route = ROUTES.getStacItem;
      const path = routePath(route, { taskId }, { query: { expiresIn } });
      const { status, body } = await call(path, { method: route.method, headers: { Accept: "application/geo+json" } });
      return readItem(status, body, StacItem);
    },
  };
}
