import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ErrorResponse, ROUTES, routePath, STAC_EXTENSIONS, type StacItem } from "@taskdl/contract";
import { startTestServer, TEST_URL_SIGNING_KEY, type TestServer } from "@taskdl/testing";
import { gdal, NO_GDAL } from "../geo/_gdal.ts";
import { ItemLinks } from "../tasks/item_links.ts";
import { NO_STAC_SCHEMAS, stacValidator } from "./_stac_schemas.ts";

let server: TestServer;
let demo: TestServer;
let fixtures: string;
const validate = NO_STAC_SCHEMAS ? () => ["no schemas"] : stacValidator();

// Small GeoTIFFs made by GDAL itself: UTM 33N (projected, reprojected to WGS 84), WGS 84, Web Mercator, a COG.
function makeFixtures(dir: string): void {
  const create = (name: string, srs: string, ullr: string[], size = ["200", "100"]) =>
    gdal("gdal_create", [
      "-q",
      "-of",
      "GTiff",
      "-outsize",
      ...size,
      "-bands",
      "1",
      "-ot",
      "Byte",
      "-burn",
      "7",
      "-a_srs",
      srs,
      "-a_ullr",
      ...ullr,
      join(dir, name),
    ]);
  create("utm33.tif", "EPSG:32633", ["500000", "5800000", "506000", "5797000"]);
  create("wgs84.tif", "EPSG:4326", ["13.3", "52.6", "13.5", "52.5"]);
  create("mercator.tif", "EPSG:3857", ["1480000", "6890000", "1490000", "6885000"]);
  create("big.tif", "EPSG:4326", ["13.0", "52.6", "13.6", "52.1"], ["1200", "1000"]);
  gdal("gdal_translate", ["-q", "-of", "COG", "-co", "BLOCKSIZE=256", join(dir, "big.tif"), join(dir, "cog.tif")]);
}

before(async () => {
  server = await startTestServer();
  demo = await startTestServer({ SEED_DEMO: "true" });
  fixtures = mkdtempSync(join(tmpdir(), "taskdl-stac-"));
  if (!NO_GDAL) makeFixtures(fixtures);
});

after(async () => {
  await server.close();
  await demo.close();
  rmSync(fixtures, { recursive: true, force: true });
});

async function record(taskId: string, files: string[], status: "SUCCEEDED" | "RUNNING" = "SUCCEEDED") {
  const outputs = [];
  for (const file of files) {
    const storageKey = `stac/${taskId}/${file}`;
    await server.putObject(storageKey, file.endsWith(".tif") ? readFileSync(join(fixtures, file)) : `bytes of ${file}`);
    outputs.push({ fileName: file, storageKey });
  }
  const res = await server.putTask({ taskId, ownerId: "alice", status, outputs }, { createObjects: false });
  assert.equal(res.status, 200, await res.text());
}

async function item(on: TestServer, taskId: string, user: string, query = ""): Promise<StacItem> {
  const res = await on.get(`${routePath(ROUTES.getStacItem, { taskId })}${query}`, on.token(user));
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get("content-type")?.split(";")[0], "application/geo+json");
  return (await res.json()) as StacItem;
}

function assertValid(value: StacItem): void {
  assert.deepEqual(validate(value), [], JSON.stringify(value, null, 1));
}

function within(bbox: number[], points: number[][]): void {
  for (const [lon, lat] of points) {
    assert.ok((lon as number) >= (bbox[0] as number) && (lon as number) <= (bbox[2] as number), `${lon} in ${bbox}`);
    assert.ok((lat as number) >= (bbox[1] as number) && (lat as number) <= (bbox[3] as number), `${lat} in ${bbox}`);
  }
}

describe("GET /analysis/task/{taskId}/stac", { skip: NO_STAC_SCHEMAS }, () => {
  test("the demo task's Item is a valid STAC 1.1.0 Item with the file, projection and timestamps extensions", async () => {
    const before = Date.now();
    const value = await item(demo, "12345", "demo", "?expiresIn=600");
    assertValid(value);
    // The validator is no rubber stamp: a broken Item fails it.
    assert.notDeepEqual(
      validate({ ...value, stac_version: "1.1.0", properties: { ...value.properties, expires: "soon" } }),
      [],
    );
    assert.notDeepEqual(validate({ ...value, geometry: { type: "Polygon", coordinates: [[1, 2]] } }), []);
    assert.equal(value.id, "12345");
    assert.equal(value.stac_version, "1.1.0");
    assert.deepEqual(value.stac_extensions, [
      STAC_EXTENSIONS.file,
      STAC_EXTENSIONS.projection,
      STAC_EXTENSIONS.timestamps,
    ]);
    assert.match(value.properties.expires, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const expires = Date.parse(value.properties.expires);
    assert.ok(expires >= before + 600_000 && expires <= Date.now() + 602_000, value.properties.expires);
    assert.ok(Date.parse(value.properties.datetime) <= Date.now());
    assert.deepEqual(Object.keys(value.assets), ["ndvi_result.tif", "analysis_report.pdf"]);
    const tif = value.assets["ndvi_result.tif"];
    assert.equal(tif?.type, "image/tiff; application=geotiff");
    assert.deepEqual(tif?.roles, ["data"]);
    assert.equal(tif?.["proj:code"], "EPSG:4326");
    assert.deepEqual(tif?.["proj:shape"], [64, 64]);
    assert.match(tif?.["file:checksum"] ?? "", /^1220[0-9a-f]{64}$/);
    const pdf = value.assets["analysis_report.pdf"];
    assert.deepEqual(pdf?.roles, ["metadata"]);
    assert.equal(pdf?.["proj:code"], undefined);
    assert.equal(value.geometry?.type, "Polygon");
    // The asset hrefs are the main path's links: same signer, same expiry. Expiries are whole seconds from the
    // moment of signing, so the two are compared when both were signed in one second (a pair that straddled a
    // second boundary is asked again, at most twice).
    type Main = { data: { downloadUrls: { downloadUrl: string; expiresAt: string; sha256: string }[] } };
    let pair: { item: typeof value; main: Main } | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      const again = await item(demo, "12345", "demo", "?expiresIn=600");
      const res = await demo.get(`${ROUTES.getDownloadUrl.path}?taskId=12345&expiresIn=600`, demo.token("demo"));
      pair = { item: again, main: (await res.json()) as Main };
      if (pair.main.data.downloadUrls[0]?.expiresAt === again.properties.expires) break;
    }
    assert.ok(pair !== undefined);
    const { data } = pair.main;
    const sameSecond = pair.item.assets["ndvi_result.tif"];
    assert.equal(data.downloadUrls[0]?.expiresAt, pair.item.properties.expires);
    assert.equal(sameSecond?.href, data.downloadUrls[0]?.downloadUrl);
    assert.equal(tif?.["file:checksum"], `1220${data.downloadUrls[0]?.sha256}`);
  });

  test(
    "rasters in several CRSs give a MultiPolygon in WGS 84 whose bbox holds every footprint",
    { skip: NO_GDAL },
    async () => {
      await record("multi", ["utm33.tif", "wgs84.tif", "mercator.tif", "notes.txt"]);
      const value = await item(server, "multi", "alice");
      assertValid(value);
      assert.equal(value.geometry?.type, "MultiPolygon");
      const polygons = value.geometry?.coordinates as number[][][][];
      assert.equal(polygons.length, 3);
      const bbox = value.bbox as number[];
      for (const polygon of polygons) within(bbox, polygon[0] as number[][]);
      assert.deepEqual(
        Object.values(value.assets).map((asset) => asset["proj:code"]),
        ["EPSG:32633", "EPSG:4326", "EPSG:3857", undefined],
      );
      // UTM 33N at 500 000 m east is the 15° E meridian: reprojected, not copied.
      const utm = polygons[0]?.[0] as number[][];
      assert.ok(Math.abs(Math.min(...utm.map(([lon]) => lon as number)) - 15) < 1e-6);
      assert.deepEqual(value.assets["notes.txt"]?.roles, ["metadata"]);
    },
  );

  test("a task with no raster has geometry null, no bbox, and no projection extension", async () => {
    await record("plain", ["report.pdf", "table.csv"]);
    const value = await item(server, "plain", "alice");
    assertValid(value);
    assert.equal(value.geometry, null);
    assert.equal("bbox" in value, false);
    assert.deepEqual(value.stac_extensions, [STAC_EXTENSIONS.file, STAC_EXTENSIONS.timestamps]);
  });

  test("a COG is typed with profile=cloud-optimized; a striped GeoTIFF is not", { skip: NO_GDAL }, async () => {
    await record("cog", ["cog.tif", "big.tif"]);
    const value = await item(server, "cog", "alice");
    assertValid(value);
    assert.equal(value.assets["cog.tif"]?.type, "image/tiff; application=geotiff; profile=cloud-optimized");
    assert.equal(value.assets["big.tif"]?.type, "image/tiff; application=geotiff");
  });

  test("the signed canonical link serves the same Item without a token, and is refused once expired or changed", async () => {
    await record("linked", ["report.pdf"]);
    const value = await item(server, "linked", "alice", "?expiresIn=300");
    const canonical = value.links.find((link) => link.rel === "canonical")?.href as string;
    assert.equal(value.links.find((link) => link.rel === "self")?.href, canonical);
    assert.ok(canonical.startsWith(`${server.url}/stac/items/linked?`), canonical);
    const res = await fetch(canonical);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type")?.split(";")[0], "application/geo+json");
    assert.deepEqual(await res.json(), value);
    // The same link with an expiry in the past, signed with the service's key: refused as expired.
    const links = new ItemLinks(server.url, [{ kid: "default", key: TEST_URL_SIGNING_KEY }]);
    const expired = await fetch(links.sign("linked", "alice", new Date(Date.now() - 1000)));
    assert.equal(expired.status, 410);
    assert.equal(ErrorResponse.parse(await expired.json()).message, "Gone: the download link has expired");
    const tampered = canonical.replace(/exp=(\d+)/, (_, exp) => `exp=${Number(exp) + 60}`);
    assert.equal((await fetch(tampered)).status, 403);
    assert.equal((await fetch(canonical.split("?")[0] as string)).status, 403, "unsigned");
    // Signed for another owner: refused (the owner is under the signature).
    assert.equal((await fetch(links.sign("linked", "mallory", new Date(Date.now() + 60_000)))).status, 403);
    assert.equal((await fetch(links.sign("no-such-task", "alice", new Date(Date.now() + 60_000)))).status, 403);
  });

  test("a .tif that cannot be parsed is ingested, logged by name, and an asset without projection", async () => {
    await server.putObject("stac/broken/broken.tif", "II*\0 not a GeoTIFF at all");
    const res = await server.putTask(
      {
        taskId: "broken",
        ownerId: "alice",
        status: "SUCCEEDED",
        outputs: [{ fileName: "broken.tif", storageKey: "stac/broken/broken.tif" }],
      },
      { createObjects: false },
    );
    assert.equal(res.status, 200);
    const warned = server.logLines.filter(
      (line) => line.msg === "GeoTIFF header unreadable: recorded without georeferencing",
    );
    assert.equal(warned.length, 1);
    assert.equal(warned[0]?.fileName, "broken.tif");
    const value = await item(server, "broken", "alice");
    assertValid(value);
    assert.equal(value.assets["broken.tif"]?.type, "image/tiff");
    assert.equal(value.assets["broken.tif"]?.["proj:code"], undefined);
    assert.equal(value.geometry, null);
    // Neither the asset links nor the Item's own signed link reach the log.
    const log = JSON.stringify(server.logLines);
    for (const secret of [value.assets["broken.tif"]?.href ?? "", value.links[0]?.href ?? ""]) {
      assert.equal(log.includes(new URL(secret).search), false);
    }
    await fetch(value.links[0]?.href ?? "");
    assert.equal(JSON.stringify(server.logLines).includes(new URL(value.links[0]?.href ?? "").search), false);
  });

  test("the main path's rules: another user's task 404, no token 401, an unfinished task 400", async () => {
    await record("rules", ["report.pdf"]);
    await record("running", ["report.pdf"], "RUNNING");
    const path = (taskId: string) => routePath(ROUTES.getStacItem, { taskId });
    const expect = async (res: Response, code: number, message: string | RegExp) => {
      assert.equal(res.status, code);
      assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
      const body = ErrorResponse.parse(await res.json());
      assert.equal(body.code, code);
      if (typeof message === "string") assert.equal(body.message, message);
      else assert.match(body.message, message);
    };
    await expect(await server.get(path("rules"), server.token("bob")), 404, "Task not found");
    await expect(await fetch(`${server.url}${path("rules")}`), 401, /^Unauthorized/);
    await expect(
      await server.get(path("running"), server.token("alice")),
      400,
      "Request parameter error: task running has not finished (status RUNNING)",
    );
    await expect(
      await server.get(`${path("rules")}?expiresIn=5`, server.token("alice")),
      400,
      /^Request parameter error/,
    );
    await expect(await server.get(path("bad id!"), server.token("alice")), 400, /^Request parameter error/);
  });
});
