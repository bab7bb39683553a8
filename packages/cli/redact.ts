/**
 * Removes secrets from a text meant for a person (stderr, progress): the
 * given ones (the token) wherever they stand, the query of every URL (where
 * signed links carry their signatures: `sig=`, `X-Amz-Signature=`, a SAS),
 * and anything shaped like a JWT. Every message of the CLI passes through
 * it, so a failure that quotes a link or a header cannot leak it.
 *
 * @param text The text.
 * @param secrets Exact strings to remove (empty ones are ignored).
 * @returns The text without them.
 *
 * @example
 * ```ts
 * redact("GET http://h/f?sig=abc failed", []); // "GET http://h/f?… failed"
 * ```
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  return out
    .replace(/(\bhttps?:\/\/[^\s?#"'<>]*)\?[^\s"'<>]*/gi, "$1?…")
    .replace(/\beyJ[\w-]{6,}\.[\w-]{6,}\.[\w-]*/g, "[redacted]");
}
