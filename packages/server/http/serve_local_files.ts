import { open } from "node:fs/promises";
import type { Context } from "koa";
import { ApiError } from "../errors/api_error.ts";
import { toErrorAnswer } from "../errors/to_error_answer.ts";
import { contentDisposition } from "../storage/content_disposition.ts";
import { DEFAULT_CONTENT_TYPE } from "../storage/content_type.ts";
import { LOCAL_FILES_PATH, type LinkRefusal, type LocalUrlSigner } from "../storage/local/local_url_signer.ts";
import { sendError } from "./send_error.ts";

const REFUSALS: Record<LinkRefusal, ApiError> = {
  unsigned: new ApiError(403, "Forbidden: the download link is not signed"),
  "bad-signature": new ApiError(403, "Forbidden: the download link's signature is not valid"),
  expired: new ApiError(410, "Gone: the download link has expired"),
};

/**
 * Serves the `local` adapter's signed links (`GET`/`HEAD /files/<key>?…`):
 * verifies the signature (403 when missing or wrong) and expiry (410), then
 * streams the file with `Content-Disposition: attachment` (RFC 6266),
 * `Content-Type`, a strong `ETag`, `Accept-Ranges: bytes` and single-range
 * support (206/416, `If-Range`), and `304` for a matching `If-None-Match`.
 * The key can never leave the storage root, through `..`, encoding or symlinks.
 *
 * @param signer The local adapter whose links these are.
 * @returns A Koa handler.
 *
 * @example
 * ```ts
 * router.get("/files/(.*)", serveLocalFiles(signer));
 * ```
 */
export function serveLocalFiles(signer: LocalUrlSigner) {
  return async function files(ctx: Context): Promise<void> {
    const key = decodeKey(ctx.path.slice(LOCAL_FILES_PATH.length));
    const verdict =
      key === undefined
        ? ({ ok: false, reason: "bad-signature" } as const)
        : signer.verify(key, new URLSearchParams(ctx.querystring));
    if (!verdict.ok) return sendError(ctx, toErrorAnswer(REFUSALS[verdict.reason]));
    const { link } = verdict;

    const path = await signer.resolve(link.key);
    if (path === undefined)
      return sendError(ctx, { code: 404, message: "Not found: the file is no longer in storage", headers: {} });
    const handle = await open(path, "r");
    let streaming = false;
    try {
      const stats = await handle.stat();
      if (!stats.isFile())
        return sendError(ctx, { code: 404, message: "Not found: the file is no longer in storage", headers: {} });
      const size = stats.size;
      const etag = `"${size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;

      ctx.set("Content-Disposition", contentDisposition(link.fileName));
      ctx.set("Content-Type", link.contentType ?? DEFAULT_CONTENT_TYPE);
      ctx.set("ETag", etag);
      ctx.set("Last-Modified", stats.mtime.toUTCString());
      ctx.set("Accept-Ranges", "bytes");
      // The URL is a credential: keep it and the file out of shared caches.
      ctx.set("Cache-Control", "private, no-store");

      if (matchesEtag(ctx.get("If-None-Match"), etag)) {
        ctx.status = 304;
        return;
      }
      const ifRange = ctx.get("If-Range");
      const range = ifRange === "" || ifRange === etag ? parseRange(ctx.get("Range"), size) : undefined;
      if (range === "unsatisfiable") {
        ctx.status = 416;
        ctx.set("Content-Range", `bytes */${size}`);
        ctx.body = "";
        return;
      }
      const [start, end] = range ?? [0, size - 1];
      if (range !== undefined) {
        ctx.status = 206;
        ctx.set("Content-Range", `bytes ${start}-${end}/${size}`);
      } else {
        ctx.status = 200;
      }
      const length = size === 0 ? 0 : end - start + 1;
      if (ctx.method === "HEAD") {
        // Koa sends the headers only; no stream is opened.
        ctx.length = length;
        return;
      }
      if (length === 0) {
        ctx.body = "";
        return;
      }
      ctx.body = handle.createReadStream({ start, end, autoClose: true });
      ctx.length = length;
      streaming = true;
    } finally {
      if (!streaming) await handle.close();
    }
  };
}

function decodeKey(raw: string): string | undefined {
  try {
    return raw.split("/").map(decodeURIComponent).join("/");
  } catch {
    return undefined;
  }
}

function matchesEtag(header: string, etag: string): boolean {
  if (header === "") return false;
  return header.split(",").some((tag) => {
    const trimmed = tag.trim();
    return trimmed === "*" || trimmed === etag || trimmed === `W/${etag}`;
  });
}

/**
 * One `bytes=` range of RFC 9110, or `undefined` to send the whole file
 * (no header, a malformed one, or several ranges, which a server may ignore).
 */
function parseRange(header: string, size: number): [number, number] | "unsatisfiable" | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return undefined;
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== "" && Number(last) < start) return undefined;
  if (start >= size) return "unsatisfiable";
  return [start, end];
}
