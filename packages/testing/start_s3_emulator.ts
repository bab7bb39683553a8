/// <reference path="./s3rver.d.ts" />
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { TestStore } from "./start_test_server.ts";

/** The emulator's fixed credentials (it knows only these). */
export const S3_EMULATOR_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** Options of {@linkcode startS3Emulator}. */
export interface StartS3EmulatorOptions {
  /** The bucket to create (`taskdl-test`). */
  bucket?: string;
}

/**
 * Starts a real S3-compatible server on a free loopback port (s3rver, from
 * npm, in this process: it verifies SigV4 query signatures and expiry, and
 * serves ranges and `response-*` overrides) with one empty bucket, and
 * returns the variables that point the service's `s3` driver at it.
 * s3rver needs Node >= 24.
 *
 * @param options The bucket's name.
 * @returns The store: its variables, an upload function, and `close`.
 *
 * @example
 * ```ts
 * const s3 = await startS3Emulator();
 * const server = await startTestServer({}, { store: s3 });
 * ```
 */
export async function startS3Emulator(options: StartS3EmulatorOptions = {}): Promise<TestStore> {
  const { bucket = "taskdl-test" } = options;
  assertPatched();
  const { default: S3rver } = await import("@20minutes/s3rver");
  const directory = mkdtempSync(join(tmpdir(), "taskdl-s3-"));
  const emulator = new S3rver({
    port: 0,
    address: "127.0.0.1",
    directory,
    silent: true,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const { port } = (await emulator.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    region: "us-east-1",
    endpoint,
    forcePathStyle: true,
    credentials: S3_EMULATOR_CREDENTIALS,
  });
  return {
    env: {
      STORAGE_DRIVER: "s3",
      S3_BUCKET: bucket,
      S3_REGION: "us-east-1",
      S3_ENDPOINT: endpoint,
      S3_FORCE_PATH_STYLE: "true",
      AWS_ACCESS_KEY_ID: S3_EMULATOR_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_EMULATOR_CREDENTIALS.secretAccessKey,
    },
    putObject: async (key, content) => {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: content }));
    },
    deleteObject: async (key) => {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    close: async () => {
      client.destroy();
      await emulator.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

// Without patches/@20minutes+s3rver+5.0.0.patch the emulator refuses valid URLs whose
// query holds ' or * (every filename*=UTF-8''…): say so, instead of failing tests obscurely.
function assertPatched(): void {
  const main = createRequire(import.meta.url).resolve("@20minutes/s3rver");
  const source = readFileSync(join(dirname(main), "middleware", "authentication.js"), "utf8");
  if (!source.includes("map(encodeURIComponentRFC3986).join")) {
    throw new Error(
      "s3rver is missing its SigV4 fix: run `npx patch-package` at the repository root (npm ci does it); see patches/README.md",
    );
  }
}
