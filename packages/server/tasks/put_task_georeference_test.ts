import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { MikroORM } from "@mikro-orm/postgresql";
import { PutTaskRequest } from "@taskdl/contract";
import type { UrlSigner } from "@taskdl/storage";
import { LocalUrlSigner } from "@taskdl/storage/local";
import { createTestDatabase, type TestDatabase } from "@taskdl/testing";
import { initOrm } from "../db/init_orm.ts";
import { PgTaskRepository } from "../db/pg_task_repository.ts";
import { gdal, NO_GDAL } from "../geo/_gdal.ts";
import { putTask } from "./put_task.ts";

let db: TestDatabase;
let orm: MikroORM;
let root: string;
let local: LocalUrlSigner;
let tasks: PgTaskRepository;

before(async () => {
  db = await createTestDatabase();
  orm = await initOrm(db.url);
  tasks = new PgTaskRepository(orm);
  root = mkdtempSync(join(tmpdir(), "taskdl-geo-"));
  mkdirSync(join(root, "geo"));
  local = new LocalUrlSigner(root, { baseUrl: "http://127.0.0.1:1", keys: [{ kid: "k", key: "k".repeat(32) }] });
  if (NO_GDAL) return;
  // 200 × 100 pixels of 30 m in UTM 33N, and a 2000 × 2000 float32 raster (16 MB) in the same zone.
  gdal("gdal_create", [
    "-q",
    "-of",
    "GTiff",
    "-outsize",
    "200",
    "100",
    "-bands",
    "1",
    "-ot",
    "Byte",
    "-a_srs",
    "EPSG:32633",
    "-a_ullr",
    "500000",
    "5800000",
    "506000",
    "5797000",
    join(root, "geo/utm.tif"),
  ]);
  gdal("gdal_create", [
    "-q",
    "-of",
    "GTiff",
    "-outsize",
    "2000",
    "2000",
    "-bands",
    "1",
    "-ot",
    "Float32",
    "-a_srs",
    "EPSG:32633",
    "-a_ullr",
    "500000",
    "5800000",
    "520000",
    "5780000",
    join(root, "geo/large.tif"),
  ]);
});

after(async () => {
  await orm.close();
  await db.drop();
  rmSync(root, { recursive: true, force: true });
});

const put = (body: unknown, signer: UrlSigner | undefined, onUnreadableRaster?: (name: string, error: Error) => void) =>
  putTask(PutTaskRequest.parse(body), { tasks, signer: signer ?? local, onUnreadableRaster });

test(
  "a GeoTIFF's CRS, shape, transform, bbox and WGS 84 footprint are recorded at ingest",
  { skip: NO_GDAL },
  async () => {
    await put(
      {
        taskId: "utm",
        ownerId: "alice",
        status: "SUCCEEDED",
        outputs: [{ fileName: "utm.tif", storageKey: "geo/utm.tif" }],
      },
      undefined,
    );
    const output = (await tasks.findWithOutputs("utm"))?.outputs[0];
    const geo = output?.georeference;
    assert.ok(geo);
    assert.equal(geo.code, "EPSG:32633");
    assert.deepEqual(geo.shape, [100, 200]);
    assert.deepEqual(geo.transform, [30, 0, 500000, 0, -30, 5800000]);
    assert.deepEqual(geo.bbox, [500000, 5797000, 506000, 5800000]);
    assert.equal(geo.cog, false, "a striped GeoTIFF is no COG");
    // Reprojected: UTM 33N's central meridian is 15° E; 5 800 000 m north is about 52.3° N.
    const lons = (geo.footprint ?? []).map(([lon]) => lon);
    const lats = (geo.footprint ?? []).map(([, lat]) => lat);
    assert.ok(Math.abs(Math.min(...lons) - 15) < 1e-6, `west edge ${Math.min(...lons)}`);
    assert.ok(Math.max(...lons) > 15.08 && Math.max(...lons) < 15.1, `east edge ${Math.max(...lons)}`);
    assert.ok(
      Math.min(...lats) > 52.32 && Math.max(...lats) > 52.35 && Math.max(...lats) < 52.36,
      `lats ${Math.min(...lats)}..${Math.max(...lats)}`,
    );
    assert.deepEqual(geo.footprint?.[0], geo.footprint?.at(-1), "a closed ring");
  },
);

test(
  "ingest reads a 16 MB GeoTIFF's header only: a few ranged reads, never the raster",
  { skip: NO_GDAL },
  async () => {
    let rangeBytes = 0;
    let ranges = 0;
    let wholeReads = 0;
    const counting: UrlSigner = {
      driver: local.driver,
      sign: (key, options) => local.sign(key, options),
      stat: (key) => local.stat(key),
      write: (key, body) => local.write(key, body),
      read: (key) => (wholeReads++, local.read(key)),
      readRange: async (key, offset, length) => {
        const bytes = await local.readRange(key, offset, length);
        ranges += 1;
        rangeBytes += bytes.byteLength;
        return bytes;
      },
    };
    const size = (await local.stat("geo/large.tif")).size;
    assert.ok(size > 16_000_000, `a multi-MB raster (${size} bytes)`);
    // With its SHA-256 given, nothing needs the whole file: the header is all ingest reads.
    const sha256 = createHash("sha256")
      .update(readFileSync(join(root, "geo/large.tif")))
      .digest("hex");
    const resp = await put(
      {
        taskId: "large",
        ownerId: "alice",
        status: "SUCCEEDED",
        outputs: [{ fileName: "large.tif", storageKey: "geo/large.tif", sha256 }],
      },
      counting,
    );
    assert.equal(resp.outputs[0]?.fileSize, size);
    assert.equal(wholeReads, 0, "no whole read");
    assert.ok(ranges >= 1 && ranges <= 4, `${ranges} ranged reads`);
    assert.ok(rangeBytes <= 256 * 1024, `${rangeBytes} bytes read of ${size}`);
    assert.deepEqual((await tasks.findWithOutputs("large"))?.outputs[0]?.georeference?.shape, [2000, 2000]);
  },
);

test("a .tif that cannot be parsed is ingested all the same, without georeferencing, and reported", async () => {
  await local.write("geo/broken.tif", "II*\0this is not really a TIFF");
  await local.write("geo/report.pdf", "%PDF-1.4");
  const reported: string[] = [];
  const resp = await put(
    {
      taskId: "broken",
      ownerId: "alice",
      status: "SUCCEEDED",
      outputs: [
        { fileName: "broken.tif", storageKey: "geo/broken.tif" },
        { fileName: "report.pdf", storageKey: "geo/report.pdf" },
      ],
    },
    local,
    (name, error) => reported.push(`${name}: ${error.message}`),
  );
  assert.equal(resp.outputs.length, 2);
  assert.deepEqual(reported, ['broken.tif: Cannot read the GeoTIFF header of "geo/broken.tif"']);
  const record = await tasks.findWithOutputs("broken");
  assert.deepEqual(
    record?.outputs.map((output) => output.georeference),
    [null, null],
  );
});

test("finishedAt is set when a task becomes SUCCEEDED and kept on a re-PUT while it stays so", async () => {
  await local.write("geo/a.txt", "a");
  const body = (status: string) => ({
    taskId: "fin",
    ownerId: "alice",
    status,
    outputs: [{ fileName: "a.txt", storageKey: "geo/a.txt" }],
  });
  await put(body("RUNNING"), undefined);
  assert.equal((await tasks.findWithOutputs("fin"))?.finishedAt, null);
  const beforeSuccess = Date.now();
  await put(body("SUCCEEDED"), undefined);
  const first = (await tasks.findWithOutputs("fin"))?.finishedAt;
  assert.ok(first instanceof Date && first.getTime() >= beforeSuccess - 1000);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await put(body("SUCCEEDED"), undefined);
  const again = await tasks.findWithOutputs("fin");
  assert.equal(again?.finishedAt?.getTime(), first.getTime(), "kept on a re-PUT");
  assert.ok((again?.updatedAt?.getTime() ?? 0) > first.getTime(), "while updatedAt moves");
  await put(body("FAILED"), undefined);
  assert.equal((await tasks.findWithOutputs("fin"))?.finishedAt, null, "no longer succeeded");
});

test("the migration gives tasks that had succeeded before it their last update as finishedAt", async () => {
  await orm.migrator.down({ to: "Migration20261201HashedVersion" });
  const connection = orm.em.getConnection();
  await connection.execute(
    `insert into "analysis_task" (id, owner_id, status, created_at, updated_at) values ` +
      `('old-done', 'alice', 'SUCCEEDED', '2026-01-01T00:00:00Z', '2026-01-02T03:04:05Z'), ` +
      `('old-running', 'alice', 'RUNNING', '2026-01-01T00:00:00Z', '2026-01-02T03:04:05Z')`,
  );
  await orm.migrator.up();
  assert.equal((await tasks.findWithOutputs("old-done"))?.finishedAt?.toISOString(), "2026-01-02T03:04:05.000Z");
  assert.equal((await tasks.findWithOutputs("old-running"))?.finishedAt, null);
});
