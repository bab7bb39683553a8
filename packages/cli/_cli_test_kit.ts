// What the CLI's tests share: the real `taskdl` bin as a child process, and
// tasks recorded on a real test service with real objects in its store.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestServer } from "@taskdl/testing";

/** The bin as npm links it (`npx taskdl`). */
export const BIN = fileURLToPath(new URL("./bin/taskdl.js", import.meta.url));

/** What a run of the CLI did. */
export interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of {@linkcode runTaskdl}. */
export interface RunTaskdlOptions {
  /** Environment variables on top of a clean one (PATH and HOME kept). */
  env?: Record<string, string>;
  /** The working folder. */
  cwd?: string;
  /** Called with the child once it runs (to kill it mid-file, say). */
  onSpawn?: (child: ReturnType<typeof spawn>) => void;
  /** The command to run instead of `node bin/taskdl.js` (a packed install, `script`). */
  command?: [string, ...string[]];
}

/** Runs `taskdl` with arguments, as a user would, and collects what it printed. */
export function runTaskdl(args: string[], options: RunTaskdlOptions = {}): Promise<Run> {
  const [command, ...prefix] = options.command ?? [process.execPath, BIN];
  const child = spawn(command, [...prefix, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  options.onSpawn?.(child);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr })));
}

/** The SHA-256 of bytes, in hex. */
export function sha256(content: string | Uint8Array): string {
  return createHash("sha256").update(content).digest("hex");
}

/** A file of a task to record. */
export interface TaskFile {
  name: string;
  content: Uint8Array | string;
  /** Record it without a SHA-256, as records from before ingest hashed outputs are (until the backfill runs). */
  noSha256?: boolean;
}

/** Writes the files into the service's store and records the task (SUCCEEDED, owner alice) with their SHA-256. */
export async function recordTask(
  server: TestServer,
  taskId: string,
  files: TaskFile[],
  ownerId = "alice",
): Promise<void> {
  for (const [index, file] of files.entries()) await server.putObject(`runs/${taskId}/${index}`, file.content);
  const res = await server.putTask(
    {
      taskId,
      ownerId,
      status: "SUCCEEDED",
      outputs: files.map((file, index) => ({
        fileName: file.name,
        storageKey: `runs/${taskId}/${index}`,
        ...(file.noSha256 === true ? {} : { sha256: sha256(file.content) }),
      })),
    },
    { createObjects: false },
  );
  if (res.status !== 200) throw new Error(`Cannot record task ${taskId}: ${res.status} ${await res.text()}`);
  // Ingest hashes every output now; an old record is made by taking its hash away again, before anything reads it.
  const old = files.filter((file) => file.noSha256 === true).map((file) => file.name);
  if (old.length > 0) {
    await server.running.orm.em
      .getConnection()
      .execute(
        "update task_output set sha256 = null, hashed_version = null where task_id = ? and file_name in (?)",
        [taskId, old],
        "run",
      );
  }
}

/** Deterministic pseudo-random bytes (incompressible, different per seed). */
export function bytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const made: string[] = [];

/** A fresh temporary folder, removed when the test process exits. */
export function tempDir(): string {
  // Once per process: every test file runs in one of its own, and left them all behind before.
  if (made.length === 0)
    process.once("exit", () => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const dir = mkdtempSync(join(tmpdir(), "taskdl-cli-test-"));
  made.push(dir);
  return dir;
}

/** The names in a folder, sorted (hidden ones too). */
export function listDir(dir: string): string[] {
  return readdirSync(dir).sort();
}
