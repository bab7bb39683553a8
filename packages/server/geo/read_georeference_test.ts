import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { LocalUrlSigner } from "@taskdl/storage/local";
import { gdal, NO_GDAL } from "./_gdal.ts";
import { readGeoreference, UnreadableRasterError } from "./read_georeference.ts";

let root: string;
let signer: LocalUrlSigner;

before(() => {
  root = mkdtempSync(join(tmpdir(), "taskdl-georef-"));
  signer = new LocalUrlSigner(root, { baseUrl: "http://127.0.0.1:1", keys: [{ kid: "k", key: "k".repeat(32) }] });
  if (NO_GDAL) return;
  const at = (name: string) => join(root, name);
  gdal("gdal_create", [
    "-q",
    "-of",
    "GTiff",
    "-outsize",
    "1200",
    "1000",
    "-bands",
    "1",
    "-ot",
    "Byte",
    "-burn",
    "9",
    "-a_srs",
    "EPSG:32633",
    "-a_ullr",
    "500000",
    "5800000",
    "512000",
    "5790000",
    at("striped.tif"),
  ]);
  gdal("gdal_translate", ["-q", "-of", "COG", "-co", "BLOCKSIZE=256", at("striped.tif"), at("cog.tif")]);
  // Tiled, with overviews added afterwards: their IFDs and data land after the image's data, as no COG has them.
  gdal("gdal_translate", [
    "-q",
    "-co",
    "TILED=YES",
    "-co",
    "BLOCKXSIZE=256",
    "-co",
    "BLOCKYSIZE=256",
    at("striped.tif"),
    at("tiled.tif"),
  ]);
  gdal("gdaladdo", ["-q", at("tiled.tif"), "2", "4"]);
});

after(() => rmSync(root, { recursive: true, force: true }));

test(
  "a COG by GDAL's layout is told from a tiled GeoTIFF with overviews added after its data",
  { skip: NO_GDAL },
  async () => {
    assert.equal((await readGeoreference(signer, "cog.tif"))?.cog, true);
    assert.equal((await readGeoreference(signer, "tiled.tif"))?.cog, false);
    assert.equal((await readGeoreference(signer, "striped.tif"))?.cog, false);
    const cog = await readGeoreference(signer, "cog.tif");
    assert.deepEqual(cog?.shape, [1000, 1200]);
    assert.deepEqual(cog?.transform, [10, 0, 500000, 0, -10, 5800000]);
  },
);

test("a header larger than the budget, or no TIFF at all, is unreadable", { skip: NO_GDAL }, async () => {
  await assert.rejects(readGeoreference(signer, "cog.tif", { maxBytes: 1024, blockSize: 512 }), UnreadableRasterError);
  await signer.write("junk.tif", "not a tiff");
  await assert.rejects(readGeoreference(signer, "junk.tif"), UnreadableRasterError);
});
