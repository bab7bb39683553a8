/**
 * An object key as a URL path: each `/`-separated segment percent-encoded,
 * the slashes kept. Every adapter puts keys in URLs this way; S3 passes its
 * stricter RFC 3986 encoder, because SigV4 signs the path as written.
 *
 * @param key The object key.
 * @param encodeSegment How one segment is encoded (`encodeURIComponent` by default).
 * @returns The path, without a leading slash.
 *
 * @example
 * ```ts
 * keyPath("runs/1/my file.tif"); // "runs/1/my%20file.tif"
 * ```
 */
export function keyPath(key: string, encodeSegment: (segment: string) => string = encodeURIComponent): string {
  return key.split("/").map(encodeSegment).join("/");
}
