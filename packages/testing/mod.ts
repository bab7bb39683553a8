/**
 * Test helpers for packages that exercise the real service: a service on
 * `listen(0)` with its own database and storage folder, per-file test
 * databases, real S3 and Azure emulators, the arguments `npm start` runs
 * the service with, and the `taskdl-run-tests` runner (embedded PostgreSQL
 * unless `DATABASE_URL` is set). A development dependency only.
 *
 * @example
 * ```ts
 * import { startTestServer } from "@taskdl/testing";
 * const server = await startTestServer();
 * const token = server.token("alice");
 * await server.close();
 * ```
 *
 * @module
 */
export { AZURITE_ACCOUNT, startAzureEmulator, type StartAzureEmulatorOptions } from "./start_azure_emulator.ts";
export { type FaultProxy, startFaultProxy } from "./start_fault_proxy.ts";
export { S3_EMULATOR_CREDENTIALS, startS3Emulator, type StartS3EmulatorOptions } from "./start_s3_emulator.ts";
export {
  type StartTestServerOptions,
  startTestServer,
  TEST_JWT_SECRET,
  TEST_URL_SIGNING_KEY,
  type TestServer,
  type TestStore,
} from "./start_test_server.ts";
export { serviceArgs } from "./service_args.ts";
export { PGBOUNCER_PATH, type PgBouncerHandle, startPgBouncer, type StartPgBouncerOptions } from "./start_pgbouncer.ts";
export { createTestDatabase, type TestDatabase } from "./test_database.ts";
export { startTcpProxy, type StartTcpProxyOptions, type TcpProxy, type TcpProxyPlan } from "./start_tcp_proxy.ts";
export { type EmbeddedPostgresHandle, startEmbeddedPostgres } from "@taskdl/server";
