import type { DownloadUrlResp } from "@taskdl/contract";
import { formatBytes } from "./format_bytes.ts";

/**
 * What `taskdl ls` prints: a table of the files (name, size, the first 12
 * hex digits of the SHA-256, expiry of the links) and a total line, or with
 * `json` the same as one JSON document. It never shows the links
 * themselves (`taskdl urls` does).
 *
 * @param answer The API's answer.
 * @param options `json` for the JSON form.
 * @returns The text for stdout.
 *
 * @example
 * ```ts
 * process.stdout.write(listFiles(await api.getDownloadUrls("12345")));
 * ```
 */
export function listFiles(answer: DownloadUrlResp, options: { json?: boolean } = {}): string {
  const files = answer.downloadUrls.map((file) => ({
    fileName: file.fileName,
    fileSize: file.fileSize,
    sha256: file.sha256 ?? null,
    contentType: file.contentType ?? null,
    expiresAt: file.expiresAt,
  }));
  if (options.json === true) {
    return `${JSON.stringify({ taskId: answer.taskId, files, totalSize: answer.totalSize }, null, 2)}\n`;
  }
  const rows = [
    ["NAME", "SIZE", "BYTES", "SHA-256", "EXPIRES"],
    ...files.map((file) => [
      file.fileName,
      formatBytes(file.fileSize),
      String(file.fileSize),
      file.sha256 === null ? "-" : `${file.sha256.slice(0, 12)}…`,
      file.expiresAt,
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => [...(row[column] ?? "")].length))) ?? [];
  const lines = rows.map((row) =>
    row
      .map((cell, column) =>
        column === row.length - 1 ? cell : cell.padEnd((widths[column] ?? 0) + cell.length - [...cell].length),
      )
      .join("  "),
  );
  const count = files.length === 1 ? "1 file" : `${files.length} files`;
  lines.push(`${count}, ${formatBytes(answer.totalSize)} (${answer.totalSize} bytes)`);
  return `${lines.join("\n")}\n`;
}
