// Media types of the files analysis tasks produce; anything else is plain bytes.
const BY_EXTENSION: Readonly<Record<string, string>> = {
  tif: "image/tiff",
  tiff: "image/tiff",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  pdf: "application/pdf",
  json: "application/json",
  geojson: "application/geo+json",
  csv: "text/csv",
  txt: "text/plain",
  xml: "application/xml",
  zip: "application/zip",
  gz: "application/gzip",
  nc: "application/x-netcdf",
  h5: "application/x-hdf5",
  parquet: "application/vnd.apache.parquet",
};

/** The media type of files whose kind is not known. */
export const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/**
 * Guesses a file's media type from its extension.
 *
 * @param fileName The file name.
 * @returns The media type, or `application/octet-stream` when unknown.
 *
 * @example
 * ```ts
 * guessContentType("ndvi_result.tif"); // "image/tiff"
 * ```
 */
export function guessContentType(fileName: string): string {
  const dot = fileName.lastIndexOf(".");
  if (dot < 0) return DEFAULT_CONTENT_TYPE;
  return BY_EXTENSION[fileName.slice(dot + 1).toLowerCase()] ?? DEFAULT_CONTENT_TYPE;
}
