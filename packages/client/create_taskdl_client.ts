import { commonResponse, DownloadUrlResp, ErrorResponse, StacItem, TaskResp } from "@taskdl/contract";
import { createTRPCClient, httpLink, TRPCClientError, type TRPCClient } from "@trpc/client";
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

/** The typed client: the friendly calls, and the raw tRPC client for everything else. */
export interface TaskdlClient extends DownloadUrlClient {
  /** The underlying tRPC client, typed by the server's router. */
  trpc: TRPCClient<AppRouter>;
}

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
  const trpc = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${baseUrl}/trpc`,
        headers: () => authorization(token),
        ...(doFetch === undefined ? {} : { fetch: doFetch }),
      }),
    ],
  });

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
    getDownloadUrls: (taskId, { expiresIn } = {}) =>
      call(
        () => trpc.analysisTask.getDownloadUrl.query(expiresIn === undefined ? { taskId } : { taskId, expiresIn }),
        DownloadUrlEnvelope,
      ),
    putTask: (task) => call(() => trpc.analysisTask.put.mutate(task), TaskEnvelope),
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
