import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { commonResponse, DownloadUrlResp, ROUTES, routePath } from "@taskdl/contract";
import { startAzureEmulator, startS3Emulator, startTestServer, type TestServer, type TestStore } from "@taskdl/testing";

// The service end to end on each storage driver, chosen by configuration
// alone: outputs written into the real store, the task recorded through the
// ingest path (which stats the store), URLs issued through the REST path and
// fetched with plain fetch from the store itself.

const Envelope = commonResponse(DownloadUrlResp);
const run = (command: string, args: string[]) =>
  promisify(execFile)(command, args, { encoding: "buffer", maxBuffer: 1 << 20 });

const OUTPUTS = [
  { fileName: "ndvi_result.tif", storageKey: "runs/7/ndvi_result.tif", contentType: "image/tiff", bytes: 5000 },
  {
    fileName: "Bericht über «Felder».pdf",
    storageKey: "runs/7/report v1/Bericht.pdf",
    contentType: "application/pdf",
    bytes: 777,
  },
];

function content(index: number, size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 31 + index * 7) % 256);
}

const DRIVERS: { driver: string; start: () => Promise<TestStore | undefined> }[] = [
  { driver: "local", start: () => Promise.resolve(undefined) },
  { driver: "s3", start: () => startS3Emulator() },
  { driver: "azure", start: () => startAzureEmulator() },
];

for (const { driver, start } of DRIVERS) {
  describe(`STORAGE_DRIVER=${driver}`, () => {
    let store: TestStore | undefined;
    let server: TestServer;

    before(async () => {
      store = await start();
      server = await startTestServer({}, store === undefined ? {} : { store });
    });

    after(async () => {
      await server?.close();
      await store?.close();
    });

    test("ingest records real sizes, and every issued URL downloads the exact bytes with its name", async () => {
      assert.equal(server.running.signer.driver, driver);
      for (const [index, output] of OUTPUTS.entries())
        await server.putObject(output.storageKey, content(index, output.bytes));
      const put = await server.putTask(
        {
          taskId: "e2e-1",
          ownerId: "alice",
          status: "SUCCEEDED",
          outputs: OUTPUTS.map(({ fileName, storageKey, contentType }) => ({ fileName, storageKey, contentType })),
        },
        { createObjects: false },
      );
      assert.equal(put.status, 200, await put.clone().text());

      const res = await server.get(`${ROUTES.getDownloadUrl.path}?taskId=e2e-1&expiresIn=120`, server.token("alice"));
      assert.equal(res.status, 200);
      const { data } = Envelope.parse(await res.json());
      assert.ok(data !== null && data !== undefined);
      assert.equal(data.totalSize, 5000 + 777);
      for (const [index, output] of OUTPUTS.entries()) {
        const file = data.downloadUrls[index];
        assert.ok(file !== undefined);
        assert.equal(file.fileName, output.fileName);
        assert.equal(file.fileSize, output.bytes);
        const download = await fetch(file.downloadUrl);
        assert.equal(download.status, 200, `${driver}: ${output.fileName}`);
        assert.deepEqual(new Uint8Array(await download.arrayBuffer()), content(index, output.bytes));
        assert.equal(download.headers.get("content-type"), output.contentType);
        const disposition = download.headers.get("content-disposition") ?? "";
        assert.equal(decodeURIComponent(/filename\*=UTF-8''([^;]+)/.exec(disposition)?.[1] ?? ""), output.fileName);
      }
    });

    test("the stable path of each file redirects to a fresh link that fetch and curl -L follow to the exact bytes", async () => {
      // e2e-1 is recorded by the test above.
      for (const [index, output] of OUTPUTS.entries()) {
        const path = routePath(ROUTES.getFile, { taskId: "e2e-1", fileName: output.fileName });
        const headers = { Authorization: `Bearer ${server.token("alice")}` };
        const followed = await fetch(`${server.url}${path}`, { headers, redirect: "follow" });
        assert.equal(followed.status, 200, `${driver}: ${output.fileName}`);
        assert.deepEqual(new Uint8Array(await followed.arrayBuffer()), content(index, output.bytes));

        const { stdout } = await run("curl", [
          "-sSfL",
          "-H",
          `Authorization: Bearer ${server.token("alice")}`,
          "-o",
          "-",
          `${server.url}${path}`,
        ]);
        assert.deepEqual(new Uint8Array(stdout), content(index, output.bytes), `curl -L: ${output.fileName}`);
      }
    });

    test("ingest of a key the store does not hold is a 400 naming the key, and records nothing", async () => {
      const put = await server.putTask(
        {
          taskId: "e2e-2",
          ownerId: "alice",
          status: "SUCCEEDED",
          outputs: [{ fileName: "x", storageKey: "runs/none/x.bin" }],
        },
        { createObjects: false },
      );
      assert.equal(put.status, 400);
      assert.match((await put.json()).message, /runs\/none\/x\.bin/);
      const res = await server.get(`${ROUTES.getDownloadUrl.path}?taskId=e2e-2`, server.token("alice"));
      assert.equal(res.status, 404);
      await res.arrayBuffer();
    });
  });
}

describe("a store that cannot be reached", () => {
  const secretKey = "unreachable-secret-access-key";
  const UNREACHABLE: Record<string, Record<string, string>> = {
    s3: {
      STORAGE_DRIVER: "s3",
      S3_BUCKET: "outputs",
      S3_ENDPOINT: "http://127.0.0.1:9",
      S3_FORCE_PATH_STYLE: "true",
      AWS_ACCESS_KEY_ID: "unreachable-id",
      AWS_SECRET_ACCESS_KEY: secretKey,
    },
    azure: {
      STORAGE_DRIVER: "azure",
      AZURE_STORAGE_CONNECTION_STRING: `DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=${Buffer.from(secretKey).toString("base64")};BlobEndpoint=http://127.0.0.1:9/acct`,
      AZURE_STORAGE_CONTAINER: "outputs",
    },
  };
  for (const [driver, env] of Object.entries(UNREACHABLE)) {
    test(`${driver}: ingest answers a 503 envelope, and neither body nor log holds the store's secret`, async () => {
      const server = await startTestServer(env);
      try {
        const put = await server.putTask(
          { taskId: "e2e-3", ownerId: "alice", status: "SUCCEEDED", outputs: [{ fileName: "x", storageKey: "x.bin" }] },
          { createObjects: false },
        );
        assert.equal(put.status, 503);
        const body = await put.text();
        assert.deepEqual(JSON.parse(body), { code: 503, message: "Service unavailable", data: null });
        const log = JSON.stringify(server.logLines);
        assert.match(log, /Cannot reach (s3|azure) storage/);
        for (const secret of [secretKey, Buffer.from(secretKey).toString("base64")]) {
          assert.ok(!log.includes(secret) && !body.includes(secret), "the store's secret stays out of logs and bodies");
        }
      } finally {
        await server.close();
      }
    });
  }
});
