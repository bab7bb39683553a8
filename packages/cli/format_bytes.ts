const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/**
 * A byte count for people: `512 B`, `16.3 KiB`, `1.00 GiB`.
 *
 * @param bytes The count.
 * @returns The text.
 *
 * @example
 * ```ts
 * formatBytes(16696); // "16.3 KiB"
 * ```
 */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${bytes} B`;
  return `${value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${UNITS[unit]}`;
}
