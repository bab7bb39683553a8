// RFC 5987 attr-char, minus what encodeURIComponent already keeps: ' ( ) * must be escaped.
const NOT_ATTR_CHAR = /['()*]/g;

/**
 * Builds an RFC 6266 `Content-Disposition: attachment` value with an ASCII
 * fallback `filename` (non-ASCII and control characters become `_`, quotes
 * and backslashes are escaped) and the exact name as `filename*=UTF-8''…`.
 *
 * @param fileName The name the downloader should save the file as.
 * @returns The header value.
 *
 * @example
 * ```ts
 * contentDisposition("Karte é.tif");
 * // attachment; filename="Karte _.tif"; filename*=UTF-8''Karte%20%C3%A9.tif
 * ```
 */
export function contentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "\\$&");
  const encoded = encodeURIComponent(fileName).replace(
    NOT_ATTR_CHAR,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
