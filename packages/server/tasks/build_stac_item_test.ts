import assert from "node:assert/strict";
import { test } from "node:test";
import { LocalUrlSigner } from "@taskdl/storage/local";
import type { Georeference } from "../geo/read_georeference.ts";
import { assetRoles, assetType, buildStacItem } from "./build_stac_item.ts";

const GEO: Georeference = {
  code: "EPSG:4326",
  shape: [10, 20],
  transform: [0.1, 0, 13, 0, -0.1, 53],
  bbox: [13, 52, 15, 53],
  footprint: [
    [13, 52],
    [15, 52],
    [15, 53],
    [13, 53],
    [13, 52],
  ],
  cog: false,
};

test("the media type rule: a georeferenced TIFF is a GeoTIFF, a COG says so, anything else keeps its type", () => {
  assert.equal(assetType({ contentType: "image/tiff", georeference: GEO }), "image/tiff; application=geotiff");
  assert.equal(
    assetType({ contentType: "image/tiff", georeference: { ...GEO, cog: true } }),
    "image/tiff; application=geotiff; profile=cloud-optimized",
  );
  assert.equal(assetType({ contentType: "image/tiff", georeference: null }), "image/tiff");
  assert.equal(assetType({ contentType: null, georeference: null }), "application/octet-stream");
});

test("the roles rule: pictures are overviews, documents and text metadata, the rest data", () => {
  assert.deepEqual(assetRoles("image/png"), ["overview"]);
  assert.deepEqual(assetRoles("image/jpeg"), ["overview"]);
  assert.deepEqual(assetRoles("application/pdf"), ["metadata"]);
  assert.deepEqual(assetRoles("text/csv; charset=utf-8"), ["metadata"]);
  assert.deepEqual(assetRoles("application/json"), ["metadata"]);
  assert.deepEqual(assetRoles("image/tiff; application=geotiff"), ["data"]);
  assert.deepEqual(assetRoles("application/x-netcdf"), ["data"]);
  assert.deepEqual(assetRoles("application/geo+json"), ["data"], "GeoJSON is data, not metadata");
});

test("one footprint is a Polygon, several a MultiPolygon; a raster without one adds none", async () => {
  const signer = new LocalUrlSigner("/nonexistent", { baseUrl: "http://x", keys: [{ kid: "k", key: "k".repeat(32) }] });
  const output = (fileName: string, georeference: Georeference | null) => ({
    fileName,
    storageKey: fileName,
    size: 1,
    contentType: "image/tiff",
    sha256: null,
    georeference,
  });
  const task = (outputs: ReturnType<typeof output>[]) => ({
    id: "t",
    ownerId: "o",
    status: "SUCCEEDED" as const,
    outputs,
    finishedAt: new Date("2026-01-02T03:04:05.678Z"),
  });
  const options = { signer, expiresAt: new Date("2026-01-02T04:04:06Z"), selfUrl: "http://x/stac/items/t" };
  const one = await buildStacItem(task([output("a.tif", GEO), output("b.tif", { ...GEO, footprint: null })]), options);
  assert.equal(one.geometry?.type, "Polygon");
  assert.deepEqual(one.bbox, [13, 52, 15, 53]);
  assert.equal(one.properties.datetime, "2026-01-02T03:04:05.678Z");
  assert.equal(one.properties.expires, "2026-01-02T04:04:06Z");
  assert.equal(one.assets["b.tif"]?.["proj:code"], "EPSG:4326", "projection kept without a footprint");
  assert.equal("file:checksum" in (one.assets["a.tif"] ?? {}), false, "no checksum without a SHA-256");
  const moved = {
    ...GEO,
    footprint: GEO.footprint?.map(([lon, lat]) => [lon + 10, lat - 40] as [number, number]) ?? null,
  };
  const two = await buildStacItem(task([output("a.tif", GEO), output("c.tif", moved)]), options);
  assert.equal(two.geometry?.type, "MultiPolygon");
  assert.deepEqual(two.bbox, [13, 12, 25, 53]);
});
