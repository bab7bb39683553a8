/**
 * Test helpers for packages that exercise the real service: a service on
 * `listen(0)` with its own database and storage folder, and per-file test
 * databases. Not part of the service's runtime API.
 *
 * @example
 * ```ts
 * import { startTestServer } from "@taskdl/server/testing";
 * const server = await startTestServer();
 * const token = server.token("alice");
 * await server.close();
 * ```
 *
 * @module
 */
export { startTestServer, TEST_JWT_SECRET, TEST_URL_SIGNING_KEY, type TestServer } from "./start_test_server.ts";
export { createTestDatabase, type TestDatabase } from "./test_database.ts";
