/** The suffix of a partial file, beside its final name: `.<name>.taskdl-part`. */
export const PARTIAL_SUFFIX = ".taskdl-part";

// Windows opens a device, not a file, for these names with any extension (CON, nul.txt, COM¹ …).
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$/i;
// deno-lint-ignore no-control-regex -- refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Why a file name from the API must not be written into the download
 * folder, or `undefined` when it is safe. Names are untrusted input: one
 * that could leave the folder (`..`, an absolute path, a separator), carry
 * a NUL or control character, open a device on Windows, or be changed by
 * Windows (a trailing dot or space, `:` for a stream) is refused on every
 * platform, so a folder pulled on Linux copies safely to Windows.
 *
 * @param name The `fileName` the API answered.
 * @returns The reason it is refused, or `undefined`.
 *
 * @example
 * ```ts
 * unsafeFileNameReason("ndvi_result.tif"); // undefined
 * unsafeFileNameReason("../etc/passwd"); // "contains a path separator"
 * ```
 */
export function unsafeFileNameReason(name: string): string | undefined {
  if (name === "") return "is empty";
  if (name === "." || name === "..") return "names a folder";
  if (name.includes("\u0000")) return "contains a NUL byte";
  if (CONTROL.test(name)) return "contains a control character";
  if (name.includes("/") || name.includes("\\")) return "contains a path separator";
  if (/^[a-zA-Z]:/.test(name) || name.includes(":")) return "contains a drive or stream separator (:)";
  if (WINDOWS_DEVICE.test(name)) return "is a reserved device name on Windows";
  if (/[. ]$/.test(name)) return "ends with a dot or a space, which Windows drops";
  if (name.includes(PARTIAL_SUFFIX)) return `contains ${PARTIAL_SUFFIX}, which taskdl keeps for its partial files`;
  if (new TextEncoder().encode(name).length > 255) return "is longer than 255 bytes";
  return undefined;
}
