import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import type { PutTaskRequest } from "@taskdl/contract";
import { type Config, createLogger, loadConfig, type RunningServer, startServer } from "@taskdl/server";
import { signDevToken, type SignDevTokenOptions } from "@taskdl/server/dev";
import { createTestDatabase } from "./test_database.ts";
import { ROUTES, routePath } from "@taskdl/contract";

/** A service started for a test file, on a fresh database and storage folder. */
export interface TestServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** The validated configuration it runs with. */
  config: Config;
  /** The running service. */
  running: RunningServer;
  /** Every log line written so far (parsed JSON). */
  logLines: Record<string, unknown>[];
  /** Signs a token for a user with the service's secret. */
  token(sub: string, options?: SignDevTokenOptions): string;
  /** Writes an object into the server's storage (local folder or the test store). */
  putObject(key: string, content: string | Uint8Array): Promise<void>;
  /** Removes an object from the server's storage (local folder or the test store); none is no error. */
  deleteObject(key: string): Promise<void>;
  /** Records a task through the REST ingest path (writing missing objects first); returns the response. */
  putTask(task: PutTaskRequest, options?: { createObjects?: boolean; token?: string }): Promise<Response>;
  /** `GET` with a bearer token. */
  get(path: string, token?: string): Promise<Response>;
  /** Stops the service, drops the database, removes the folders. */
  close(): Promise<void>;
}

/** Test secrets: long enough for production rules, fixed so tests can sign tokens themselves. */
export const TEST_JWT_SECRET = "test-jwt-secret-that-is-at-least-32-bytes-long";
/** The URL signing key of test servers. */
export const TEST_URL_SIGNING_KEY = "test-url-signing-key-at-least-32-bytes-long";

/** Options of {@linkcode startTestServer}. */
export interface StartTestServerOptions {
  /**
   * A real object store to run on (from `startS3Emulator` or
   * `startAzureEmulator`): its variables select the driver, and `putObject`
   * writes into it. Unset: local storage in the test's own folder. The
   * caller closes the store.
   */
  store?: TestStore;
}

/** A real object store started for tests, and how to reach it. */
export interface TestStore {
  /** The configuration variables that select and configure its driver. */
  env: Record<string, string>;
  /** Writes an object through the store's own API. */
  putObject(key: string, content: string | Uint8Array): Promise<void>;
  /** Removes an object through the store's own API; none is no error. */
  deleteObject(key: string): Promise<void>;
  /** Stops the store and removes its data. */
  close(): Promise<void>;
}

/**
 * Starts the real service for a test: its own database on the test
 * PostgreSQL, its own storage folder, `listen(0)` on 127.0.0.1, no demo
 * data, logs captured in memory.
 *
 * @param env Extra configuration variables (`DOWNLOAD_URL_TTL`, …).
 * @param options A real object store to run on instead of local storage.
 * @returns The running service and helpers.
 *
 * @example
 * ```ts
 * const server = await startTestServer();
 * after(() => server.close());
 * const res = await server.get("/analysis/task/get/Download/url?taskId=1", server.token("alice"));
 * ```
 */
export async function startTestServer(
  env: Record<string, string> = {},
  options: StartTestServerOptions = {},
): Promise<TestServer> {
  const { store } = options;
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), "taskdl-test-"));
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    // Through a pooler (TASKDL_TEST_PGBOUNCER), change notices are listened for on PostgreSQL itself.
    ...(database.directUrl === database.url ? {} : { DATABASE_LISTEN_URL: database.directUrl }),
    ...(env.JWT_JWKS_URL === undefined ? { JWT_SECRET: TEST_JWT_SECRET } : {}),
    ...(env.URL_SIGNING_KEYS === undefined ? { URL_SIGNING_KEY: TEST_URL_SIGNING_KEY } : {}),
    SEED_DEMO: "false",
    LOG_LEVEL: "debug",
    // Tests fire requests faster than any user; the rate limit's own tests turn it on.
    RATE_LIMIT_PER_USER: "0",
    ...store?.env,
    ...env,
  });
  const logLines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split("\n")) if (line !== "") logLines.push(JSON.parse(line));
      callback();
    },
  });
  let running: RunningServer;
  try {
    running = await startServer(config, { logger: createLogger(config.logLevel, { destination: sink }) });
  } catch (error) {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const { url } = running;
  // In JWKS mode the test signs its own tokens; putTask then needs a token passed in.
  const writerToken =
    config.jwt.secret === undefined ? undefined : signDevToken(config.jwt, "pipeline", { scope: "tasks:write" });
  const storage = config.storage;
  const putObject =
    storage.driver === "local"
      ? (key: string, content: string | Uint8Array) => {
          const path = join(storage.root, key);
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, content);
          return Promise.resolve();
        }
      : (key: string, content: string | Uint8Array) => {
          if (store === undefined)
            throw new Error(`Cannot write objects into ${storage.driver} storage without a test store`);
          return store.putObject(key, content);
        };
  const deleteObject =
    storage.driver === "local"
      ? (key: string) => rm(join(storage.root, key), { force: true })
      : (key: string) => {
          if (store === undefined)
            throw new Error(`Cannot remove objects from ${storage.driver} storage without a test store`);
          return store.deleteObject(key);
        };
  return {
    url,
    config,
    running,
    logLines,
    token: (sub, options) => signDevToken(config.jwt, sub, options),
    putObject,
    deleteObject,
    putTask: async (task, options = {}) => {
      if (options.createObjects !== false) {
        for (const output of task.outputs) await putObject(output.storageKey, `content of ${output.fileName}`);
      }
      const { taskId, ...body } = task;
      return fetch(`${url}${routePath(ROUTES.putTask, { taskId })}`, {
        method: "PUT",
        headers: { Authorization: `Bearer ${options.token ?? writerToken}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    },
    get: (path, token) =>
      fetch(`${url}${path}`, token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } }),
    close: async () => {
      await running.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
