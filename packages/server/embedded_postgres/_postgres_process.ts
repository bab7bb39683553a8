import { type ChildProcess, spawn } from "node:child_process";
import { chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunAs } from "./_run_as.ts";

/** The last lines a program printed, for the message when it fails. */
export class RecentLines {
  #lines: string[] = [];
  #onLine: (line: string) => void;

  /**
   * @param onLine Told every line as it comes.
   */
  constructor(onLine: (line: string) => void) {
    this.#onLine = onLine;
  }

  /** Takes a chunk of output. */
  add(chunk: unknown): void {
    for (const line of String(chunk).split("\n")) {
      if (line.trim() === "") continue;
      this.#lines.push(line);
      if (this.#lines.length > 12) this.#lines.shift();
      this.#onLine(line);
    }
  }

  /** The last lines, indented, one per line (or a note that there were none). */
  text(count = 6): string {
    const last = this.#lines.slice(-count);
    return last.length === 0 ? "  (it printed nothing)" : last.map((line) => `  ${line}`).join("\n");
  }
}

/** How a PostgreSQL program ended badly. */
export class ProgramFailure extends Error {
  /** The program's last lines. */
  readonly lines: string;

  /**
   * @param what What happened (`exited with code 1`).
   * @param lines Its last lines.
   * @param options The cause.
   */
  constructor(what: string, lines: string, options?: ErrorOptions) {
    super(what, options);
    this.name = "ProgramFailure";
    this.lines = lines;
  }
}

// The same environment whoever starts us: C messages, so "ready to accept connections" can be read.
const ENV = { LC_ALL: "C", LANG: "C", LC_MESSAGES: "C" };

function spawnAs(program: string, args: string[], runAs: RunAs | undefined): ChildProcess {
  return spawn(program, args, {
    env: ENV,
    // A folder every user can enter: PostgreSQL complains when it cannot enter its working directory.
    cwd: "/",
    stdio: ["ignore", "pipe", "pipe"],
    ...(runAs === undefined ? {} : { uid: runAs.uid, gid: runAs.gid }),
  });
}

/**
 * Runs `initdb` for a new cluster with its superuser's password, handed over
 * in a file only PostgreSQL's user can read, removed right after.
 *
 * @throws {ProgramFailure} When it cannot run or fails.
 */
export async function runInitdb(
  initdb: string,
  dir: string,
  options: { password: string; runAs: RunAs | undefined; output: RecentLines },
): Promise<void> {
  const { password, runAs, output } = options;
  const secrets = mkdtempSync(join(tmpdir(), "taskdl-initdb-"));
  const passwordFile = join(secrets, "password");
  try {
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (runAs !== undefined) {
      chownSync(secrets, runAs.uid, runAs.gid);
      chownSync(passwordFile, runAs.uid, runAs.gid);
    }
    const child = spawnAs(
      initdb,
      [
        `--pgdata=${dir}`,
        "--auth=scram-sha-256",
        "--username=postgres",
        `--pwfile=${passwordFile}`,
        "--encoding=UTF8",
        "--locale=C",
      ],
      runAs,
    );
    child.stdout?.on("data", (chunk) => output.add(chunk));
    child.stderr?.on("data", (chunk) => output.add(chunk));
    await new Promise<void>((resolve, reject) => {
      child.once("error", (error) => reject(new ProgramFailure(spawnFailure(error), output.text(), { cause: error })));
      child.once("close", (code, signal) => {
        if (code === 0) resolve();
        else reject(new ProgramFailure(ended(code, signal), output.text()));
      });
    });
  } finally {
    rmSync(secrets, { recursive: true, force: true });
  }
}

/** A running `postgres`. */
export interface PostgresServer {
  /** Stops it (a fast shutdown), waiting for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `postgres` on a cluster and waits until it accepts connections.
 * While it runs, this process stops it on exit, so a crash of ours does not
 * leave it behind.
 *
 * @throws {ProgramFailure} When it cannot run, exits during start-up, or is not ready in time.
 */
export async function startPostgres(
  postgres: string,
  dir: string,
  options: { port: number; runAs: RunAs | undefined; output: RecentLines; timeoutMs: number },
): Promise<PostgresServer> {
  const { port, runAs, output, timeoutMs } = options;
  const child = spawnAs(
    postgres,
    ["-D", dir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    runAs,
  );
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const killOnExit = () => child.kill("SIGINT");
  process.once("exit", killOnExit);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new ProgramFailure(`was not ready after ${timeoutMs / 1000} s`, output.text()));
      }, timeoutMs);
      const settle = (error?: Error) => {
        clearTimeout(timer);
        if (error === undefined) resolve();
        else reject(error);
      };
      child.stdout?.on("data", (chunk) => output.add(chunk));
      child.stderr?.on("data", (chunk) => {
        output.add(chunk);
        if (String(chunk).includes("database system is ready to accept connections")) settle();
      });
      child.once("error", (error) => settle(new ProgramFailure(spawnFailure(error), output.text(), { cause: error })));
      child.once("close", (code, signal) => settle(new ProgramFailure(ended(code, signal), output.text())));
    });
  } catch (error) {
    process.off("exit", killOnExit);
    throw error;
  }
  return {
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      await exited;
      process.off("exit", killOnExit);
    },
  };
}

function ended(code: number | null, signal: NodeJS.Signals | null): string {
  return signal === null ? `exited with code ${code}` : `was killed by ${signal}`;
}

function spawnFailure(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EACCES") return "could not be run: permission denied (EACCES)";
  if (code === "ENOENT") return "could not be run: no such file (ENOENT)";
  return `could not be run: ${error.message}`;
}
