import { open } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { contentDisposition } from "../port/content_disposition.ts";
import { DEFAULT_CONTENT_TYPE } from "../port/content_type.ts";
import type { LinkServer, RefusedLink } from "../port/url_signer.ts";
import type { LinkVerdict, LocalUrlSigner } from "./local_url_signer.ts";
import { sendFileRange } from "./send_file_range.ts";

/** The path under which the service serves local files. */
export const LOCAL_FILES_PATH = "/files/";

/**
 * Serves the `local` adapter's signed links (`GET`/`HEAD /files/<key>?…`):
 * verifies the signature (refused as `unsigned` or `bad-signature`) and
 * expiry (`expired`), then streams the file with `Content-Disposition:
 * attachment` (RFC 6266), `Content-Type`, a strong `ETag`, `Accept-Ranges:
 * bytes` and single-range support (206/416, `If-Range`), and `304` for a
 * matching `If-None-Match`. A full `200` of a link that carries the
 * object's SHA-256 (format 2) sends it as `Repr-Digest: sha-256=:…:` (RFC
 * 9530). The key can never leave the storage root,
 * through `..`, encoding or symlinks (`missing` then, as for a file that is
 * gone). Refusals are the service's to answer, in its envelope.
 *
 * @example
 * ```ts
 * const refused = await signer.links.serve(req, res);
 * if (refused !== undefined) answerRefusal(res, refused.reason);
 * ```
 */
export class LocalLinks implements LinkServer {
  /** @inheritdoc */
  readonly prefix = LOCAL_FILES_PATH;
  #signer: LocalUrlSigner;

  /**
   * @param signer The adapter whose links these are.
   */
  constructor(signer: LocalUrlSigner) {
    this.#signer = signer;
  }

  /** @inheritdoc */
  async serve(req: IncomingMessage, res: ServerResponse): Promise<RefusedLink | undefined> {
    const url = req.url ?? "";
    const query = url.indexOf("?");
    // The raw path, not a URL parser's: that would resolve `..` segments before they could be refused.
    const path = query < 0 ? url : url.slice(0, query);
    const key = path.startsWith(this.prefix) ? decodeKey(path.slice(this.prefix.length)) : undefined;
    const verdict: LinkVerdict =
      key === undefined
        ? { ok: false, reason: "bad-signature" }
        : this.#signer.verify(key, new URLSearchParams(query < 0 ? "" : url.slice(query + 1)));
    if (!verdict.ok) return verdict.renew === undefined ? { reason: verdict.reason } : verdict;
    const { link } = verdict;

    const file = await this.#signer.resolve(link.key);
    if (file === undefined) return MISSING;
    const handle = await open(file, "r");
    let streaming = false;
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) return MISSING;
      const size = stats.size;
      const etag = `"${size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;

      res.setHeader("Content-Disposition", contentDisposition(link.fileName));
      res.setHeader("Content-Type", link.contentType ?? DEFAULT_CONTENT_TYPE);
      res.setHeader("ETag", etag);
      res.setHeader("Last-Modified", stats.mtime.toUTCString());
      res.setHeader("Accept-Ranges", "bytes");
      // The URL is a credential: keep it and the file out of shared caches.
      res.setHeader("Cache-Control", "private, no-store");

      if (matchesEtag(header(req, "if-none-match"), etag)) {
        res.removeHeader("Content-Type");
        res.writeHead(304).end();
        return undefined;
      }
      const ifRange = header(req, "if-range");
      const range = ifRange === "" || ifRange === etag ? parseRange(header(req, "range"), size) : undefined;
      if (range === "unsatisfiable") {
        res.setHeader("Content-Range", `bytes */${size}`);
        res.setHeader("Content-Length", 0);
        res.writeHead(416).end();
        return undefined;
      }
      const [start, end] = range ?? [0, size - 1];
      if (range !== undefined) res.setHeader("Content-Range", `bytes ${start}-${end}/${size}`);
      const length = size === 0 ? 0 : end - start + 1;
      res.setHeader("Content-Length", length);
      // RFC 9530: the digest of the whole representation, so only on a full answer (a 206 carries part of it).
      if (range === undefined && link.sha256 !== undefined) {
        res.setHeader("Repr-Digest", `sha-256=:${Buffer.from(link.sha256, "hex").toString("base64")}:`);
      }
      res.writeHead(range === undefined ? 200 : 206);
      if (req.method === "HEAD" || length === 0) {
        res.end();
        return undefined;
      }
      streaming = true;
      await sendFileRange(handle, res, start, end);
      return undefined;
    } finally {
      if (!streaming) await handle.close();
    }
  }
}

const MISSING: RefusedLink = Object.freeze({ reason: "missing" });

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return typeof value === "string" ? value : "";
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
