import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { truncate } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { commonResponse, DownloadUrlResp, ROUTES, routePath, TaskResp } from "@taskdl/contract";
import {
  startAzureEmulator,
  startFaultProxy,
  startS3Emulator,
  startTestServer,
  type TestServer,
  type TestStore,
} from "@taskdl/testing";

// The service end to end on each storage driver, chosen by configuration
// alone: outputs written into the real store, the task recorded through the
// ingest path (which stats the store), URLs issued through the REST path and
// fetched with plain fetch from the store itself.

const Envelope = commonResponse(DownloadUrlResp);
const run = (command: string, args: string[]) =>
  promisify(execFile)(command, args, { encoding: "buffer", maxBuffer: 1 << 20 });

const TaskEnvelope = commonResponse(TaskResp);

const sha256Of = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

/**
 * Counts the reads that go through the service's storage port (the real
 * adapter does each one), and runs `beforeRead` first, to change the store
 * at that very moment. Returns the keys read and a restore function.
 */
function watchReads(
  server: TestServer,
  beforeRead: (key: string) => Promise<void> = () => Promise.resolve(),
): { keys: string[]; restore: () => void } {
  const signer = server.running.signer;
  const read = signer.read;
  const keys: string[] = [];
  signer.read = async (key) => {
    keys.push(key);
    await beforeRead(key);
    return read.call(signer, key);
  };
  return { keys, restore: () => void (signer.read = read) };
}

async function ingest(server: TestServer, taskId: string, status: string, outputs: object[]) {
  const res = await server.putTask({ taskId, ownerId: "alice", status, outputs } as never, { createObjects: false });
  const body = await res.json();
  return { status: res.status, body };
}

async function downloadStatus(server: TestServer, taskId: string): Promise<number> {
  const res = await server.get(`${ROUTES.getDownloadUrl.path}?taskId=${taskId}`, server.token("alice"));
  await res.arrayBuffer();
  return res.status;
}

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
        assert.equal(file.sha256, sha256Of(content(index, output.bytes)), "hashed by the service at ingest");
        const download = await fetch(file.downloadUrl);
        assert.equal(download.status, 200, `${driver}: ${output.fileName}`);
        assert.deepEqual(new Uint8Array(await download.arrayBuffer()), content(index, output.bytes));
        assert.equal(download.headers.get("content-type"), output.contentType);
        const disposition = download.headers.get("content-disposition") ?? "";
        assert.equal(decodeURIComponent(/filename\*=UTF-8''([^;]+)/.exec(disposition)?.[1] ?? ""), output.fileName);
        if (driver === "local") {
          const digest = Buffer.from(file.sha256 ?? "", "hex").toString("base64");
          assert.equal(download.headers.get("repr-digest"), `sha-256=:${digest}:`);
        }
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

    test("a re-PUT reads nothing while objects are unchanged; a changed one is read again; PENDING reads nothing", async () => {
      await server.putObject("hash/a.bin", content(1, 3000));
      await server.putObject("hash/b.bin", content(2, 3000));
      const outputs = [
        { fileName: "a.bin", storageKey: "hash/a.bin" },
        { fileName: "b.bin", storageKey: "hash/b.bin" },
      ];
      const reads = watchReads(server);
      try {
        const first = await ingest(server, "e2e-h1", "SUCCEEDED", outputs);
        assert.equal(first.status, 200);
        assert.deepEqual(reads.keys.sort(), ["hash/a.bin", "hash/b.bin"]);
        const hashes = [sha256Of(content(1, 3000)), sha256Of(content(2, 3000))];
        assert.deepEqual(
          TaskEnvelope.parse(first.body).data?.outputs.map((o) => o.sha256),
          hashes,
        );

        reads.keys.length = 0;
        const again = await ingest(server, "e2e-h1", "SUCCEEDED", outputs);
        assert.deepEqual(again, first, "the same answer");
        const elsewhere = await ingest(server, "e2e-h2", "SUCCEEDED", outputs.slice(0, 1));
        assert.equal(elsewhere.status, 200);
        assert.deepEqual(
          reads.keys,
          [],
          "a hash recorded for the key is reused, by any task, while size and version hold",
        );

        // Same size, other bytes: only the store's version tells.
        await sleep(20);
        await server.putObject("hash/b.bin", content(3, 3000));
        const changed = await ingest(server, "e2e-h1", "SUCCEEDED", outputs);
        assert.deepEqual(reads.keys, ["hash/b.bin"]);
        assert.deepEqual(
          TaskEnvelope.parse(changed.body).data?.outputs.map((o) => o.sha256),
          [hashes[0], sha256Of(content(3, 3000))],
        );

        reads.keys.length = 0;
        await server.putObject("hash/c.bin", content(4, 100));
        const pending = await ingest(server, "e2e-h3", "PENDING", [{ fileName: "c.bin", storageKey: "hash/c.bin" }]);
        assert.equal(pending.status, 200);
        assert.equal(TaskEnvelope.parse(pending.body).data?.outputs[0]?.sha256, undefined);
        const given = "ab".repeat(32);
        const stated = await ingest(server, "e2e-h3", "SUCCEEDED", [
          { fileName: "c.bin", storageKey: "hash/c.bin", sha256: given },
        ]);
        assert.equal(
          TaskEnvelope.parse(stated.body).data?.outputs[0]?.sha256,
          given,
          "a given hash is recorded as given",
        );
        assert.deepEqual(reads.keys, [], "PENDING and a given sha256 read nothing");
      } finally {
        reads.restore();
      }
    });

    test("an object that disappears while it is hashed is a 400 naming it, and nothing is written", async () => {
      await server.putObject("gone/kept.bin", content(5, 200));
      assert.equal(
        (await ingest(server, "e2e-g1", "SUCCEEDED", [{ fileName: "k", storageKey: "gone/kept.bin" }])).status,
        200,
      );
      await server.putObject("gone/vanishing.bin", content(6, 200));
      const reads = watchReads(server, (key) =>
        key === "gone/vanishing.bin" ? server.deleteObject(key) : Promise.resolve(),
      );
      try {
        const put = await ingest(server, "e2e-g1", "SUCCEEDED", [
          { fileName: "k", storageKey: "gone/kept.bin" },
          { fileName: "v", storageKey: "gone/vanishing.bin" },
        ]);
        assert.equal(put.status, 400);
        assert.equal(
          put.body.message,
          'Request parameter error: no object with storage key "gone/vanishing.bin" in storage',
        );
        assert.deepEqual(reads.keys, ["gone/vanishing.bin"], "it was there for stat, and gone for the read");
      } finally {
        reads.restore();
      }
      const res = await server.get(`${ROUTES.getDownloadUrl.path}?taskId=e2e-g1`, server.token("alice"));
      const { data } = Envelope.parse(await res.json());
      assert.deepEqual(
        data?.downloadUrls.map((vo) => vo.fileName),
        ["k"],
        "the earlier record stands",
      );
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

describe("a store that fails in the middle of a read", () => {
  const BIG = content(9, 256 * 1024);

  test("local: a file cut short while it is hashed is a 503, and nothing is written", async () => {
    const server = await startTestServer();
    try {
      await server.putObject("cut/big.bin", BIG);
      const root = (server.config.storage as { root: string }).root;
      // Truncated once its stream is open: the read gives fewer bytes than stat said.
      const signer = server.running.signer;
      const read = signer.read;
      signer.read = async (key) => {
        const stream = await read.call(signer, key);
        await truncate(join(root, key), 1000);
        return stream;
      };
      const put = await ingest(server, "e2e-c1", "SUCCEEDED", [{ fileName: "big.bin", storageKey: "cut/big.bin" }]);
      signer.read = read;
      assert.equal(put.status, 503);
      assert.deepEqual(put.body, { code: 503, message: "Service unavailable", data: null });
      assert.equal(await downloadStatus(server, "e2e-c1"), 404, "nothing was recorded");
    } finally {
      await server.close();
    }
  });

  for (const { driver, start } of DRIVERS.slice(1)) {
    test(`${driver}: a download broken off while it is hashed is a 503, and nothing is written`, async () => {
      const store = (await start()) as TestStore;
      const endpoint = /http:\/\/127\.0\.0\.1:\d+/;
      const target = Object.values(store.env)
        .map((value) => endpoint.exec(value)?.[0])
        .find(Boolean) as string;
      const proxy = await startFaultProxy(target);
      const env = Object.fromEntries(
        Object.entries(store.env).map(([name, value]) => [name, value.replace(endpoint, proxy.url)]),
      );
      const server = await startTestServer({}, { store: { ...store, env } });
      try {
        await server.putObject("cut/big.bin", BIG);
        proxy.cutGetsAfter = 16 * 1024;
        const put = await ingest(server, "e2e-c2", "SUCCEEDED", [{ fileName: "big.bin", storageKey: "cut/big.bin" }]);
        assert.ok(proxy.gets >= 1, "the object was being read");
        assert.equal(put.status, 503);
        assert.deepEqual(put.body, { code: 503, message: "Service unavailable", data: null });
        proxy.cutGetsAfter = undefined;
        assert.equal(await downloadStatus(server, "e2e-c2"), 404, "nothing was recorded");
        const healed = await ingest(server, "e2e-c2", "SUCCEEDED", [
          { fileName: "big.bin", storageKey: "cut/big.bin" },
        ]);
        assert.equal(healed.status, 200, "the same PUT succeeds once the store is whole");
        assert.equal(TaskEnvelope.parse(healed.body).data?.outputs[0]?.sha256, sha256Of(BIG));
      } finally {
        await server.close();
        await proxy.close();
        await store.close();
      }
    });
  }
});

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
