/**
 * Writes the demo task's two outputs: a real GeoTIFF (64×64 float32 NDVI,
 * WGS 84, with GeoKeys) and a real one-page PDF report. Run once; the results
 * are committed under `packages/server/dev/fixtures/`.
 *
 *   node tools/make_demo_fixtures.ts [output folder]
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const OUT =
  process.argv[2] === undefined
    ? fileURLToPath(new URL("../packages/server/dev/fixtures/", import.meta.url))
    : `${process.argv[2].replace(/\/+$/, "")}/`;
const SIZE = 64;

function ndviValues(): Float32Array {
  const values = new Float32Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      // A field in the middle, bare soil around it, water in one corner.
      const d = Math.hypot(x - SIZE / 2, y - SIZE / 2) / (SIZE / 2);
      values[y * SIZE + x] = x + y < 12 ? -0.3 : 0.85 - 0.7 * Math.min(1, d) + 0.05 * Math.sin(x / 3) * Math.cos(y / 4);
    }
  }
  return values;
}

function geoTiff(values: Float32Array): Buffer {
  const pixels = Buffer.alloc(values.length * 4);
  values.forEach((value, index) => pixels.writeFloatLE(value, index * 4));
  const geoKeys = [1, 1, 0, 4, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326, 2054, 0, 1, 9102];
  const pixelScale = [0.0001, 0.0001, 0];
  const tiePoint = [0, 0, 0, 13.4, 52.52, 0];
  const noData = "-9999\0";
  // type: 3 SHORT, 4 LONG, 12 DOUBLE, 2 ASCII
  const tags: [number, number, number[] | string][] = [
    [256, 3, [SIZE]],
    [257, 3, [SIZE]],
    [258, 3, [32]],
    [259, 3, [1]],
    [262, 3, [1]],
    [273, 4, [0]],
    [277, 3, [1]],
    [278, 3, [SIZE]],
    [279, 4, [pixels.length]],
    [284, 3, [1]],
    [339, 3, [3]],
    [33550, 12, pixelScale],
    [33922, 12, tiePoint],
    [34735, 3, geoKeys],
    [42113, 2, noData],
  ];
  const typeSize: Record<number, number> = { 2: 1, 3: 2, 4: 4, 12: 8 };
  const ifdOffset = 8;
  const ifdSize = 2 + tags.length * 12 + 4;
  let extraOffset = ifdOffset + ifdSize;
  const extras: Buffer[] = [];
  const ifd = Buffer.alloc(ifdSize);
  ifd.writeUInt16LE(tags.length, 0);
  const stripOffsetAt = (() => {
    let size = extraOffset;
    for (const [, type, values] of tags) {
      const bytes = values.length * (typeSize[type] ?? 1);
      if (bytes > 4) size += bytes + (bytes % 2);
    }
    return size;
  })();
  tags.forEach(([tag, type, raw], index) => {
    const values = tag === 273 ? [stripOffsetAt] : raw;
    const count = values.length;
    const bytes = count * (typeSize[type] ?? 1);
    const data = Buffer.alloc(Math.max(4, bytes + (bytes % 2)));
    if (typeof values === "string") data.write(values, "latin1");
    else
      values.forEach((value, i) => {
        if (type === 3) data.writeUInt16LE(value, i * 2);
        else if (type === 4) data.writeUInt32LE(value, i * 4);
        else data.writeDoubleLE(value, i * 8);
      });
    const at = 2 + index * 12;
    ifd.writeUInt16LE(tag, at);
    ifd.writeUInt16LE(type, at + 2);
    ifd.writeUInt32LE(count, at + 4);
    if (bytes <= 4) data.copy(ifd, at + 8, 0, 4);
    else {
      ifd.writeUInt32LE(extraOffset, at + 8);
      extras.push(data);
      extraOffset += data.length;
    }
  });
  const header = Buffer.from([0x49, 0x49, 42, 0, ifdOffset, 0, 0, 0]);
  return Buffer.concat([header, ifd, ...extras, pixels]);
}

function pdf(values: Float32Array): Buffer {
  const share = (test: (value: number) => boolean) => Math.round((100 * values.filter(test).length) / values.length);
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const lines = [
    "taskdl demo: analysis report for task 12345",
    "",
    "Input: Sentinel-2 L2A scene, 64 x 64 pixels around 52.52 N, 13.40 E",
    "Output: ndvi_result.tif (NDVI, float32, EPSG:4326)",
    "",
    `Mean NDVI: ${mean.toFixed(2)}`,
    `Share of pixels with NDVI > 0.5: ${share((value) => value > 0.5)} %`,
    `Water pixels (NDVI < 0): ${share((value) => value < 0)} %`,
  ];
  const text = lines
    .map((line, i) => `BT /F1 ${i === 0 ? 16 : 11} Tf 72 ${720 - i * 22} Td (${line.replace(/[()\\]/g, "\\$&")}) Tj ET`)
    .join("\n");
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${Buffer.byteLength(text)} >>\nstream\n${text}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    "<< /Title (taskdl demo analysis report) /Producer (taskdl) >>",
  ];
  let body = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body, "latin1"));
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, "latin1");
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  body += offsets.map((offset) => `${String(offset).padStart(10, "0")} 00000 n \n`).join("");
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, "latin1");
}

const values = ndviValues();
writeFileSync(`${OUT}ndvi_result.tif`, geoTiff(values));
writeFileSync(`${OUT}analysis_report.pdf`, pdf(values));
console.log(`wrote ${OUT}ndvi_result.tif and ${OUT}analysis_report.pdf`);
