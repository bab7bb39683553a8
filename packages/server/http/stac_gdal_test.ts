import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import { ROUTES, routePath, type StacItem } from "@taskdl/contract";
import { startTestServer, type TestServer } from "@taskdl/testing";
import { gdal, NO_GDAL } from "../geo/_gdal.ts";

// GDAL itself opens every raster asset of the Item over HTTP (/vsicurl/, ranged reads of the signed link)
// and must see the same size, geotransform and corners as the Item's projection fields.
const run = promisify(execFile);
let server: TestServer;
let fixtures: string;

before(async () => {
  server = await startTestServer();
  fixtures = mkdtempSync(join(tmpdir(), "taskdl-stac-gdal-"));
  if (NO_GDAL) return;
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
      "3",
      "-a_srs",
      srs,
      "-a_ullr",
      ...ullr,
      join(fixtures, name),
    ]);
  create("utm33.tif", "EPSG:32633", ["500000", "5800000", "506000", "5797000"]);
  create("utm32s.tif", "EPSG:32732", ["400000", "7000000", "403000", "6998000"], ["150", "100"]);
  create("wgs84.tif", "EPSG:4326", ["13.3", "52.6", "13.5", "52.5"]);
  create("big.tif", "EPSG:32633", ["500000", "5800000", "512000", "5790000"], ["1200", "1000"]);
  gdal("gdal_translate", [
    "-q",
    "-of",
    "COG",
    "-co",
    "BLOCKSIZE=256",
    join(fixtures, "big.tif"),
    join(fixtures, "cog.tif"),
  ]);
});

after(async () => {
  await server.close();
  rmSync(fixtures, { recursive: true, force: true });
});

interface GdalInfo {
  size: [number, number];
  geoTransform: number[];
  cornerCoordinates: Record<"upperLeft" | "lowerLeft" | "upperRight" | "lowerRight", [number, number]>;
  wgs84Extent?: { coordinates: number[][][] };
}

async function gdalinfo(href: string): Promise<GdalInfo> {
  const { stdout } = await run("gdalinfo", ["-json", `/vsicurl/${href}`], {
    env: { ...process.env, GDAL_DISABLE_READDIR_ON_OPEN: "EMPTY_DIR", CPL_VSIL_CURL_USE_HEAD: "NO", no_proxy: "*" },
  });
  return JSON.parse(stdout) as GdalInfo;
}

const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test(
  "gdalinfo /vsicurl/ opens every raster asset with the Item's proj:shape, proj:transform and proj:bbox",
  { skip: NO_GDAL },
  async () => {
    const files = ["utm33.tif", "utm32s.tif", "wgs84.tif", "cog.tif"];
    const outputs = [];
    for (const file of files) {
      await server.putObject(`gdal/${file}`, readFileSync(join(fixtures, file)));
      outputs.push({ fileName: file, storageKey: `gdal/${file}` });
    }
    const put = await server.putTask(
      { taskId: "gdal", ownerId: "alice", status: "SUCCEEDED", outputs },
      { createObjects: false },
    );
    assert.equal(put.status, 200);
    const res = await server.get(routePath(ROUTES.getStacItem, { taskId: "gdal" }), server.token("alice"));
    const item = (await res.json()) as StacItem;
    assert.equal(item.assets["cog.tif"]?.type, "image/tiff; application=geotiff; profile=cloud-optimized");
    const bbox = item.bbox as number[];
    for (const file of files) {
      const asset = item.assets[file];
      assert.ok(asset, file);
      const info = await gdalinfo(asset.href);
      const [cols, rows] = info.size;
      assert.deepEqual(asset["proj:shape"], [rows, cols], `${file} shape`);
      // GDAL's geotransform [c, a, b, f, d, e] is the Item's [a, b, c, d, e, f].
      const [c, a, b, f, d, e] = info.geoTransform as [number, number, number, number, number, number];
      (asset["proj:transform"] as number[]).forEach((value, index) =>
        close(value, [a, b, c, d, e, f][index] as number, `${file} transform[${index}]`),
      );
      const corners = Object.values(info.cornerCoordinates);
      const xs = corners.map(([x]) => x);
      const ys = corners.map(([, y]) => y);
      const expected = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
      (asset["proj:bbox"] as number[]).forEach((value, index) =>
        close(value, expected[index] as number, `${file} bbox[${index}]`),
      );
      // GDAL's own WGS 84 footprint lies inside the Item's bbox: the UTM rasters were reprojected, not copied.
      for (const [lon, lat] of info.wgs84Extent?.coordinates[0] ?? []) {
        assert.ok(
          (lon as number) >= (bbox[0] as number) - 1e-7 && (lon as number) <= (bbox[2] as number) + 1e-7,
          `${file} lon ${lon} in ${bbox}`,
        );
        assert.ok(
          (lat as number) >= (bbox[1] as number) - 1e-7 && (lat as number) <= (bbox[3] as number) + 1e-7,
          `${file} lat ${lat} in ${bbox}`,
        );
      }
      assert.ok((info.wgs84Extent?.coordinates[0]?.length ?? 0) >= 4, `${file}: GDAL gave a WGS 84 extent`);
    }
    // The southern-hemisphere UTM raster puts the Item's bbox below the equator; the northern ones above 52° N.
    assert.ok((bbox[1] as number) < -20 && (bbox[3] as number) > 52, `${bbox}`);
  },
);
