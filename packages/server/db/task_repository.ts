import type { EntityManager } from "@mikro-orm/postgresql";
import type { TaskStatus } from "@taskdl/contract";
import { AnalysisTask } from "./task_entity.ts";
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

/**
 * Reads and writes tasks with their outputs. One instance per request, on
 * that request's forked `EntityManager`.
 *
 * @example
 * ```ts
 * const tasks = new TaskRepository(orm.em.fork());
 * const task = await tasks.findWithOutputs("12345");
 * ```
 */
export class TaskRepository {
  #em: EntityManager;

  /**
   * @param em The request's entity manager.
   */
  constructor(em: EntityManager) {
    this.#em = em;
  }

  /**
   * Loads a task and its outputs with one SQL query.
   *
   * @param id The task id.
   * @returns The task, or `null` when there is none with this id.
   */
  async findWithOutputs(id: string): Promise<TaskRecord | null> {
    const task = await this.#em.findOne(
      AnalysisTask,
      { id },
      { populate: ["outputs"], strategy: "joined", orderBy: { outputs: { position: "asc" } } },
    );
    if (task === null) return null;
    return {
      id: task.id,
      ownerId: task.ownerId,
      status: task.status,
      outputs: task.outputs.getItems().map((output) => ({
        fileName: output.fileName,
        storageKey: output.storageKey,
        size: output.size,
        contentType: output.contentType ?? null,
        sha256: output.sha256 ?? null,
      })),
    };
  }

  /**
   * Replaces a task's record as a whole, in one transaction: the task row is
   * inserted or updated (keeping its creation time) and its outputs are
   * swapped for the given ones. Concurrent replacements of one task
   * serialise on its row; the last to commit wins whole.
   *
   * @param task The task as it should now be.
   */
  async replace(task: TaskRecord): Promise<void> {
    const now = new Date();
    await this.#em.transactional(async (tx) => {
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
    });
  }
}
