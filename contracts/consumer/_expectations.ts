/**
 * What the consumers expect of taskdl, as Pact matchers: shared by both
 * consumers, and checked against the contract's zod schemas by
 * `expectations_test.ts`, so the pacts cannot drift from the schemas.
 *
 * @module
 */
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { MatchersV3 } from "@pact-foundation/pact";

const { eachLike, integer, like, regex } = MatchersV3;

/** Where the pact files go (committed). */
export const PACT_DIR = fileURLToPath(new URL("../pacts/", import.meta.url));

/** The provider's name in every pact. */
export const PROVIDER = "taskdl";

/** Removes a consumer's old pact file, so interactions it no longer has do not linger. */
export function removeOldPact(consumer: string): void {
  rmSync(`${PACT_DIR}${consumer}-${PROVIDER}.json`, { force: true });
}

/** Placeholder tokens; the provider verification swaps them for real ones (see `provider/`). */
export const TOKENS = {
  alice: "valid-token-for-alice",
  pipeline: "valid-token-for-pipeline-with-tasks-write",
  invalid: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.not-the-right-signature",
} as const;

/** The `Authorization` header as the consumers send it. */
export function bearer(token: string): { Authorization: ReturnType<typeof regex> } {
  return { Authorization: regex(/^Bearer \S+$/, `Bearer ${token}`) };
}

/** RFC 3339, UTC, whole seconds, with a `Z`. */
export const UTC_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** JSON, with or without a charset. */
export const JSON_CONTENT = { "Content-Type": regex(/^application\/json(;.*)?$/, "application/json; charset=utf-8") };

function downloadUrlVo(fileName: string, contentType: string, fileSize: number) {
  return {
    fileName,
    downloadUrl: regex(
      /^https?:\/\/\S+$/,
      `https://taskdl.example.com/files/tasks/12345/${fileName}?exp=1704106800&sig=abc`,
    ),
    fileSize: integer(fileSize),
    expiresAt: regex(UTC_SECONDS, "2024-01-01T11:00:00Z"),
    contentType: like(contentType),
  };
}

/** The answer for task 12345 with its two files, in recorded order. */
export const TWO_FILES = {
  code: 200,
  message: "success",
  data: {
    taskId: "12345",
    downloadUrls: [
      downloadUrlVo("ndvi_result.tif", "image/tiff", 512000),
      downloadUrlVo("analysis_report.pdf", "application/pdf", 150000),
    ],
    totalSize: integer(662000),
  },
};

/** The error envelope. */
export function failure(code: number, message: string): { code: number; message: string; data: null } {
  return { code, message, data: null };
}

/** The recorded task the ingest path answers with. */
export const RECORDED_TASK = {
  code: 200,
  message: "success",
  data: {
    taskId: "777",
    ownerId: "alice",
    status: "SUCCEEDED",
    outputs: [{ fileName: "result.txt", fileSize: integer(6), contentType: like("text/plain") }],
    totalSize: integer(6),
  },
};

/** The ingest request for task 777. */
export const TASK_777 = {
  taskId: "777",
  ownerId: "alice",
  status: "SUCCEEDED" as const,
  outputs: [{ fileName: "result.txt", storageKey: "runs/777/result.txt" }],
};

/** GeoJSON (a STAC Item), with or without a charset. */
export const GEO_JSON_CONTENT = {
  "Content-Type": regex(/^application\/geo\+json(;.*)?$/, "application/geo+json; charset=utf-8"),
};

const SIGNED_URL = /^https?:\/\/\S+$/;

/** The STAC Item of task 12345: its two files as assets, the raster georeferenced (the demo's GeoTIFF). */
export const STAC_ITEM_12345 = {
  type: "Feature",
  stac_version: "1.1.0",
  stac_extensions: eachLike(like("https://stac-extensions.github.io/file/v2.1.0/schema.json")),
  id: "12345",
  geometry: {
    type: like("Polygon"),
    coordinates: like([
      [
        [13.4, 52.5136],
        [13.4064, 52.5136],
        [13.4064, 52.52],
        [13.4, 52.5136],
      ],
    ]),
  },
  bbox: like([13.4, 52.5136, 13.4064, 52.52]),
  properties: {
    datetime: like("2024-01-01T10:00:00.000Z"),
    created: like("2024-01-01T09:00:00.000Z"),
    updated: like("2024-01-01T10:00:00.000Z"),
    expires: regex(UTC_SECONDS, "2024-01-01T11:00:00Z"),
  },
  links: eachLike({
    rel: like("self"),
    href: regex(SIGNED_URL, "https://taskdl.example.com/stac/items/12345?exp=1704106800&kid=default&sig=abc"),
    type: like("application/geo+json"),
  }),
  assets: {
    "ndvi_result.tif": {
      href: regex(SIGNED_URL, "https://taskdl.example.com/files/tasks/12345/ndvi_result.tif?exp=1704106800&sig=abc"),
      title: "ndvi_result.tif",
      type: regex(/^image\/tiff; application=geotiff/, "image/tiff; application=geotiff"),
      roles: ["data"],
      "file:size": integer(512000),
      "file:checksum": regex(/^1220[0-9a-f]{64}$/, `1220${"ab".repeat(32)}`),
      "proj:code": like("EPSG:4326"),
      "proj:shape": like([64, 64]),
      "proj:transform": like([0.0001, 0, 13.4, 0, -0.0001, 52.52]),
      "proj:bbox": like([13.4, 52.5136, 13.4064, 52.52]),
    },
    "analysis_report.pdf": {
      href: regex(
        SIGNED_URL,
        "https://taskdl.example.com/files/tasks/12345/analysis_report.pdf?exp=1704106800&sig=abc",
      ),
      title: "analysis_report.pdf",
      type: like("application/pdf"),
      roles: ["metadata"],
      "file:size": integer(150000),
      "file:checksum": regex(/^1220[0-9a-f]{64}$/, `1220${"cd".repeat(32)}`),
    },
  },
};

/** Provider states, word for word as the provider verification handles them. */
export const STATES = {
  twoFiles: "task 12345 of alice has succeeded with ndvi_result.tif and analysis_report.pdf",
  missing: "there is no task 99999",
  foreign: "task 77777 belongs to bob",
  running: "task 55555 of alice is RUNNING",
  stored: "storage holds runs/777/result.txt",
  georeferenced: "task 12345 of alice has succeeded with a georeferenced ndvi_result.tif and analysis_report.pdf",
} as const;
