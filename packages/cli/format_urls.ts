import type { DownloadUrlResp } from "@taskdl/contract";

/** The formats of `taskdl urls`. */
export const URL_FORMATS = ["json", "aria2", "sha256sum", "curl"] as const;

/** One of {@linkcode URL_FORMATS}. */
export type UrlFormat = (typeof URL_FORMATS)[number];

/** What {@linkcode formatUrls} made: the text for stdout, and notes for stderr (no links in them). */
export interface FormattedUrls {
  /** The export itself. */
  text: string;
  /** What a person should know about it (files left out of a checksum list). */
  notes: string[];
}

/** A value inside double quotes of a curl config file: `\` and `"` escaped. */
function curlQuoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The task's links for other tools:
 *
 * - `json`: the API's answer (`taskId`, `downloadUrls`, `totalSize`);
 * - `aria2`: an input file for `aria2c -i`, each link with `out=` and, where
 *   the API gave one, `checksum=sha-256=`, which aria2c verifies;
 * - `sha256sum`: a list for `sha256sum -c`, run in the download folder
 *   (files without a SHA-256 are left out, and said so in `notes`);
 * - `curl`: a config for `curl -K`, `url` and `output` per file, with
 *   `fail` so an error answer is not saved as the file.
 *
 * The names were checked as safe before (see `unsafeFileNameReason`), so
 * none holds a newline or a path.
 *
 * @param answer The API's answer.
 * @param format The format.
 * @returns The export and notes.
 *
 * @example
 * ```ts
 * const { text } = formatUrls(answer, "aria2");
 * writeFileSync("links.aria2", text); // aria2c -i links.aria2
 * ```
 */
export function formatUrls(answer: DownloadUrlResp, format: UrlFormat): FormattedUrls {
  const files = answer.downloadUrls;
  const missing = files.filter((file) => file.sha256 === undefined).map((file) => file.fileName);
  const notes: string[] = [];
  switch (format) {
    case "json":
      return { text: `${JSON.stringify(answer, null, 2)}\n`, notes };
    case "aria2":
      if (missing.length > 0)
        notes.push(
          `No SHA-256 from the service for ${missing.length} file(s); aria2c checks only their size: ${missing.map((name) => JSON.stringify(name)).join(", ")}`,
        );
      return {
        text: files
          .map((file) =>
            [
              file.downloadUrl,
              `  out=${file.fileName}`,
              ...(file.sha256 === undefined ? [] : [`  checksum=sha-256=${file.sha256}`]),
            ].join("\n"),
          )
          .map((entry) => `${entry}\n`)
          .join(""),
        notes,
      };
    case "sha256sum":
      if (missing.length > 0)
        notes.push(
          `No SHA-256 from the service for ${missing.length} file(s), left out of the list: ${missing.map((name) => JSON.stringify(name)).join(", ")}`,
        );
      return {
        text: files
          .filter((file) => file.sha256 !== undefined)
          .map((file) => `${file.sha256}  ${file.fileName}\n`)
          .join(""),
        notes,
      };
    case "curl":
      return {
        text: [
          "# curl -K this-file: every link of the task, each saved under its name",
          "fail",
          "location",
          ...files.flatMap((file) => [
            `url = ${curlQuoted(file.downloadUrl)}`,
            `output = ${curlQuoted(file.fileName)}`,
          ]),
        ]
          .map((line) => `${line}\n`)
          .join(""),
        notes,
      };
  }
}
