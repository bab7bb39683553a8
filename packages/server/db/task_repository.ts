import type { EntityManager } from "@mikro-orm/postgresql";
import type { TaskStatus } from "@taskdl/contract";
import { TASK_CHANGES_CHANNEL } from "./task_change_listener.ts";
import { AnalysisTask } from "./task_entity.ts";
import type { TaskCache } from "../tasks/task_cache.ts";
import { TaskOutput } from "./task_output_entity.ts";

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
}

// One query for a task and its outputs, in recorded order (a task without outputs gives one row of nulls).
const FIND_WITH_OUTPUTS =
  "select t.owner_id, t.status, o.position, o.file_name, o.storage_key, o.size, o.content_type, o.sha256 " +
  'from "analysis_task" t left join "task_output" o on o.task_id = t.id where t.id = ? order by o.position';

interface TaskRow {
  owner_id: string;
  status: TaskStatus;
  position: number | null;
  file_name: string | null;
  storage_key: string | null;
  size: string | number | null;
  content_type: string | null;
  sha256: string | null;
}

/**
 * Reads and writes tasks with their outputs. One instance per request, on
 * that request's forked `EntityManager`, sharing the service's cache of
 * finished tasks (which every write through here keeps honest).
 *
 * @example
 * ```ts
 * const tasks = new TaskRepository(orm.em.fork());
 * const task = await tasks.findWithOutputs("12345");
 * ```
 */
export class TaskRepository {
  #em: EntityManager | (() => EntityManager);
  #cache: TaskCache | undefined;

  /**
   * @param em The request's entity manager, or how to fork one when it is first needed.
   * @param cache Finished tasks kept in memory, shared by requests; none means every read queries.
   */
  constructor(em: EntityManager | (() => EntityManager), cache?: TaskCache) {
    this.#em = em;
    this.#cache = cache;
  }

  // Forked on first use: an answer from the cache needs no EntityManager at all.
  get #forked(): EntityManager {
    if (typeof this.#em === "function") this.#em = this.#em();
    return this.#em;
  }

  /**
   * Loads a task and its outputs with one SQL query — or none, when the task
   * is finished and in the cache (or known not to exist, while change notices arrive).
   *
   * @param id The task id.
   * @returns The task, or `null` when there is none with this id.
   */
  async findWithOutputs(id: string): Promise<TaskRecord | null> {
    const cached = this.#cache?.get(id);
    if (cached !== undefined) return cached;
    const epoch = this.#cache?.epoch ?? 0;
    // Plain rows, not entities: this is the hot path, and nothing here is ever written back.
    const rows = await this.#forked.getConnection().execute<TaskRow[]>(FIND_WITH_OUTPUTS, [id], "all");
    const first = rows[0];
    if (first === undefined) {
      this.#cache?.setMissing(id, epoch);
      return null;
    }
    const record: TaskRecord = {
      id,
      ownerId: first.owner_id,
      status: first.status,
      outputs: rows
        .filter((row) => row.position !== null)
        .map((row) => ({
          fileName: row.file_name as string,
          storageKey: row.storage_key as string,
          size: Number(row.size),
          contentType: row.content_type,
          sha256: row.sha256,
        })),
    };
    this.#cache?.set(record, epoch);
    return record;
  }

  /**
   * Replaces a task's record as a whole, in one transaction: the task row is
   * inserted or updated (keeping its creation time) and its outputs are
   * swapped for the given ones. Concurrent replacements of one task
   * serialise on its row; the last to commit wins whole. The commit
   * announces the change on {@linkcode TASK_CHANGES_CHANNEL}, so every
   * replica's cache drops the task.
   *
   * @param task The task as it should now be.
   */
  async replace(task: TaskRecord): Promise<void> {
    const now = new Date();
    // Before and after: reads racing with the write are not cached, and the old record is gone once it commits.
    this.#cache?.invalidate(task.id);
    await this.#forked.transactional(async (tx) => {
      await tx.upsert(
        AnalysisTask,
        { id: task.id, ownerId: task.ownerId, status: task.status, createdAt: now, updatedAt: now },
        { onConflictFields: ["id"], onConflictExcludeFields: ["createdAt"] },
      );
      await tx.nativeDelete(TaskOutput, { task: task.id });
      if (task.outputs.length > 0) {
        await tx.insertMany(
          TaskOutput,
          task.outputs.map((output, position) => ({
            task: task.id,
            position,
            fileName: output.fileName,
            storageKey: output.storageKey,
            size: output.size,
            contentType: output.contentType,
            sha256: output.sha256,
            createdAt: now,
          })),
        );
      }
      // Delivered on commit to every replica listening (task_change_listener.ts), which drops its copy.
      await tx.execute("select pg_notify(?, ?)", [TASK_CHANGES_CHANNEL, task.id], "run");
    });
    this.#cache?.invalidate(task.id);
  }
}
