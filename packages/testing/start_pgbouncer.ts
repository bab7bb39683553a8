import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** Where Debian's `pgbouncer` package puts the program. */
export const PGBOUNCER_PATH = "/usr/sbin/pgbouncer";

/** A PgBouncer started for tests, in front of a real PostgreSQL. */
export interface PgBouncerHandle {
  /** The upstream URL with its host and port replaced by PgBouncer's (the same user, password and database). */
  url(upstreamUrl: string): string;
  /** PgBouncer's port on 127.0.0.1. */
  port: number;
  /** Runs a command on PgBouncer's admin console (`RECONNECT`, `KILL db`, `SHOW POOLS` …) and returns its rows. */
  admin(command: string): Promise<Record<string, unknown>[]>;
  /** Everything PgBouncer logged so far. */
  log(): string;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
}

/** Options of {@linkcode startPgBouncer}. */
export interface StartPgBouncerOptions {
  /** `transaction` (the default: how most production deployments pool), `session` or `statement`. */
  poolMode?: "transaction" | "session" | "statement";
  /** Extra `[pgbouncer]` settings; none by default, so PgBouncer runs on its own defaults. */
  settings?: Record<string, string>;
}

/**
 * Starts a real PgBouncer (Debian's `pgbouncer`) on a free loopback port in
 * front of the PostgreSQL of `upstreamUrl`, with a configuration written for
 * the test: every database of that server (`* =`), the given pool mode, and
 * otherwise PgBouncer's defaults — so a startup parameter it does not know
 * (`statement_timeout`, say) is refused as it would be in production. Clients
 * are let in without a password (`auth_type = trust`); PgBouncer logs in to
 * PostgreSQL with the upstream URL's user and password. As root it runs as
 * the `postgres` user (PgBouncer refuses to run as root).
 *
 * @param upstreamUrl A `postgres://` URL of the PostgreSQL to pool.
 * @param options Pool mode and extra settings.
 * @returns The running PgBouncer.
 * @throws {Error} When `pgbouncer` is not installed (`apt-get install pgbouncer`) or does not start.
 *
 * @example
 * ```ts
 * const bouncer = await startPgBouncer(process.env.DATABASE_URL ?? "");
 * const server = await startTestServer({ DATABASE_URL: bouncer.url(database.url) });
 * await bouncer.close();
 * ```
 */
export async function startPgBouncer(
  upstreamUrl: string,
  options: StartPgBouncerOptions = {},
): Promise<PgBouncerHandle> {
  const { poolMode = "transaction", settings = {} } = options;
  if (!existsSync(PGBOUNCER_PATH)) {
    throw new Error(`Cannot start PgBouncer: ${PGBOUNCER_PATH} not found (apt-get install pgbouncer)`);
  }
  const upstream = new URL(upstreamUrl);
  const user = decodeURIComponent(upstream.username || "postgres");
  const password = decodeURIComponent(upstream.password);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "taskdl-pgbouncer-"));
  chmodSync(dir, 0o755);
  const quote = (value: string) => `"${value.replace(/"/g, '""')}"`;
  writeFileSync(join(dir, "userlist.txt"), `${quote(user)} ${quote(password)}\n`, { mode: 0o600 });
  const config = [
    "[databases]",
    `* = host=${upstream.hostname} port=${upstream.port || "5432"}`,
    "[pgbouncer]",
    "listen_addr = 127.0.0.1",
    `listen_port = ${port}`,
    "unix_socket_dir =",
    "auth_type = trust",
    `auth_file = ${join(dir, "userlist.txt")}`,
    `admin_users = ${user}`,
    `pool_mode = ${poolMode}`,
    ...Object.entries(settings).map(([name, value]) => `${name} = ${value}`),
    "",
  ].join("\n");
  writeFileSync(join(dir, "pgbouncer.ini"), config, { mode: 0o644 });
  const runAs = process.getuid?.() === 0 ? postgresUser() : undefined;
  if (runAs !== undefined)
    for (const file of ["userlist.txt", "pgbouncer.ini"]) chownSync(join(dir, file), runAs.uid, runAs.gid);

  let log = "";
  const child: ChildProcess = spawn(PGBOUNCER_PATH, [join(dir, "pgbouncer.ini")], {
    stdio: ["ignore", "pipe", "pipe"],
    cwd: dir,
    ...(runAs === undefined ? {} : { uid: runAs.uid, gid: runAs.gid }),
  });
  child.stdout?.on("data", (chunk) => (log += chunk));
  child.stderr?.on("data", (chunk) => (log += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("error", (error) => (log += `\n${error.message}`));

  const url = (target: string) => {
    const through = new URL(target);
    through.hostname = "127.0.0.1";
    through.port = String(port);
    return through.toString();
  };
  const admin = async (command: string) => {
    const client = new pg.Client({ host: "127.0.0.1", port, user, database: "pgbouncer" });
    await client.connect();
    try {
      // The admin console speaks the simple query protocol only.
      return (await client.query({ text: command, queryMode: "simple" } as pg.QueryConfig)).rows;
    } finally {
      await client.end();
    }
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await admin("SHOW VERSION");
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill("SIGKILL");
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`Cannot start PgBouncer: ${error instanceof Error ? error.message : String(error)}\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    port,
    admin,
    log: () => log,
    close: async () => {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
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
