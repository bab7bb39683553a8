/**
 * Freezes a JSON-like value and everything in it: answers shared by many
 * requests are frozen so that nothing can change them once checked.
 *
 * @param value Plain objects, arrays and primitives.
 * @returns The same value, frozen.
 *
 * @example
 * ```ts
 * const answer = deepFreeze({ downloadUrls: [{ fileName: "a.tif" }] });
 * Object.isFrozen(answer.downloadUrls[0]); // true
 * ```
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
