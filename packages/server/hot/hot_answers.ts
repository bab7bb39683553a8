/**
 * Hot answers: the rules for values that requests share. Most answers are
 * the same bytes for a while — a finished task's record does not change, and
 * its links are the same for every request within one second — so the
 * service keeps some values and hands the same object to many requests.
 * Every speed-up that does so follows these rules, and this module is their
 * one owner.
 *
 * **What is shared.** A value is shared if and only if it is frozen, deeply
 * ({@linkcode share}); {@linkcode isShared} is the one test. Nothing that is
 * not frozen is ever reused, so nothing that can still change is trusted twice.
 *
 * **Who may share it.** Only:
 * - finished tasks' records, kept by the task cache (`tasks/task_cache.ts`):
 *   a `SUCCEEDED` task, read when no write raced with the read;
 * - signed answers of tasks with many outputs, kept for the rest of their
 *   second by {@linkcode SignedAnswers} (`signed_answers.ts`), for the very
 *   record object they were made from and one expiry;
 * - what is derived from a shared value, remembered by its identity
 *   ({@linkcode derivedOf}): its success envelope (`success.ts`), the
 *   output check it passed (`validated_once.ts`), its serialised bytes (the
 *   REST face, `http/rest_handler.ts`).
 *
 * **How long.** A record until the cache drops it (a write here or on any
 * replica, its age bound, or eviction); a signed answer until its second
 * turns; a derived value as long as the value it came from (weakly held).
 * Tokens verified a moment ago (`auth/verified_tokens.ts`) are the one other
 * cache on the request path: keyed by the token's text, not by identity, and
 * bounded by the token's own expiry.
 *
 * **Never shared.** Unfinished tasks, error answers, and anything built for
 * one request.
 *
 * @module
 */

/**
 * Makes a value shareable: freezes it and everything in it, so that nothing
 * can change it once it has been checked.
 *
 * @param value Plain objects, arrays and primitives.
 * @returns The same value, frozen.
 *
 * @example
 * ```ts
 * const answer = share({ downloadUrls: [{ fileName: "a.tif" }] });
 * Object.isFrozen(answer.downloadUrls[0]); // true
 * ```
 */
export function share<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const item of Object.values(value)) share(item);
    Object.freeze(value);
  }
  return value;
}

/**
 * Whether a value is shared by requests: an object that is frozen.
 *
 * @param value Anything.
 * @returns `true` for a shared value.
 *
 * @example
 * ```ts
 * isShared(share({ a: 1 })); // true
 * ```
 */
export function isShared(value: unknown): value is object {
  return typeof value === "object" && value !== null && Object.isFrozen(value);
}

/**
 * What a derivation makes of shared values, made once per value: for a
 * shared value, the first result is remembered (weakly, by identity) and
 * returned again; any other value is derived anew every time.
 *
 * @param derive Makes the derived value.
 * @returns The derivation, remembering for shared values.
 *
 * @example
 * ```ts
 * const bytes = derivedOf((data: unknown) => Buffer.from(JSON.stringify(data)));
 * bytes(sharedAnswer) === bytes(sharedAnswer); // true
 * ```
 */
export function derivedOf<V, R>(derive: (value: V) => R): (value: V) => R {
  const made = new WeakMap<object, R>();
  return (value) => {
    if (!isShared(value)) return derive(value);
    if (made.has(value)) return made.get(value) as R;
    const result = derive(value);
    made.set(value, result);
    return result;
  };
}
