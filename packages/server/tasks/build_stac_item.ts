import { STAC_EXTENSIONS, type StacAsset, type StacGeometry, type StacItem } from "@taskdl/contract";
import type { UrlSigner } from "@taskdl/storage";
import type { Georeference } from "../geo/read_georeference.ts";
import type { TaskOutputRecord, TaskRecord } from "./task_record.ts";

/** Options of {@linkcode buildStacItem}. */
export interface BuildStacItemOptions {
  /** Signs each asset's download URL (the main path's signer). */
  signer: UrlSigner;
  /** When the asset links and the Item's own links stop working (whole seconds). */
  expiresAt: Date;
  /** The signed, tokenless URL of this Item (`self` and `canonical`). */
  selfUrl: string;
}

const GEOTIFF = "image/tiff; application=geotiff";
const OVERVIEW_TYPES = /^image\/(png|jpeg|webp|gif)\b/i;
const METADATA_TYPES = /^(application\/(pdf|xml|json|x-yaml|yaml)|text\/(plain|html|markdown|xml|csv))\b/i;

/**
 * An asset's media type: a georeferenced TIFF is `image/tiff;
 * application=geotiff`, plus `; profile=cloud-optimized` when its layout is
 * a COG's; anything else keeps the type it was recorded with.
 *
 * @param output The output as recorded.
 * @returns The media type.
 *
 * @example
 * ```ts
 * assetType({ contentType: "image/tiff", georeference: { cog: true, … } }); // "image/tiff; application=geotiff; profile=cloud-optimized"
 * ```
 */
export function assetType(output: Pick<TaskOutputRecord, "contentType" | "georeference">): string {
  const geo = output.georeference;
  if (geo !== undefined && geo !== null) return geo.cog ? `${GEOTIFF}; profile=cloud-optimized` : GEOTIFF;
  return output.contentType ?? "application/octet-stream";
}

/**
 * An asset's roles, by its media type: pictures (PNG, JPEG, WebP, GIF) are
 * `overview`; documents and text (PDF, XML, JSON, YAML, plain text, HTML,
 * Markdown, CSV) are `metadata`; everything else — rasters above all — is
 * `data`.
 *
 * @param type The asset's media type.
 * @returns The roles.
 *
 * @example
 * ```ts
 * assetRoles("application/pdf"); // ["metadata"]
 * ```
 */
export function assetRoles(type: string): string[] {
  if (OVERVIEW_TYPES.test(type)) return ["overview"];
  if (METADATA_TYPES.test(type)) return ["metadata"];
  return ["data"];
}

/**
 * A finished task as a STAC 1.1.0 Item: one asset per output in recorded
 * order (signed href, media type, roles, `file:size`, `file:checksum` as a
 * SHA-256 multihash, and for rasters the projection extension's
 * `proj:code`, `proj:shape`, `proj:transform`, `proj:bbox`), the WGS 84
 * footprints as a Polygon (one) or MultiPolygon (several) with their bbox,
 * or `geometry: null` and no bbox when no output is georeferenced.
 * `datetime` is when the task finished.
 *
 * @param task The task (`SUCCEEDED`).
 * @param options The signer, the expiry, the Item's own URL.
 * @returns The Item.
 *
 * @example
 * ```ts
 * const item = await buildStacItem(task, { signer, expiresAt, selfUrl });
 * ```
 */
export async function buildStacItem(task: TaskRecord, options: BuildStacItemOptions): Promise<StacItem> {
  const { signer, expiresAt, selfUrl } = options;
  const assets: Record<string, StacAsset> = {};
  let projected = false;
  for (const output of task.outputs) {
    const type = assetType(output);
    const href = await signer.sign(output.storageKey, {
      fileName: output.fileName,
      contentType: output.contentType ?? undefined,
      expiresAt,
      taskId: task.id,
      sha256: output.sha256 ?? undefined,
    });
    const geo = output.georeference ?? null;
    projected ||= geo !== null;
    assets[output.fileName] = {
      href,
      title: output.fileName,
      type,
      roles: assetRoles(type),
      "file:size": output.size,
      ...(output.sha256 === null ? {} : { "file:checksum": `1220${output.sha256}` }),
      ...(geo === null
        ? {}
        : {
            "proj:code": geo.code,
            "proj:shape": geo.shape,
            "proj:transform": geo.transform,
            "proj:bbox": geo.bbox,
          }),
    };
  }
  const footprints = task.outputs
    .map((output) => output.georeference?.footprint ?? null)
    .filter((ring): ring is [number, number][] => ring !== null);
  const finished = task.finishedAt ?? task.updatedAt ?? new Date(0);
  const stamp = (date: Date | undefined) => (date ?? finished).toISOString();
  return {
    type: "Feature",
    stac_version: "1.1.0",
    stac_extensions: [
      STAC_EXTENSIONS.file,
      ...(projected ? [STAC_EXTENSIONS.projection] : []),
      STAC_EXTENSIONS.timestamps,
    ],
    id: task.id,
    geometry: geometry(footprints),
    ...(footprints.length === 0 ? {} : { bbox: bbox(footprints) }),
    properties: {
      datetime: finished.toISOString(),
      created: stamp(task.createdAt),
      updated: stamp(task.updatedAt),
      expires: expiresAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
    },
    links: [
      { rel: "self", href: selfUrl, type: "application/geo+json" },
      { rel: "canonical", href: selfUrl, type: "application/geo+json" },
    ],
    assets,
  };
}

function geometry(footprints: Georeference["footprint"][]): StacGeometry | null {
  const rings = footprints as [number, number][][];
  if (rings.length === 0) return null;
  if (rings.length === 1) return { type: "Polygon", coordinates: [rings[0] as [number, number][]] };
  return { type: "MultiPolygon", coordinates: rings.map((ring) => [ring]) };
}

function bbox(footprints: [number, number][][]): number[] {
  const points = footprints.flat();
  const lons = points.map(([lon]) => lon);
  const lats = points.map(([, lat]) => lat);
  return [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
}
