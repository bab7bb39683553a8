import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("./make_demo_fixtures.ts", import.meta.url));
const COMMITTED = fileURLToPath(new URL("../packages/server/dev/fixtures/", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "taskdl-fixtures-"));
after(() => rmSync(out, { recursive: true, force: true }));

test("the committed demo files are exactly what the generator makes", () => {
  const result = spawnSync(process.execPath, [SCRIPT, out], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  for (const name of ["ndvi_result.tif", "analysis_report.pdf"]) {
    assert.deepEqual(readFileSync(join(out, name)), readFileSync(join(COMMITTED, name)), name);
  }
});

test("the GeoTIFF is a little-endian TIFF with GeoKeys; the PDF is a PDF with an xref table", () => {
  const tif = readFileSync(join(COMMITTED, "ndvi_result.tif"));
  assert.equal(tif.subarray(0, 4).toString("latin1"), "II*\0");
  const ifd = tif.readUInt32LE(4);
  const tags = Array.from({ length: tif.readUInt16LE(ifd) }, (_, i) => tif.readUInt16LE(ifd + 2 + i * 12));
  for (const tag of [256, 257, 273, 33550, 33922, 34735]) assert.ok(tags.includes(tag), `tag ${tag}`);
  const pdf = readFileSync(join(COMMITTED, "analysis_report.pdf")).toString("latin1");
  assert.ok(pdf.startsWith("%PDF-1.4"));
  const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(pdf)?.[1]);
  assert.equal(pdf.slice(startxref, startxref + 4), "xref");
});
