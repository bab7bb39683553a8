import type { PutTaskRequest, TaskResp } from "@taskdl/contract";
import type { z } from "zod";
import { guessContentType, ObjectNotFoundError, type UrlSigner } from "@taskdl/storage";
import { ApiError } from "../envelope/api_error.ts";
import { DETAILS } from "../envelope/messages.ts";
import type { TaskOutputRecord, TaskRepository } from "./task_record.ts";

/** A validated ingest request (what the contract's `PutTaskRequest` parses to). */
export type ParsedPutTaskRequest = z.output<typeof PutTaskRequest>;

/** What {@linkcode putTask} works with. */
export interface PutTaskContext {
  /** The request's task store. */
  tasks: TaskRepository;
  /** The configured storage, asked for each object's size. */
  signer: UrlSigner;
}

// Enough parallel stats to hide storage latency, few enough not to flood it.
const STAT_CONCURRENCY = 16;

/**
 * Records a task as the analysis pipeline reports it, replacing any earlier
 * record as a whole. Every output's object is looked up in storage first and
 * its real size recorded; if one is missing nothing is written.
 *
 * @param request The task, validated by the contract's `PutTaskRequest`.
 * @param context The stores.
 * @returns The record as now kept.
 * @throws {ApiError} 400 naming the first storage key that has no object.
 *
 * @example
 * ```ts
 * await putTask(PutTaskRequest.parse(body), { tasks, signer });
 * ```
 */
export async function putTask(request: ParsedPutTaskRequest, context: PutTaskContext): Promise<TaskResp> {
  const { tasks, signer } = context;
  const sizes = await mapLimited(request.outputs, STAT_CONCURRENCY, async (output) => {
    try {
      return (await signer.stat(output.storageKey)).size;
    } catch (error) {
      if (error instanceof ObjectNotFoundError) {
        throw ApiError.badRequest(DETAILS.noSuchObject(output.storageKey));
      }
      throw error;
    }
  });
  const outputs: TaskOutputRecord[] = request.outputs.map((output, index) => ({
    fileName: output.fileName,
    storageKey: output.storageKey,
    size: sizes[index] ?? 0,
    contentType: output.contentType ?? guessContentType(output.fileName),
    sha256: output.sha256 ?? null,
  }));
  await tasks.replace({ id: request.taskId, ownerId: request.ownerId, status: request.status, outputs });
  return {
    taskId: request.taskId,
    ownerId: request.ownerId,
    status: request.status,
    outputs: outputs.map((output) => ({
      fileName: output.fileName,
      fileSize: output.size,
      ...(output.contentType === null ? {} : { contentType: output.contentType }),
      ...(output.sha256 === null ? {} : { sha256: output.sha256 }),
    })),
    totalSize: outputs.reduce((sum, output) => sum + output.size, 0),
  };
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
