import type { MikroORM } from "@mikro-orm/postgresql";
import { hashObject, ObjectNotFoundError, type UrlSigner } from "@taskdl/storage";
import { PgTaskRepository } from "../db/pg_task_repository.ts";
import { TASK_CHANGES_CHANNEL } from "../db/task_change_listener.ts";

/** Options of {@linkcode backfillChecksums}. */
export interface BackfillChecksumsOptions {
  /** How many objects are hashed at once. Defaults to 4. */
  concurrency?: number;
  /** How many outputs are taken from the database per query. Defaults to 200. */
  batchSize?: number;
  /** Called after each output, with the counts so far. */
  onProgress?: (progress: BackfillProgress) => void;
  /** Stops the run once the outputs in hand are done (what is done stays done; a rerun goes on from there). */
  signal?: AbortSignal;
}

/** How far a backfill got. */
export interface BackfillProgress {
  /** Outputs without a SHA-256 when the run started (of succeeded tasks). */
  total: number;
  /** Outputs dealt with so far: the sum of the four counts below. */
  done: number;
  /** Hashed by reading the object. */
  hashed: number;
  /** Given a hash this service took of the same object before, unchanged since (or the store's own). */
  reused: number;
  /** Left without one: the object is gone (or the output was replaced meanwhile). */
  skipped: number;
  /** Bytes read to hash them. */
  bytes: number;
  /** Outputs whose object is gone: `taskId` and file name, at most the first 100. */
  missing: { taskId: string; fileName: string }[];
  /** Whether the run was stopped by its signal before the end. */
  stopped: boolean;
}

interface PendingRow {
  task_id: string;
  position: number;
  file_name: string;
  storage_key: string;
}

const SUCCEEDED_WITHOUT_HASH =
  'from "task_output" o join "analysis_task" t on t.id = o.task_id ' +
  "where o.sha256 is null and t.status = 'SUCCEEDED'";
const COUNT = `select count(*)::int as total ${SUCCEEDED_WITHOUT_HASH}`;
// Keyset pages: each run walks the outputs once, in key order, whatever it could not hash.
const PAGE =
  `select o.task_id, o.position, o.file_name, o.storage_key ${SUCCEEDED_WITHOUT_HASH} ` +
  "and (o.task_id, o.position) > (?, ?) order by o.task_id, o.position limit ?";
// Only while the row still names that object and has no hash: a re-ingest meanwhile wins.
const RECORD =
  'update "task_output" set sha256 = ?, hashed_version = ? ' +
  "where task_id = ? and position = ? and storage_key = ? and sha256 is null";

/**
 * Gives the outputs of succeeded tasks recorded before ingest hashed them a
 * SHA-256, as ingest would: the store's own, or one this service took of
 * the same object while it is unchanged (size and version), or by reading
 * the object through the storage port, a few at a time. Idempotent (only
 * outputs without a hash are looked at) and resumable (each output is
 * recorded as soon as it is hashed; a run stopped by a signal or a fault
 * loses at most the outputs in hand). Every task it changes is announced on
 * {@linkcode TASK_CHANGES_CHANNEL}, so the replicas' caches drop it.
 *
 * @param orm The connected ORM (migrated).
 * @param signer The configured storage.
 * @param options Concurrency, page size, progress, a stop signal.
 * @returns The counts of the run.
 * @throws {StorageUnavailableError} When the store fails; what was recorded stays.
 *
 * @example
 * ```ts
 * const progress = await backfillChecksums(orm, signer, { concurrency: 4 });
 * console.log(`${progress.hashed} hashed, ${progress.reused} reused`);
 * ```
 */
export async function backfillChecksums(
  orm: MikroORM,
  signer: UrlSigner,
  options: BackfillChecksumsOptions = {},
): Promise<BackfillProgress> {
  const { concurrency = 4, batchSize = 200, onProgress, signal } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError(`concurrency must be ≥ 1: ${concurrency}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be ≥ 1: ${batchSize}`);
  const connection = orm.em.getConnection();
  const repository = new PgTaskRepository(orm);
  const [{ total } = { total: 0 }] = await connection.execute<{ total: number }[]>(COUNT, [], "all");
  const progress: BackfillProgress = {
    total,
    done: 0,
    hashed: 0,
    reused: 0,
    skipped: 0,
    bytes: 0,
    missing: [],
    stopped: false,
  };
  let after: [string, number] = ["", -1];
  while (signal?.aborted !== true) {
    const rows = await connection.execute<PendingRow[]>(PAGE, [...after, batchSize], "all");
    if (rows.length === 0) break;
    const last = rows[rows.length - 1] as PendingRow;
    after = [last.task_id, last.position];
    const recorded = new Map(
      (await repository.findHashes(rows.map((row) => row.storage_key))).map((hash) => [
        `${hash.storageKey}\0${hash.size}\0${hash.version}`,
        hash.sha256,
      ]),
    );
    // One read per object within a page; later pages find it recorded.
    const hashing = new Map<string, Promise<{ sha256: string; version: string; read: number } | undefined>>();
    const hashOf = (key: string) => {
      let pending = hashing.get(key);
      if (pending === undefined) {
        pending = (async () => {
          try {
            const stat = await signer.stat(key);
            const known =
              stat.sha256 ?? (stat.version === "" ? undefined : recorded.get(`${key}\0${stat.size}\0${stat.version}`));
            if (known !== undefined) return { sha256: known, version: stat.version, read: 0 };
            const { sha256, bytes } = await hashObject(signer, key, { expectedSize: stat.size });
            return { sha256, version: stat.version, read: bytes };
          } catch (error) {
            if (error instanceof ObjectNotFoundError) return undefined;
            throw error;
          }
        })();
        hashing.set(key, pending);
      }
      return pending;
    };
    const changed = new Set<string>();
    const counted = new Set<string>();
    let next = 0;
    const worker = async () => {
      while (next < rows.length && signal?.aborted !== true) {
        const row = rows[next++] as PendingRow;
        const found = await hashOf(row.storage_key);
        const updated =
          found === undefined
            ? 0
            : await connection.execute(
                RECORD,
                [found.sha256, found.version === "" ? null : found.version, row.task_id, row.position, row.storage_key],
                "run",
              );
        if (found === undefined) {
          if (progress.missing.length < 100) progress.missing.push({ taskId: row.task_id, fileName: row.file_name });
          progress.skipped += 1;
        } else if (affected(updated) === 0) {
          progress.skipped += 1;
        } else {
          changed.add(row.task_id);
          // An object read once for several outputs counts as hashed once, then reused.
          if (found.read > 0 && !counted.has(row.storage_key)) {
            counted.add(row.storage_key);
            progress.hashed += 1;
            progress.bytes += found.read;
          } else {
            progress.reused += 1;
          }
        }
        progress.done += 1;
        onProgress?.(progress);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, worker));
    } finally {
      // Announced also when a fault ends the run: what was recorded is there.
      for (const taskId of changed) {
        await connection.execute("select pg_notify(?, ?)", [TASK_CHANGES_CHANNEL, taskId], "run");
      }
    }
  }
  progress.stopped = signal?.aborted === true;
  return progress;
}

function affected(result: unknown): number {
  return (result as { affectedRows?: number }).affectedRows ?? 0;
}
