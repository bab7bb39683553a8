import { randomBytes } from "node:crypto";
import pg from "pg";

/** A database made for one test file. */
export interface TestDatabase {
  /** Its connection URL (through PgBouncer when the run goes through one: `TASKDL_TEST_PGBOUNCER`). */
  url: string;
  /** Its URL on PostgreSQL itself: `url`, unless the run goes through PgBouncer. */
  directUrl: string;
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
  const directServerUrl = process.env.TASKDL_TEST_DIRECT_DATABASE_URL || serverUrl;
  const name = `taskdl_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  // On PostgreSQL itself: a pooler in between would keep server connections open to the database it drops.
  await admin(directServerUrl, `CREATE DATABASE "${name}"`);
  const on = (base: string) => {
    const url = new URL(base);
    url.pathname = `/${name}`;
    return url.toString();
  };
  return {
    url: on(serverUrl),
    directUrl: on(directServerUrl),
    name,
    drop: () => admin(directServerUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
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
