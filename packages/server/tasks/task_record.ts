import type { TaskStatus } from "@taskdl/contract";
import type { Georeference } from "../geo/read_georeference.ts";

/** One output of a task, as stored. */
export interface TaskOutputRecord {
  /** File name offered to the downloader. */
  fileName: string;
  /** Key of the object in storage. */
  storageKey: string;
  /** Size in bytes. */
  size: number;
  /** Media type, where known. */
  contentType: string | null;
  /** SHA-256 in lowercase hex, where known. */
  sha256: string | null;
  /**
   * The object's version (`ObjectStat.version`) when the service hashed it
   * or took the store's hash: the hash is reused while the object keeps this
   * version. Unset or `null` for a hash the writer gave, or none.
   */
  hashedVersion?: string | null;
  /** Where a GeoTIFF output lies, read from its header at ingest; unset or `null` for other files. */
  georeference?: Georeference | null;
}

/** A SHA-256 the service took of an object, and the object's size and version then. */
export interface RecordedHash {
  /** Key of the object in storage. */
  storageKey: string;
  /** Size in bytes. */
  size: number;
  /** The object's version when it was hashed. */
  version: string;
  /** SHA-256 in lowercase hex. */
  sha256: string;
}

/** A task with its outputs in recorded order. */
export interface TaskRecord {
  /** The task id. */
  id: string;
  /** The owner's user id (a token `sub`). */
  ownerId: string;
  /** How far the task got. */
  status: TaskStatus;
  /** Every output, in the order the task recorded them. */
  outputs: TaskOutputRecord[];
  /**
   * When the task became `SUCCEEDED` (kept while it stays so); `null` while it has not. Set by the
   * repository on `replace`, read back by `findWithOutputs`.
   */
  finishedAt?: Date | null;
  /** When the task was first recorded (read back by `findWithOutputs`). */
  createdAt?: Date;
  /** When the task was last recorded (read back by `findWithOutputs`). */
  updatedAt?: Date;
}

/**
 * Where tasks are kept: the port the task rules work against. One
 * implementation talks to PostgreSQL (`db/pg_task_repository.ts`); the
 * finished-task cache decorates it (`cached_task_repository.ts`).
 *
 * @example
 * ```ts
 * const task = await tasks.findWithOutputs("12345");
 * await tasks.replace({ id: "12345", ownerId: "demo", status: "SUCCEEDED", outputs: [] });
 * ```
 */
export interface TaskRepository {
  /**
   * A task and its outputs, in recorded order.
   *
   * @returns The task, or `null` when there is none with this id. A returned record may be shared: never change it.
   */
  findWithOutputs(id: string): Promise<TaskRecord | null>;
  /** Replaces a task's record as a whole (the task row and every output), atomically. */
  replace(task: TaskRecord): Promise<void>;
  /**
   * The hashes the service took of these objects, in any task, with the
   * size and version each was taken at (several per key when the object
   * changed between tasks).
   */
  findHashes(storageKeys: readonly string[]): Promise<RecordedHash[]>;
}
