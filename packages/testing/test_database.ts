import { randomBytes } from "node:crypto";
import pg from "pg";

/** A database made for one test file. */
export interface TestDatabase {
  /** Its connection URL. */
  url: string;
  /** Its name. */
  name: string;
  /** Drops it (closing any connections left). */
  drop(): Promise<void>;
}

/**
 * Creates an empty database for one test file on the server in
 * `DATABASE_URL` (the test runner points it at an embedded PostgreSQL
 * unless the caller set one), so test files never see each other's data.
 *
 * @returns The database and a way to drop it.
 * @throws {Error} When `DATABASE_URL` is not set (run tests with `npm test`).
 *
 * @example
 * ```ts
 * const db = await createTestDatabase();
 * after(() => db.drop());
 * ```
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl === undefined || serverUrl === "") {
    throw new Error("Cannot create a test database: DATABASE_URL is not set; run the tests with `npm test`");
  }
  const name = `taskdl_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  await admin(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => admin(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function admin(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
