import type { DownloadUrlRequest, DownloadUrlResp, DownloadUrlVo } from "@taskdl/contract";
import type { UrlSigner } from "@taskdl/storage";
import { ApiError } from "../envelope/api_error.ts";
import { DETAILS } from "../envelope/messages.ts";
import type { SignedAnswers } from "../hot/signed_answers.ts";
import type { TaskOutputRecord, TaskRecord, TaskRepository } from "./task_record.ts";
import type { TaskWaiters } from "./task_waiters.ts";

/** What {@linkcode getDownloadUrls} works with. */
export interface GetDownloadUrlsContext {
  /** The user asking (a token's `sub`). */
  userId: string;
  /** The request's task store. */
  tasks: TaskRepository;
  /** The configured storage signer. */
  signer: UrlSigner;
  /** Link lifetime when the request names none, in seconds. */
  defaultTtl: number;
  /** Longest lifetime a request may ask for, in seconds. */
  maxTtl: number;
  /** The clock, in milliseconds. Defaults to `Date.now`. */
  now?: () => number;
  /** Answers already signed this second, shared by requests; none means every answer is signed anew. */
  answers?: SignedAnswers | undefined;
  /** Where requests with a `wait` wait for their task; none means `wait` is ignored. */
  waiters?: TaskWaiters | undefined;
  /** Aborted when the client goes away: a wait ends at once. */
  signal?: AbortSignal | undefined;
}

/**
 * Issues temporary download URLs for every output of a task the user owns.
 * A task owned by someone else is answered exactly like a missing one.
 * All URLs of one answer share one expiry, a whole second at least
 * `expiresIn` seconds from now.
 *
 * @param request The task id and optional lifetime.
 * @param context The user, the stores and the lifetime limits.
 * @returns The URLs in recorded order with their total size.
 * @throws {ApiError} 400 for a lifetime over the limit or an unfinished or
 *   failed task; 404 for a missing or foreign task.
 *
 * @example
 * ```ts
 * const resp = await getDownloadUrls({ taskId: "12345" }, { userId: "demo", tasks, signer, defaultTtl: 3600, maxTtl: 604800 });
 * ```
 */
export async function getDownloadUrls(
  request: DownloadUrlRequest,
  context: GetDownloadUrlsContext,
): Promise<DownloadUrlResp> {
  const expiresIn = linkLifetime(request.expiresIn, context);
  const task = await findSucceededTask(request.taskId, request.wait ?? 0, context);
  return signTask(task, expiresIn, context);
}

/**
 * The lifetime a request asks for, or the default one, within the limit.
 *
 * @param expiresIn What the request asks for, in seconds.
 * @param limits The default and the longest lifetime.
 * @returns The lifetime in seconds.
 * @throws {ApiError} 400 when it is longer than the limit.
 */
export function linkLifetime(
  expiresIn: number | undefined,
  limits: Pick<GetDownloadUrlsContext, "defaultTtl" | "maxTtl">,
): number {
  const lifetime = expiresIn ?? limits.defaultTtl;
  if (lifetime > limits.maxTtl) throw ApiError.badRequest(DETAILS.expiresInTooLong(limits.maxTtl));
  return lifetime;
}

/**
 * Signs every output of a succeeded task for `expiresIn` seconds: the
 * answer of the download URL path (shared for its second when the task is
 * hot).
 *
 * @param task The succeeded task.
 * @param expiresIn The links' lifetime, in seconds, within the bounds.
 * @param context The signer, the clock and the shared answers.
 * @returns The URLs in recorded order with their total size.
 */
export async function signTask(
  task: TaskRecord,
  expiresIn: number,
  context: Pick<GetDownloadUrlsContext, "signer" | "now" | "answers">,
): Promise<DownloadUrlResp> {
  const { signer, now = Date.now, answers } = context;
  const taskId = task.id;

  const expiresAtSeconds = expirySeconds(expiresIn, now);
  const signed = answers?.get(task, expiresAtSeconds);
  if (signed !== undefined) return signed;
  let totalSize = 0;
  const downloadUrls = await Promise.all(
    task.outputs.map((output) => {
      totalSize += output.size;
      return signOutput(taskId, output, expiresAtSeconds, signer);
    }),
  );
  const answer = { taskId, downloadUrls, totalSize };
  return answers === undefined ? answer : answers.set(task, expiresAtSeconds, answer);
}

/**
 * When links made now for `expiresIn` seconds expire: rounded up to a whole
 * second, so that a link never lives shorter than asked, and shared by every
 * link of one answer.
 *
 * @param expiresIn The lifetime, in seconds.
 * @param now The clock, in milliseconds.
 * @returns The expiry, in epoch seconds.
 */
export function expirySeconds(expiresIn: number, now: () => number = Date.now): number {
  return Math.ceil(now() / 1000) + expiresIn;
}

/**
 * One output's entry in an answer: its signed link and what the contract lists with it.
 *
 * @param taskId The output's task (the service's own links carry it, to say where to renew them).
 * @param output The output.
 * @param expiresAtSeconds When the link expires, in epoch seconds.
 * @param signer The storage signer.
 * @returns The output's `DownloadUrlVo`.
 */
export async function signOutput(
  taskId: string,
  output: TaskOutputRecord,
  expiresAtSeconds: number,
  signer: UrlSigner,
): Promise<DownloadUrlVo> {
  const expiresAt = new Date(expiresAtSeconds * 1000);
  const contentType = output.contentType ?? undefined;
  const sha256 = output.sha256 ?? undefined;
  // The task id and digest travel in the service's own links (format 2), verified with them, no database.
  const downloadUrl = await signer.sign(output.storageKey, {
    fileName: output.fileName,
    contentType,
    expiresAt,
    taskId,
    sha256,
  });
  return {
    fileName: output.fileName,
    downloadUrl,
    fileSize: output.size,
    expiresAt: expiresAt.toISOString().replace(".000Z", "Z"),
    ...(contentType === undefined ? {} : { contentType }),
    ...(output.sha256 === null ? {} : { sha256: output.sha256 }),
  };
}

/** What {@linkcode findSucceededTask} works with. */
export type FindTaskContext = Pick<GetDownloadUrlsContext, "userId" | "tasks" | "waiters" | "signal">;

/**
 * The user's task once it has succeeded, waiting up to `wait` seconds while
 * it is `PENDING` or `RUNNING`. A task the user cannot see (unknown, or
 * someone else's) is waited for exactly like an unfinished one, so that the
 * answer and its timing say nothing about other users' tasks.
 *
 * @param taskId The task.
 * @param wait Seconds to wait for it to finish (0: answer at once).
 * @param context The user, the task store, and where to wait.
 * @returns The succeeded task.
 * @throws {ApiError} 404 for a missing or foreign task; 400 for a failed one or one that has not finished in time.
 */
export async function findSucceededTask(taskId: string, wait: number, context: FindTaskContext): Promise<TaskRecord> {
  const { userId, tasks, waiters, signal } = context;
  let task = await tasks.findWithOutputs(taskId);
  if (wait > 0 && waiters !== undefined && !isFinishedFor(task, userId)) {
    const deadline = Date.now() + wait * 1000;
    await waiters.waitUntil({ userId, taskId, deadline, signal }, async () => {
      task = await tasks.findWithOutputs(taskId);
      return isFinishedFor(task, userId);
    });
  }
  if (task === null || task.ownerId !== userId) throw ApiError.taskNotFound();
  if (task.status === "FAILED") throw ApiError.badRequest(DETAILS.taskFailed(taskId));
  if (task.status !== "SUCCEEDED") {
    throw ApiError.badRequest(DETAILS.taskNotFinished(taskId, task.status));
  }
  return task;
}

function isFinishedFor(task: TaskRecord | null, userId: string): boolean {
  return task !== null && task.ownerId === userId && (task.status === "SUCCEEDED" || task.status === "FAILED");
}
