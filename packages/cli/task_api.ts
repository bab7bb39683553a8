import { createRestClient, TaskdlError } from "@taskdl/client/rest";
import type { DownloadUrlResp } from "@taskdl/contract";
import { CliError, EXIT } from "./exit_codes.ts";
import { retryDelay } from "./retry_delay.ts";

/** Options of {@linkcode createTaskApi}. */
export interface TaskApiOptions {
  /** The service's base URL. */
  url: string;
  /** The user's token. */
  token: string;
  /** Link lifetime to ask for, in seconds. */
  expiresIn?: number;
  /** How many times a `429`, `503` or unreachable service is retried. Defaults to 5. */
  retries?: number;
  /** Told of each retry (for the progress output); the text holds no secret. */
  onRetry?: (message: string) => void;
}

/** The one call the CLI makes of the service, with retries and exit codes. */
export interface TaskApi {
  /**
   * The task's download links, freshly minted.
   *
   * @param taskId The task.
   * @param waitSeconds How long to wait for an unfinished task to finish (the service's `wait`, asked again
   *   every 60 s until this has passed); 0 or none: answer at once.
   * @throws {CliError} With the exit code of the failure and the envelope's message.
   */
  getDownloadUrls(taskId: string, waitSeconds?: number): Promise<DownloadUrlResp>;
}

/** The longest wait the service holds one request for, in seconds (the contract's `MAX_WAIT`). */
const MAX_WAIT_PER_REQUEST = 60;

/** The contract's message for an unfinished task: "task 12345 has not finished (status RUNNING)". */
const NOT_FINISHED = /\btask \S+ has not finished\b/;

const RETRIED = new Set([0, 429, 502, 503, 504]);

/**
 * The service as the CLI calls it: the REST client of `@taskdl/client`,
 * retried with backoff (honouring `Retry-After`) on `429`, `503` and no
 * answer, and its failures turned into {@linkcode CliError}s with the
 * documented exit codes: 401 → 3, 404 → 4, the 400s about the task's state
 * → 5, other 400s (the task id, the lifetime) → 2, the rest → 1.
 *
 * @param options Where the service is, the token, the lifetime, retries.
 * @returns The API.
 *
 * @example
 * ```ts
 * const api = createTaskApi({ url: "http://127.0.0.1:3000", token });
 * const { downloadUrls } = await api.getDownloadUrls("12345");
 * ```
 */
export function createTaskApi(options: TaskApiOptions): TaskApi {
  const { url, token, expiresIn, retries = 5, onRetry = () => {} } = options;
  let retryAfter: string | undefined;
  const client = createRestClient({
    baseUrl: url,
    token,
    // The client keeps only the envelope; the backoff wants the answer's Retry-After too.
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      retryAfter = response.headers.get("retry-after") ?? undefined;
      return response;
    },
  });
  return {
    async getDownloadUrls(taskId, waitSeconds = 0) {
      const deadline = Date.now() + waitSeconds * 1000;
      for (let attempt = 1; ; attempt++) {
        retryAfter = undefined;
        const wait = Math.min(MAX_WAIT_PER_REQUEST, Math.max(0, Math.ceil((deadline - Date.now()) / 1000)));
        try {
          return await client.getDownloadUrls(taskId, {
            ...(expiresIn === undefined ? {} : { expiresIn }),
            ...(wait === 0 ? {} : { wait }),
          });
        } catch (error) {
          if (!(error instanceof TaskdlError)) throw error;
          // The service's wait ended before ours: ask again for what is left (not a retry: no backoff, no count).
          if (error.code === 400 && NOT_FINISHED.test(error.message) && deadline - Date.now() >= 1000) {
            attempt = 0;
            continue;
          }
          if (RETRIED.has(error.code) && attempt <= retries) {
            const wait = retryDelay(attempt, retryAfter);
            onRetry(`${describe(error)}; retrying in ${(wait / 1000).toFixed(1)} s (${attempt} of ${retries})`);
            await new Promise((resolve) => setTimeout(resolve, wait));
            continue;
          }
          throw toCliError(error);
        }
      }
    },
  };
}

function describe(error: TaskdlError): string {
  return error.code === 0 ? error.message : `The service answered ${error.code}: ${error.message}`;
}

/** The exit code and message of a failed call. */
function toCliError(error: TaskdlError): CliError {
  switch (error.code) {
    case 401:
      return new CliError(EXIT.unauthorized, error.message);
    case 404:
      return new CliError(EXIT.notFound, error.message);
    case 400:
      // The state messages of the contract: "task 12345 has not finished (status RUNNING)", "task 12345 failed".
      return /\btask \S+ (has not finished|failed)\b/.test(error.message)
        ? new CliError(EXIT.taskNotReady, error.message)
        : new CliError(EXIT.usage, error.message);
    default:
      return new CliError(EXIT.failed, describe(error));
  }
}
