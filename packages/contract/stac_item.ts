import { z } from "zod";

/** The media type of a STAC Item (GeoJSON). */
export const STAC_ITEM_MEDIA_TYPE = "application/geo+json";

/** The schema URLs of the STAC extensions an Item of this service may use. */
export const STAC_EXTENSIONS: {
  readonly file: "https://stac-extensions.github.io/file/v2.1.0/schema.json";
  readonly projection: "https://stac-extensions.github.io/projection/v2.0.0/schema.json";
  readonly timestamps: "https://stac-extensions.github.io/timestamps/v1.1.0/schema.json";
} = Object.freeze({
  file: "https://stac-extensions.github.io/file/v2.1.0/schema.json",
  projection: "https://stac-extensions.github.io/projection/v2.0.0/schema.json",
  timestamps: "https://stac-extensions.github.io/timestamps/v1.1.0/schema.json",
});

/** One asset of a {@linkcode StacItem}: an output file, by its signed download URL. */
export interface StacAsset {
  /** The signed URL (an asset: its download URL). */
  href: string;
  /** A human-readable title: the file name. */
  title: string;
  /** The media type. */
  type: string;
  /** What the asset is for: `data`, `metadata`, `overview`. */
  roles: string[];
  /** Size in bytes (file extension). */
  "file:size": number;
  /** SHA-256 as a multihash: `1220` + hex (file extension). */
  "file:checksum"?: string | undefined;
  /** The CRS, `EPSG:<code>` (projection extension); `null` when it has none. */
  "proj:code"?: string | null | undefined;
  /** `[rows, cols]` (projection extension). */
  "proj:shape"?: number[] | undefined;
  /** The affine transform `[a, b, c, d, e, f]` (projection extension). */
  "proj:transform"?: number[] | undefined;
  /** `[minX, minY, maxX, maxY]` in the asset's CRS (projection extension). */
  "proj:bbox"?: number[] | undefined;
}

/** A link of a {@linkcode StacItem}. */
export interface StacLink {
  /** The relation (`self`, `canonical`). */
  rel: string;
  /** The signed URL (an asset: its download URL). */
  href: string;
  /** The media type of what it points at. */
  type?: string | undefined;
  /** A title. */
  title?: string | undefined;
}

/** A GeoJSON geometry in WGS 84: the footprint of a task's rasters. */
export interface StacGeometry {
  /** `Polygon` for one footprint, `MultiPolygon` for several. */
  type: "Polygon" | "MultiPolygon";
  /** The rings, longitude/latitude. */
  coordinates: number[][][] | number[][][][];
}

/** A task's outputs as a STAC 1.1.0 Item (GeoJSON Feature). */
export interface StacItem {
  /** Always `Feature` (GeoJSON). */
  type: "Feature";
  /** Always `1.1.0`. */
  stac_version: "1.1.0";
  /** The schema URLs of the extensions used. */
  stac_extensions: string[];
  /** The task id. */
  id: string;
  /** The rasters' WGS 84 footprint; `null` when no output is georeferenced. */
  geometry: StacGeometry | null;
  /** The footprint's WGS 84 bounding box; absent without a geometry. */
  bbox?: number[] | undefined;
  /** When the task finished, was recorded and updated, and when the links expire. */
  properties: {
    /** When the task finished. */
    datetime: string;
    /** When the task was first recorded. */
    created: string;
    /** When the task was last recorded. */
    updated: string;
    /** When the links stop working (timestamps extension). */
    expires: string;
  };
  /** `self` and `canonical`: the Item's own tokenless signed URL. */
  links: StacLink[];
  /** One per output, keyed by file name, in recorded order. */
  assets: Record<string, StacAsset>;
}

const EXAMPLE: StacItem = {
  type: "Feature",
  stac_version: "1.1.0",
  stac_extensions: [STAC_EXTENSIONS.file, STAC_EXTENSIONS.projection, STAC_EXTENSIONS.timestamps],
  id: "12345",
  geometry: {
    type: "Polygon",
    coordinates: [
      [
        [13.4, 52.5136],
        [13.4064, 52.5136],
        [13.4064, 52.52],
        [13.4, 52.52],
        [13.4, 52.5136],
      ],
    ],
  },
  bbox: [13.4, 52.5136, 13.4064, 52.52],
  properties: {
    datetime: "2024-01-01T10:00:00.000Z",
    created: "2024-01-01T09:00:00.000Z",
    updated: "2024-01-01T10:00:00.000Z",
    expires: "2024-01-01T11:00:00Z",
  },
  links: [
    {
      rel: "self",
      href: "https://example.com/stac/items/12345?exp=1704106800&kid=default&sig=...",
      type: STAC_ITEM_MEDIA_TYPE,
    },
    {
      rel: "canonical",
      href: "https://example.com/stac/items/12345?exp=1704106800&kid=default&sig=...",
      type: STAC_ITEM_MEDIA_TYPE,
    },
  ],
  assets: {
    "ndvi_result.tif": {
      href: "https://example.com/download/ndvi_result.tif?token=...",
      title: "ndvi_result.tif",
      type: "image/tiff; application=geotiff",
      roles: ["data"],
      "file:size": 512000,
      "file:checksum": "1220" + "ab".repeat(32),
      "proj:code": "EPSG:4326",
      "proj:shape": [64, 64],
      "proj:transform": [0.0001, 0, 13.4, 0, -0.0001, 52.52],
      "proj:bbox": [13.4, 52.5136, 13.4064, 52.52],
    },
  },
};

const Position = z.array(z.number());

/**
 * A STAC 1.1.0 Item as this service answers it: the task's outputs as
 * assets with signed hrefs (file and projection extensions), the rasters'
 * footprint as its geometry, `expires` (timestamps extension) when the links
 * stop working. Checked against the official JSON Schemas in the service's
 * tests; this schema describes it for the OpenAPI document and the clients.
 *
 * @example
 * ```ts
 * const item = StacItem.parse(await (await fetch(url)).json());
 * Object.keys(item.assets); // ["ndvi_result.tif", …]
 * ```
 */
export const StacItem: z.ZodType<StacItem> = z
  .object({
    type: z.literal("Feature"),
    stac_version: z.literal("1.1.0"),
    stac_extensions: z.array(z.string()),
    id: z.string(),
    geometry: z
      .object({
        type: z.enum(["Polygon", "MultiPolygon"]),
        coordinates: z.union([z.array(z.array(Position)), z.array(z.array(z.array(Position)))]),
      })
      .nullable(),
    bbox: z.array(z.number()).optional(),
    properties: z.object({
      datetime: z.string().meta({ description: "When the task finished (RFC 3339)" }),
      created: z.string(),
      updated: z.string(),
      expires: z.string().meta({ description: "When the asset links stop working (RFC 3339, second precision, Z)" }),
    }),
    links: z.array(
      z.object({ rel: z.string(), href: z.string(), type: z.string().optional(), title: z.string().optional() }),
    ),
    assets: z.record(
      z.string(),
      z.object({
        href: z.string(),
        title: z.string(),
        type: z.string(),
        roles: z.array(z.string()),
        "file:size": z.number().int(),
        "file:checksum": z.string().optional(),
        "proj:code": z.string().nullable().optional(),
        "proj:shape": z.array(z.number().int()).optional(),
        "proj:transform": z.array(z.number()).optional(),
        "proj:bbox": z.array(z.number()).optional(),
      }),
    ),
  })
  .meta({ id: "StacItem", description: "A task's outputs as a STAC 1.1.0 Item", example: EXAMPLE });
