import { commonResponse, DownloadUrlResp, ErrorResponse, StacItem, TaskResp } from "@taskdl/contract";
import {
  createTRPCClient,
  httpLink,
  httpSubscriptionLink,
  splitLink,
  TRPCClientError,
  type TRPCClient,
} from "@trpc/client";
import { EventSource } from "eventsource";
import type { AppRouter } from "@taskdl/server";
import { authorization, noAnswer, readEnvelope, readItem, type TokenSource } from "./_answer.ts";
import type { DownloadUrlClient } from "./create_rest_client.ts";
import { TaskdlError } from "./taskdl_error.ts";

/** Options of {@linkcode createTaskdlClient}. */
export interface TaskdlClientOptions {
  /** Where taskdl runs, e.g. `https://taskdl.example.com` (the client adds `/trpc`). */
  baseUrl: string;
  /** The user's JWT, or a function returning a fresh one per call. Omit to call without one. */
  token?: TokenSource;
  /** The `fetch` to use. Defaults to the global one. */
  fetch?: typeof fetch;
}

/** Options of {@linkcode TaskdlClient.waitForDownloadUrls}. */
export interface WaitForDownloadUrlsOptions {
  /** How long to wait for the task to finish, in ms (default 60 000). */
  timeoutMs?: number;
  /** Lifetime of the URLs in seconds (the service's default when omitted). */
  expiresIn?: number;
  /** Ends the wait early (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** The typed client: the friendly calls, and the raw tRPC client for everything else. */
export interface TaskdlClient extends DownloadUrlClient {
  /**
   * The task's download URLs the moment it succeeds: a tRPC subscription
   * over server-sent events (the token in the `Authorization` header, never
   * in the URL), renewed every 60 s until `timeoutMs` has passed.
   *
   * @throws {TaskdlError} 400 when the task fails or has not finished in time, 404 for a task the user cannot see, …
   */
  waitForDownloadUrls(taskId: string, options?: WaitForDownloadUrlsOptions): Promise<DownloadUrlResp>;
  /** The underlying tRPC client, typed by the server's router. */
  trpc: TRPCClient<AppRouter>;
}

/** The server's longest wait per request, in seconds (the contract's `MAX_WAIT`). */
const MAX_WAIT_SECONDS = 60;

const DownloadUrlEnvelope = commonResponse(DownloadUrlResp);
const TaskEnvelope = commonResponse(TaskResp);

/**
 * A typed tRPC client for TypeScript apps. It imports the server only as a
 * type, so no server code reaches the app; it validates answers with the
 * contract's schemas and turns every failure into a {@linkcode TaskdlError}
 * with the envelope's code and message. Web-standard APIs only.
 *
 * @param options Where taskdl runs, the token, and `fetch`.
 * @returns The client.
 *
 * @example
 * ```ts
 * import { createTaskdlClient, TaskdlError } from "@taskdl/client";
 * const taskdl = createTaskdlClient({ baseUrl: "http://127.0.0.1:3000", token });
 * try {
 *   const { downloadUrls } = await taskdl.getDownloadUrls("12345");
 * } catch (error) {
 *   if (error instanceof TaskdlError) console.error(error.code, error.message);
 * }
 * ```
 */
export function createTaskdlClient(options: TaskdlClientOptions): TaskdlClient {
  const { token, fetch: doFetch } = options;
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const fetchOf = doFetch ?? fetch;
  const trpc = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        // An EventSource that sends headers: the `eventsource` package, over this client's fetch.
        true: httpSubscriptionLink({
          url: `${baseUrl}/trpc`,
          EventSource,
          eventSourceOptions: () => ({
            fetch: async (input, init) =>
              fetchOf(input, { ...init, headers: { ...init.headers, ...(await authorization(token)) } }),
          }),
        }),
        false: httpLink({
          url: `${baseUrl}/trpc`,
          headers: () => authorization(token),
          ...(doFetch === undefined ? {} : { fetch: doFetch }),
        }),
      }),
    ],
  });

  /** One subscription: the answer, or the error the server ends it with, within `wait` seconds. */
  function subscribeOnce(taskId: string, wait: number, expiresIn: number | undefined, signal?: AbortSignal) {
    return new Promise<unknown>((resolve, reject) => {
      const input = expiresIn === undefined ? { taskId, wait } : { taskId, wait, expiresIn };
      // Settled first: tRPC may call back before subscribe() has returned the subscription.
      const held: { subscription?: { unsubscribe(): void } } = {};
      let settled = false;
      const settle = (settle: () => void) => {
        if (settled) return;
        settled = true;
        settle();
        held.subscription?.unsubscribe();
      };
      held.subscription = trpc.analysisTask.onDownloadUrls.subscribe(input, {
        onData: (answer) => settle(() => resolve(answer)),
        onError: (error) => settle(() => reject(error)),
        onComplete: () => settle(() => reject(new Error("the subscription ended without an answer"))),
      });
      if (settled) held.subscription.unsubscribe();
      signal?.addEventListener("abort", () => settle(() => reject(signal.reason)), { once: true });
    });
  }

  async function call<T>(run: () => Promise<unknown>, success: Parameters<typeof readEnvelope>[2]): Promise<T> {
    let answer: unknown;
    try {
      answer = await run();
    } catch (error) {
      throw toTaskdlError(baseUrl, error);
    }
    return readEnvelope(200, answer, success) as T;
  }

  return {
    trpc,
    getDownloadUrls: (taskId, { expiresIn, wait } = {}) =>
      call(
        () =>
          trpc.analysisTask.getDownloadUrl.query({
            taskId,
            ...(expiresIn === undefined ? {} : { expiresIn }),
            ...(wait === undefined ? {} : { wait }),
          }),
        DownloadUrlEnvelope,
      ),
    putTask: (task) => call(() => trpc.analysisTask.put.mutate(task), TaskEnvelope),
    waitForDownloadUrls: async (taskId, { timeoutMs = MAX_WAIT_SECONDS * 1000, expiresIn, signal } = {}) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const wait = Math.max(0, Math.min(MAX_WAIT_SECONDS, Math.ceil((deadline - Date.now()) / 1000)));
        try {
          return await call(() => subscribeOnce(taskId, wait, expiresIn, signal), DownloadUrlEnvelope);
        } catch (error) {
          // The server's wait ended before ours: subscribe again for what is left.
          const unfinished =
            error instanceof TaskdlError && error.code === 400 && /has not finished/.test(error.message);
          if (!unfinished || signal?.aborted === true || Date.now() >= deadline - 500) throw error;
        }
      }
    },
    getStacItem: async (taskId, { expiresIn } = {}) => {
      let answer: unknown;
      try {
        answer = await trpc.analysisTask.getStacItem.query(
          expiresIn === undefined ? { taskId } : { taskId, expiresIn },
        );
      } catch (error) {
        throw toTaskdlError(baseUrl, error);
      }
      return readItem(200, answer, StacItem);
    },
  };
}

function toTaskdlError(baseUrl: string, error: unknown): TaskdlError {
  if (!(error instanceof TRPCClientError)) return noAnswer(baseUrl, error);
  // The server's error shape is the envelope itself.
  const envelope = ErrorResponse.safeParse(error.shape);
  if (envelope.success)
    return new TaskdlError(envelope.data.code, envelope.data.message, { envelope: envelope.data, cause: error });
  const status = (error.meta?.response as { status?: number } | undefined)?.status;
  return status === undefined ? noAnswer(baseUrl, error) : new TaskdlError(status, error.message, { cause: error });
}
