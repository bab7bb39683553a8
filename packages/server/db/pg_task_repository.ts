import type { MikroORM } from "@mikro-orm/postgresql";
import type { TaskStatus } from "@taskdl/contract";
import type { Georeference } from "../geo/read_georeference.ts";
import type { RecordedHash, TaskRecord, TaskRepository } from "../tasks/task_record.ts";
import { TASK_CHANGES_CHANNEL } from "./task_change_listener.ts";
import { AnalysisTask } from "./task_entity.ts";
import { TaskOutput } from "./task_output_entity.ts";

// One query for a task and its outputs, in recorded order (a task without outputs gives one row of nulls).
const FIND_WITH_OUTPUTS =
  "select t.owner_id, t.status, t.created_at, t.updated_at, t.finished_at, " +
  "o.position, o.file_name, o.storage_key, o.size, o.content_type, o.sha256, o.georeference " +
  'from "analysis_task" t left join "task_output" o on o.task_id = t.id where t.id = ? order by o.position';

// One row per key, size and version: a key recorded by many tasks gives its hash once. The keys travel as
// one JSON parameter (a bound array would be spread into one parameter per key, up to 10 000 of them).
const FIND_HASHES =
  "select distinct on (storage_key, size, hashed_version) storage_key, size, hashed_version, sha256 " +
  'from "task_output" where storage_key in (select jsonb_array_elements_text(?::jsonb)) and hashed_version is not null and sha256 is not null';

interface TaskRow {
  owner_id: string;
  status: TaskStatus;
  created_at: Date | string;
  updated_at: Date | string;
  finished_at: Date | string | null;
  position: number | null;
  file_name: string | null;
  storage_key: string | null;
  size: string | number | null;
  content_type: string | null;
  sha256: string | null;
  georeference: Georeference | string | null;
}

/**
 * The task repository on PostgreSQL: one joined query reads a task with its
 * outputs (plain rows, no entities: this is the hot path, and nothing read is
 * written back), one transaction replaces it. Shared by all requests; each
 * write works on an `EntityManager` fork of its own.
 *
 * @example
 * ```ts
 * const tasks = new PgTaskRepository(orm);
 * const task = await tasks.findWithOutputs("12345");
 * ```
 */
export class PgTaskRepository implements TaskRepository {
  #orm: MikroORM;
  #setTimeout: string;

  /**
   * @param orm The connected ORM.
   * @param options How long a write's statements may run (`DATABASE_STATEMENT_TIMEOUT_MS`; 5000 ms by default).
   */
  constructor(orm: MikroORM, options: { statementTimeoutMs?: number } = {}) {
    this.#orm = orm;
    const ms = options.statementTimeoutMs ?? 5000;
    if (!Number.isInteger(ms) || ms < 1) throw new RangeError(`statementTimeoutMs must be a whole number of ms: ${ms}`);
    // Set per transaction, not per connection: behind a transaction-pooling proxy, a session setting
    // would land on whichever server connection ran it. SET takes no parameters; ms is a checked integer.
    this.#setTimeout = `set local statement_timeout = ${ms}`;
  }

  /** @inheritdoc */
  async findWithOutputs(id: string): Promise<TaskRecord | null> {
    // A raw query on the pool needs no EntityManager fork: there is no identity map to keep apart.
    const rows = await this.#orm.em.getConnection().execute<TaskRow[]>(FIND_WITH_OUTPUTS, [id], "all");
    const first = rows[0];
    if (first === undefined) return null;
    return {
      id,
      ownerId: first.owner_id,
      status: first.status,
      createdAt: new Date(first.created_at),
      updatedAt: new Date(first.updated_at),
      finishedAt: first.finished_at === null ? null : new Date(first.finished_at),
      outputs: rows
        .filter((row) => row.position !== null)
        .map((row) => ({
          fileName: row.file_name as string,
          storageKey: row.storage_key as string,
          size: Number(row.size),
          contentType: row.content_type,
          sha256: row.sha256,
          georeference: typeof row.georeference === "string" ? JSON.parse(row.georeference) : row.georeference,
        })),
    };
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
    await this.#orm.em.fork().transactional(async (tx) => {
      // A write that waits on a lock or hangs is cancelled by PostgreSQL itself (a 503), inside this transaction only.
      await tx.execute(this.#setTimeout, [], "run");
      // Locked, so two ingests of one task agree on when it finished; a re-ingest of a succeeded task keeps it.
      const [before] = await tx.execute<{ status: TaskStatus; finished_at: Date | null }[]>(
        'select status, finished_at from "analysis_task" where id = ? for update',
        [task.id],
        "all",
      );
      const finishedAt =
        task.status !== "SUCCEEDED" ? null : before?.status === "SUCCEEDED" ? (before.finished_at ?? now) : now;
      await tx.upsert(
        AnalysisTask,
        { id: task.id, ownerId: task.ownerId, status: task.status, createdAt: now, updatedAt: now, finishedAt },
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
            hashedVersion: output.hashedVersion ?? null,
            georeference: output.georeference ?? null,
            createdAt: now,
          })),
        );
      }
      // Delivered on commit to every replica listening (task_change_listener.ts), which drops its copy.
      await tx.execute("select pg_notify(?, ?)", [TASK_CHANGES_CHANNEL, task.id], "run");
    });
  }

  /** @inheritdoc */
  async findHashes(storageKeys: readonly string[]): Promise<RecordedHash[]> {
    if (storageKeys.length === 0) return [];
    const rows = await this.#orm.em
      .getConnection()
      .execute<{ storage_key: string; size: string | number; hashed_version: string; sha256: string }[]>(
        FIND_HASHES,
        [JSON.stringify([...new Set(storageKeys)])],
        "all",
      );
    return rows.map((row) => ({
      storageKey: row.storage_key,
      size: Number(row.size),
      version: row.hashed_version,
      sha256: row.sha256,
    }));
  }
}
