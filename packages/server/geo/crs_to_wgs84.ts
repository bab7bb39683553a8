import proj4 from "proj4";

// The CRSs whose definition is built in: WGS 84, Web Mercator, ETRS89, and the UTM zones on WGS 84 and ETRS89.
function definition(code: number): string | undefined {
  if (code === 4326 || code === 4258) return "+proj=longlat +datum=WGS84 +no_defs";
  if (code === 3857) {
    return "+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +no_defs";
  }
  if (code >= 32601 && code <= 32660) return `+proj=utm +zone=${code - 32600} +datum=WGS84 +units=m +no_defs`;
  if (code >= 32701 && code <= 32760) return `+proj=utm +zone=${code - 32700} +south +datum=WGS84 +units=m +no_defs`;
  if (code >= 25828 && code <= 25838) {
    return `+proj=utm +zone=${code - 25800} +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs`;
  }
  return undefined;
}

/**
 * A function taking coordinates of an EPSG CRS to WGS 84 longitude and
 * latitude (proj4), for the CRSs whose definition is built in: EPSG:4326,
 * 4258, 3857, the UTM zones 326xx/327xx (WGS 84) and 258xx (ETRS89).
 *
 * @param code The EPSG code.
 * @returns The conversion, or `undefined` for a CRS not built in.
 *
 * @example
 * ```ts
 * crsToWgs84(32633)?.([500000, 5800000]); // ≈ [15, 52.3]
 * ```
 */
export function crsToWgs84(code: number): ((xy: [number, number]) => [number, number]) | undefined {
  const from = definition(code);
  if (from === undefined) return undefined;
  if (code === 4326 || code === 4258) return (xy) => [xy[0], xy[1]];
  const converter = proj4(from, "EPSG:4326");
  return (xy) => {
    const [lon, lat] = converter.forward(xy) as [number, number];
    return [lon, lat];
  };
}
