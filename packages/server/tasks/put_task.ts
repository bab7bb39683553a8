import type { PutTaskRequest, TaskResp } from "@taskdl/contract";
import type { z } from "zod";
import { guessContentType, hashObject, ObjectNotFoundError, type ObjectStat, type UrlSigner } from "@taskdl/storage";
import { ApiError } from "../envelope/api_error.ts";
import { DETAILS } from "../envelope/messages.ts";
import { type Georeference, readGeoreference, UnreadableRasterError } from "../geo/read_georeference.ts";
import type { HashSlots } from "./hash_slots.ts";
import type { RecordedHash, TaskOutputRecord, TaskRepository } from "./task_record.ts";

/** A validated ingest request (what the contract's `PutTaskRequest` parses to). */
export type ParsedPutTaskRequest = z.output<typeof PutTaskRequest>;

/** What {@linkcode putTask} works with. */
export interface PutTaskContext {
  /** The request's task store. */
  tasks: TaskRepository;
  /** The configured storage, asked for each object's size, and read to hash an output that comes without one. */
  signer: UrlSigner;
  /** How many of this request's objects are hashed at once. Defaults to 4. */
  hashConcurrency?: number;
  /**
   * Told of a GeoTIFF output whose header could not be read (it is recorded all the same, without
   * georeferencing): for the log. The error names the storage key, never a URL.
   */
  onUnreadableRaster?: ((fileName: string, error: UnreadableRasterError) => void) | undefined;
  /** The replica's bound on objects hashed at once, across requests; none means this request's bound only. */
  hashSlots?: HashSlots | undefined;
}

// Enough parallel stats to hide storage latency, few enough not to flood it.
const STAT_CONCURRENCY = 16;
// Hashing is CPU and bandwidth: a few streams keep both busy without starving the requests beside them.
const HASH_CONCURRENCY = 4;

/**
 * Records a task as the analysis pipeline reports it, replacing any earlier
 * record as a whole. Every output's object is looked up in storage first and
 * its real size recorded; if one is missing nothing is written. A
 * `SUCCEEDED` task's output given without `sha256` gets one before anything
 * is written: the store's own full-object SHA-256 where it holds one, else a
 * hash this service took of the same key while the object keeps the size
 * and version it had then, else the object is read through the storage port
 * and hashed (a few at once). A given `sha256` is recorded as given; an
 * unfinished task hashes nothing. A `SUCCEEDED` task's TIFF outputs get
 * their georeferencing read from the header with ranged reads
 * (`readGeoreference`); one that cannot be read is recorded without it.
 *
 * @param request The task, validated by the contract's `PutTaskRequest`.
 * @param context The stores.
 * @returns The record as now kept.
 * @throws {ApiError} 400 naming the first storage key that has no object (also one gone while it was hashed).
 * @throws {StorageUnavailableError} When the store fails, also in the middle of a read (a 503).
 *
 * @example
 * ```ts
 * await putTask(PutTaskRequest.parse(body), { tasks, signer });
 * ```
 */
export async function putTask(request: ParsedPutTaskRequest, context: PutTaskContext): Promise<TaskResp> {
  const { tasks, signer, hashConcurrency = HASH_CONCURRENCY, hashSlots, onUnreadableRaster } = context;
  const stats = await mapLimited(request.outputs, STAT_CONCURRENCY, (output) =>
    asBadRequest(output.storageKey, () => signer.stat(output.storageKey)),
  );
  const hashes =
    request.status === "SUCCEEDED"
      ? await findHashes(request, stats, { tasks, signer, hashConcurrency, hashSlots })
      : request.outputs.map(() => undefined);
  const georeferences =
    request.status === "SUCCEEDED"
      ? await mapLimited(request.outputs, HASH_CONCURRENCY, (output, index) =>
          isTiff(output.contentType ?? guessContentType(output.fileName), output.fileName)
            ? readRaster(signer, output, stats[index]?.size, onUnreadableRaster)
            : Promise.resolve(null),
        )
      : request.outputs.map(() => null);
  const outputs: TaskOutputRecord[] = request.outputs.map((output, index) => ({
    fileName: output.fileName,
    storageKey: output.storageKey,
    size: stats[index]?.size ?? 0,
    contentType: output.contentType ?? guessContentType(output.fileName),
    sha256: output.sha256 ?? hashes[index]?.sha256 ?? null,
    // A store that gives no version (an ETag-less S3 clone) gets no reuse: size alone proves nothing.
    hashedVersion: output.sha256 === undefined && hashes[index]?.version ? hashes[index].version : null,
    georeference: georeferences[index] ?? null,
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

// The hash of every output given without one: the store's, a recorded one still good, or one taken now.
async function findHashes(
  request: ParsedPutTaskRequest,
  stats: readonly ObjectStat[],
  context: PutTaskContext & { hashConcurrency: number },
): Promise<({ sha256: string; version: string } | undefined)[]> {
  const { tasks, signer, hashConcurrency, hashSlots } = context;
  const wanted = request.outputs.filter((output, index) => output.sha256 === undefined && !stats[index]?.sha256);
  const recorded = new Map<string, RecordedHash>();
  if (wanted.length > 0) {
    for (const hash of await tasks.findHashes(wanted.map((output) => output.storageKey))) {
      recorded.set(`${hash.storageKey}\0${hash.size}\0${hash.version}`, hash);
    }
  }
  // One read per object, even when several outputs name it.
  const taken = new Map<string, Promise<string>>();
  return mapLimited(request.outputs, hashConcurrency, async (output, index) => {
    const stat = stats[index] as ObjectStat;
    if (output.sha256 !== undefined) return undefined;
    if (stat.sha256 !== undefined) return { sha256: stat.sha256, version: stat.version };
    const reused =
      stat.version === "" ? undefined : recorded.get(`${output.storageKey}\0${stat.size}\0${stat.version}`);
    if (reused !== undefined) return { sha256: reused.sha256, version: stat.version };
    let hashing = taken.get(output.storageKey);
    if (hashing === undefined) {
      const hash = () => hashObject(signer, output.storageKey, { expectedSize: stat.size });
      hashing = asBadRequest(output.storageKey, async () => (await (hashSlots?.run(hash) ?? hash())).sha256);
      taken.set(output.storageKey, hashing);
    }
    return { sha256: await hashing, version: stat.version };
  });
}

function isTiff(contentType: string | undefined, fileName: string): boolean {
  return /^image\/tiff\b/i.test(contentType ?? "") || /\.tiff?$/i.test(fileName);
}

// A GeoTIFF's georeferencing from its header; an unreadable one is recorded without (and reported), a missing
// object is the request's 400 and a failing store its 503, as for hashing.
async function readRaster(
  signer: UrlSigner,
  output: { fileName: string; storageKey: string },
  size: number | undefined,
  onUnreadable: PutTaskContext["onUnreadableRaster"],
): Promise<Georeference | null> {
  try {
    return await asBadRequest(output.storageKey, () =>
      readGeoreference(signer, output.storageKey, size === undefined ? {} : { size }),
    );
  } catch (error) {
    if (!(error instanceof UnreadableRasterError)) throw error;
    onUnreadable?.(output.fileName, error);
    return null;
  }
}

async function asBadRequest<T>(storageKey: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ObjectNotFoundError) throw ApiError.badRequest(DETAILS.noSuchObject(storageKey));
    throw error;
  }
}

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    // After a failure no new item starts: the answer is an error whatever the rest would give.
    while (next < items.length && !failed) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
