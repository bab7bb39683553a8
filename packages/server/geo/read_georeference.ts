import { ObjectNotFoundError, StorageUnavailableError, type UrlSigner } from "@taskdl/storage";

/** Where a raster lies: what ingest reads from a GeoTIFF's header and keeps. */
export interface Georeference {
  /** The CRS as `EPSG:<code>`, or `null` when the file names none that has an EPSG code. */
  code: string | null;
  /** `[rows, cols]` of the full-resolution image. */
  shape: [number, number];
  /**
   * The affine transform from pixel (col, row) to CRS coordinates, in the
   * projection extension's order `[a, b, c, d, e, f]`: `x = a·col + b·row + c`, `y = d·col + e·row + f`
   * (GDAL's geotransform is `[c, a, b, f, d, e]`).
   */
  transform: [number, number, number, number, number, number];
  /** `[minX, minY, maxX, maxY]` of the image's corners, in its CRS. */
  bbox: [number, number, number, number];
  /**
   * The outline in WGS 84 longitude/latitude (a closed ring, densified along the edges so a reprojected
   * footprint follows its curve), or `null` when the CRS is not one that can be reprojected here.
   */
  footprint: [number, number][] | null;
  /** Whether the file has the layout of a Cloud Optimized GeoTIFF (see {@linkcode readGeoreference}). */
  cog: boolean;
}

/** Options of {@linkcode readGeoreference}. */
export interface ReadGeoreferenceOptions {
  /** The object's size, when known (from `stat`). */
  size?: number;
  /** Most bytes the header may take; a header larger than that is refused as unreadable. Defaults to 4 MiB. */
  maxBytes?: number;
  /** Bytes read per request (aligned blocks, each read once). Defaults to 64 KiB. */
  blockSize?: number;
}

/** A GeoTIFF header that could not be read: not a TIFF, truncated, larger than the budget. */
export class UnreadableRasterError extends Error {
  /**
   * @param key The object's key.
   * @param options The parser's error.
   */
  constructor(key: string, options?: ErrorOptions) {
    super(`Cannot read the GeoTIFF header of "${key}"`, options);
    this.name = "UnreadableRasterError";
  }
}

const EDGE_POINTS = 16;

/**
 * Reads a GeoTIFF's georeferencing from its header through the storage
 * port, with ranged reads of aligned blocks (`readRange`) — only the
 * header's IFDs and the tags they need, never the image data — parsed by
 * geotiff.js. Takes the affine transform from ModelTransformation, else from
 * the tie point and pixel scale (shifted half a pixel for PixelIsPoint, as
 * GDAL does), the CRS from the projected or geographic CRS GeoKey.
 *
 * The file counts as a COG, as GDAL's COG layout defines it, when: the
 * full-resolution image is tiled; every IFD (the image's and its
 * overviews') lies before the first tile of image data; the overviews' data
 * come before the full-resolution data, smallest first; and an image larger
 * than one tile has at least one internal overview.
 *
 * @param signer The storage port.
 * @param key The object's key.
 * @param options Its size, and the read budget.
 * @returns Where it lies, or `null` for a TIFF without georeferencing.
 * @throws {UnreadableRasterError} When the header cannot be parsed or exceeds the budget.
 * @throws {ObjectNotFoundError} When there is no such object.
 * @throws {StorageUnavailableError} When the store fails.
 *
 * @example
 * ```ts
 * const where = await readGeoreference(signer, "runs/1/ndvi.tif");
 * where?.code; // "EPSG:4326"
 * ```
 */
export async function readGeoreference(
  signer: UrlSigner,
  key: string,
  options: ReadGeoreferenceOptions = {},
): Promise<Georeference | null> {
  const { size, maxBytes = 4 * 1024 * 1024, blockSize = 64 * 1024 } = options;
  const source = new BlockSource(signer, key, { size, maxBytes, blockSize });
  // Loaded with the first GeoTIFF ingested, not at start-up: geotiff and proj4 hold about 20 MB resident.
  const [{ GeoTIFF }, { crsToWgs84 }] = await Promise.all([import("geotiff"), import("./crs_to_wgs84.ts")]);
  try {
    // deno-lint-ignore no-explicit-any
    const tiff = await GeoTIFF.fromSource(source as any);
    const image = await tiff.getImage(0);
    const keys = image.getGeoKeys() ?? {};
    const directory = image.fileDirectory;
    const width = image.getWidth();
    const height = image.getHeight();
    const transform = affine(directory, keys);
    if (transform === undefined) return null;
    const epsg = crsCode(keys);
    const corners: [number, number][] = [
      [0, 0],
      [width, 0],
      [width, height],
      [0, height],
    ].map(([col, row]) => apply(transform, col as number, row as number));
    const xs = corners.map(([x]) => x);
    const ys = corners.map(([, y]) => y);
    const toWgs84 = epsg === undefined ? undefined : crsToWgs84(epsg);
    return {
      code: epsg === undefined ? null : `EPSG:${epsg}`,
      shape: [height, width],
      transform,
      bbox: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)],
      footprint: toWgs84 === undefined ? null : outline(transform, width, height).map(toWgs84),
      cog: await isCog(tiff, image),
    };
  } catch (error) {
    if (error instanceof ObjectNotFoundError || error instanceof StorageUnavailableError) throw error;
    throw new UnreadableRasterError(key, { cause: error });
  }
}

type Affine = [number, number, number, number, number, number];
// deno-lint-ignore no-explicit-any
type Directory = any;

function affine(directory: Directory, keys: Record<string, unknown>): Affine | undefined {
  const matrix = directory.getValue("ModelTransformation") as number[] | undefined;
  let result: Affine | undefined;
  if (matrix !== undefined && matrix.length >= 8) {
    result = [matrix[0], matrix[1], matrix[3], matrix[4], matrix[5], matrix[7]] as Affine;
  } else {
    const tie = directory.getValue("ModelTiepoint") as number[] | undefined;
    const scale = directory.getValue("ModelPixelScale") as number[] | undefined;
    if (tie === undefined || scale === undefined || tie.length < 6 || scale.length < 2) return undefined;
    const [i, j, , x, y] = tie as [number, number, number, number, number];
    const [sx, sy] = scale as [number, number];
    result = [sx, 0, x - i * sx, 0, -sy, y + j * sy];
  }
  // PixelIsPoint: the tie point names a pixel's centre; GDAL moves the origin to its corner.
  if (keys.GTRasterTypeGeoKey === 2) {
    const [a, b, c, d, e, f] = result;
    result = [a, b, c - 0.5 * a - 0.5 * b, d, e, f - 0.5 * d - 0.5 * e];
  }
  return result;
}

function crsCode(keys: Record<string, unknown>): number | undefined {
  const usable = (value: unknown) => (typeof value === "number" && value > 0 && value < 32767 ? value : undefined);
  // 1: projected, 2: geographic.
  if (keys.GTModelTypeGeoKey === 1) return usable(keys.ProjectedCSTypeGeoKey);
  return usable(keys.GeographicTypeGeoKey) ?? usable(keys.ProjectedCSTypeGeoKey);
}

function apply(t: Affine, col: number, row: number): [number, number] {
  return [t[0] * col + t[1] * row + t[2], t[3] * col + t[4] * row + t[5]];
}

// The image's edge, EDGE_POINTS per side, counter-clockwise in lon/lat for north-up images (GeoJSON's right-hand rule).
function outline(t: Affine, width: number, height: number): [number, number][] {
  const pixels: [number, number][] = [];
  const side = (from: [number, number], to: [number, number]) => {
    for (let k = 0; k < EDGE_POINTS; k++) {
      pixels.push([from[0] + ((to[0] - from[0]) * k) / EDGE_POINTS, from[1] + ((to[1] - from[1]) * k) / EDGE_POINTS]);
    }
  };
  side([0, height], [width, height]);
  side([width, height], [width, 0]);
  side([width, 0], [0, 0]);
  side([0, 0], [0, height]);
  pixels.push([0, height]);
  return pixels.map(([col, row]) => apply(t, col, row));
}

// deno-lint-ignore no-explicit-any
async function isCog(tiff: any, first: any): Promise<boolean> {
  if (!first.isTiled) return false;
  const count: number = await tiff.getImageCount();
  const ifdOffsets: number[] = [tiff.firstIFDOffset];
  const dataOffsets: number[] = [];
  let overviews = 0;
  for (let index = 0; index < count; index++) {
    const image = index === 0 ? first : await tiff.getImage(index);
    const directory = image.fileDirectory;
    const subfileType = Number(directory.getValue("NewSubfileType") ?? 0);
    if (index > 0) {
      // Masks (bit 2) do not count as overviews; a second full-resolution page means this is no COG.
      if ((subfileType & 1) === 0) return false;
      if ((subfileType & 4) === 0) overviews += 1;
    }
    if (directory.nextIFDByteOffset) ifdOffsets.push(Number(directory.nextIFDByteOffset));
    const tileName = image.isTiled ? "TileOffsets" : "StripOffsets";
    dataOffsets.push(Number(await directory.loadValueIndexed(tileName, 0)));
  }
  const firstData = Math.min(...dataOffsets.filter((offset) => offset > 0));
  if (ifdOffsets.some((offset) => offset > firstData)) return false;
  // Overview data before the full-resolution data, the smallest overview first.
  for (let index = 1; index < dataOffsets.length; index++) {
    if ((dataOffsets[index] as number) >= (dataOffsets[index - 1] as number)) return false;
  }
  const largerThanATile = first.getWidth() > first.getTileWidth() || first.getHeight() > first.getTileHeight();
  return !largerThanATile || overviews > 0;
}

// geotiff.js's source interface, on readRange: aligned blocks, each read once, within a byte budget.
class BlockSource {
  #signer: UrlSigner;
  #key: string;
  #size: number | undefined;
  #maxBytes: number;
  #blockSize: number;
  #blocks = new Map<number, Promise<Uint8Array>>();
  #read = 0;

  constructor(
    signer: UrlSigner,
    key: string,
    options: { size: number | undefined; maxBytes: number; blockSize: number },
  ) {
    this.#signer = signer;
    this.#key = key;
    this.#size = options.size;
    this.#maxBytes = options.maxBytes;
    this.#blockSize = options.blockSize;
  }

  get fileSize(): number | null {
    return this.#size ?? null;
  }

  #block(index: number): Promise<Uint8Array> {
    let block = this.#blocks.get(index);
    if (block === undefined) {
      this.#read += this.#blockSize;
      if (this.#read > this.#maxBytes) {
        return Promise.reject(new RangeError(`The header takes more than ${this.#maxBytes} bytes`));
      }
      block = this.#signer.readRange(this.#key, index * this.#blockSize, this.#blockSize);
      this.#blocks.set(index, block);
    }
    return block;
  }

  fetch(slices: { offset: number; length: number }[]): Promise<ArrayBuffer[]> {
    return Promise.all(slices.map((slice) => this.#slice(slice.offset, slice.length)));
  }

  async #slice(offset: number, length: number): Promise<ArrayBuffer> {
    const first = Math.floor(offset / this.#blockSize);
    const last = Math.floor((offset + Math.max(length, 1) - 1) / this.#blockSize);
    const out = new Uint8Array(length);
    let filled = 0;
    for (let index = first; index <= last; index++) {
      const block = await this.#block(index);
      const start = Math.max(offset, index * this.#blockSize) - index * this.#blockSize;
      const piece = block.subarray(start, Math.min(block.length, start + length - filled));
      out.set(piece, filled);
      filled += piece.length;
      if (block.length < this.#blockSize) break;
    }
    return out.buffer.slice(0, filled);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
